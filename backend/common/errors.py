"""Base classes of errors with stable codes, shared by every app.

Each app declares its own codes next to its services (`<app>/errors.py`, an
`ErrorCodes` subclass); the codes here are the ones every app raises. The
gateway declares the transport's (schema/error_codes.py) and exposes them all.
The errors subclass Django's own exception types so strawberry-django's mutation
error handling turns them into `OperationInfo` messages (kind from the base
class, `code` from the attribute), and carry `extensions` so the same error
raised from a query becomes a top-level GraphQL error with the code in it.
"""

from collections.abc import Callable, Mapping
from enum import StrEnum

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError


class ErrorCodes(StrEnum):
    """Base of every set of codes; a subclass declares one owner's codes."""


class ErrorCode(ErrorCodes):
    """Codes every app raises."""

    NOT_FOUND = "NOT_FOUND"
    VALIDATION = "VALIDATION"
    PERMISSION_DENIED = "PERMISSION_DENIED"


def declared_codes() -> list[ErrorCodes]:
    """Every code declared so far, by every owner (import the owners first)."""
    owners: list[type[ErrorCodes]] = []
    pending = list(ErrorCodes.__subclasses__())
    while pending:
        owner = pending.pop(0)
        owners.append(owner)
        pending.extend(owner.__subclasses__())
    return [code for owner in owners for code in owner]


class NotFound(ObjectDoesNotExist):
    code = ErrorCode.NOT_FOUND

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.msg = message
        self.extensions = {"code": self.code.value}


class PermissionDeniedError(PermissionDenied):
    def __init__(
        self, message: str, code: ErrorCodes = ErrorCode.PERMISSION_DENIED
    ) -> None:
        super().__init__(message)
        self.msg = message
        self.code = code.value
        self.extensions = {"code": code.value}


class DomainError(ValidationError):
    """A broken business rule, reported against one input field."""

    def __init__(self, *, field: str | None, message: str, code: ErrorCodes) -> None:
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


# A problem the caller met in the input before calling the service: an ID that
# does not decode (ValidationError on its field) or names nothing (NotFound).
InputError = ValidationError | ObjectDoesNotExist


def raise_input_errors(
    *checks: Callable[[], object], found: InputError | None = None
) -> None:
    """Run every check of the input's shape; raise all their problems at once.

    A check raising a ValidationError keyed by field adds its messages, field
    by field, to one ValidationError raised at the end, with `found`'s if it
    is one; anything else (a refusal that is not about the input's shape)
    propagates at once. Checks here need no database. A `found` that is not a
    ValidationError (an ID naming nothing) is raised when the shape is right,
    where a missing object would be reported: the rules that need the
    database run after, in their usual order.
    """
    errors: dict[str, list[ValidationError]] = {}

    def add(error: ValidationError) -> None:
        for field, items in error.error_dict.items():
            errors.setdefault(field, []).extend(items)

    if isinstance(found, ValidationError):
        add(found)
    for check in checks:
        try:
            check()
        except ValidationError as error:
            if not hasattr(error, "error_dict"):
                raise
            add(error)
    if errors:
        raise ValidationError(errors)
    if found is not None:
        raise found


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
