"""Prices on the wire: one strict decimal format, and no negative zero."""

from decimal import Decimal

import pytest

from backend.products import services
from backend.products.models import Product
from schema.schema import schema
from tests.conftest import gid
from tests.factories import staff_actor

CREATE = """
mutation($price: Decimal!) {
  createProduct(input: {name: "Kettle", price: $price}) {
    __typename ... on Product { price }
    ... on OperationInfo { messages { field code } }
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


@pytest.mark.parametrize(
    "price",
    [
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
        "5\x00",
        "1" * 101,
    ],
)
def test_anything_else_is_refused_and_stores_nothing(staff_client, price):
    response = staff_client.execute(CREATE, {"price": price})

    assert response.body["data"] is None
    [error] = response.errors
    if "\x00" in price:  # refused as unstorable text, before any scalar
        assert error["extensions"]["code"] == "VALIDATION"
    else:
        assert error["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
        assert "Decimal cannot represent" in error["message"]
    assert not Product.objects.exists()


@pytest.mark.parametrize("literal", ['"1_000"', '" 5 "', "5", "1.5", '"-0"'])
def test_literals_follow_the_same_format(staff_client, literal):
    query = CREATE.replace("($price: Decimal!)", "").replace("$price", literal)

    response = staff_client.execute(query)

    if literal == '"-0"':
        assert response.data["createProduct"]["price"] == "0.00"
    else:
        assert response.error_codes() == ["GRAPHQL_VALIDATION_FAILED"]
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


def test_the_schema_describes_the_wire_format():
    description = schema._schema.type_map["Decimal"].description or ""

    assert '"12.50"' in description
    assert "no" in description
