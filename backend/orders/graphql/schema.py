from collections.abc import AsyncGenerator
from functools import partial
from typing import Annotated, Any

import strawberry
from asgiref.sync import sync_to_async
from django.db.models import QuerySet
from strawberry import relay

from backend.common.graphql.context import current_user
from backend.common.graphql.fields import connection_field, node_field
from backend.common.graphql.ids import decode_input_id, parse_primary_key
from backend.common.graphql.live import listen, shared
from backend.common.graphql.mutations import mutation
from backend.common.graphql.permissions import SignedInOnly
from backend.common.permissions import require_signed_in
from backend.orders import events, selectors, services
from backend.orders.models import Order
from backend.products import api as products_api

from .prefetch import OrderNeeds
from .types import (
    CancelOrderInput,
    CreateOrderInput,
    OrderChangedEvent,
    OrderConnection,
    OrderFilter,
    OrderOrder,
    OrderType,
    UpdateOrderInput,
)

PAGE = ("edges", "node")


def _visible_page(info: strawberry.Info) -> QuerySet[Order]:
    orders = selectors.visible_orders(current_user(info))
    return OrderNeeds.of(info, *PAGE).joined(orders)


async def _load_page(info: strawberry.Info, page: list[Order]) -> None:
    await OrderNeeds.of(info, *PAGE).load(info, page)


@strawberry.type
class OrderQueries:
    order: OrderType | None = node_field(
        OrderType,
        description="One of your orders (staff: any order); null when not found.",
        extensions=(SignedInOnly(),),
    )

    orders: OrderConnection = connection_field(
        connection_type=OrderConnection,
        filters_type=OrderFilter,
        ordering_type=OrderOrder,
        rows=_visible_page,
        loaded=_load_page,
        description="Your orders (staff: all orders), a page at a time.",
        extensions=(SignedInOnly(),),
    )


@strawberry.type
class OrderSubscriptions:
    @strawberry.subscription(
        description=(
            "An event each time one of your orders (staff: any order) is placed or "
            "changes quantity or status; only that order's when `id` is given."
        )
    )
    async def order_changed(
        self,
        info: strawberry.Info,
        id: Annotated[
            relay.GlobalID | None,
            strawberry.argument(
                description=(
                    "One order; an order you may not see (or none) sends nothing."
                )
            ),
        ] = None,
    ) -> AsyncGenerator[OrderChangedEvent, None]:
        user = require_signed_in(current_user(info))
        wanted: int | None = None
        if id is not None:
            key = parse_primary_key(id.node_id) if id.type_name == "Order" else None
            # An ID that names no order matches no event: the same silence as
            # another customer's order.
            wanted = -1 if key is None else key
        async for message in listen(info, groups=events.groups_for(user), private=True):
            # One payload per event and process, whoever it goes to: the
            # checks below are this subscriber's own.
            event = shared(info, "order_changed", partial(_order_changed, message))
            # The model instance the event carries (typed as its GraphQL type).
            order: Any = event.order
            if events.may_see(user, order) and wanted in (None, order.pk):
                yield event


def _order_changed(message: dict[str, Any]) -> OrderChangedEvent:
    return OrderChangedEvent(
        kind=events.OrderEventKind(message["kind"]),
        order=events.order_from_event(message),  # type: ignore[arg-type]
    )


@strawberry.type
class OrderMutations:
    @mutation(description="Place an order; reserves its stock.")
    async def create_order(
        self, info: strawberry.Info, input: CreateOrderInput
    ) -> OrderType:
        product_id, id_errors = decode_input_id(
            input.product_id,
            type_name="Product",
            missing=products_api.PRODUCT_NOT_FOUND,
            field="product_id",
        )
        placed = await sync_to_async(services.create_order)(
            customer=current_user(info),
            product_id=product_id,
            quantity=input.quantity,
            idempotency_key=input.idempotency_key,
            input_errors=id_errors,
        )
        # The reservation read the product already: the payload's product
        # needs no second query.
        await OrderNeeds.of(info).load(info, [placed.order], known=[placed.reservation])
        return placed.order  # type: ignore[return-value]

    @mutation(description="Change the quantity or move the status of an order.")
    def update_order(self, info: strawberry.Info, input: UpdateOrderInput) -> OrderType:
        order_id, id_errors = OrderType.input_key(input.id)
        order = services.update_order(
            actor=current_user(info),
            order_id=order_id,
            quantity=input.quantity,
            status=input.status.value if input.status else None,
            input_errors=id_errors,
        )
        return order  # type: ignore[return-value]

    @mutation(description="Cancel a pending order; returns its stock.")
    def cancel_order(self, info: strawberry.Info, input: CancelOrderInput) -> OrderType:
        order_id, id_errors = OrderType.input_key(input.id)
        order = services.cancel_order(
            actor=current_user(info), order_id=order_id, input_errors=id_errors
        )
        return order  # type: ignore[return-value]
