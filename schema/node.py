import strawberry
from strawberry import relay


@strawberry.type
class NodeQueries:
    node: relay.Node | None = relay.node(
        description="Any object by its global ID (relay refetch); null when not found."
    )
