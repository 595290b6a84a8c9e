"""Object-level access: other people's orders, and IDs that name nothing."""

import base64

import pytest
from graphql import GraphQLField, GraphQLInputObjectType, get_named_type

from backend.orders.models import Order, OrderStatus
from schema.schema import schema
from tests.conftest import gid
from tests.factories import place_order

# Mutations that take the global ID of an object in `input.id`, by whether the
# object belongs to someone. A new one must be sorted in here (and tested).
OWNED_OBJECT_MUTATIONS = {"updateOrder", "cancelOrder"}
PUBLIC_OBJECT_MUTATIONS = {"updateProduct", "deleteProduct"}


def takes_an_id(field: GraphQLField) -> bool:
    argument = field.args.get("input")
    input_type = get_named_type(argument.type) if argument else None
    return isinstance(input_type, GraphQLInputObjectType) and "id" in input_type.fields


def test_every_mutation_taking_an_id_is_classified():
    mutation = schema._schema.mutation_type
    assert mutation is not None

    with_id = {name for name, field in mutation.fields.items() if takes_an_id(field)}

    assert with_id == OWNED_OBJECT_MUTATIONS | PUBLIC_OBJECT_MUTATIONS


@pytest.fixture
def order(customer, product):
    return place_order(customer, product, quantity=4)


def test_another_customers_order_is_missing_from_their_order_list(
    other_customer_client, order
):
    orders = other_customer_client.run("MyOrders").data["orders"]

    assert (orders["totalCount"], orders["edges"]) == (0, [])


@pytest.mark.parametrize(
    ("operation", "changes"),
    [
        ("ChangeQuantity", {"quantity": 1}),
        ("SetOrderStatus", {"status": "CANCELED"}),
        ("SetOrderStatus", {"status": "SHIPPED"}),
        ("CancelOrder", {}),
    ],
)
def test_no_mutation_reaches_another_customers_order(
    other_customer_client, order, product, operation, changes
):
    payload = other_customer_client.run(
        operation, input={"id": gid("Order", order.pk), **changes}
    ).data["cancelOrder" if operation == "CancelOrder" else "updateOrder"]

    assert [m["code"] for m in payload["messages"]] == ["NOT_FOUND"]
    order.refresh_from_db()
    product.refresh_from_db()
    assert (order.quantity, order.status, product.stock_quantity) == (
        4,
        OrderStatus.PENDING,
        6,
    )


def encoded(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


BAD_IDS = {
    "malformed base64": "%%%not-base64",
    "empty": "",
    "wrong type": None,  # a User's ID, filled in by the test
    "unknown type": encoded("Nope:1"),
    "non-numeric key": encoded("Order:abc"),
    "superscript digit": encoded("Order:²"),
    "key beyond BIGINT": encoded("Order:" + "9" * 30),
    "negative key": encoded("Order:-1"),
}

UNDECODABLE = {"malformed base64", "empty"}
QUERIES = {"node", "order", "product"}

# Every field that takes a global ID, with where the ID goes.
ID_PROBES = {
    "node": ("Refetch", lambda i: {"id": i}),
    "order": ("OrderDetail", lambda i: {"id": i}),
    "product": ("ProductDetail", lambda i: {"id": i}),
    "updateOrder": ("ChangeQuantity", lambda i: {"input": {"id": i, "quantity": 1}}),
    "cancelOrder": ("CancelOrder", lambda i: {"input": {"id": i}}),
    "createOrder": ("PlaceOrder", lambda i: {"input": {"productId": i, "quantity": 1}}),
    "updateProduct": ("UpdateProduct", lambda i: {"input": {"id": i, "price": "1.00"}}),
    "deleteProduct": ("DeleteProduct", lambda i: {"input": {"id": i}}),
}


@pytest.mark.parametrize("kind", sorted(BAD_IDS))
@pytest.mark.parametrize("field", sorted(ID_PROBES))
def test_an_id_that_names_nothing_is_null_not_found_or_validation(
    staff_client, order, field, kind
):
    operation, variables = ID_PROBES[field]
    bad_id = BAD_IDS[kind]
    if bad_id is None:
        # For `node` any Node type is right: a User that does not exist.
        bad_id = gid("User", 999_999 if field == "node" else order.pk)

    response = staff_client.run(operation, **variables(bad_id))

    assert response.status_code == 200
    assert set(response.error_codes()) <= {"VALIDATION", "NOT_FOUND"}, response.body
    payload = (response.body["data"] or {}).get(field)
    if field in QUERIES:
        assert payload is None
        return
    assert payload is not None
    if kind in UNDECODABLE:
        # A mutation reports an ID that does not decode on its input field.
        id_field = "productId" if field == "createOrder" else "id"
        assert [(m["field"], m["code"]) for m in payload["messages"]] == [
            (id_field, "VALIDATION")
        ]
    else:
        assert [m["code"] for m in payload["messages"]] == ["NOT_FOUND"]
    assert Order.objects.get().quantity == 4
