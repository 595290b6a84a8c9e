"""Public interface of the products app: other apps import this module only."""

from asgiref.sync import sync_to_async
from django.db.models import QuerySet

from . import selectors, services
from .models import MAX_STOCK_QUANTITY, Product

__all__ = [
    "MAX_STOCK_QUANTITY",
    "PRODUCT_NOT_FOUND",
    "get_product_by_id",
    "get_products_by_name",
    "load_products",
    "release_stock",
    "reserve_stock",
]

PRODUCT_NOT_FOUND = services.PRODUCT_NOT_FOUND


def get_product_by_id(product_id: int) -> Product | None:
    """Return the product with this id, or None."""
    return selectors.get_product_by_id(product_id)


def get_products_by_name(name_filter: str | None = None) -> QuerySet[Product]:
    """Return products whose name contains `name_filter` (case-insensitive)."""
    return selectors.get_products_by_name(name_filter)


async def load_products(product_ids: list[int]) -> list[Product | None]:
    """Batch function for a DataLoader: one query for all ids, in the given order."""
    by_id = await sync_to_async(selectors.get_products_by_ids)(product_ids)
    return [by_id.get(product_id) for product_id in product_ids]


def reserve_stock(*, product_id: int, quantity: int) -> Product:
    """Take stock for an order; on NotFound or INSUFFICIENT_STOCK nothing changes."""
    return services.reserve_stock(product_id=product_id, quantity=quantity)


def release_stock(*, product_id: int, quantity: int) -> None:
    """Give stock back (a cancelled order, a smaller quantity); VALIDATION when
    that would take the stock above MAX_STOCK_QUANTITY, and nothing changes."""
    services.release_stock(product_id=product_id, quantity=quantity)
