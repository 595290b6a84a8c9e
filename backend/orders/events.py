"""Order events for live updates: what is published, to whom, and read back."""

import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from django.contrib.auth.models import AbstractBaseUser

from backend.common.events import publish_on_commit
from backend.common.permissions import is_staff

from .models import Order

ORDER_CHANGED = "order.changed"


class OrderEventKind(StrEnum):
    PLACED = "PLACED"
    QUANTITY_CHANGED = "QUANTITY_CHANGED"
    STATUS_CHANGED = "STATUS_CHANGED"


def staff_group() -> str:
    return "orders.all"


def customer_group(customer_id: int) -> str:
    return f"orders.customer.{customer_id}"


def groups_for(user: AbstractBaseUser) -> tuple[str, ...]:
    """Where a subscriber listens: staff every order, a customer their own."""
    if is_staff(user):
        return (staff_group(),)
    return (customer_group(user.pk),)


def may_see(user: AbstractBaseUser, order: Order) -> bool:
    """The rule of selectors.visible_orders, for an order that came in an event."""
    return is_staff(user) or order.customer_id == user.pk


def order_changed(order: Order, kind: OrderEventKind) -> None:
    """Publish the order as it is now, once the current transaction commits."""
    # The state travels in the message, so each event shows the order as that
    # change left it, not as a later one did.
    message = {
        "type": ORDER_CHANGED,
        "kind": kind.value,
        "order": {
            "id": order.pk,
            "customer_id": order.customer_id,
            "product_id": order.product_id,
            "quantity": order.quantity,
            "status": order.status,
            "unit_price": str(order.unit_price),
            "created_at": order.created_at.isoformat(),
            "updated_at": order.updated_at.isoformat(),
        },
    }
    publish_on_commit((staff_group(), customer_group(order.customer_id)), message)


def order_from_event(message: dict[str, Any]) -> Order:
    """The order as the event's change left it (not saved, not re-read)."""
    state = message["order"]
    return Order(
        pk=state["id"],
        customer_id=state["customer_id"],
        product_id=state["product_id"],
        quantity=state["quantity"],
        requested_quantity=state["quantity"],
        status=state["status"],
        unit_price=Decimal(state["unit_price"]),
        created_at=datetime.datetime.fromisoformat(state["created_at"]),
        updated_at=datetime.datetime.fromisoformat(state["updated_at"]),
    )
