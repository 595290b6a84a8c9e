"""Staff shipping an order while someone cancels it, at the same instant."""

import threading
from collections.abc import Callable

import pytest

from tests.concurrency.live import Live, pk
from tests.concurrency.load import OK, Tally, run_threads
from tools.seed_accounts import STAFF

pytestmark = pytest.mark.concurrency

ORDERS = 20
UNITS = 2  # per order, so a cancel that won shows in the stock
BARRIER_TIMEOUT_SECONDS = 30.0
LOST = "INVALID_TRANSITION"


def test_a_ship_and_a_cancel_racing_for_one_order_never_both_win(
    healthy: Live, tally: Callable[[str], Tally]
):
    # given: pending orders, one per customer, holding all of a product's stock;
    # a staff member ships each while its owner (even orders) or a second staff
    # session (odd ones) cancels it
    live, record = healthy, tally("ship vs cancel")
    product = live.create_product(stock=ORDERS * UNITS)
    owners = [live.customer(i) for i in range(ORDERS)]
    orders = []
    for owner in owners:
        reply = owner.run("PlaceOrder", input={"productId": product, "quantity": UNITS})
        assert reply.data["createOrder"]["__typename"] == "Order", reply.raw[:500]
        orders.append(reply.data["createOrder"]["id"])
    other_staff = live.server.client()
    other_staff.login(STAFF, live.password)
    assert live.stock(product) == 0
    told: dict[str, dict[str, str]] = {}  # order id -> target status -> result

    def race(index: int) -> None:
        order_id = orders[index]
        canceller = owners[index] if index % 2 == 0 else other_staff
        ship, cancel = {"id": order_id, "status": "SHIPPED"}, {"id": order_id}
        moves = [
            (live.staff.copy(), "SetOrderStatus", "updateOrder", ship, "SHIPPED"),
            (canceller.copy(), "CancelOrder", "cancelOrder", cancel, "CANCELED"),
        ]
        start = threading.Barrier(len(moves), timeout=BARRIER_TIMEOUT_SECONDS)
        results: dict[str, str] = {}

        def send(which: int) -> None:
            client, name, root_field, move, target = moves[which]
            start.wait()
            result, reply = record.call(client, name, root_field, input=move)
            if result == OK and reply:
                assert reply.data[root_field]["status"] == target, reply.raw[:500]
            results[target] = result

        run_threads(send, len(moves), deadline_seconds=BARRIER_TIMEOUT_SECONDS)
        told[order_id] = results

    # when: for each order in turn, both requests are released together
    for index in range(ORDERS):
        race(index)

    # then: one of the two won each race, and the other was told it lost
    for order_id, results in told.items():
        assert sorted(results.values()) == sorted([OK, LOST]), (order_id, results)
    assert record.results() == {OK: ORDERS, LOST: ORDERS}
    assert record.server_errors() == 0
    # the stored status is the winner's; stock came back only where cancel won
    winners = {
        pk(order_id): next(target for target, r in results.items() if r == OK)
        for order_id, results in told.items()
    }
    stored = {order["id"]: order["status"] for order in live.orders_of(product)}
    assert stored == {order: target.lower() for order, target in winners.items()}
    canceled = list(winners.values()).count("CANCELED")
    assert live.stock(product) == canceled * UNITS
    assert live.audit().problems == []
