"""Query operations may read from a read replica; mutations never do."""

from collections.abc import Iterator

from strawberry.extensions import SchemaExtension
from strawberry.types.graphql import OperationType

from schema.database import reads_from_replica


class ReplicaReadsForQueries(SchemaExtension):
    """Mark the execution of a query operation as safe to serve from a replica.

    The mark only matters when DATABASE_REPLICA_URL configures the router
    (config/db_routers.py); without a replica every read goes to the primary.
    """

    def on_execute(self) -> Iterator[None]:
        if self.execution_context.operation_type is OperationType.QUERY:
            with reads_from_replica():
                yield
        else:
            yield
