"""Every root field against the declared policy, for every role."""

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from asgiref.sync import async_to_sync

from backend.orders.models import Order
from backend.orders.services import create_order
from backend.products.models import Product
from schema.schema import schema
from tests.conftest import gid
from tests.factories import PASSWORD, ProductFactory, place_order
from tests.graphql_client import GraphQLClient, Response
from tests.live.inprocess import Live, in_thread, listening, socket_context
from tests.security.policy import (
    MUTATIONS,
    QUERIES,
    ROLES,
    SUBSCRIPTIONS,
    Access,
    markdown_table,
)

README = Path(__file__).resolve().parents[2] / "README.md"


@dataclass
class World:
    product: Product  # without orders, so it may be deleted
    order: Order  # the customer's own pending order


Variables = Callable[[World], dict[str, Any]]

# One contract operation per root field, with variables that succeed for a
# caller the policy allows.
PROBES: dict[str, tuple[str, Variables]] = {
    "node": ("Refetch", lambda w: {"id": gid("Product", w.product.pk)}),
    "me": ("Me", lambda w: {}),
    "product": ("ProductDetail", lambda w: {"id": gid("Product", w.product.pk)}),
    "products": ("CatalogPage", lambda w: {}),
    "order": ("OrderDetail", lambda w: {"id": gid("Order", w.order.pk)}),
    "orders": ("MyOrders", lambda w: {}),
    "register": (
        "Register",
        lambda w: {
            "input": {
                "username": "newcomer",
                "email": "newcomer@example.com",
                "password": "a-long-and-unusual-passphrase",
            }
        },
    ),
    "login": (
        "Login",
        lambda w: {"input": {"username": "alice", "password": PASSWORD}},
    ),
    "logout": ("Logout", lambda w: {}),
    "createProduct": (
        "CreateProduct",
        lambda w: {"input": {"name": "Kettle", "price": "3.00"}},
    ),
    "updateProduct": (
        "UpdateProduct",
        lambda w: {"input": {"id": gid("Product", w.product.pk), "price": "2.00"}},
    ),
    "deleteProduct": (
        "DeleteProduct",
        lambda w: {"input": {"id": gid("Product", w.product.pk)}},
    ),
    "createOrder": (
        "PlaceOrder",
        lambda w: {"input": {"productId": gid("Product", w.product.pk), "quantity": 1}},
    ),
    "updateOrder": (
        "ChangeQuantity",
        lambda w: {"input": {"id": gid("Order", w.order.pk), "quantity": 2}},
    ),
    "cancelOrder": (
        "CancelOrder",
        lambda w: {"input": {"id": gid("Order", w.order.pk)}},
    ),
}

POLICIES = {**QUERIES, **MUTATIONS}


def root_fields(kind: str) -> set[str]:
    root = getattr(schema._schema, f"{kind}_type")
    return set(root.fields)


def test_every_root_query_has_a_policy():
    assert root_fields("query") == set(QUERIES), (
        "Declare who may call each query field in tests/security/policy.py"
    )


def test_every_root_mutation_has_a_policy():
    assert root_fields("mutation") == set(MUTATIONS), (
        "Declare who may call each mutation field in tests/security/policy.py"
    )


def test_every_root_subscription_has_a_policy():
    assert root_fields("subscription") == set(SUBSCRIPTIONS), (
        "Declare who may subscribe to each field in tests/security/policy.py"
    )


def test_every_policy_has_a_probe():
    assert set(PROBES) == set(POLICIES)


def test_the_readme_shows_the_policy_table():
    assert markdown_table() in README.read_text(), (
        "Paste tests.security.policy.markdown_table() into the README's Security "
        "section"
    )


def denied(response: Response, field: str) -> bool:
    if "PERMISSION_DENIED" in response.error_codes():
        return True
    payload = (response.body.get("data") or {}).get(field)
    messages = payload.get("messages", []) if isinstance(payload, dict) else []
    return any(message["code"] == "PERMISSION_DENIED" for message in messages)


@pytest.fixture
def world(customer, other_customer) -> World:
    ordered = ProductFactory.create(stock_quantity=10)
    return World(
        product=ProductFactory.create(stock_quantity=10),
        order=place_order(customer, ordered, quantity=1),
    )


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("field", sorted(POLICIES))
def test_each_role_gets_what_the_policy_declares(request, world, staff, field, role):
    client: GraphQLClient = request.getfixturevalue(f"{role}_client")
    operation, variables = PROBES[field]

    response = client.run(operation, **variables(world))

    assert response.status_code == 200
    if POLICIES[field].for_role(role) is Access.DENIED:
        assert denied(response, field), response.body
    else:
        assert response.errors == []
        payload = response.body["data"][field]
        assert not (isinstance(payload, dict) and "messages" in payload), payload
        # Allowed means answered, not an empty null (only `me` of nobody is).
        assert (payload is None) == ((field, role) == ("me", "anonymous")), payload


# Subscriptions run in-process through schema.subscribe with the context the
# socket builds (tests/live/ drives the real socket): an allowed role receives
# the event that the commit publishes, a denied one PERMISSION_DENIED at once.
SUBSCRIPTION_PROBES: dict[str, tuple[str, Variables]] = {
    "orderChanged": ("OrderChanged", lambda w: {}),
    "productChanged": (
        "ProductChanged",
        lambda w: {"id": gid("Product", w.product.pk)},
    ),
}


def test_every_subscription_policy_has_a_probe():
    assert set(SUBSCRIPTION_PROBES) == set(SUBSCRIPTIONS)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("field", sorted(SUBSCRIPTIONS))
def test_each_role_subscribes_as_the_policy_declares(
    request, world, customer, staff, field, role
):
    client: GraphQLClient = request.getfixturevalue(f"{role}_client")
    user = {"anonymous": None, "customer": customer, "staff": staff}[role]
    operation, variables = SUBSCRIPTION_PROBES[field]
    context = socket_context(user, client)

    async def probe():
        live = Live.of(context, operation, **variables(world))
        await listening()
        # The customer orders the probe product: an event for both fields.
        await in_thread(create_order)(
            customer=customer, product_id=world.product.pk, quantity=1
        )
        result = await live.next()
        await live.stop()
        return result

    result = async_to_sync(probe)()

    if SUBSCRIPTIONS[field].for_role(role) is Access.DENIED:
        assert result.data is None
        assert [e.extensions["code"] for e in result.errors] == ["PERMISSION_DENIED"]
    else:
        assert result.errors is None, result.errors
        assert result.data[field] is not None
