"""The mixed storm: customers place, resize and cancel while staff restock and ship."""

import random
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pytest

from tests.concurrency.live import Live, Scale, pk
from tests.concurrency.load import OK, Tally, run_threads

pytestmark = pytest.mark.concurrency

HOT_PRODUCTS = 4
INITIAL_STOCK = 30
MAX_REQUESTS_PER_THREAD = 5_000
# What a well-behaved client may be told "no" with in this storm; anything
# else (INTERNAL_SERVER_ERROR, a deadlock, a 5xx, a dropped connection) fails.
EXPECTED_ERRORS = {"INSUFFICIENT_STOCK", "ORDER_NOT_PENDING", "INVALID_TRANSITION"}


@dataclass
class Told:
    """What the clients were told about orders and stock, from successful replies."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    product_of: dict[str, str] = field(default_factory=dict)
    quantity: dict[str, int] = field(default_factory=dict)
    moves: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    restocked_to: dict[str, list[int]] = field(
        default_factory=lambda: defaultdict(list)
    )
    bad_totals: list[dict[str, Any]] = field(default_factory=list)

    def placed(self, order: dict[str, Any]) -> None:
        with self.lock:
            self.product_of[order["id"]] = order["product"]["id"]
            self.quantity[order["id"]] = order["quantity"]
            if Decimal(order["unitPrice"]) * order["quantity"] != Decimal(
                order["total"]
            ):
                self.bad_totals.append(order)

    def resized(self, order: dict[str, Any], unit_price: Decimal) -> None:
        with self.lock:
            self.quantity[order["id"]] = order["quantity"]
            if unit_price * order["quantity"] != Decimal(order["total"]):
                self.bad_totals.append(order)

    def moved(self, order_id: str, status: str) -> None:
        with self.lock:
            self.moves[order_id].append(status.lower())

    def orders(self) -> list[str]:
        with self.lock:
            return list(self.product_of)


def final_status(moves: list[str]) -> str:
    for status in ("canceled", "delivered", "shipped"):
        if status in moves:
            return status
    return "pending"


def test_invariants_hold_after_a_storm_of_every_write(
    healthy: Live, scale: Scale, tally: Callable[[str], Tally]
):
    # given
    live, record, told = healthy, tally("mixed storm"), Told()
    products = [live.create_product(stock=INITIAL_STOCK) for _ in range(HOT_PRODUCTS)]
    price = Decimal("12.50")
    deadline = time.monotonic() + scale.storm_seconds

    def customer(index: int) -> None:
        client, rng = live.customer(index), random.Random(index)
        mine: list[str] = []
        for n in range(MAX_REQUESTS_PER_THREAD):
            if time.monotonic() > deadline:
                return
            roll = rng.random()
            if not mine or roll < 0.45:
                new = {
                    "productId": rng.choice(products),
                    "quantity": rng.randint(1, 3),
                    "idempotencyKey": f"storm-{index}-{n}",
                }
                result, reply = record.call(
                    client, "PlaceOrder", "createOrder", input=new
                )
                if result == OK and reply:
                    told.placed(reply.data["createOrder"])
                    mine.append(reply.data["createOrder"]["id"])
            elif roll < 0.7:
                change = {"id": rng.choice(mine), "quantity": rng.randint(1, 4)}
                result, reply = record.call(
                    client, "ChangeQuantity", "updateOrder", input=change
                )
                if result == OK and reply:
                    told.resized(reply.data["updateOrder"], price)
            elif roll < 0.9:
                order_id = rng.choice(mine)
                result, _ = record.call(
                    client, "CancelOrder", "cancelOrder", input={"id": order_id}
                )
                if result == OK:
                    told.moved(order_id, "canceled")
            else:
                record.call(client, "MyOrders", "orders", first=20)

    def shipper(rng: random.Random) -> None:
        client = live.staff.copy()
        for _ in range(MAX_REQUESTS_PER_THREAD):
            if time.monotonic() > deadline:
                return
            if not (orders := told.orders()):
                time.sleep(0.01)
                continue
            order_id = rng.choice(orders)
            target = "DELIVERED" if rng.random() < 0.3 else "SHIPPED"
            move = {"id": order_id, "status": target}
            result, _ = record.call(client, "SetOrderStatus", "updateOrder", input=move)
            if result == OK:
                told.moved(order_id, target)

    def restocker_and_canceler(rng: random.Random) -> None:
        client = live.staff.copy()
        for _ in range(MAX_REQUESTS_PER_THREAD):
            if time.monotonic() > deadline:
                return
            if rng.random() < 0.5 or not (orders := told.orders()):
                product, units = rng.choice(products), rng.randint(0, 40)
                change = {"id": product, "stockQuantity": units}
                result, reply = record.call(
                    client, "UpdateProduct", "updateProduct", input=change
                )
                if result == OK and reply:
                    told.restocked_to[product].append(
                        reply.data["updateProduct"]["stockQuantity"]
                    )
            else:
                order_id = rng.choice(orders)
                result, _ = record.call(
                    client, "CancelOrder", "cancelOrder", input={"id": order_id}
                )
                if result == OK:
                    told.moved(order_id, "canceled")

    staff = [shipper, restocker_and_canceler]

    def anyone(index: int) -> None:
        if index < len(staff):
            staff[index](random.Random(-index - 1))
        else:
            customer(index - len(staff))

    # when
    run_threads(
        anyone, len(staff) + scale.storm_customers, deadline_seconds=scale.storm_seconds
    )

    # then: every answer was a success or a rule doing its job, never a 5xx
    assert record.unexpected(EXPECTED_ERRORS) == Counter()
    assert record.server_errors() == 0
    assert told.bad_totals == []
    # the database's own ledger: every transaction, every product, every status
    audit = live.audit()
    assert audit.problems == []
    for product in products:
        changes = [c for c in audit.staff_changes if c.product_id == pk(product)]
        assert changes[0].new_stock == INITIAL_STOCK  # createProduct
        assert sorted(c.new_stock for c in changes[1:]) == sorted(
            told.restocked_to[product]
        )
    # every order a client was told about is there, as it was last told
    in_db = {
        order["id"]: order for product in products for order in live.orders_of(product)
    }
    assert set(in_db) == {pk(order_id) for order_id in told.orders()}
    for order_id, moves in told.moves.items():
        assert len(moves) == len(set(moves)), (order_id, moves)
        assert not {"canceled", "shipped"} <= set(moves), (order_id, moves)
        assert in_db[pk(order_id)]["status"] == final_status(moves), order_id
    for order_id, quantity in told.quantity.items():
        assert in_db[pk(order_id)]["quantity"] == quantity, order_id
