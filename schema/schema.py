"""The one GraphQL schema: merges what each app contributes."""

import strawberry
from django.conf import settings
from strawberry.extensions import ParserCache
from strawberry.schema.config import StrawberryConfig
from strawberry.tools import merge_types

from backend.accounts.graphql.schema import AccountMutations, AccountQueries
from backend.orders.graphql.schema import (
    OrderMutations,
    OrderQueries,
    OrderSubscriptions,
)
from backend.products.graphql.schema import (
    ProductMutations,
    ProductQueries,
    ProductSubscriptions,
)
from schema.limits.extensions import limit_extensions
from schema.limits.throttle import CostThrottle
from schema.limits.validation import MeasuredValidation
from schema.node import NodeQueries
from schema.scalars import SCALAR_OVERRIDES

from .errors import MaskUnexpectedErrors
from .execution import AttributeFastPathExecutor
from .observability.extension import observe_operation
from .routing import ReplicaReadsForQueries
from .transport import OperationsByTransport

Query = merge_types(
    "Query", (NodeQueries, AccountQueries, ProductQueries, OrderQueries)
)
Mutation = merge_types("Mutation", (AccountMutations, ProductMutations, OrderMutations))
Subscription = merge_types("Subscription", (ProductSubscriptions, OrderSubscriptions))

schema = strawberry.Schema(
    query=Query,
    mutation=Mutation,
    subscription=Subscription,
    config=StrawberryConfig(
        relay_max_results=settings.GRAPHQL_MAX_PAGE_SIZE,
        # "Did you mean ...?" would map the schema that introspection hides.
        disable_field_suggestions=not settings.GRAPHQL_INTROSPECTION_ENABLED,
    ),
    execution_context_class=AttributeFastPathExecutor,
    scalar_overrides=SCALAR_OVERRIDES,
    extensions=[
        # First: its spans enclose everything the others do.
        observe_operation,
        # Before the limits: RequestLimits' `cost` result replaces its own.
        CostThrottle,
        OperationsByTransport,
        *limit_extensions(),
        ParserCache,
        MeasuredValidation,
        MaskUnexpectedErrors,
        # Only with a replica configured: nothing to route otherwise.
        *([ReplicaReadsForQueries] if "replica" in settings.DATABASES else []),
    ],
)
