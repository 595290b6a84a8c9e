import pytest

from backend.orders.models import Order, OrderStatus
from backend.orders.services import update_order
from tests.conftest import gid
from tests.factories import place_order


def messages(payload):
    return [(m["field"], m["code"], m["message"]) for m in payload["messages"]]


def set_status(client, order, status):
    return client.run(
        "SetOrderStatus", input={"id": gid("Order", order.pk), "status": status}
    ).data["updateOrder"]


def change_quantity(client, order, quantity):
    return client.run(
        "ChangeQuantity", input={"id": gid("Order", order.pk), "quantity": quantity}
    ).data["updateOrder"]


@pytest.fixture
def order(customer, product):
    return place_order(customer, product, quantity=4)


def stock_of(product):
    product.refresh_from_db()
    return product.stock_quantity


def test_raising_the_quantity_takes_the_difference_from_stock(
    customer_client, order, product
):
    payload = change_quantity(customer_client, order, 9)

    assert payload == {
        "__typename": "Order",
        "id": gid("Order", order.pk),
        "quantity": 9,
        "total": "112.50",
        "product": {"id": gid("Product", product.pk), "stockQuantity": 1},
    }
    assert stock_of(product) == 1


def test_lowering_the_quantity_returns_the_difference(customer_client, order, product):
    payload = change_quantity(customer_client, order, 1)

    assert payload["product"]["stockQuantity"] == 9
    assert stock_of(product) == 9


def test_raising_the_quantity_beyond_stock_changes_nothing(
    customer_client, order, product
):
    payload = change_quantity(customer_client, order, 11)

    assert messages(payload) == [
        (
            "quantity",
            "INSUFFICIENT_STOCK",
            "Not enough stock for 'Teapot': 7 requested, 6 available.",
        )
    ]
    order.refresh_from_db()
    assert order.quantity == 4
    assert stock_of(product) == 6


def test_staff_may_change_any_orders_quantity(staff_client, order, product):
    payload = change_quantity(staff_client, order, 5)

    assert payload["quantity"] == 5
    assert stock_of(product) == 5


def test_another_customer_cannot_touch_my_order(other_customer_client, order, product):
    changed = change_quantity(other_customer_client, order, 1)
    canceled = other_customer_client.run(
        "CancelOrder", input={"id": gid("Order", order.pk)}
    ).data["cancelOrder"]

    for payload in (changed, canceled):
        assert messages(payload) == [(None, "NOT_FOUND", "Order does not exist.")]
    order.refresh_from_db()
    assert (order.quantity, order.status) == (4, OrderStatus.PENDING)
    assert stock_of(product) == 6


def test_quantity_of_a_shipped_order_cannot_change(
    customer_client, staff, order, product
):
    update_order(actor=staff, order_id=order.pk, status=OrderStatus.SHIPPED)

    payload = change_quantity(customer_client, order, 1)

    assert [m["code"] for m in payload["messages"]] == ["ORDER_NOT_PENDING"]
    assert stock_of(product) == 6


def test_staff_move_an_order_to_shipped_then_delivered(staff_client, order):
    shipped = set_status(staff_client, order, "SHIPPED")
    delivered = set_status(staff_client, order, "DELIVERED")

    assert (shipped["status"], delivered["status"]) == ("SHIPPED", "DELIVERED")
    order.refresh_from_db()
    assert order.status == OrderStatus.DELIVERED


@pytest.mark.parametrize(
    ("path", "target", "message"),
    [
        ([], "DELIVERED", "An order cannot move from pending to delivered."),
        ([], "PENDING", "An order cannot move from pending to pending."),
        (["shipped"], "CANCELED", "An order cannot move from shipped to canceled."),
        (
            ["shipped", "delivered"],
            "CANCELED",
            "An order cannot move from delivered to canceled.",
        ),
        (["canceled"], "SHIPPED", "An order cannot move from canceled to shipped."),
    ],
)
def test_invalid_transitions_name_both_statuses_and_change_nothing(
    staff_client, staff, order, product, path, target, message
):
    for status in path:
        update_order(actor=staff, order_id=order.pk, status=status)
    before = Order.objects.values("status", "updated_at").get(pk=order.pk)
    stock_before = stock_of(product)

    payload = set_status(staff_client, order, target)

    assert messages(payload) == [("status", "INVALID_TRANSITION", message)]
    assert Order.objects.values("status", "updated_at").get(pk=order.pk) == before
    assert stock_of(product) == stock_before


def test_customers_cannot_ship_their_own_orders(customer_client, order):
    payload = set_status(customer_client, order, "SHIPPED")

    assert [m["code"] for m in payload["messages"]] == ["PERMISSION_DENIED"]
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING


def test_customer_cancels_a_pending_order_and_stock_returns(
    customer_client, order, product
):
    payload = customer_client.run(
        "CancelOrder", input={"id": gid("Order", order.pk)}
    ).data["cancelOrder"]

    assert payload == {
        "__typename": "Order",
        "id": gid("Order", order.pk),
        "status": "CANCELED",
        "product": {"id": gid("Product", product.pk), "stockQuantity": 10},
    }
    assert stock_of(product) == 10


def test_canceling_twice_returns_the_stock_once(customer_client, order, product):
    customer_client.run("CancelOrder", input={"id": gid("Order", order.pk)})

    again = customer_client.run(
        "CancelOrder", input={"id": gid("Order", order.pk)}
    ).data["cancelOrder"]

    assert [m["code"] for m in again["messages"]] == ["INVALID_TRANSITION"]
    assert stock_of(product) == 10


def test_update_order_needs_something_to_change(customer_client, order):
    payload = customer_client.run(
        "SetOrderStatus", input={"id": gid("Order", order.pk)}
    ).data["updateOrder"]

    assert [m["code"] for m in payload["messages"]] == ["VALIDATION"]


def test_a_malformed_order_id_is_not_found(customer_client, db):
    payload = customer_client.run("CancelOrder", input={"id": gid("Product", 1)}).data[
        "cancelOrder"
    ]

    assert messages(payload) == [(None, "NOT_FOUND", "Order does not exist.")]


def test_every_input_problem_of_a_change_is_reported_at_once(
    customer_client, order, product
):
    response = customer_client.run(
        "ChangeQuantity", input={"id": "%%%not-an-id", "quantity": 0}
    )

    assert response.errors == []
    payload = response.data["updateOrder"]
    assert [(m["kind"], m["field"], m["code"]) for m in payload["messages"]] == [
        ("VALIDATION", "id", "VALIDATION"),
        ("VALIDATION", "quantity", "VALIDATION"),
    ]
    order.refresh_from_db()
    assert (order.quantity, order.status, stock_of(product)) == (
        4,
        OrderStatus.PENDING,
        6,
    )


def test_a_bad_quantity_is_reported_before_the_order_is_looked_up(
    customer_client, order
):
    payload = change_quantity(customer_client, Order(pk=order.pk + 1000), 0)

    assert [(m["field"], m["code"]) for m in payload["messages"]] == [
        ("quantity", "VALIDATION")
    ]


def test_a_malformed_id_to_cancel_is_a_message_on_its_field(customer_client, order):
    payload = customer_client.run("CancelOrder", input={"id": "%%%not-an-id"}).data[
        "cancelOrder"
    ]

    assert [(m["field"], m["code"]) for m in payload["messages"]] == [
        ("id", "VALIDATION")
    ]
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING
