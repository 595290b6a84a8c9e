"""Prices on the wire: one strict decimal format, and no negative zero."""

from decimal import Decimal

import pytest
from graphql import get_named_type

from backend.products import services
from backend.products.models import Product
from schema.schema import schema
from tests.conftest import gid
from tests.factories import staff_actor

CREATE = """
mutation($price: Decimal!) {
  createProduct(input: {name: "Kettle", price: $price}) {
    __typename ... on Product { price }
    ... on OperationInfo { messages { kind field code } }
  }
}
"""
UPDATE = """
mutation($id: ID!, $price: Decimal) {
  updateProduct(input: {id: $id, price: $price}) {
    __typename ... on Product { price }
  }
}
"""


@pytest.mark.parametrize("price", ["-0", "-0.0", "-0.00", "0", "0.00"])
def test_zero_in_any_sign_is_stored_and_echoed_as_0_00(staff_client, price):
    payload = staff_client.execute(CREATE, {"price": price}).data["createProduct"]

    assert payload == {"__typename": "Product", "price": "0.00"}
    stored = Product.objects.get().price
    assert (stored, str(stored)) == (Decimal("0.00"), "0.00")


@pytest.mark.parametrize(
    ("price", "echoed"),
    [
        ("12.5", "12.50"),
        ("7", "7.00"),
        ("007.10", "7.10"),
        ("99999999.99", "99999999.99"),
    ],
)
def test_plain_decimals_are_accepted(staff_client, price, echoed):
    payload = staff_client.execute(CREATE, {"price": price}).data["createProduct"]

    assert payload["price"] == echoed


MALFORMED = [
    "1_000",
    " 5 ",
    "5 ",
    "\t5",
    "+5",
    "1e2",
    "1E2",
    "5.",
    ".5",
    "1.2.3",
    "",
    "-",
    "--1",
    "0x10",
    "Infinity",
    "-Infinity",
    "NaN",
    "sNaN",
    "\uff15",
    "\u0663",
    "1,5",
    "1" * 101,
]


def price_messages(payload):
    assert payload["__typename"] == "OperationInfo"
    return [(m["kind"], m["field"], m["code"]) for m in payload["messages"]]


@pytest.mark.parametrize("price", MALFORMED)
def test_anything_else_is_a_validation_message_on_price_and_stores_nothing(
    staff_client, price
):
    response = staff_client.execute(CREATE, {"price": price})

    assert response.errors == []
    assert price_messages(response.data["createProduct"]) == [
        ("VALIDATION", "price", "VALIDATION")
    ]
    assert not Product.objects.exists()


def test_the_message_names_the_format_without_echoing_the_value(staff_client):
    response = staff_client.execute(
        CREATE.replace("kind field code", "message"), {"price": "1e5"}
    )

    [message] = response.data["createProduct"]["messages"]
    assert '"12.50"' in message["message"]
    assert "1e5" not in message["message"]


def test_text_that_cannot_be_stored_is_refused_before_any_scalar(staff_client):
    response = staff_client.execute(CREATE, {"price": "5\x00"})

    assert response.body["data"] is None
    assert response.error_codes() == ["VALIDATION"]
    assert not Product.objects.exists()


@pytest.mark.parametrize(
    ("literal", "outcome"),
    [
        ('"1_000"', "price message"),
        ('" 5 "', "price message"),
        ('"1e5"', "price message"),
        ('"abc"', "price message"),
        ("5", "refused"),  # a GraphQL number: the wrong type, as for a variable
        ("1.5", "refused"),
        ('"-0"', "0.00"),
    ],
)
def test_literals_follow_the_same_format(staff_client, literal, outcome):
    query = CREATE.replace("($price: Decimal!)", "").replace("$price", literal)

    response = staff_client.execute(query)

    if outcome == "0.00":
        assert response.data["createProduct"]["price"] == "0.00"
        return
    if outcome == "refused":
        assert response.error_codes() == ["GRAPHQL_VALIDATION_FAILED"]
    else:
        assert response.errors == []
        assert price_messages(response.data["createProduct"]) == [
            ("VALIDATION", "price", "VALIDATION")
        ]
    assert not Product.objects.exists()


WITH_NAME = """
mutation($name: String!, $price: Decimal!) {
  createProduct(input: {name: $name, price: $price}) {
    __typename ... on OperationInfo { messages { kind field code } }
  }
}
"""


def test_a_malformed_price_is_reported_with_the_other_fields(staff_client):
    response = staff_client.execute(WITH_NAME, {"name": "", "price": "abc"})

    assert response.errors == []
    assert price_messages(response.data["createProduct"]) == [
        ("VALIDATION", "name", "VALIDATION"),
        ("VALIDATION", "price", "VALIDATION"),
    ]
    assert not Product.objects.exists()


def test_a_malformed_literal_price_is_reported_with_the_other_fields(staff_client):
    query = (
        WITH_NAME.replace("($name: String!, $price: Decimal!)", "")
        .replace("$name", '""')
        .replace("$price", '"1e5"')
    )

    response = staff_client.execute(query)

    assert response.errors == []
    assert price_messages(response.data["createProduct"]) == [
        ("VALIDATION", "name", "VALIDATION"),
        ("VALIDATION", "price", "VALIDATION"),
    ]
    assert not Product.objects.exists()


UPDATE_REPORTING = """
mutation($id: ID!, $price: Decimal) {
  updateProduct(input: {id: $id, price: $price}) {
    __typename ... on OperationInfo { messages { kind field code } }
  }
}
"""


@pytest.mark.parametrize("price", ["1e5", "abc", "+5", ".5"])
def test_update_with_a_malformed_price_is_a_message_and_changes_nothing(
    staff_client, product, price
):
    response = staff_client.execute(
        UPDATE_REPORTING, {"id": gid("Product", product.pk), "price": price}
    )

    assert response.errors == []
    assert price_messages(response.data["updateProduct"]) == [
        ("VALIDATION", "price", "VALIDATION")
    ]
    product.refresh_from_db()
    assert product.price == Decimal("12.50")


def test_update_with_a_malformed_literal_price_and_id_reports_both(
    staff_client, product
):
    query = (
        UPDATE_REPORTING.replace("($id: ID!, $price: Decimal)", "")
        .replace("$id", '"%%%not-an-id"')
        .replace("$price", '"1e5"')
    )

    response = staff_client.execute(query)

    assert response.errors == []
    assert price_messages(response.data["updateProduct"]) == [
        ("VALIDATION", "id", "VALIDATION"),
        ("VALIDATION", "price", "VALIDATION"),
    ]
    product.refresh_from_db()
    assert product.price == Decimal("12.50")


@pytest.mark.parametrize("price", ["-1", "123456789.00", "1.234", "-0.01"])
def test_well_formed_prices_out_of_range_stay_validation_on_price(staff_client, price):
    response = staff_client.execute(CREATE, {"price": price})

    assert price_messages(response.data["createProduct"]) == [
        ("VALIDATION", "price", "VALIDATION")
    ]
    assert not Product.objects.exists()


def test_update_with_minus_zero_stores_and_echoes_zero(staff_client, product):
    payload = staff_client.execute(
        UPDATE, {"id": gid("Product", product.pk), "price": "-0"}
    ).data["updateProduct"]

    assert payload["price"] == "0.00"
    product.refresh_from_db()
    assert str(product.price) == "0.00"


def test_the_service_also_turns_minus_zero_into_zero(db):
    product = services.create_product(
        actor=staff_actor(), name="Kettle", price=Decimal("-0.00")
    )

    assert str(product.price) == "0.00"
    assert not product.price.is_signed()


def test_the_service_reads_a_price_sent_as_text_with_the_wire_rule(db):
    product = services.create_product(actor=staff_actor(), name="Kettle", price="-0")

    assert str(product.price) == "0.00"


def test_no_field_takes_a_decimal_argument():
    """The Decimal scalar hands any string through unchecked (the service reads
    it, so a malformed price is a message on its field): an argument of type
    Decimal would receive text nobody checks. Take one only with that check."""
    for type_ in schema._schema.type_map.values():
        for name, field in getattr(type_, "fields", {}).items():
            for arg_name, arg in getattr(field, "args", {}).items():
                assert get_named_type(arg.type).name != "Decimal", (
                    f"{type_.name}.{name}({arg_name})"
                )


def test_the_schema_describes_the_wire_format():
    description = schema._schema.type_map["Decimal"].description or ""

    assert '"12.50"' in description
    assert "no" in description
