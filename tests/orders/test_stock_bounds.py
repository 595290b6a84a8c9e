"""Stock and quantities have a documented maximum, so stock arithmetic never
overflows its column: above it every write path answers VALIDATION."""

import pytest
from django.db import IntegrityError, connection, transaction

from backend.orders.models import Order, OrderStatus
from backend.products.api import MAX_STOCK_QUANTITY
from backend.products.models import Product
from tests.conftest import gid
from tests.factories import ProductFactory, place_order

MAX = 1_000_000_000
INT32_MAX = 2**31 - 1


def messages(payload):
    return [(m["field"], m["code"]) for m in payload["messages"]]


def stock_of(product):
    product.refresh_from_db()
    return product.stock_quantity


def test_the_maximum_is_a_billion():
    assert MAX_STOCK_QUANTITY == MAX


@pytest.mark.parametrize("stock", [MAX + 1, INT32_MAX])
def test_create_product_refuses_stock_above_the_maximum(staff_client, stock):
    payload = staff_client.run(
        "CreateProduct",
        input={"name": "Kettle", "price": "1.00", "stockQuantity": stock},
    ).data["createProduct"]

    assert messages(payload) == [("stockQuantity", "VALIDATION")]
    assert "1000000000" in payload["messages"][0]["message"]
    assert not Product.objects.exists()


def test_create_product_takes_the_maximum(staff_client):
    payload = staff_client.run(
        "CreateProduct", input={"name": "Kettle", "price": "1.00", "stockQuantity": MAX}
    ).data["createProduct"]

    assert payload["stockQuantity"] == MAX


@pytest.mark.parametrize("stock", [MAX + 1, INT32_MAX])
def test_update_product_refuses_stock_above_the_maximum(staff_client, product, stock):
    payload = staff_client.run(
        "UpdateProduct",
        input={"id": gid("Product", product.pk), "stockQuantity": stock},
    ).data["updateProduct"]

    assert messages(payload) == [("stockQuantity", "VALIDATION")]
    assert stock_of(product) == 10


@pytest.mark.parametrize("quantity", [MAX + 1, INT32_MAX])
def test_create_order_refuses_a_quantity_above_the_maximum(
    customer_client, product, quantity
):
    payload = customer_client.run(
        "PlaceOrder",
        input={"productId": gid("Product", product.pk), "quantity": quantity},
    ).data["createOrder"]

    assert messages(payload) == [("quantity", "VALIDATION")]
    assert (stock_of(product), Order.objects.count()) == (10, 0)


@pytest.mark.parametrize("quantity", [MAX + 1, INT32_MAX])
def test_update_order_refuses_a_quantity_above_the_maximum(
    customer_client, customer, product, quantity
):
    order = place_order(customer, product, quantity=2)

    payload = customer_client.run(
        "ChangeQuantity", input={"id": gid("Order", order.pk), "quantity": quantity}
    ).data["updateOrder"]

    assert messages(payload) == [("quantity", "VALIDATION")]
    order.refresh_from_db()
    assert (order.quantity, stock_of(product)) == (2, 8)


def test_cancelling_an_order_of_a_product_at_the_maximum_is_refused_clearly(
    customer_client, staff_client, customer
):
    # given: 5 units held by a pending order, then staff refill to the maximum
    product = ProductFactory.create(stock_quantity=10)
    order = place_order(customer, product, quantity=5)
    staff_client.run(
        "UpdateProduct", input={"id": gid("Product", product.pk), "stockQuantity": MAX}
    )

    # when
    payload = customer_client.run(
        "CancelOrder", input={"id": gid("Order", order.pk)}
    ).data["cancelOrder"]

    # then: nothing moved, and the message says what to do
    assert messages(payload) == [("quantity", "VALIDATION")]
    assert "lower its stock" in payload["messages"][0]["message"]
    order.refresh_from_db()
    assert (order.status, stock_of(product)) == (OrderStatus.PENDING, MAX)


def test_shrinking_an_order_past_the_maximum_is_refused_and_within_it_works(
    customer_client, staff_client, customer
):
    product = ProductFactory.create(stock_quantity=10)
    order = place_order(customer, product, quantity=5)
    staff_client.run(
        "UpdateProduct",
        input={"id": gid("Product", product.pk), "stockQuantity": MAX - 3},
    )

    refused = customer_client.run(
        "ChangeQuantity", input={"id": gid("Order", order.pk), "quantity": 1}
    ).data["updateOrder"]
    allowed = customer_client.run(
        "ChangeQuantity", input={"id": gid("Order", order.pk), "quantity": 2}
    ).data["updateOrder"]

    assert messages(refused) == [("quantity", "VALIDATION")]
    assert allowed["product"]["stockQuantity"] == MAX


def test_an_order_of_the_maximum_against_the_maximum_works(customer, db):
    product = ProductFactory.create(stock_quantity=MAX)

    order = place_order(customer, product, quantity=MAX)

    assert (order.quantity, stock_of(product)) == (MAX, 0)


@pytest.mark.parametrize(
    ("sql", "value"),
    [
        ("UPDATE products_product SET stock_quantity = %s WHERE id = %s", MAX + 1),
        ("UPDATE orders_order SET quantity = %s WHERE product_id = %s", MAX + 1),
    ],
)
def test_the_database_refuses_values_above_the_maximum(customer, sql, value):
    product = ProductFactory.create(stock_quantity=10)
    place_order(customer, product, quantity=1)

    with (
        pytest.raises(IntegrityError),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql, [value, product.pk])
