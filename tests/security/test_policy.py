"""Every root field against the declared policy, for every role."""

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from backend.orders.models import Order
from backend.products.models import Product
from schema.schema import schema
from tests.conftest import gid
from tests.factories import PASSWORD, ProductFactory, place_order
from tests.graphql_client import GraphQLClient, Response
from tests.security.policy import MUTATIONS, QUERIES, ROLES, Access, markdown_table

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
