from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone

from backend.common.errors import (
    DomainError,
    InputError,
    NotFound,
    PermissionDeniedError,
    field_errors,
    raise_input_errors,
)
from backend.common.permissions import Actor, is_staff, require_signed_in
from backend.products import api as products_api

from . import events, selectors
from .errors import OrderErrorCode
from .events import OrderEventKind
from .models import Order, OrderStatus

ORDER_NOT_FOUND = "Order does not exist."
IDEMPOTENCY_KEY_MAX_LENGTH = 255

# Delivered and canceled are final: they have no way out.
ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
    OrderStatus.PENDING: frozenset({OrderStatus.SHIPPED, OrderStatus.CANCELED}),
    OrderStatus.SHIPPED: frozenset({OrderStatus.DELIVERED}),
    OrderStatus.DELIVERED: frozenset(),
    OrderStatus.CANCELED: frozenset(),
}


@dataclass(frozen=True)
class PlacedOrder:
    order: Order
    # The product as the reservation left it (stock included); None when a
    # repeated idempotency key answered with an earlier order.
    reservation: products_api.ProductSnapshot | None = None


def _check_quantity(quantity: int) -> None:
    if quantity < 1:
        raise field_errors({"quantity": ["Quantity must be at least 1."]})
    # No product holds more, and a larger quantity would overflow the stock
    # arithmetic when it is given back.
    if quantity > products_api.MAX_STOCK_QUANTITY:
        raise field_errors(
            {
                "quantity": [
                    f"Quantity must be at most {products_api.MAX_STOCK_QUANTITY}."
                ]
            }
        )


def _check_idempotency_key(key: str | None) -> None:
    if key is None:
        return
    if not key.strip() or len(key) > IDEMPOTENCY_KEY_MAX_LENGTH:
        raise field_errors(
            {
                "idempotency_key": [
                    f"An idempotency key has 1 to {IDEMPOTENCY_KEY_MAX_LENGTH} "
                    "characters."
                ]
            }
        )


def _replay(order: Order, *, product_id: int, quantity: int) -> PlacedOrder:
    if order.product_id != product_id or order.requested_quantity != quantity:
        raise DomainError(
            field="idempotency_key",
            message=(
                "This idempotency key was already used for a different order "
                f"(order {order.pk})."
            ),
            code=OrderErrorCode.IDEMPOTENCY_KEY_REUSED,
        )
    return PlacedOrder(order)


def _order_with_key(customer: Actor, key: str) -> Order | None:
    return Order.objects.filter(customer_id=customer.pk, idempotency_key=key).first()


def create_order(
    *,
    customer: Actor,
    product_id: int,
    quantity: int,
    idempotency_key: str | None = None,
    input_errors: InputError | None = None,
) -> PlacedOrder:
    """Place an order, reserving its stock in the same transaction.

    With an idempotency key, a repeat by the same customer returns the first
    order and moves no stock, even when the repeats race each other. Only a
    signed-in customer places orders. Every problem of the input's shape
    (`input_errors`, the caller's, included) is reported at once.
    """
    buyer = require_signed_in(customer)
    raise_input_errors(
        lambda: _check_quantity(quantity),
        lambda: _check_idempotency_key(idempotency_key),
        found=input_errors,
    )
    if idempotency_key is not None and (
        existing := _order_with_key(customer, idempotency_key)
    ):
        return _replay(existing, product_id=product_id, quantity=quantity)
    try:
        with transaction.atomic():
            reservation = products_api.reserve_stock(
                product_id=product_id, quantity=quantity
            )
            order = Order.objects.create(
                product_id=product_id,
                customer_id=buyer.pk,
                quantity=quantity,
                requested_quantity=quantity,
                unit_price=reservation.price,
                idempotency_key=idempotency_key,
            )
            events.order_changed(order, OrderEventKind.PLACED)
            return PlacedOrder(order, reservation)
    except (IntegrityError, DomainError):
        # A concurrent request with the same key got there first and committed:
        # either its order took the unique key (our INSERT lost) or it took the
        # last units (our reservation waited on its row lock, then found too
        # few). Ours rolled back, stock included; answer with its order.
        existing = (
            _order_with_key(customer, idempotency_key) if idempotency_key else None
        )
        if existing is None:
            raise
        return _replay(existing, product_id=product_id, quantity=quantity)


def _check_changes(quantity: int | None, status: str | None) -> None:
    if quantity is None and status is None:
        raise field_errors({"quantity": ["Give a quantity or a status to change."]})
    if quantity is not None:
        _check_quantity(quantity)


def _lock_order(actor: Actor, order_id: int) -> Order:
    order = selectors.visible_orders(actor).select_for_update().filter(pk=order_id)
    locked = order.first()
    if locked is None:
        raise NotFound(ORDER_NOT_FOUND)
    return locked


def _change_quantity(order: Order, quantity: int) -> None:
    if order.status != OrderStatus.PENDING:
        raise DomainError(
            field="quantity",
            message=(
                f"Only pending orders can change quantity; this one is {order.status}."
            ),
            code=OrderErrorCode.ORDER_NOT_PENDING,
        )
    difference = quantity - order.quantity
    if difference > 0:
        products_api.reserve_stock(product_id=order.product_id, quantity=difference)
    elif difference < 0:
        products_api.release_stock(product_id=order.product_id, quantity=-difference)
    order.quantity = quantity
    order.save(update_fields=["quantity", "updated_at"])


def _move_status(order: Order, target: str) -> None:
    if target not in ALLOWED_TRANSITIONS[order.status]:
        raise DomainError(
            field="status",
            message=f"An order cannot move from {order.status} to {target}.",
            code=OrderErrorCode.INVALID_TRANSITION,
        )
    # Guarded on the status we checked, so two racing changes cannot both win.
    moved = Order.objects.filter(pk=order.pk, status=order.status).update(
        status=target, updated_at=timezone.now()
    )
    if not moved:
        current = Order.objects.values_list("status", flat=True).get(pk=order.pk)
        raise DomainError(
            field="status",
            message=f"An order cannot move from {current} to {target}.",
            code=OrderErrorCode.INVALID_TRANSITION,
        )
    if target == OrderStatus.CANCELED:
        products_api.release_stock(product_id=order.product_id, quantity=order.quantity)


@transaction.atomic
def update_order(
    *,
    actor: Actor,
    order_id: int,
    quantity: int | None = None,
    status: str | None = None,
    input_errors: InputError | None = None,
) -> Order:
    """Change an order's quantity and/or status, moving stock with it.

    Owners (and staff) change the quantity of pending orders and cancel them;
    only staff ship and deliver. Anonymous actors change nothing. Every
    problem of the input's shape (`input_errors`, the caller's, included) is
    reported at once, before the order is looked up.
    """
    require_signed_in(actor)
    raise_input_errors(lambda: _check_changes(quantity, status), found=input_errors)
    order = _lock_order(actor, order_id)
    if quantity is not None:
        _change_quantity(order, quantity)
    if status is not None:
        if status != OrderStatus.CANCELED and not is_staff(actor):
            raise PermissionDeniedError(
                "Only staff members may ship or deliver orders."
            )
        _move_status(order, status)
    order.refresh_from_db()
    # Published on commit, in this order: a rollback (a refused status after
    # a quantity change) sends neither.
    if quantity is not None:
        events.order_changed(order, OrderEventKind.QUANTITY_CHANGED)
    if status is not None:
        events.order_changed(order, OrderEventKind.STATUS_CHANGED)
    return order


def cancel_order(
    *, actor: Actor, order_id: int, input_errors: InputError | None = None
) -> Order:
    """Cancel a pending order and return its stock to the product."""
    return update_order(
        actor=actor,
        order_id=order_id,
        status=OrderStatus.CANCELED,
        input_errors=input_errors,
    )
