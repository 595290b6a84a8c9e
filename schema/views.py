"""The GraphQL endpoint: GraphiQL for browsers, JSON for clients."""

from collections.abc import Callable
from functools import wraps
from typing import Any, cast

import orjson
from cross_web import AsyncHTTPRequestAdapter, HTTPException, parse_content_type
from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.core.serializers.json import DjangoJSONEncoder
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.views.decorators.csrf import csrf_exempt, csrf_protect, ensure_csrf_cookie
from strawberry.django.views import AsyncGraphQLView, TemporalHttpResponse
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData
from strawberry.schema.exceptions import InvalidOperationTypeError
from strawberry.types import ExecutionResult

from schema.database import is_database_unavailable
from schema.error_codes import GatewayErrorCode

from . import persisted, request_json
from .context import RequestContext
from .graphiql import graphiql_page
from .http import (
    CHUNKED_BODY,
    GRAPHQL_RESPONSE_JSON,
    JSON,
    JSON_ONLY,
    MUTATION_OVER_GET,
    MethodNotAllowed,
    error_response,
    graphql_request,
    is_request_error,
    response_media_type,
    too_large_response,
)
from .observability.records import record_of
from .schema import schema
from .server_error import unavailable_response

# An async Django view (django-stubs types as_view() as a plain callable).
AsyncView = Callable[..., Any]
DJANGO_JSON = DjangoJSONEncoder()


class GraphQLView(AsyncGraphQLView[RequestContext, None]):
    async def dispatch(  # type: ignore[override]
        self, request: HttpRequest, *args: Any, **kwargs: Any
    ) -> HttpResponseBase:
        media_type = response_media_type(request.headers.get("Accept"))
        try:
            return await self.run(request=request)
        except HTTPException as error:
            allow = error.allow if isinstance(error, MethodNotAllowed) else None
            if error.status_code == 405 and allow is None:
                allow = "GET, POST"
            return error_response(
                error.status_code, error.reason, media_type=media_type, allow=allow
            )
        except RequestDataTooBig:
            return too_large_response(media_type)
        except (InterfaceError, OperationalError) as error:
            # Met before execution (the session lookup in get_context): answer
            # as a resolver meeting it does, not with handler500's 5xx.
            if not is_database_unavailable(error):
                raise
            return unavailable_response(request, error)

    async def get_context(
        self, request: HttpRequest, response: HttpResponse
    ) -> RequestContext:
        # Resolve the session user once, here, so resolvers never touch the
        # database from async code to learn who is asking.
        request.user = await request.auser()
        return RequestContext(request=request, response=response)

    async def render_graphql_ide(self, request: HttpRequest) -> HttpResponse:
        return graphiql_page(request)

    async def process_result(
        self, request: HttpRequest, result: ExecutionResult
    ) -> GraphQLHTTPResponse:
        response = await super().process_result(request, result)
        if (record := record_of(request)) is not None:
            record.result_noted = True
            record.note_errors(cast(list[dict[str, Any]], response.get("errors") or []))
            cost = (response.get("extensions") or {}).get("cost")
            if isinstance(cost, dict):
                record.cost = cost.get("requested")
        return response

    async def get_sub_response(self, request: HttpRequest) -> TemporalHttpResponse:
        sub_response = await super().get_sub_response(request)
        # Its headers are copied onto the response: this picks the media type.
        sub_response["Content-Type"] = response_media_type(
            request.headers.get("Accept")
        )
        return sub_response

    async def parse_http_body(
        self, request: AsyncHTTPRequestAdapter
    ) -> GraphQLRequestData:
        if request.method == "GET":
            return graphql_request(self.parse_query_params(request.query_params))
        # A form, multipart or text/plain POST is a "simple" request that a
        # browser sends cross-site without a preflight: only JSON gets through.
        content_type, _ = parse_content_type(request.content_type or "")
        if content_type != JSON:
            raise HTTPException(400, JSON_ONLY)
        if "chunked" in request.headers.get("Transfer-Encoding", "").lower():
            # Django reads a body by its Content-Length: a chunked one would
            # look empty, and the error would blame the JSON.
            raise HTTPException(411, CHUNKED_BODY)
        return graphql_request(self.parse_json(await request.get_body()))

    def encode_json(self, data: object) -> bytes:
        # orjson: a page of 100 orders encodes several times faster than with
        # the json module; anything it does not know goes through Django's.
        return orjson.dumps(data, default=DJANGO_JSON.default)

    def decode_json(self, data: str | bytes) -> object:
        # POST bodies and GET's variables= and extensions= parameters alike.
        return request_json.loads(data)

    async def execute_single(  # type: ignore[override]
        self,
        *,
        request_adapter: AsyncHTTPRequestAdapter,
        request_data: GraphQLRequestData,
        **kwargs: Any,
    ) -> ExecutionResult:
        try:
            document = persisted.resolve(request_data.query, request_data.extensions)
        except persisted.DocumentRefused as refused:
            return refused.as_result()
        request_data.query = document.query
        try:
            result = await super().execute_single(
                request_adapter=request_adapter, request_data=request_data, **kwargs
            )
        except HTTPException as error:
            # Strawberry answers a mutation over GET with 400; the spec says 405.
            if request_adapter.method == "GET" and isinstance(
                error.__cause__, InvalidOperationTypeError
            ):
                raise MethodNotAllowed(MUTATION_OVER_GET, allow="POST") from error
            raise
        # Stored once it has run: it parsed, validated and passed every limit.
        if document.store_as and document.query and result.data is not None:
            persisted.store(document.store_as, document.query)
        return result

    def create_response(
        self,
        response_data: GraphQLHTTPResponse | list[GraphQLHTTPResponse],
        sub_response: HttpResponse,
    ) -> HttpResponseBase:
        if (
            sub_response["Content-Type"] == GRAPHQL_RESPONSE_JSON
            and isinstance(response_data, dict)
            and is_request_error(response_data)
        ):
            # Refused before execution: no `data` entry, and a 4xx status
            # (429 for an empty cost bucket, with its Retry-After).
            errors = cast(list[dict[str, Any]], response_data.get("errors") or [])
            codes = {(error.get("extensions") or {}).get("code") for error in errors}
            response_data = {  # type: ignore[assignment]
                key: value for key, value in response_data.items() if key != "data"
            }
            sub_response.status_code = (
                429 if GatewayErrorCode.THROTTLED in codes else 400
            )
        return super().create_response(response_data, sub_response)


def csrf_protect_session_requests(view: AsyncView) -> AsyncView:
    """Check the CSRF token of requests that carry the session cookie only.

    A forged cross-site request is dangerous because the browser adds the
    victim's session cookie by itself; a request without that cookie acts as
    nobody, so a token proves nothing there, and clients without cookies
    (curl, server-side fetch, CI) need not fetch one first. Cookie-less POSTs
    stay safe from being sent cross-site on someone's behalf: only JSON bodies
    are accepted, and a browser sends a cross-site JSON POST only after a CORS
    preflight that this API does not grant.
    """
    protected = csrf_protect(view)

    async def checked(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        if settings.SESSION_COOKIE_NAME in request.COOKIES:
            return await protected(request, *args, **kwargs)
        return await view(request, *args, **kwargs)

    return cast(AsyncView, csrf_exempt(wraps(view)(checked)))


# GET sets the csrftoken cookie that cookie-authenticated POSTs send back.
graphql_view = ensure_csrf_cookie(
    csrf_protect_session_requests(
        GraphQLView.as_view(
            schema=schema,
            graphql_ide="graphiql" if settings.GRAPHQL_IDE_ENABLED else None,
        )
    )
)
