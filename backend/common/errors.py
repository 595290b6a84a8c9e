"""Domain errors with stable codes, shared by every app.

They subclass Django's own exception types so strawberry-django's mutation
error handling turns them into `OperationInfo` messages (kind from the base
class, `code` from the attribute), and carry `extensions` so the same error
raised from a query becomes a top-level GraphQL error with the code in it.
"""

from collections.abc import Mapping
from enum import StrEnum

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError


class ErrorCode(StrEnum):
    NOT_FOUND = "NOT_FOUND"
    VALIDATION = "VALIDATION"
    INSUFFICIENT_STOCK = "INSUFFICIENT_STOCK"
    INVALID_TRANSITION = "INVALID_TRANSITION"
    ORDER_NOT_PENDING = "ORDER_NOT_PENDING"
    PRODUCT_HAS_ORDERS = "PRODUCT_HAS_ORDERS"
    IDEMPOTENCY_KEY_REUSED = "IDEMPOTENCY_KEY_REUSED"
    INVALID_CREDENTIALS = "INVALID_CREDENTIALS"
    PERMISSION_DENIED = "PERMISSION_DENIED"
    TOO_MANY_ATTEMPTS = "TOO_MANY_ATTEMPTS"
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
    # Persisted documents (schema/persisted.py): a hash the server does not
    # know (Apollo then resends the document), a document that is not the
    # hash's, a document outside the trusted manifest.
    PERSISTED_QUERY_NOT_FOUND = "PERSISTED_QUERY_NOT_FOUND"
    PERSISTED_QUERY_HASH_MISMATCH = "PERSISTED_QUERY_HASH_MISMATCH"
    DOCUMENT_NOT_TRUSTED = "DOCUMENT_NOT_TRUSTED"


class NotFound(ObjectDoesNotExist):
    code = ErrorCode.NOT_FOUND

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.msg = message
        self.extensions = {"code": self.code.value}


class PermissionDeniedError(PermissionDenied):
    def __init__(self, message: str, code: ErrorCode = ErrorCode.PERMISSION_DENIED):
        super().__init__(message)
        self.msg = message
        self.code = code.value
        self.extensions = {"code": code.value}


class DomainError(ValidationError):
    """A broken business rule, reported against one input field."""

    def __init__(self, *, field: str | None, message: str, code: ErrorCode) -> None:
        error = ValidationError(message, code=code.value)
        super().__init__({field: [error]} if field else [error])
        self.code = code.value
        self.extensions = {"code": code.value}


def field_errors(errors: Mapping[str, list[str]]) -> ValidationError:
    """Build a VALIDATION error from messages keyed by (snake_case) field name."""
    return ValidationError(
        {
            field: [
                ValidationError(message, code=ErrorCode.VALIDATION.value)
                for message in messages
            ]
            for field, messages in errors.items()
        }
    )


def as_validation_error(error: ValidationError) -> ValidationError:
    """Re-code Django's own validator errors (`blank`, `min_value`...) as VALIDATION."""
    if hasattr(error, "error_dict"):
        return field_errors(error.message_dict)
    return ValidationError(
        [ValidationError(m, code=ErrorCode.VALIDATION.value) for m in error.messages]
    )


class InvalidArgument(Exception):
    """A query argument out of bounds; its message is written for the client."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.extensions = {"code": ErrorCode.VALIDATION.value}
