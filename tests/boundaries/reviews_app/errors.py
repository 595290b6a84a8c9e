"""The reviews app's error codes (shared ones: backend.common.errors)."""

from backend.common.errors import ErrorCodes


class ReviewErrorCode(ErrorCodes):
    STARS_OUT_OF_RANGE = "STARS_OUT_OF_RANGE"
