"""The accounts app's error codes (shared ones: backend.common.errors)."""

from backend.common.errors import ErrorCodes


class AccountErrorCode(ErrorCodes):
    INVALID_CREDENTIALS = "INVALID_CREDENTIALS"
    TOO_MANY_ATTEMPTS = "TOO_MANY_ATTEMPTS"
