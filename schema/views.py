"""The GraphQL endpoint: GraphiQL for browsers, JSON for clients."""

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import ensure_csrf_cookie
from strawberry.django.views import AsyncGraphQLView

from backend.common.graphql.context import Context

from .schema import schema


class GraphQLView(AsyncGraphQLView[Context, None]):
    async def get_context(
        self, request: HttpRequest, response: HttpResponse
    ) -> Context:
        # Resolve the session user once, here, so resolvers never touch the
        # database from async code to learn who is asking.
        request.user = await request.auser()
        return Context(request=request, response=response)


# GET sets the csrftoken cookie that cookie-authenticated POSTs send back.
graphql_view = ensure_csrf_cookie(
    GraphQLView.as_view(
        schema=schema,
        graphql_ide="graphiql" if settings.GRAPHQL_IDE_ENABLED else None,
    )
)
