"""The orders app's error codes (shared ones: backend.common.errors)."""

from backend.common.errors import ErrorCodes


class OrderErrorCode(ErrorCodes):
    INVALID_TRANSITION = "INVALID_TRANSITION"
    ORDER_NOT_PENDING = "ORDER_NOT_PENDING"
    IDEMPOTENCY_KEY_REUSED = "IDEMPOTENCY_KEY_REUSED"
