import strawberry
import strawberry_django
from strawberry import relay


@strawberry.type
class NodeQueries:
    node: relay.Node | None = strawberry_django.node(
        description="Any object by its global ID (relay refetch); null when not found."
    )
