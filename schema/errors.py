"""Which errors reach clients as they are, and which are masked."""

import logging
import uuid

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from graphql import GraphQLError

logger = logging.getLogger("ordergraph.errors")

# Errors we raise on purpose: their messages are written for clients.
EXPECTED_ERRORS = (ValidationError, PermissionDenied, ObjectDoesNotExist, GraphQLError)


def should_mask_error(error: GraphQLError) -> bool:
    """Mask unexpected errors outside DEBUG, logging them with an id to quote."""
    original = error.original_error
    if original is None or isinstance(original, EXPECTED_ERRORS):
        return False
    error_id = uuid.uuid4().hex[:12]
    logger.error("Unexpected error %s", error_id, exc_info=original)
    if settings.DEBUG:
        return False
    error.extensions = {**(error.extensions or {}), "errorId": error_id}
    return True
