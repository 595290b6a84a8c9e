"""What a selection of orders needs fetched, gathered in one place.

A list or a payload of orders asks `OrderNeeds.of(info, *path)` once; the
answer joins the app's own relations into the orders' query and loads other
apps' data through their api in one batch. A new relation is one edit here.
"""

from collections.abc import Iterable
from dataclasses import dataclass

import strawberry
from django.db.models import QuerySet

from backend.common.graphql.context import get_loader
from backend.common.graphql.pagination import selects
from backend.orders.models import Order
from backend.products import api as products_api


@dataclass(frozen=True)
class OrderNeeds:
    customers: bool
    products: bool

    @classmethod
    def of(cls, info: strawberry.Info, *path: str) -> "OrderNeeds":
        """What the orders at `path` below the current field select."""
        return cls(
            customers=selects(info, *path, "customer"),
            products=selects(info, *path, "product"),
        )

    def joined(self, orders: QuerySet[Order]) -> QuerySet[Order]:
        """The orders' query, joined to the relations the app owns."""
        # The customer is Django's auth user, not another app of ours.
        return orders.select_related("customer") if self.customers else orders

    async def load(
        self,
        info: strawberry.Info,
        orders: Iterable[Order],
        known: Iterable[products_api.ProductSnapshot | None] = (),
    ) -> None:
        """Batch what the fetched orders need from other apps into this
        request's loaders, so each order's fields resolve without an awaitable.

        `known` products (a reservation's answer) are primed, not fetched.
        """
        if not self.products:
            return
        loader = get_loader(info, products_api.load_products)
        for snapshot in known:
            if snapshot is not None:
                # The Product type renders a snapshot as it renders a row.
                loader.prime(snapshot.id, snapshot)  # type: ignore[arg-type]
        # Primed and already loaded ids are served from the cache.
        await loader.load_many([order.product_id for order in orders])
