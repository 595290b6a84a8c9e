import strawberry
import strawberry_django
from strawberry import relay
from strawberry_django.relay import DjangoListConnection

from backend.common.graphql.fields import connection
from backend.common.graphql.ids import decode_global_id
from backend.common.graphql.permissions import SignedInOnly, require_user
from backend.orders import services
from backend.orders.models import Order
from backend.products import api as products_api

from .types import CancelOrderInput, CreateOrderInput, OrderType, UpdateOrderInput


def _order_pk(global_id: relay.GlobalID) -> int:
    return decode_global_id(
        global_id, type_name="Order", missing=services.ORDER_NOT_FOUND
    )


@strawberry.type
class OrderQueries:
    order: OrderType | None = strawberry_django.node(
        extensions=[SignedInOnly()],
        description="One of your orders (staff: any order); null when not found.",
    )
    orders: DjangoListConnection[OrderType] = connection(
        extensions=[SignedInOnly()],
        description="Your orders (staff: all orders), paginated.",
    )


@strawberry.type
class OrderMutations:
    @strawberry_django.mutation(description="Place an order; reserves its stock.")
    def create_order(self, info: strawberry.Info, input: CreateOrderInput) -> OrderType:
        customer = require_user(info)
        order: Order = services.create_order(
            customer=customer,
            product_id=decode_global_id(
                input.product_id,
                type_name="Product",
                missing=products_api.PRODUCT_NOT_FOUND,
            ),
            quantity=input.quantity,
            idempotency_key=input.idempotency_key,
        )
        return order  # type: ignore[return-value]

    @strawberry_django.mutation(
        description="Change the quantity or move the status of an order."
    )
    def update_order(self, info: strawberry.Info, input: UpdateOrderInput) -> OrderType:
        order = services.update_order(
            actor=require_user(info),
            order_id=_order_pk(input.id),
            quantity=input.quantity,
            status=input.status.value if input.status else None,
        )
        return order  # type: ignore[return-value]

    @strawberry_django.mutation(
        description="Cancel a pending order; returns its stock."
    )
    def cancel_order(self, info: strawberry.Info, input: CancelOrderInput) -> OrderType:
        order = services.cancel_order(
            actor=require_user(info), order_id=_order_pk(input.id)
        )
        return order  # type: ignore[return-value]
