"""GraphQL over HTTP: media types, request shapes and request errors.

Follows the GraphQL-over-HTTP spec: `application/json` answers 200 to every
well-formed request; `application/graphql-response+json`, when the client asks
for it, answers 400 to a request that fails before execution (no `data`).
"""

import json
from typing import Any

from cross_web import HTTPException
from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import REASON_CSRF_TOKEN_MISSING, REASON_NO_CSRF_COOKIE
from django.urls import reverse
from django.views.csrf import csrf_failure as django_csrf_failure
from django.views.defaults import bad_request as django_bad_request
from strawberry.http import GraphQLRequestData

from backend.common.errors import ErrorCodes
from schema.error_codes import HTTP_STATUS_CODES, GatewayErrorCode

JSON = "application/json"
GRAPHQL_RESPONSE_JSON = "application/graphql-response+json"

BATCH_REFUSED = (
    "Batched requests (a JSON array of operations) are not accepted: send one "
    "operation per request."
)
NOT_AN_OBJECT = (
    'The request body must be a JSON object: {"query": "...", "variables": {...}}.'
)
CHUNKED_BODY = (
    "Send the request body with a Content-Length header; chunked request bodies "
    "are not read."
)
JSON_ONLY = (
    "POST bodies must be JSON, sent with Content-Type: application/json (forms, "
    "multipart and text/plain are refused)."
)
MUTATION_OVER_GET = "Mutations are only accepted over POST."


class MethodNotAllowed(HTTPException):
    def __init__(self, reason: str, *, allow: str) -> None:
        super().__init__(405, reason)
        self.allow = allow


def _quality(accept: str, wanted: tuple[str, ...]) -> float:
    """The highest q the Accept header gives any of `wanted` (0 when none)."""
    best = 0.0
    for item in accept.split(","):
        media_type, *parameters = (part.strip() for part in item.split(";"))
        if media_type.lower() not in wanted:
            continue
        quality = 1.0
        for parameter in parameters:
            name, _, value = parameter.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        best = max(best, quality)
    return best


def response_media_type(accept: str | None) -> str:
    """`application/graphql-response+json` only when the client names it and
    prefers it at least as much as `application/json`; otherwise JSON."""
    if not accept:
        return JSON
    preferred = _quality(accept, (GRAPHQL_RESPONSE_JSON,))
    plain = _quality(accept, (JSON, "application/*", "*/*"))
    return GRAPHQL_RESPONSE_JSON if preferred > 0 and preferred >= plain else JSON


def is_request_error(response: Any) -> bool:
    """True for a response to a request refused before execution began."""
    if not isinstance(response, dict) or response.get("data") is not None:
        return False
    errors = response.get("errors") or []
    return bool(errors) and all("path" not in error for error in errors)


def error_response(
    status: int,
    message: str,
    *,
    media_type: str,
    allow: str | None = None,
    code: ErrorCodes | None = None,
) -> HttpResponse:
    """A GraphQL-shaped error body; the code follows the status unless given."""
    if code is None:
        code = HTTP_STATUS_CODES.get(status, GatewayErrorCode.BAD_REQUEST)
    body = {"errors": [{"message": message, "extensions": {"code": code.value}}]}
    response = HttpResponse(json.dumps(body), status=status, content_type=media_type)
    if allow:
        response["Allow"] = allow
    return response


def too_large_response(media_type: str) -> HttpResponse:
    return error_response(
        413,
        f"The request body is larger than {settings.DATA_UPLOAD_MAX_MEMORY_SIZE} "
        "bytes (DATA_UPLOAD_MAX_MEMORY_SIZE).",
        media_type=media_type,
    )


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """handler400: a JSON error for the API, Django's page elsewhere.

    Requests refused before the view runs end here: a form body over the size
    cap that the CSRF check reads, a Host header not in ALLOWED_HOSTS.
    """
    if request.path != reverse("graphql"):
        return django_bad_request(request, exception)
    media_type = response_media_type(request.headers.get("Accept"))
    if isinstance(exception, RequestDataTooBig):
        return too_large_response(media_type)
    return error_response(400, "Bad request.", media_type=media_type)


def graphql_request(data: object) -> GraphQLRequestData:
    """Check the shape of a decoded request (GET parameters or a JSON body)."""
    if isinstance(data, list):
        raise HTTPException(400, BATCH_REFUSED)
    if not isinstance(data, dict):
        raise HTTPException(400, NOT_AN_OBJECT)
    expected = {
        "query": (str, "a string"),
        "operationName": (str, "a string"),
        "variables": (dict, "an object"),
        "extensions": (dict, "an object"),
    }
    for key, (kind, described) in expected.items():
        if data.get(key) is not None and not isinstance(data[key], kind):
            raise HTTPException(400, f"'{key}' must be {described} or null.")
    return GraphQLRequestData(
        query=data.get("query"),
        variables=data.get("variables"),
        operation_name=data.get("operationName"),
        extensions=data.get("extensions"),
    )


def csrf_refusal(reason: str) -> str:
    """Which CSRF check refused the request, and what the client does about it.

    `reason` is Django's (django.middleware.csrf): its wording says which
    check failed, the Origin check, a missing token or a wrong one.
    """
    if reason.startswith("Origin checking failed"):
        return (
            "CSRF Origin check failed: the request's Origin is neither this "
            "server's own origin nor a trusted one (list a frontend's origin in "
            "CORS_ALLOWED_ORIGINS; a proxy that rewrites Host must not leave "
            f"Origin behind) ({reason})"
        )
    if reason == REASON_NO_CSRF_COOKIE:
        return (
            "CSRF token missing: the request carries the session cookie but not "
            "the csrftoken cookie; any GET of this endpoint sets it, and its "
            f"value goes in the X-CSRFToken header ({reason})"
        )
    if reason == REASON_CSRF_TOKEN_MISSING:
        return (
            "CSRF token missing: cookie-authenticated POSTs send the csrftoken "
            f"cookie's value in the X-CSRFToken header ({reason})"
        )
    if reason.startswith("CSRF token from") or reason.startswith("CSRF cookie"):
        return (
            "CSRF token wrong: the X-CSRFToken header does not match the "
            "csrftoken cookie; the token rotates on login, so read the cookie "
            f"again before each request ({reason})"
        )
    return f"CSRF check failed ({reason})"


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """CSRF_FAILURE_VIEW: a GraphQL error for the API, Django's page elsewhere."""
    if request.path != reverse("graphql"):
        return django_csrf_failure(request, reason)
    return error_response(
        403,
        csrf_refusal(reason),
        media_type=response_media_type(request.headers.get("Accept")),
    )
