"""The gateway's own error codes (the transport's), and every code of the API.

Apps declare theirs next to their services (backend/<app>/errors.py); the
codes every app raises are in backend/common/errors.py.
"""

from backend.common.errors import ErrorCode, ErrorCodes, declared_codes


class GatewayErrorCode(ErrorCodes):
    LIMIT_EXCEEDED = "LIMIT_EXCEEDED"
    THROTTLED = "THROTTLED"
    SERVICE_UNAVAILABLE = "SERVICE_UNAVAILABLE"
    # The request does not say what to run (no single operation to choose).
    BAD_REQUEST = "BAD_REQUEST"
    # A subscription over HTTP, or a query or mutation over the WebSocket.
    UNSUPPORTED_OPERATION = "UNSUPPORTED_OPERATION"
    # The document itself: it does not parse, or does not fit the schema.
    GRAPHQL_PARSE_FAILED = "GRAPHQL_PARSE_FAILED"
    GRAPHQL_VALIDATION_FAILED = "GRAPHQL_VALIDATION_FAILED"
    INTERNAL_SERVER_ERROR = "INTERNAL_SERVER_ERROR"
    # Refused by HTTP status before GraphQL runs (see HTTP_STATUS_CODES).
    CSRF_FAILED = "CSRF_FAILED"
    METHOD_NOT_ALLOWED = "METHOD_NOT_ALLOWED"
    REQUEST_TOO_LARGE = "REQUEST_TOO_LARGE"
    # Persisted documents (schema/persisted.py): a hash the server does not
    # know (Apollo then resends the document), a document that is not the
    # hash's, a document outside the trusted manifest.
    PERSISTED_QUERY_NOT_FOUND = "PERSISTED_QUERY_NOT_FOUND"
    PERSISTED_QUERY_HASH_MISMATCH = "PERSISTED_QUERY_HASH_MISMATCH"
    DOCUMENT_NOT_TRUSTED = "DOCUMENT_NOT_TRUSTED"


# The code of a request refused with an HTTP status before GraphQL runs;
# any other status is BAD_REQUEST.
HTTP_STATUS_CODES: dict[int, ErrorCodes] = {
    400: GatewayErrorCode.BAD_REQUEST,
    403: GatewayErrorCode.CSRF_FAILED,
    404: ErrorCode.NOT_FOUND,
    405: GatewayErrorCode.METHOD_NOT_ALLOWED,
    413: GatewayErrorCode.REQUEST_TOO_LARGE,
}


def all_error_codes() -> list[str]:
    """Every code a client may see, each once, sorted (the apps are imported
    with the schema, which declares their codes)."""
    codes = [code.value for code in declared_codes()]
    duplicates = sorted({code for code in codes if codes.count(code) > 1})
    if duplicates:
        raise RuntimeError(f"error codes declared twice: {duplicates}")
    return sorted(codes)
