import pytest

from tests.conftest import gid
from tests.factories import ProductFactory, UserFactory, place_order


def order_ids(connection):
    return [edge["node"]["id"] for edge in connection["edges"]]


def test_my_orders_lists_only_my_orders_newest_first(
    customer_client, customer, other_customer, product
):
    first = place_order(customer, product)
    second = place_order(customer, product, quantity=2)
    place_order(other_customer, product)

    orders = customer_client.run("MyOrders").data["orders"]

    assert orders["totalCount"] == 2
    assert order_ids(orders) == [gid("Order", second.pk), gid("Order", first.pk)]
    assert orders["edges"][0]["node"]["product"] == {
        "id": gid("Product", product.pk),
        "name": "Teapot",
        "price": "12.50",
    }
    assert orders["edges"][0]["node"]["total"] == "25.00"


def test_my_orders_filters_by_status_and_a_null_status_means_all(
    customer_client, staff, customer, product
):
    from backend.orders.services import cancel_order

    kept = place_order(customer, product)
    canceled = place_order(customer, product)
    cancel_order(actor=customer, order_id=canceled.pk)

    only_canceled = customer_client.run("MyOrders", status="CANCELED").data["orders"]
    everything = customer_client.run("MyOrders", status=None).data["orders"]

    assert order_ids(only_canceled) == [gid("Order", canceled.pk)]
    assert set(order_ids(everything)) == {
        gid("Order", kept.pk),
        gid("Order", canceled.pk),
    }


def test_anonymous_users_get_a_permission_error_for_orders(anonymous_client, db):
    response = anonymous_client.run("MyOrders")

    assert response.body["data"] is None
    assert response.error_codes() == ["PERMISSION_DENIED"]
    assert response.errors[0]["message"] == "You must be signed in to do this."


def test_staff_see_every_order_by_status(
    staff_client, customer, other_customer, product
):
    from backend.orders.services import update_order

    mine = place_order(customer, product)
    theirs = place_order(other_customer, product)
    update_order(
        actor=staff_client_user(staff_client), order_id=theirs.pk, status="shipped"
    )

    pending = staff_client.run("AllOrdersByStatus", statuses=["PENDING"]).data["orders"]
    both = staff_client.run("AllOrdersByStatus", statuses=["PENDING", "SHIPPED"]).data[
        "orders"
    ]

    assert pending["edges"] == [
        {
            "node": {
                "id": gid("Order", mine.pk),
                "status": "PENDING",
                "quantity": 1,
                "customer": {"username": "alice"},
                "product": {"name": "Teapot"},
            }
        }
    ]
    assert both["totalCount"] == 2


def staff_client_user(client):
    from django.contrib.auth.models import User

    return User.objects.get(pk=client.client.session["_auth_user_id"])


def test_order_detail_shows_my_order_with_customer_and_product(
    customer_client, customer, product
):
    order = place_order(customer, product, quantity=4)

    detail = customer_client.run("OrderDetail", id=gid("Order", order.pk)).data["order"]

    assert detail["customer"] == {"id": gid("User", customer.pk), "username": "alice"}
    assert detail["product"] == {"id": gid("Product", product.pk), "name": "Teapot"}
    assert (detail["quantity"], detail["status"], detail["total"]) == (
        4,
        "PENDING",
        "50.00",
    )


def test_another_customers_order_is_simply_not_found(
    other_customer_client, customer, product
):
    order = place_order(customer, product)

    detail = other_customer_client.run("OrderDetail", id=gid("Order", order.pk))
    refetch = other_customer_client.run("Refetch", id=gid("Order", order.pk))

    assert detail.data == {"order": None}
    assert refetch.data == {"node": None}


def test_anonymous_users_get_a_permission_error_for_an_order(
    anonymous_client, customer, product
):
    order = place_order(customer, product)

    response = anonymous_client.run("OrderDetail", id=gid("Order", order.pk))

    assert response.error_codes() == ["PERMISSION_DENIED"]


def test_refetch_resolves_my_order(customer_client, customer, product):
    order = place_order(customer, product, quantity=2)

    node = customer_client.run("Refetch", id=gid("Order", order.pk)).data["node"]

    assert node == {"id": gid("Order", order.pk), "status": "PENDING", "quantity": 2}


@pytest.mark.parametrize("page_size", [1, 10, 100])
def test_a_page_of_orders_with_products_costs_a_constant_number_of_queries(
    customer_client, customer, django_assert_num_queries, page_size
):
    products = [ProductFactory.create() for _ in range(page_size)]
    for product in products:
        place_order(customer, product)
    customer_client.csrf_token()

    # session + user, then: totalCount, one page of orders, one product batch
    with django_assert_num_queries(5):
        orders = customer_client.run("MyOrders", first=page_size).data["orders"]

    assert len(orders["edges"]) == page_size
    assert {edge["node"]["product"]["name"] for edge in orders["edges"]} == {
        product.name for product in products
    }


@pytest.mark.parametrize("page_size", [1, 10, 100])
def test_all_orders_with_customers_and_products_cost_a_constant_number_of_queries(
    staff_client, django_assert_num_queries, page_size
):
    customers = [UserFactory.create() for _ in range(page_size)]
    for customer in customers:
        place_order(customer, ProductFactory.create())
    staff_client.csrf_token()

    # session + user, then: totalCount, the page of orders joined with their
    # customers, one product batch
    with django_assert_num_queries(5):
        orders = staff_client.run("AllOrdersByStatus", statuses=["PENDING"]).data[
            "orders"
        ]

    assert orders["totalCount"] == page_size
    assert {edge["node"]["customer"]["username"] for edge in orders["edges"]} == {
        customer.username for customer in customers
    }


def test_total_count_is_only_counted_when_asked_for(
    customer_client, customer, product, django_assert_num_queries
):
    for _ in range(3):
        place_order(customer, product)
    customer_client.csrf_token()

    # session + user, one page of orders, one product batch
    with django_assert_num_queries(4):
        orders = customer_client.execute(
            "{ orders(first: 2) { edges { node { quantity product { name } } } } }"
        ).data["orders"]

    assert len(orders["edges"]) == 2
