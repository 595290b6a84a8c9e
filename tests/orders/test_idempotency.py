import pytest

from backend.orders.models import Order
from tests.conftest import gid
from tests.factories import ProductFactory

MAX_KEY_LENGTH = 255


def place(client, product, key, quantity=1):
    return client.run(
        "PlaceOrder",
        input={
            "productId": gid("Product", product.pk),
            "quantity": quantity,
            "idempotencyKey": key,
        },
    ).data["createOrder"]


def stock_of(product):
    product.refresh_from_db()
    return product.stock_quantity


def test_repeating_a_key_returns_the_same_order_and_moves_no_stock(
    customer_client, product
):
    first = place(customer_client, product, "checkout-1", quantity=3)

    again = place(customer_client, product, "checkout-1", quantity=3)

    assert again["__typename"] == "Order"
    assert again["id"] == first["id"]
    assert Order.objects.count() == 1
    assert stock_of(product) == 7


@pytest.mark.parametrize("change", ["product", "quantity"])
def test_a_key_reused_for_another_order_is_refused_and_changes_nothing(
    customer_client, product, change
):
    # given
    other = ProductFactory.create(stock_quantity=5)
    place(customer_client, product, "checkout-1", quantity=2)
    order = Order.objects.get()

    # when
    payload = place(
        customer_client,
        other if change == "product" else product,
        "checkout-1",
        quantity=2 if change == "product" else 4,
    )

    # then
    assert payload["messages"] == [
        {
            "kind": "VALIDATION",
            "field": "idempotencyKey",
            "code": "IDEMPOTENCY_KEY_REUSED",
            "message": "This idempotency key was already used for a different "
            f"order (order {order.pk}).",
        }
    ]
    assert list(Order.objects.values_list("pk", "product_id", "quantity")) == [
        (order.pk, product.pk, 2)
    ]
    assert (stock_of(product), stock_of(other)) == (8, 5)


def test_a_key_of_255_characters_is_accepted(customer_client, product):
    key = "k" * MAX_KEY_LENGTH

    payload = place(customer_client, product, key)

    assert payload["__typename"] == "Order"
    assert Order.objects.get().idempotency_key == key
    assert stock_of(product) == 9


def test_a_key_of_256_characters_is_a_validation_error_and_changes_nothing(
    customer_client, product
):
    payload = place(customer_client, product, "k" * (MAX_KEY_LENGTH + 1))

    assert payload["messages"] == [
        {
            "kind": "VALIDATION",
            "field": "idempotencyKey",
            "code": "VALIDATION",
            "message": f"An idempotency key has 1 to {MAX_KEY_LENGTH} characters.",
        }
    ]
    assert not Order.objects.exists()
    assert stock_of(product) == 10


def test_the_same_key_from_two_customers_places_two_orders(
    customer, other_customer, customer_client, other_customer_client, product
):
    mine = place(customer_client, product, "checkout-1", quantity=2)

    theirs = place(other_customer_client, product, "checkout-1", quantity=3)

    assert (mine["__typename"], theirs["__typename"]) == ("Order", "Order")
    assert mine["id"] != theirs["id"]
    assert sorted(Order.objects.values_list("customer_id", "quantity")) == [
        (customer.pk, 2),
        (other_customer.pk, 3),
    ]
    assert stock_of(product) == 5
