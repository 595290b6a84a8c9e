from collections.abc import AsyncGenerator
from functools import partial
from typing import Annotated, Any

import strawberry
import strawberry_django
from asgiref.sync import sync_to_async
from strawberry import relay

from backend.common.graphql.context import current_user, get_loader
from backend.common.graphql.ids import decode_global_id, parse_primary_key
from backend.common.graphql.live import listen, shared
from backend.common.graphql.pagination import (
    AFTER,
    BEFORE,
    FIRST,
    LAST,
    PageArgs,
    PageSizeLimit,
    paginate,
    selects,
)
from backend.common.graphql.permissions import SignedInOnly, require_user
from backend.orders import events, selectors, services
from backend.products import api as products_api

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


def _order_pk(global_id: relay.GlobalID) -> int:
    return decode_global_id(
        global_id, type_name="Order", missing=services.ORDER_NOT_FOUND
    )


@strawberry.type
class OrderQueries:
    @strawberry.field(
        description="One of your orders (staff: any order); null when not found.",
        extensions=[SignedInOnly()],
    )
    async def order(
        self, info: strawberry.Info, id: relay.GlobalID
    ) -> OrderType | None:
        if id.type_name != "Order":
            return None
        [order] = await OrderType.resolve_nodes(info=info, node_ids=[id.node_id])
        return order

    @strawberry.field(
        description="Your orders (staff: all orders), a page at a time.",
        extensions=[SignedInOnly(), PageSizeLimit()],
    )
    async def orders(
        self,
        info: strawberry.Info,
        filters: OrderFilter | None = None,
        ordering: list[OrderOrder] | None = None,
        first: Annotated[int | None, FIRST] = None,
        after: Annotated[str | None, AFTER] = None,
        last: Annotated[int | None, LAST] = None,
        before: Annotated[str | None, BEFORE] = None,
    ) -> OrderConnection:
        orders = selectors.visible_orders(current_user(info))
        if selects(info, "edges", "node", "customer"):
            orders = orders.select_related("customer")
        connection, page = await paginate(
            orders,
            info=info,
            connection_type=OrderConnection,
            args=PageArgs(first=first, after=after, last=last, before=before),
            filters=filters,
            ordering=ordering,
            ordering_type=OrderOrder,
        )
        if selects(info, "edges", "node", "product"):
            # One batch for the page's products, so each order's product then
            # resolves from the loader's cache without an awaitable per order.
            await get_loader(info, products_api.load_products).load_many(
                [order.product_id for order in page]
            )
        return connection


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
        user = require_user(info)
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
    @strawberry_django.mutation(description="Place an order; reserves its stock.")
    async def create_order(
        self, info: strawberry.Info, input: CreateOrderInput
    ) -> OrderType:
        customer = require_user(info)
        placed = await sync_to_async(services.create_order)(
            customer=customer,
            product_id=decode_global_id(
                input.product_id,
                type_name="Product",
                missing=products_api.PRODUCT_NOT_FOUND,
            ),
            quantity=input.quantity,
            idempotency_key=input.idempotency_key,
        )
        if placed.product is not None:
            # The reservation read the product already: the payload's product
            # needs no second query.
            loader = get_loader(info, products_api.load_products)
            loader.prime(placed.product.pk, placed.product)
        return placed.order  # type: ignore[return-value]

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
