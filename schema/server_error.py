"""The answer to a request that failed outside GraphQL execution (handler500).

Signing the user in (the session lookup) and the session middleware use the
database before and after the schema runs. An outage before it runs is caught
by the view (schema/views.py); one after it, or any other failure, reaches
Django, which calls this view instead of GraphQL's own error masking. API
clients get a GraphQL-shaped error, never Django's HTML page.
"""

import logging
import sys

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.views import defaults

from schema.database import is_database_unavailable
from schema.error_codes import GatewayErrorCode

from .errors import UNAVAILABLE_MESSAGE, UNEXPECTED_MESSAGE
from .http import GRAPHQL_RESPONSE_JSON, error_response, response_media_type

logger = logging.getLogger("ordergraph.errors")

# Seconds a client should wait before retrying: a restart takes about that.
RETRY_AFTER_SECONDS = 1


def unavailable_response(
    request: HttpRequest, error: BaseException | None
) -> HttpResponse:
    """Answer SERVICE_UNAVAILABLE for an outage met outside GraphQL execution."""
    logger.warning("Database unavailable outside GraphQL: %s", error)
    media_type = response_media_type(request.headers.get("Accept"))
    # application/json answers 200, as when a resolver meets the outage; the
    # GraphQL-over-HTTP spec wants a response without `data` in
    # application/graphql-response+json to be a 4xx or 5xx.
    status = 503 if media_type == GRAPHQL_RESPONSE_JSON else 200
    response = error_response(
        status,
        UNAVAILABLE_MESSAGE,
        media_type=media_type,
        code=GatewayErrorCode.SERVICE_UNAVAILABLE,
    )
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def server_error(request: HttpRequest) -> HttpResponse:
    """Answer with a GraphQL-shaped error on the API, Django's page elsewhere."""
    if not request.path.startswith(reverse("graphql")):
        return defaults.server_error(request)
    # Django calls the handler while handling the exception, so it is current.
    error = sys.exc_info()[1]
    if is_database_unavailable(error):
        return unavailable_response(request, error)
    # Django has logged the exception with its stack trace already.
    return error_response(
        500,
        UNEXPECTED_MESSAGE,
        media_type=response_media_type(request.headers.get("Accept")),
        code=GatewayErrorCode.INTERNAL_SERVER_ERROR,
    )
