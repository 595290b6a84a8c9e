"""The request log of the production server: one JSON line per request."""

from __future__ import annotations

from typing import Any

from strawberry.relay import to_base64

from tests.concurrency.live import pk
from tests.ops.conftest import OpsSite

REQUEST_ID = "checkout-7f3a.retry:2"


def request_lines(site: OpsSite) -> list[dict[str, Any]]:
    return [line for line in site.log_lines() if line.get("message") == "request"]


def test_a_request_line_says_what_happened_and_nothing_it_carried(ops_site: OpsSite):
    # given: a fresh password that the log must never show
    secret = "never-log-this-Pa55word"
    client = ops_site.client(**{"X-Request-ID": REQUEST_ID})
    client.run(
        "Register",
        input={"username": "log-reader", "email": "l@example.com", "password": secret},
    )

    # when: a sign-in, a query as that user, a masked error
    user = client.login("log-reader", secret)
    orders = client.run("MyOrders", first=5)
    failed = client.run(
        "PlaceOrder",
        input={"productId": to_base64("Product", ops_site.product_pk), "quantity": 1},
    )
    unsafe = ops_site.client(**{"X-Request-ID": "x" * 200}).get_typename()

    # then: each answer carries its id
    assert orders.headers["X-Request-ID"] == REQUEST_ID
    assert len(unsafe.headers["X-Request-ID"]) == 32  # made anew: too long
    lines = request_lines(ops_site)
    ours = [line for line in lines if line["request_id"] == REQUEST_ID]
    by_operation = {line["operation"]: line for line in ours}
    login, my_orders, place = (
        by_operation["Login"],
        by_operation["MyOrders"],
        by_operation["PlaceOrder"],
    )
    assert login["operation_type"] == "mutation"
    assert login["status"] == 200
    assert my_orders["operation_type"] == "query"
    assert my_orders["user_id"] == pk(user["id"])
    assert my_orders["cost"] == orders.json["extensions"]["cost"]["requested"]
    assert my_orders["sql"] > 0
    assert my_orders["error_codes"] == []
    assert isinstance(my_orders["duration_ms"], float)
    # the masked error's id, as the client got it, in the same line
    error_id = failed.json["errors"][0]["extensions"]["errorId"]
    assert place["error_codes"] == ["INTERNAL_SERVER_ERROR"]
    assert place["error_ids"] == [error_id]
    assert place["user_id"] == my_orders["user_id"]
    # and its stack trace under the same id, in a JSON line of its own
    [trace] = [
        line
        for line in ops_site.log_lines()
        if line.get("logger") == "ordergraph.errors"
        and error_id in str(line["message"])
    ]
    assert "order insert refused" in str(trace["exc_info"])
    assert trace["request_id"] == REQUEST_ID
    assert any(line["request_id"] == unsafe.headers["X-Request-ID"] for line in lines)
    # never the password, the variables or the cookies
    log = ops_site.server.log.read_text(errors="replace")
    assert secret not in log
    assert "l@example.com" not in log
    assert client.cookies["sessionid"] not in log


def test_probes_are_not_logged(ops_site: OpsSite):
    ops_site.client().request("GET", "/healthz")

    assert not [line for line in request_lines(ops_site) if line["path"] == "/healthz"]
