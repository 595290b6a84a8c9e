"""A frontend on another origin, in a real browser (CORS_ALLOWED_ORIGINS).

Two pages on their own loopback ports call the production server: the origin
listed in CORS_ALLOWED_ORIGINS signs in, places an order and lists it; the
other is stopped by the browser itself, and nothing changes on the server.
"""

from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from typing import Any

import pytest
from strawberry import relay

from tests.support.scratch_site import (
    CUSTOMER,
    PASSWORD,
    ScratchSite,
    serving_scratch_site,
)
from tools.contract import operation

from .pages import serving_page


@dataclass
class CorsSite:
    api: ScratchSite
    listed: str
    unlisted: str


@pytest.fixture(scope="module")
def cors_site() -> Iterator[CorsSite]:
    with ExitStack() as stack:
        listed = stack.enter_context(serving_page())
        unlisted = stack.enter_context(serving_page())
        api = stack.enter_context(serving_scratch_site(CORS_ALLOWED_ORIGINS=listed))
        yield CorsSite(api, listed, unlisted)


def run_flow(offline, page_origin: str, site: ScratchSite) -> dict[str, Any]:
    page = offline.new_page()
    page.goto(page_origin + "/")
    operations = {name: operation(name) for name in ("Login", "PlaceOrder", "MyOrders")}
    variables = {
        "Login": {"input": {"username": CUSTOMER, "password": PASSWORD}},
        "PlaceOrder": {
            "input": {
                "productId": str(relay.GlobalID("Product", str(site.product_pk))),
                "quantity": 1,
                "idempotencyKey": f"cors-{page_origin}",
            }
        },
    }
    result: dict[str, Any] = page.evaluate(
        "([api, operations, variables]) => runFrontendFlow(api, operations, variables)",
        [site.origin, operations, variables],
    )
    return result


def order_count(site: ScratchSite) -> int:
    return int(site.customer.run("MyOrders").data["orders"]["totalCount"])


def test_a_listed_origin_signs_in_orders_and_lists_its_orders(offline, cors_site):
    before = order_count(cors_site.api)

    flow = run_flow(offline, cors_site.listed, cors_site.api)

    assert flow["csrf"]["status"] == 200
    assert flow["login"]["body"]["data"]["login"]["username"] == CUSTOMER
    order = flow["placeOrder"]["body"]["data"]["createOrder"]
    assert (order["__typename"], order["quantity"]) == ("Order", 1)
    orders = flow["myOrders"]["body"]["data"]["orders"]
    assert orders["totalCount"] == before + 1
    assert orders["edges"][0]["node"]["id"] == order["id"]
    assert offline.blocked == []


def test_an_unlisted_origin_is_blocked_by_the_browser_even_when_signed_in(
    offline, cors_site
):
    # The browser holds a session and a csrftoken cookie for the API's host.
    run_flow(offline, cors_site.listed, cors_site.api)
    before = order_count(cors_site.api)

    flow = run_flow(offline, cors_site.unlisted, cors_site.api)

    # fetch() rejects: the page never sees a response; the JSON POSTs stop at
    # their preflight, so the order is never placed.
    for step in ("csrf", "login", "placeOrder", "myOrders"):
        assert flow[step] == {"blocked": "TypeError: Failed to fetch"}, step
    assert order_count(cors_site.api) == before
    assert offline.blocked == []
