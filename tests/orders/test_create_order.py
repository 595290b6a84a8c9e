from decimal import Decimal

import pytest

from backend.orders.models import Order
from backend.products.services import update_product
from tests.conftest import gid
from tests.factories import staff_actor


def place(client, product, quantity=1, **extra):
    return client.run(
        "PlaceOrder",
        input={"productId": gid("Product", product.pk), "quantity": quantity, **extra},
    ).data["createOrder"]


def codes(payload):
    return [m["code"] for m in payload["messages"]]


def test_create_order_reserves_stock_and_records_the_price(customer_client, product):
    payload = place(customer_client, product, quantity=3)

    order = Order.objects.get()
    assert payload == {
        "__typename": "Order",
        "id": gid("Order", order.pk),
        "quantity": 3,
        "status": "PENDING",
        "unitPrice": "12.50",
        "total": "37.50",
        "createdAt": payload["createdAt"],
        "product": {
            "id": gid("Product", product.pk),
            "name": "Teapot",
            "price": "12.50",
            "stockQuantity": 7,
        },
    }
    product.refresh_from_db()
    assert product.stock_quantity == 7


def test_placing_an_order_costs_three_statements_and_no_product_refetch(
    customer_client, product, django_assert_num_queries
):
    customer_client.csrf_token()

    # session + user; the test's own transaction turns the order's into a
    # SAVEPOINT ... RELEASE pair (in production: BEGIN ... COMMIT, uncounted);
    # then the guarded stock UPDATE, the product read, the INSERT. The
    # payload's product is that read's row: no query for it.
    with django_assert_num_queries(7):
        payload = place(customer_client, product, quantity=3)

    assert payload["product"]["stockQuantity"] == 7


def test_later_price_changes_never_change_placed_orders(customer_client, product):
    place(customer_client, product, quantity=2)

    update_product(actor=staff_actor(), product_id=product.pk, price=Decimal("99.00"))

    order = Order.objects.get()
    assert (order.unit_price, order.total) == (Decimal("12.50"), Decimal("25.00"))


def test_create_order_rejects_more_than_stock_and_changes_nothing(
    customer_client, product
):
    payload = place(customer_client, product, quantity=11)

    assert payload["messages"] == [
        {
            "kind": "VALIDATION",
            "field": "quantity",
            "code": "INSUFFICIENT_STOCK",
            "message": "Not enough stock for 'Teapot': 11 requested, 10 available.",
        }
    ]
    product.refresh_from_db()
    assert product.stock_quantity == 10
    assert not Order.objects.exists()


@pytest.mark.parametrize("quantity", [0, -1])
def test_create_order_rejects_quantity_below_one(customer_client, product, quantity):
    payload = place(customer_client, product, quantity=quantity)

    assert [(m["field"], m["code"]) for m in payload["messages"]] == [
        ("quantity", "VALIDATION")
    ]
    product.refresh_from_db()
    assert product.stock_quantity == 10


@pytest.mark.parametrize("product_id", [gid("Product", 999999), gid("Order", 1)])
def test_create_order_for_a_missing_product_is_not_found(
    customer_client, db, product_id
):
    payload = customer_client.run(
        "PlaceOrder", input={"productId": product_id, "quantity": 1}
    ).data["createOrder"]

    assert payload["messages"] == [
        {
            "kind": "ERROR",
            "field": None,
            "code": "NOT_FOUND",
            "message": "Product does not exist.",
        }
    ]


def test_anonymous_users_cannot_place_orders(anonymous_client, product):
    payload = place(anonymous_client, product)

    assert codes(payload) == ["PERMISSION_DENIED"]
    assert not Order.objects.exists()


def test_the_same_idempotency_key_returns_the_first_order(customer_client, product):
    first = place(customer_client, product, quantity=2, idempotencyKey="k-1")

    again = place(customer_client, product, quantity=2, idempotencyKey="k-1")

    assert again == first
    assert Order.objects.count() == 1
    product.refresh_from_db()
    assert product.stock_quantity == 8


def test_a_retry_after_the_quantity_changed_still_returns_the_order(
    customer_client, product
):
    request = {"quantity": 2, "idempotencyKey": "checkout-7"}
    first = place(customer_client, product, **request)
    customer_client.run("ChangeQuantity", input={"id": first["id"], "quantity": 5})

    retry = place(customer_client, product, **request)

    assert retry["__typename"] == "Order"
    assert (retry["id"], retry["quantity"]) == (first["id"], 5)
    product.refresh_from_db()
    assert product.stock_quantity == 5
    assert Order.objects.count() == 1


def test_reusing_an_idempotency_key_for_another_order_is_refused(
    customer_client, product
):
    place(customer_client, product, quantity=2, idempotencyKey="k-1")

    payload = place(customer_client, product, quantity=5, idempotencyKey="k-1")

    assert codes(payload) == ["IDEMPOTENCY_KEY_REUSED"]
    assert Order.objects.count() == 1
    product.refresh_from_db()
    assert product.stock_quantity == 8


def test_idempotency_keys_of_different_customers_never_collide(
    customer_client, other_customer_client, product
):
    mine = place(customer_client, product, idempotencyKey="same")

    theirs = place(other_customer_client, product, idempotencyKey="same")

    assert mine["id"] != theirs["id"]
    assert Order.objects.count() == 2


def test_an_overlong_idempotency_key_is_a_validation_error(customer_client, product):
    payload = place(customer_client, product, idempotencyKey="k" * 256)

    assert [(m["field"], m["code"]) for m in payload["messages"]] == [
        ("idempotencyKey", "VALIDATION")
    ]
    assert not Order.objects.exists()


def test_cookie_authenticated_post_without_csrf_token_is_refused(
    customer_client, product
):
    response = customer_client.client.post(
        "/graphql/",
        data={"query": "mutation { logout }"},
        content_type="application/json",
    )

    assert response.status_code == 403


def test_a_malformed_product_id_is_a_message_on_its_field_not_an_error(
    customer_client, product
):
    response = customer_client.run(
        "PlaceOrder", input={"productId": "%%%not-an-id", "quantity": 1}
    )

    assert response.errors == []
    [message] = response.data["createOrder"]["messages"]
    assert (message["kind"], message["field"], message["code"]) == (
        "VALIDATION",
        "productId",
        "VALIDATION",
    )
    product.refresh_from_db()
    assert (Order.objects.count(), product.stock_quantity) == (0, 10)


def test_every_input_problem_is_reported_at_once_and_nothing_is_written(
    customer_client, product
):
    response = customer_client.run(
        "PlaceOrder",
        input={"productId": "%%%not-an-id", "quantity": 0, "idempotencyKey": " "},
    )

    assert response.errors == []
    payload = response.data["createOrder"]
    assert payload["__typename"] == "OperationInfo"
    assert [(m["kind"], m["field"], m["code"]) for m in payload["messages"]] == [
        ("VALIDATION", "productId", "VALIDATION"),
        ("VALIDATION", "quantity", "VALIDATION"),
        ("VALIDATION", "idempotencyKey", "VALIDATION"),
    ]
    product.refresh_from_db()
    assert (Order.objects.count(), product.stock_quantity) == (0, 10)


@pytest.mark.parametrize(
    "product_id", [gid("Product", 4242), gid("Order", 1)], ids=["missing", "other type"]
)
def test_input_problems_come_before_the_rules_that_need_the_database(
    customer_client, product, product_id
):
    # A product that does not exist, asked for 0 units: the quantity is wrong
    # whatever the catalogue holds; NOT_FOUND waits for a well-formed input.
    placing = {"productId": product_id}
    refused = customer_client.run("PlaceOrder", input={**placing, "quantity": 0})
    not_found = customer_client.run("PlaceOrder", input={**placing, "quantity": 1})

    assert [
        (m["field"], m["code"]) for m in refused.data["createOrder"]["messages"]
    ] == [("quantity", "VALIDATION")]
    assert [
        (m["field"], m["code"]) for m in not_found.data["createOrder"]["messages"]
    ] == [(None, "NOT_FOUND")]
    assert not Order.objects.exists()


def test_signed_out_callers_are_refused_before_their_input_is_checked(
    anonymous_client, product
):
    payload = anonymous_client.run(
        "PlaceOrder", input={"productId": "%%%not-an-id", "quantity": 0}
    ).data["createOrder"]

    assert [m["code"] for m in payload["messages"]] == ["PERMISSION_DENIED"]
    assert not Order.objects.exists()
