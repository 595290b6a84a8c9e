"""Contract operations run by the roles no other test runs them as.

Every (operation, role) pair is run somewhere in tests/ with its data or its
error code asserted; these are the pairs the other test files leave out.
tests/security/test_policy.py also probes each root field for each role, but
checks only allowed versus denied, not the data or that nothing changed.
"""

import pytest
from django.contrib.auth.models import User

from backend.orders.models import Order, OrderStatus
from backend.orders.services import update_order
from backend.products.models import Product
from tests.conftest import gid
from tests.factories import PASSWORD, ProductFactory, place_order

SIGNED_IN_CLIENTS = ["customer_client", "staff_client"]

NOT_SIGNED_IN = {
    "kind": "PERMISSION",
    "field": None,
    "code": "PERMISSION_DENIED",
    "message": "You must be signed in to do this.",
}


def stock_of(product):
    product.refresh_from_db()
    return product.stock_quantity


@pytest.fixture
def order(customer, product):
    return place_order(customer, product, quantity=4)


# --- Catalogue: the same for everyone ---------------------------------------


@pytest.mark.parametrize("client_fixture", SIGNED_IN_CLIENTS)
def test_signed_in_users_get_the_same_catalog_page(request, client_fixture, db):
    cheap = ProductFactory.create(name="Stool", price="5.00", stock_quantity=7)
    dear = ProductFactory.create(name="Table", price="90.00", stock_quantity=1)
    ProductFactory.create(name="Chair", price="25.00", stock_quantity=0)
    client = request.getfixturevalue(client_fixture)

    page = client.run("CatalogPage").data["products"]

    assert page["totalCount"] == 2
    assert [edge["node"] for edge in page["edges"]] == [
        {
            "id": gid("Product", cheap.pk),
            "name": "Stool",
            "price": "5.00",
            "stockQuantity": 7,
            "inStock": True,
        },
        {
            "id": gid("Product", dear.pk),
            "name": "Table",
            "price": "90.00",
            "stockQuantity": 1,
            "inStock": True,
        },
    ]


@pytest.mark.parametrize("client_fixture", SIGNED_IN_CLIENTS)
def test_signed_in_users_search_products_by_name(request, client_fixture, db):
    oak = ProductFactory.create(name="Oak Chair", price="40.00")
    ProductFactory.create(name="Birch Table")
    client = request.getfixturevalue(client_fixture)

    page = client.run("SearchProducts", text="chair").data["products"]

    assert page == {
        "totalCount": 1,
        "edges": [
            {
                "node": {
                    "id": gid("Product", oak.pk),
                    "name": "Oak Chair",
                    "description": "A fine thing.",
                    "price": "40.00",
                }
            }
        ],
    }


@pytest.mark.parametrize("client_fixture", SIGNED_IN_CLIENTS)
def test_signed_in_users_see_product_detail(request, client_fixture, product):
    client = request.getfixturevalue(client_fixture)

    detail = client.run("ProductDetail", id=gid("Product", product.pk)).data["product"]

    assert detail == {
        "id": gid("Product", product.pk),
        "name": "Teapot",
        "description": "A fine thing.",
        "price": "12.50",
        "stockQuantity": 10,
        "inStock": True,
        "createdAt": product.created_at.isoformat(),
        "updatedAt": product.updated_at.isoformat(),
    }


# --- Refetch: orders only for whoever may see them --------------------------


def test_staff_refetch_any_customers_order(staff_client, order):
    node = staff_client.run("Refetch", id=gid("Order", order.pk)).data["node"]

    assert node == {"id": gid("Order", order.pk), "status": "PENDING", "quantity": 4}


def test_refetch_of_an_order_is_null_for_anonymous_users(anonymous_client, order):
    response = anonymous_client.run("Refetch", id=gid("Order", order.pk))

    assert response.data == {"node": None}


# --- Accounts ----------------------------------------------------------------


def test_me_is_the_signed_in_customer(customer_client, customer):
    assert customer_client.run("Me").data == {
        "me": {
            "id": gid("User", customer.pk),
            "username": "alice",
            "email": "alice@example.com",
            "isStaff": False,
        }
    }


def test_me_is_the_signed_in_staff_member(staff_client, staff):
    assert staff_client.run("Me").data == {
        "me": {
            "id": gid("User", staff.pk),
            "username": "staffer",
            "email": "staffer@example.com",
            "isStaff": True,
        }
    }


@pytest.mark.parametrize("client_fixture", SIGNED_IN_CLIENTS)
def test_registering_while_signed_in_signs_in_to_the_new_account(
    request, client_fixture
):
    client = request.getfixturevalue(client_fixture)

    payload = client.run(
        "Register",
        input={
            "username": "carol",
            "email": "carol@example.com",
            "password": "a-long-and-unusual-passphrase",
        },
    ).data["register"]

    carol = User.objects.get(username="carol")
    assert payload == {
        "__typename": "User",
        "id": gid("User", carol.pk),
        "username": "carol",
        "email": "carol@example.com",
        "isStaff": False,
    }
    assert client.run("Me").data["me"]["username"] == "carol"


@pytest.mark.parametrize("client_fixture", SIGNED_IN_CLIENTS)
def test_logging_in_while_signed_in_switches_to_that_account(
    request, client_fixture, other_customer
):
    client = request.getfixturevalue(client_fixture)

    payload = client.run("Login", input={"username": "bob", "password": PASSWORD}).data[
        "login"
    ]

    assert payload == {
        "__typename": "User",
        "id": gid("User", other_customer.pk),
        "username": "bob",
        "isStaff": False,
    }
    assert client.run("Me").data["me"]["username"] == "bob"


def test_logout_when_anonymous_ends_no_session(anonymous_client):
    assert anonymous_client.run("Logout").data == {"logout": False}


def test_staff_logout_ends_the_session(staff_client):
    assert staff_client.run("Logout").data == {"logout": True}

    assert staff_client.run("Me").data == {"me": None}


# --- Orders: staff see and change every order ---------------------------------


def test_staff_may_place_an_order(staff_client, staff, product):
    payload = staff_client.run(
        "PlaceOrder", input={"productId": gid("Product", product.pk), "quantity": 2}
    ).data["createOrder"]

    placed = Order.objects.get()
    assert payload == {
        "__typename": "Order",
        "id": gid("Order", placed.pk),
        "quantity": 2,
        "status": "PENDING",
        "unitPrice": "12.50",
        "total": "25.00",
        "createdAt": placed.created_at.isoformat(),
        "product": {
            "id": gid("Product", product.pk),
            "name": "Teapot",
            "price": "12.50",
            "stockQuantity": 8,
        },
    }
    assert placed.customer == staff
    assert stock_of(product) == 8


def test_staff_my_orders_lists_every_customers_orders(
    staff_client, customer, other_customer, product
):
    alices = place_order(customer, product)
    bobs = place_order(other_customer, product)

    orders = staff_client.run("MyOrders").data["orders"]

    assert orders["totalCount"] == 2
    assert [edge["node"]["id"] for edge in orders["edges"]] == [
        gid("Order", bobs.pk),
        gid("Order", alices.pk),
    ]


def test_staff_see_any_customers_order_detail(staff_client, customer, order, product):
    detail = staff_client.run("OrderDetail", id=gid("Order", order.pk)).data["order"]

    assert detail == {
        "id": gid("Order", order.pk),
        "quantity": 4,
        "status": "PENDING",
        "unitPrice": "12.50",
        "total": "50.00",
        "createdAt": order.created_at.isoformat(),
        "updatedAt": order.updated_at.isoformat(),
        "customer": {"id": gid("User", customer.pk), "username": "alice"},
        "product": {"id": gid("Product", product.pk), "name": "Teapot"},
    }


def test_staff_cancel_a_customers_order_and_stock_returns(staff_client, order, product):
    payload = staff_client.run(
        "CancelOrder", input={"id": gid("Order", order.pk)}
    ).data["cancelOrder"]

    assert payload == {
        "__typename": "Order",
        "id": gid("Order", order.pk),
        "status": "CANCELED",
        "product": {"id": gid("Product", product.pk), "stockQuantity": 10},
    }
    assert stock_of(product) == 10


def test_customer_cancels_their_own_order_with_set_order_status(
    customer_client, order, product
):
    payload = customer_client.run(
        "SetOrderStatus", input={"id": gid("Order", order.pk), "status": "CANCELED"}
    ).data["updateOrder"]

    order.refresh_from_db()
    assert payload == {
        "__typename": "Order",
        "id": gid("Order", order.pk),
        "status": "CANCELED",
        "updatedAt": order.updated_at.isoformat(),
    }
    assert order.status == OrderStatus.CANCELED
    assert stock_of(product) == 10


# --- Orders: anonymous users change nothing -------------------------------------


@pytest.mark.parametrize(
    ("operation", "field", "changes"),
    [
        ("ChangeQuantity", "updateOrder", {"quantity": 1}),
        ("SetOrderStatus", "updateOrder", {"status": "SHIPPED"}),
        ("SetOrderStatus", "updateOrder", {"status": "CANCELED"}),
        ("CancelOrder", "cancelOrder", {}),
    ],
)
def test_anonymous_users_cannot_change_an_order(
    anonymous_client, order, product, operation, field, changes
):
    before = Order.objects.values("quantity", "status", "updated_at").get(pk=order.pk)

    payload = anonymous_client.run(
        operation, input={"id": gid("Order", order.pk), **changes}
    ).data[field]

    assert payload == {"__typename": "OperationInfo", "messages": [NOT_SIGNED_IN]}
    assert (
        Order.objects.values("quantity", "status", "updated_at").get(pk=order.pk)
        == before
    )
    assert stock_of(product) == 6


# --- AllOrdersByStatus: customers see only their own ----------------------------


def test_all_orders_by_status_shows_a_customer_only_their_own_orders(
    customer_client, customer, other_customer, staff, product
):
    mine = place_order(customer, product)
    mine_shipped = place_order(customer, product, quantity=2)
    update_order(actor=staff, order_id=mine_shipped.pk, status=OrderStatus.SHIPPED)
    place_order(other_customer, product)
    theirs_shipped = place_order(other_customer, product)
    update_order(actor=staff, order_id=theirs_shipped.pk, status=OrderStatus.SHIPPED)

    orders = customer_client.run(
        "AllOrdersByStatus", statuses=["PENDING", "SHIPPED"]
    ).data["orders"]

    assert orders == {
        "totalCount": 2,
        "edges": [
            {
                "node": {
                    "id": gid("Order", mine_shipped.pk),
                    "status": "SHIPPED",
                    "quantity": 2,
                    "customer": {"username": "alice"},
                    "product": {"name": "Teapot"},
                }
            },
            {
                "node": {
                    "id": gid("Order", mine.pk),
                    "status": "PENDING",
                    "quantity": 1,
                    "customer": {"username": "alice"},
                    "product": {"name": "Teapot"},
                }
            },
        ],
    }


def test_all_orders_by_status_is_refused_to_anonymous_users(anonymous_client, order):
    response = anonymous_client.run("AllOrdersByStatus", statuses=["PENDING"])

    assert response.body["data"] is None
    assert response.error_codes() == ["PERMISSION_DENIED"]
    assert response.errors[0]["message"] == "You must be signed in to do this."


# --- Back office: only staff change products ----------------------------------


def test_anonymous_users_cannot_update_products(anonymous_client, product):
    payload = anonymous_client.run(
        "UpdateProduct", input={"id": gid("Product", product.pk), "price": "1.00"}
    ).data["updateProduct"]

    assert payload == {"__typename": "OperationInfo", "messages": [NOT_SIGNED_IN]}
    product.refresh_from_db()
    assert (product.name, str(product.price), product.stock_quantity) == (
        "Teapot",
        "12.50",
        10,
    )


@pytest.mark.parametrize(
    ("client_fixture", "message"),
    [
        ("anonymous_client", NOT_SIGNED_IN),
        (
            "customer_client",
            {
                "kind": "PERMISSION",
                "field": None,
                "code": "PERMISSION_DENIED",
                "message": "Only staff members may do this.",
            },
        ),
    ],
)
def test_only_staff_delete_products(request, client_fixture, message, product):
    client = request.getfixturevalue(client_fixture)

    payload = client.run(
        "DeleteProduct", input={"id": gid("Product", product.pk)}
    ).data["deleteProduct"]

    assert payload == {"__typename": "OperationInfo", "messages": [message]}
    assert list(Product.objects.values_list("pk", flat=True)) == [product.pk]
