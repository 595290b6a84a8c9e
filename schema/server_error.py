"""The answer to a request that failed outside GraphQL execution (handler500).

Signing the user in (the session lookup) and the session middleware use the
database before and after the schema runs; when that fails, Django calls this
view instead of GraphQL's own error masking. API clients get a GraphQL-shaped
error, never Django's HTML page.
"""

import json
import sys

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.views import defaults

from backend.common.db import is_database_unavailable
from backend.common.errors import ErrorCode

from .errors import UNAVAILABLE_MESSAGE
from .http import response_media_type

# Seconds a client should wait before retrying: a restart takes about that.
RETRY_AFTER_SECONDS = 1


def graphql_error(
    request: HttpRequest, message: str, code: str, status: int
) -> HttpResponse:
    body = {"errors": [{"message": message, "extensions": {"code": code}}]}
    media_type = response_media_type(request.headers.get("Accept"))
    return HttpResponse(json.dumps(body), status=status, content_type=media_type)


def server_error(request: HttpRequest) -> HttpResponse:
    """Answer with a GraphQL-shaped error on the API, Django's page elsewhere."""
    if not request.path.startswith(reverse("graphql")):
        return defaults.server_error(request)
    # Django calls the handler while handling the exception, so it is current.
    if is_database_unavailable(sys.exc_info()[1]):
        # 503 (not 200): nothing ran, and proxies, monitors and client retry
        # policies all read it as "temporarily unavailable".
        response = graphql_error(
            request, UNAVAILABLE_MESSAGE, ErrorCode.SERVICE_UNAVAILABLE.value, 503
        )
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    # Django has logged the exception with its stack trace already.
    return graphql_error(request, "Unexpected error.", "INTERNAL_SERVER_ERROR", 500)
