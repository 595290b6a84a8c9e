"""Races for the last units and for one idempotency key, at the same instant."""

import threading
from collections.abc import Callable

import pytest

from tests.concurrency.live import Live, Scale, pk
from tests.concurrency.load import OK, Tally, run_threads

pytestmark = pytest.mark.concurrency

BARRIER_TIMEOUT_SECONDS = 60.0


def test_the_last_units_go_to_exactly_as_many_customers(
    healthy: Live, scale: Scale, tally: Callable[[str], Tally]
):
    # given: one product, more customers than units, each ready to buy one
    live, record = healthy, tally("last units")
    product = live.create_product(stock=scale.race_stock)
    clients = [live.customer(i) for i in range(scale.race_customers)]
    start = threading.Barrier(scale.race_customers, timeout=BARRIER_TIMEOUT_SECONDS)

    def buy(index: int) -> None:
        clients[index].get_typename()  # the CSRF token, before the start line
        start.wait()
        record.call(
            clients[index],
            "PlaceOrder",
            "createOrder",
            input={"productId": product, "quantity": 1},
        )

    # when: they all order at once
    run_threads(buy, scale.race_customers, deadline_seconds=BARRIER_TIMEOUT_SECONDS)

    # then
    sold_out = scale.race_customers - scale.race_stock
    assert record.results() == {OK: scale.race_stock, "INSUFFICIENT_STOCK": sold_out}
    assert live.stock(product) == 0
    orders = live.orders_of(product)
    assert len(orders) == scale.race_stock
    assert len({order["customer_id"] for order in orders}) == scale.race_stock
    assert live.audit().problems == []


@pytest.mark.parametrize(
    ("stock", "scenario"),
    [(10, "retry storm"), (2, "retry storm, last units")],
)
def test_concurrent_retries_with_one_key_place_one_order(
    healthy: Live,
    scale: Scale,
    tally: Callable[[str], Tally],
    stock: int,
    scenario: str,
):
    # given: one customer, signed in through Login, about to send one order
    # many times at once (a client retrying on its own timeout); with 2 units,
    # the first request's order takes the last of them
    live, record = healthy, tally(scenario)
    product = live.create_product(stock=stock)
    customer = live.sign_in(0)
    customer.get_typename()
    order = {
        "productId": product,
        "quantity": 2,
        "idempotencyKey": f"retry-{pk(product)}",
    }
    start = threading.Barrier(scale.retry_calls, timeout=BARRIER_TIMEOUT_SECONDS)
    answers: list[object] = []

    def send(_: int) -> None:
        client = customer.copy()
        start.wait()
        result, reply = record.call(client, "PlaceOrder", "createOrder", input=order)
        answers.append(reply.data["createOrder"] if reply else result)

    # when
    run_threads(send, scale.retry_calls, deadline_seconds=BARRIER_TIMEOUT_SECONDS)

    # then: one order, and every caller was told about that same order
    assert record.results() == {OK: scale.retry_calls}
    assert all(answer == answers[0] for answer in answers), answers
    [placed] = live.orders_of(product)
    assert isinstance(answers[0], dict)
    assert (pk(answers[0]["id"]), answers[0]["quantity"]) == (placed["id"], 2)
    assert live.stock(product) == stock - 2
    assert live.audit().problems == []
