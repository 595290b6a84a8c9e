"""Public interface of the products app: other apps import this module only.

It hands out data, never rows: a frozen `ProductSnapshot` cannot be saved,
and no QuerySet leaves the app. The one exception is `load_products`, the
DataLoader batch function, which hands the GraphQL edge the rows its Product
type renders.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from asgiref.sync import sync_to_async

from . import selectors, services
from .models import MAX_STOCK_QUANTITY, Product

__all__ = [
    "MAX_STOCK_QUANTITY",
    "PRODUCT_NOT_FOUND",
    "ProductSnapshot",
    "load_products",
    "release_stock",
    "reserve_stock",
]

PRODUCT_NOT_FOUND = services.PRODUCT_NOT_FOUND


@dataclass(frozen=True)
class ProductSnapshot:
    """A product as it was at one moment (a reservation's answer)."""

    id: int
    name: str
    description: str
    price: Decimal
    stock_quantity: int
    created_at: datetime.datetime
    updated_at: datetime.datetime

    @property
    def pk(self) -> int:
        # The Product GraphQL type reads `pk`, as off a row.
        return self.id

    @property
    def in_stock(self) -> bool:
        return self.stock_quantity > 0


def _snapshot(product: Product) -> ProductSnapshot:
    return ProductSnapshot(
        id=product.pk,
        name=product.name,
        description=product.description,
        price=product.price,
        stock_quantity=product.stock_quantity,
        created_at=product.created_at,
        updated_at=product.updated_at,
    )


async def load_products(product_ids: list[int]) -> list[Product | None]:
    """Batch function for a DataLoader: one query for all ids, in the given order.

    Rows, not snapshots: the products app's own GraphQL type renders them.
    """
    by_id = await sync_to_async(selectors.get_products_by_ids)(product_ids)
    return [by_id.get(product_id) for product_id in product_ids]


def reserve_stock(*, product_id: int, quantity: int) -> ProductSnapshot:
    """Take stock for an order; on NotFound or INSUFFICIENT_STOCK nothing changes.

    Returns the product as the reservation left it (its price, its stock).
    """
    return _snapshot(services.reserve_stock(product_id=product_id, quantity=quantity))


def release_stock(*, product_id: int, quantity: int) -> None:
    """Give stock back (a cancelled order, a smaller quantity); VALIDATION when
    that would take the stock above MAX_STOCK_QUANTITY, and nothing changes."""
    services.release_stock(product_id=product_id, quantity=quantity)
