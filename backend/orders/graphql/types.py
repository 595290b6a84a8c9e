import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
import strawberry_django
from django.db.models import QuerySet
from strawberry import relay
from strawberry_django.fields.filter_order import filter_field

from backend.common.graphql.context import current_user, get_loader
from backend.orders import selectors
from backend.orders.models import Order
from backend.orders.models import OrderStatus as OrderStatusChoices
from backend.products import api as products_api

if TYPE_CHECKING:
    from backend.accounts.graphql.types import UserType
    from backend.products.graphql.types import ProductType

OrderStatus = strawberry.enum(
    OrderStatusChoices,
    name="OrderStatus",
    description="Where an order is: pending -> shipped -> delivered, or canceled.",
)


@strawberry.input(name="OrderStatusFilterLookup")
class OrderStatusLookup:
    exact: OrderStatus | None = filter_field(  # type: ignore[valid-type]
        description="This status. Ignored when null."
    )
    in_list: list[OrderStatus] | None = filter_field(  # type: ignore[valid-type]
        description="Any of these statuses. Ignored when null."
    )


@strawberry_django.filter_type(Order, name="OrderFilter")
class OrderFilter:
    status: OrderStatusLookup | None = strawberry_django.filter_field(
        description="Match on the order status."
    )


@strawberry_django.order_type(Order, name="OrderOrder")
class OrderOrder:
    created_at: strawberry.auto
    updated_at: strawberry.auto
    quantity: strawberry.auto
    status: strawberry.auto


@strawberry_django.type(
    Order,
    name="Order",
    description="A customer's order of one product.",
    filters=OrderFilter,
    ordering=OrderOrder,
)
class OrderType(relay.Node):
    quantity: int = strawberry_django.field(description="Units ordered, at least 1.")
    status: OrderStatus = strawberry_django.field()  # type: ignore[valid-type]
    unit_price: Decimal = strawberry_django.field(
        description="The product's price when the order was placed."
    )
    created_at: datetime.datetime = strawberry_django.field()
    updated_at: datetime.datetime = strawberry_django.field()
    customer: Annotated[
        "UserType", strawberry.lazy("backend.accounts.graphql.types")
    ] = strawberry_django.field(description="Who placed the order.")

    @strawberry_django.field(
        only=["unit_price", "quantity"], description="unitPrice x quantity."
    )
    async def total(self, root: strawberry.Parent[Order]) -> Decimal:
        return root.total

    # Products are another app's data: they come through its public batch
    # function, one query per page of orders, never through the foreign key.
    @strawberry_django.field(only=["product_id"], description="What was ordered.")
    async def product(
        self, root: strawberry.Parent[Order], info: strawberry.Info
    ) -> Annotated["ProductType", strawberry.lazy("backend.products.graphql.types")]:
        product = await get_loader(info, products_api.load_products).load(
            root.product_id
        )
        assert product is not None, "PROTECT keeps every ordered product"
        return product  # type: ignore[return-value]

    @classmethod
    def get_queryset(
        cls, queryset: QuerySet[Order], info: strawberry.Info, **kwargs: Any
    ) -> QuerySet[Order]:
        return selectors.visible_orders(current_user(info), queryset)


@strawberry.input(description="An order to place.")
class CreateOrderInput:
    product_id: relay.GlobalID = strawberry.field(description="The product's ID.")
    quantity: int = strawberry.field(description="Units to order, at least 1.")
    idempotency_key: str | None = strawberry.field(
        default=None,
        description=(
            "Any unique string (up to 255 chars) chosen by the client: repeating a "
            "request with the same key returns the first order instead of placing "
            "a second one."
        ),
    )


@strawberry.input(description="Changes to an order; give a quantity, a status or both.")
class UpdateOrderInput:
    id: relay.GlobalID
    quantity: int | None = strawberry.field(
        default=None, description="New quantity (pending orders only)."
    )
    status: OrderStatus | None = strawberry.field(  # type: ignore[valid-type]
        default=None, description="Next status; only staff ship and deliver."
    )


@strawberry.input(description="The order to cancel.")
class CancelOrderInput:
    id: relay.GlobalID
