"""The products app's error codes (shared ones: backend.common.errors)."""

from backend.common.errors import ErrorCodes


class ProductErrorCode(ErrorCodes):
    INSUFFICIENT_STOCK = "INSUFFICIENT_STOCK"
    PRODUCT_HAS_ORDERS = "PRODUCT_HAS_ORDERS"
