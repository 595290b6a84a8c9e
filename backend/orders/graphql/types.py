import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated

import strawberry
import strawberry_django
from asgiref.sync import sync_to_async
from django.db.models import QuerySet
from strawberry_django.fields.filter_order import filter_field

from backend.common.graphql.context import current_user, load_now_or_later
from backend.common.graphql.node import ModelNode
from backend.common.graphql.pagination import CountedConnection
from backend.orders import selectors
from backend.orders.events import OrderEventKind as OrderEventKindChoices
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


@strawberry.type(name="Order", description="A customer's order of one product.")
class OrderType(ModelNode):
    model = Order

    quantity: int = strawberry.field(description="Units ordered, at least 1.")
    status: OrderStatus = strawberry.field()  # type: ignore[valid-type]
    unit_price: Decimal = strawberry.field(
        description="The product's price when the order was placed."
    )
    total: Decimal = strawberry.field(description="unitPrice x quantity.")
    created_at: datetime.datetime = strawberry.field(description="When it was placed.")
    updated_at: datetime.datetime = strawberry.field(
        description="When it last changed: the newer of two events is the later one."
    )

    @strawberry.field(description="Who placed the order.")
    def customer(
        self, root: strawberry.Parent[Order]
    ) -> Annotated["UserType", strawberry.lazy("backend.accounts.graphql.types")]:
        if Order.customer.is_cached(root):
            return root.customer  # type: ignore[return-value]
        return sync_to_async(getattr)(root, "customer")  # type: ignore[return-value]

    # Products are another app's data: they come through its public batch
    # function, one query per page of orders, never through the foreign key.
    @strawberry.field(description="What was ordered.")
    def product(
        self, root: strawberry.Parent[Order], info: strawberry.Info
    ) -> Annotated["ProductType", strawberry.lazy("backend.products.graphql.types")]:
        return load_now_or_later(info, products_api.load_products, root.product_id)

    @classmethod
    def visible(cls, info: strawberry.Info) -> QuerySet[Order]:
        return selectors.visible_orders(current_user(info))


@strawberry.type(name="OrderConnection", description="A page of orders.")
class OrderConnection(CountedConnection[OrderType]):
    pass


@strawberry.input(description="An order to place.")
class CreateOrderInput:
    product_id: strawberry.ID = strawberry.field(description="The product's ID.")
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
    id: strawberry.ID
    quantity: int | None = strawberry.field(
        default=None, description="New quantity (pending orders only)."
    )
    status: OrderStatus | None = strawberry.field(  # type: ignore[valid-type]
        default=None, description="Next status; only staff ship and deliver."
    )


@strawberry.input(description="The order to cancel.")
class CancelOrderInput:
    id: strawberry.ID


OrderEventKind = strawberry.enum(
    OrderEventKindChoices,
    name="OrderEventKind",
    description="What happened to an order.",
)


@strawberry.type(
    name="OrderChangedEvent",
    description=(
        "An order was placed or changed. Delivery is at-most-once: refetch your "
        "orders after a reconnect, and drop events older (updatedAt) than what "
        "you have."
    ),
)
class OrderChangedEvent:
    kind: OrderEventKind = strawberry.field(  # type: ignore[valid-type]
        description="PLACED, QUANTITY_CHANGED or STATUS_CHANGED."
    )
    order: OrderType = strawberry.field(description="The order as this change left it.")
