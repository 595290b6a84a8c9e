"""Hostile requests: each is refused quickly and clearly, and the server stays
healthy (a normal query works right after)."""

import json
import time
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from backend.orders.models import Order
from backend.products.models import Product
from tests.conftest import gid
from tests.graphql_client import GraphQLClient
from tools.contract import operation

URL = "/graphql/"
FAST_SECONDS = 2.0
MEGABYTE = 1024 * 1024


@pytest.fixture(autouse=True)
def healthy_after(db: None) -> Iterator[None]:
    yield
    follow_up = GraphQLClient().run("CatalogPage")
    assert follow_up.status_code == 200
    assert follow_up.errors == []


@pytest.fixture
def clock() -> Iterator[None]:
    started = time.perf_counter()
    yield
    assert time.perf_counter() - started < FAST_SECONDS


def raw_post(body: bytes | str):
    return Client().post(URL, data=body, content_type="application/json")


def errors_of(response) -> list[dict[str, Any]]:
    return json.loads(response.content)["errors"]


def test_a_50_level_deep_query(anonymous_client, clock):
    query = "{ " + "products { " * 50 + "totalCount" + " }" * 51

    response = anonymous_client.execute(query)

    assert response.body["data"] is None
    assert "GRAPHQL_MAX_DEPTH" in [
        e.get("extensions", {}).get("limit") for e in response.errors
    ]


def test_1000_aliases(anonymous_client, clock):
    # 3 tokens an alias: the token limit refuses it before the alias rule runs
    query = "{ " + " ".join(f"a{i}: __typename" for i in range(1000)) + " }"

    response = anonymous_client.execute(query)

    assert response.body["data"] is None
    assert "more than 2000 tokens" in response.errors[0]["message"]


def test_a_1_mb_query_string_over_post(clock):
    query = "{ " + "__typename " * (MEGABYTE // 11) + "}"

    response = raw_post(json.dumps({"query": query}))

    assert response.status_code == 413
    assert errors_of(response)[0]["extensions"] == {"code": "REQUEST_TOO_LARGE"}


def test_a_1_mb_query_string_over_get(clock):
    query = "{ " + "__typename " * (MEGABYTE // 11) + "}"

    response = Client().get(URL, {"query": query})

    assert response.status_code == 200
    assert "more than 2000 tokens" in errors_of(response)[0]["message"]


def test_a_cost_bomb_of_connections_within_the_depth_limit(staff_client, clock):
    # Depth 5, 5 aliases: 5 x (1 + 100 x (edge + node + customer + product))
    page = "orders(first: 100) { edges { node { customer { id } product { id } } } }"
    query = "{ " + " ".join(f"o{i}: {page}" for i in range(5)) + " }"

    response = staff_client.execute(query)

    assert response.body["data"] is None
    assert response.error_codes() == ["LIMIT_EXCEEDED"]
    assert response.body["extensions"]["cost"] == {"requested": 2005, "budget": 1000}


def test_10000_ids_in_one_in_list(staff_client, clock):
    response = staff_client.run("AllOrdersByStatus", statuses=["PENDING"] * 10_000)

    assert response.body["data"] is None
    assert response.errors[0]["extensions"]["limit"] == "GRAPHQL_MAX_LIST_INPUT_LENGTH"


def test_10000_ids_in_one_in_list_literal(staff_client, clock):
    statuses = ", ".join(["PENDING"] * 10_000)
    query = (
        f"{{ orders(filters: {{status: {{inList: [{statuses}]}}}}) {{ totalCount }} }}"
    )

    response = staff_client.execute(query)

    assert "more than 2000 tokens" in response.errors[0]["message"]


def test_a_batch_of_1000_operations(clock):
    batch = [{"query": "{ __typename }"}] * 1000

    response = raw_post(json.dumps(batch))

    assert response.status_code == 400
    assert errors_of(response)[0]["message"].startswith("Batched requests")


@pytest.mark.parametrize(
    "body", [b'{"query": "{ \xff }"}', b"\xc3\x28", b"\xed\xa0\x80"]
)
def test_invalid_utf8(body, clock):
    response = raw_post(body)

    assert response.status_code == 400
    assert errors_of(response)[0]["extensions"] == {"code": "BAD_REQUEST"}


@pytest.mark.parametrize("quantity", [10**30, 2**31, -(2**31) - 1])
def test_a_huge_integer_for_quantity(customer_client, product, quantity, clock):
    response = customer_client.run(
        "PlaceOrder",
        input={"productId": gid("Product", product.pk), "quantity": quantity},
    )

    assert response.body["data"] is None
    assert (
        "Int cannot represent non 32-bit signed integer value"
        in (response.errors[0]["message"])
    )
    product.refresh_from_db()
    assert (product.stock_quantity, Order.objects.count()) == (10, 0)


def test_the_largest_integer_quantity_is_a_domain_error(
    customer_client, product, clock
):
    payload = customer_client.run(
        "PlaceOrder",
        input={"productId": gid("Product", product.pk), "quantity": 2**31 - 1},
    ).data["createOrder"]

    # Above the stock maximum (README "Guarantees"), so never worth a lock.
    assert [(m["field"], m["code"]) for m in payload["messages"]] == [
        ("quantity", "VALIDATION")
    ]


def test_a_negative_price(staff_client, clock):
    payload = staff_client.run(
        "CreateProduct", input={"name": "Kettle", "price": "-0.01"}
    ).data["createProduct"]

    assert {(m["field"], m["code"]) for m in payload["messages"]} == {
        ("price", "VALIDATION")
    }
    assert not Product.objects.exists()


@pytest.mark.parametrize("price", ["-1e30", "NaN", "-Infinity", "1e999999"])
def test_an_absurd_price_is_not_a_decimal(staff_client, price, clock):
    response = staff_client.run(
        "CreateProduct", input={"name": "Kettle", "price": price}
    )

    assert response.errors == []
    messages = response.data["createProduct"]["messages"]
    assert [(m["field"], m["code"]) for m in messages] == [("price", "VALIDATION")]
    assert not Product.objects.exists()


def test_a_1_mb_product_name(staff_client, clock):
    variables = {"input": {"name": "x" * MEGABYTE, "price": "1.00"}}

    response = staff_client.client.post(
        URL,
        data=json.dumps({"query": operation("CreateProduct"), "variables": variables}),
        content_type="application/json",
        HTTP_X_CSRFTOKEN=staff_client.csrf_token(),
    )

    assert response.status_code == 413
    assert json.loads(response.content)["errors"][0]["extensions"] == {
        "code": "REQUEST_TOO_LARGE"
    }
    assert not Product.objects.exists()


def test_a_product_name_under_the_body_cap_but_over_the_string_limit(
    staff_client, clock
):
    response = staff_client.run(
        "CreateProduct", input={"name": "x" * 100_000, "price": "1.00"}
    )

    assert (
        response.errors[0]["extensions"]["limit"] == "GRAPHQL_MAX_STRING_INPUT_LENGTH"
    )
    assert not Product.objects.exists()


def test_a_json_nesting_bomb_in_variables(anonymous_client, clock):
    body = (
        '{"query": "{ __typename }", "variables": {"x": '
        + "[" * 50_000
        + "]" * 50_000
        + "}}"
    )

    response = raw_post(body)

    assert response.status_code == 400


def test_deeply_nested_filters_in_variables(anonymous_client, clock):
    filters: dict[str, Any] = {"name": {"exact": "x"}}
    for _ in range(500):
        filters = {"AND": filters}

    response = anonymous_client.execute(
        "query($f: ProductFilter) { products(filters: $f) { totalCount } }",
        {"f": filters},
    )

    assert response.errors[0]["extensions"]["limit"] == "GRAPHQL_MAX_INPUT_DEPTH"


def test_price_of_a_large_but_valid_decimal_is_stored_exactly(staff_client):
    payload = staff_client.run(
        "CreateProduct", input={"name": "Kettle", "price": "99999999.99"}
    ).data["createProduct"]

    assert payload["price"] == "99999999.99"
    assert Product.objects.get().price == Decimal("99999999.99")
