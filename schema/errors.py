"""Which errors reach clients as they are, and which are masked."""

import logging
import uuid

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from graphql import GraphQLError
from strawberry.relay.types import GlobalIDValueError, InvalidGlobalIDError

from backend.common.errors import ErrorCode, InvalidArgument

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


def should_mask_error(error: GraphQLError) -> bool:
    """Mask unexpected errors outside DEBUG, logging them with an id to quote."""
    original = error.original_error
    if isinstance(original, MALFORMED_INPUT_ERRORS):
        error.extensions = {**(error.extensions or {}), "code": ErrorCode.VALIDATION}
        return False
    if original is None or isinstance(original, EXPECTED_ERRORS):
        return False
    error_id = uuid.uuid4().hex[:12]
    logger.error("Unexpected error %s", error_id, exc_info=original)
    if settings.DEBUG:
        return False
    error.extensions = {**(error.extensions or {}), "errorId": error_id}
    return True
