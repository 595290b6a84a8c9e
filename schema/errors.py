"""Which errors reach clients as they are, and which are masked."""

import logging
import uuid
from collections.abc import Iterator

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from graphql import GraphQLError, GraphQLSyntaxError
from strawberry.extensions import MaskErrors
from strawberry.relay.types import GlobalIDValueError, InvalidGlobalIDError

from backend.common.errors import ErrorCode, InvalidArgument
from schema.database import is_database_unavailable
from schema.error_codes import GatewayErrorCode

logger = logging.getLogger("ordergraph.errors")

# Errors raised on purpose, by us or the framework: their messages are written
# for clients.
EXPECTED_ERRORS = (
    ValidationError,
    PermissionDenied,
    ObjectDoesNotExist,
    GraphQLError,
    InvalidArgument,
)
# Bad client input that the framework reports without a code of its own.
MALFORMED_INPUT_ERRORS = (InvalidGlobalIDError, GlobalIDValueError)
UNAVAILABLE_MESSAGE = "The service is temporarily unavailable; retry shortly."
UNEXPECTED_MESSAGE = "Unexpected error."


def is_unexpected(error: GraphQLError) -> bool:
    original = error.original_error
    if isinstance(original, MALFORMED_INPUT_ERRORS):
        error.extensions = {
            **(error.extensions or {}),
            "code": ErrorCode.VALIDATION.value,
        }
        return False
    return original is not None and not isinstance(original, EXPECTED_ERRORS)


def _finish_django_message(error: GraphQLError) -> None:
    """Show a Django ValidationError as its finished sentences.

    graphql-core takes an exception's `message` attribute when it has one: for
    Django's own validators that is the template ("“%(value)s” value must be
    an integer."), with the value still to be filled in. Raised by Django
    itself, such an error has no code of ours: it is a VALIDATION error.
    """
    original = error.original_error
    if not isinstance(original, ValidationError):
        return
    if hasattr(original, "error_dict"):
        error.message = " ".join(
            f"{field}: {' '.join(messages)}"
            for field, messages in original.message_dict.items()
        )
    else:
        error.message = " ".join(original.messages)
    if not (error.extensions or {}).get("code"):
        error.extensions = {
            **(error.extensions or {}),
            "code": ErrorCode.VALIDATION.value,
        }


def _give_a_code(error: GraphQLError) -> None:
    """Every error a client sees carries a code; the document's own get one here.

    Ours and strawberry-django's bring theirs (VALIDATION, LIMIT_EXCEEDED, ...);
    graphql-core reports a document that does not parse, or does not fit the
    schema (an unknown field, a variable of the wrong type), without one.
    """
    if (error.extensions or {}).get("code"):
        return
    code = (
        GatewayErrorCode.GRAPHQL_PARSE_FAILED
        if isinstance(error, GraphQLSyntaxError)
        else GatewayErrorCode.GRAPHQL_VALIDATION_FAILED
    )
    error.extensions = {**(error.extensions or {}), "code": code.value}


class MaskUnexpectedErrors(MaskErrors):
    """Log unexpected errors with an id; outside DEBUG, show clients only the id.

    Validation, permission and domain errors keep their messages: they are
    written for clients and carry a stable `code`.
    """

    def __init__(self) -> None:
        super().__init__(
            should_mask_error=self._log_unexpected, error_message=UNEXPECTED_MESSAGE
        )

    def _log_unexpected(self, error: GraphQLError) -> bool:
        if not is_unexpected(error):
            _finish_django_message(error)
            _give_a_code(error)
            return False
        error_id = uuid.uuid4().hex[:12]
        if is_database_unavailable(error.original_error):
            # An outage (PostgreSQL restarting), not a bug: say so, so clients
            # retry; a createOrder retried with its idempotencyKey is safe.
            logger.warning(
                "Database unavailable %s: %s", error_id, error.original_error
            )
            error.message = UNAVAILABLE_MESSAGE
            error.extensions = {
                "code": GatewayErrorCode.SERVICE_UNAVAILABLE.value,
                "errorId": error_id,
            }
            return False
        error.extensions = {**(error.extensions or {}), "errorId": error_id}
        logger.error(
            "Unexpected error %s at %s",
            error_id,
            error.path,
            exc_info=error.original_error,
        )
        return not settings.DEBUG

    def on_operation(self) -> Iterator[None]:
        try:
            yield from super().on_operation()
        except GraphQLSyntaxError as error:
            # A document that does not parse leaves the operation as an
            # exception, past the result processing above.
            _give_a_code(error)
            raise

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        masked = super().anonymise_error(error)
        masked.extensions = {
            "code": GatewayErrorCode.INTERNAL_SERVER_ERROR.value,
            "errorId": (error.extensions or {})["errorId"],
        }
        return masked
