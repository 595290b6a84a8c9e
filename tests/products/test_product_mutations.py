from decimal import Decimal

import pytest

from backend.products.models import Product
from tests.conftest import gid
from tests.factories import place_order

NEW_PRODUCT = {
    "name": "Copper Kettle",
    "description": "Boils water.",
    "price": "35.90",
    "stockQuantity": 12,
}


def messages(payload):
    return [
        (m["kind"], m["field"], m["code"], m["message"]) for m in payload["messages"]
    ]


def test_staff_creates_a_product(staff_client):
    payload = staff_client.run("CreateProduct", input=NEW_PRODUCT).data["createProduct"]

    product = Product.objects.get()
    assert payload == {
        "__typename": "Product",
        "id": gid("Product", product.pk),
        **NEW_PRODUCT,
    }
    assert product.price == Decimal("35.90")


@pytest.mark.parametrize("client_fixture", ["customer_client", "anonymous_client"])
def test_only_staff_create_products(request, client_fixture):
    client = request.getfixturevalue(client_fixture)

    payload = client.run("CreateProduct", input=NEW_PRODUCT).data["createProduct"]

    assert payload["__typename"] == "OperationInfo"
    assert [m["code"] for m in payload["messages"]] == ["PERMISSION_DENIED"]
    assert payload["messages"][0]["kind"] == "PERMISSION"
    assert not Product.objects.exists()


@pytest.mark.parametrize(
    ("field", "value", "graphql_field"),
    [
        ("price", "-1.00", "price"),
        ("name", "", "name"),
        ("name", "x" * 256, "name"),
        ("stockQuantity", -3, "stockQuantity"),
        ("price", "123456789.00", "price"),
        ("price", "1.234", "price"),
        ("price", "abc", "price"),
        ("price", "1e5", "price"),
    ],
)
def test_create_product_rejects_bad_fields_and_writes_nothing(
    staff_client, field, value, graphql_field
):
    payload = staff_client.run(
        "CreateProduct", input={**NEW_PRODUCT, field: value}
    ).data["createProduct"]

    assert payload["__typename"] == "OperationInfo"
    assert {(m["kind"], m["field"], m["code"]) for m in payload["messages"]} == {
        ("VALIDATION", graphql_field, "VALIDATION")
    }
    assert not Product.objects.exists()


def test_update_product_changes_only_the_given_fields(staff_client, product):
    payload = staff_client.run(
        "UpdateProduct", input={"id": gid("Product", product.pk), "price": "13.00"}
    ).data["updateProduct"]

    assert payload == {
        "__typename": "Product",
        "id": gid("Product", product.pk),
        "name": "Teapot",
        "description": "A fine thing.",
        "price": "13.00",
        "stockQuantity": 10,
    }


def test_update_product_accepts_falsy_values(staff_client, product):
    payload = staff_client.run(
        "UpdateProduct",
        input={
            "id": gid("Product", product.pk),
            "price": "0",
            "stockQuantity": 0,
            "description": "",
        },
    ).data["updateProduct"]

    assert (payload["price"], payload["stockQuantity"], payload["description"]) == (
        "0.00",
        0,
        "",
    )
    product.refresh_from_db()
    assert (product.price, product.stock_quantity, product.description) == (
        Decimal("0"),
        0,
        "",
    )


def test_update_product_with_a_bad_value_changes_nothing(staff_client, product):
    payload = staff_client.run(
        "UpdateProduct",
        input={"id": gid("Product", product.pk), "name": "", "price": "1.00"},
    ).data["updateProduct"]

    assert messages(payload) == [
        ("VALIDATION", "name", "VALIDATION", "This field cannot be blank.")
    ]
    product.refresh_from_db()
    assert (product.name, product.price) == ("Teapot", Decimal("12.50"))


def test_update_missing_product_is_not_found(staff_client, db):
    payload = staff_client.run(
        "UpdateProduct", input={"id": gid("Product", 4242), "price": "1.00"}
    ).data["updateProduct"]

    assert messages(payload) == [
        ("ERROR", None, "NOT_FOUND", "Product does not exist.")
    ]


def test_customer_cannot_update_products(customer_client, product):
    payload = customer_client.run(
        "UpdateProduct", input={"id": gid("Product", product.pk), "price": "1.00"}
    ).data["updateProduct"]

    assert [m["code"] for m in payload["messages"]] == ["PERMISSION_DENIED"]
    product.refresh_from_db()
    assert product.price == Decimal("12.50")


def test_staff_deletes_a_product_without_orders(staff_client, product):
    payload = staff_client.run(
        "DeleteProduct", input={"id": gid("Product", product.pk)}
    ).data["deleteProduct"]

    assert payload == {
        "__typename": "Product",
        "id": gid("Product", product.pk),
        "name": "Teapot",
    }
    assert not Product.objects.exists()


def test_deleting_a_product_with_orders_is_refused_and_deletes_nothing(
    staff_client, product, customer
):
    order = place_order(customer, product, quantity=2)

    payload = staff_client.run(
        "DeleteProduct", input={"id": gid("Product", product.pk)}
    ).data["deleteProduct"]

    assert [(m["code"], m["field"]) for m in payload["messages"]] == [
        ("PRODUCT_HAS_ORDERS", None)
    ]
    assert Product.objects.filter(pk=product.pk).exists()
    order.refresh_from_db()
    assert order.product_id == product.pk


def test_update_product_reports_a_malformed_id_with_its_bad_fields(
    staff_client, product
):
    response = staff_client.run(
        "UpdateProduct",
        input={"id": "%%%not-an-id", "name": "", "price": "-1.00", "stockQuantity": 5},
    )

    assert response.errors == []
    payload = response.data["updateProduct"]
    assert [(m["kind"], m["field"], m["code"]) for m in payload["messages"]] == [
        ("VALIDATION", "id", "VALIDATION"),
        ("VALIDATION", "name", "VALIDATION"),
        ("VALIDATION", "price", "VALIDATION"),
    ]
    product.refresh_from_db()
    assert (product.name, product.price, product.stock_quantity) == (
        "Teapot",
        Decimal("12.50"),
        10,
    )


def test_create_product_reports_a_malformed_price_with_an_empty_name(staff_client):
    response = staff_client.run(
        "CreateProduct", input={**NEW_PRODUCT, "name": "", "price": "1e5"}
    )

    assert response.errors == []
    payload = response.data["createProduct"]
    assert [(m["kind"], m["field"], m["code"]) for m in payload["messages"]] == [
        ("VALIDATION", "name", "VALIDATION"),
        ("VALIDATION", "price", "VALIDATION"),
    ]
    assert not Product.objects.exists()


def test_update_product_reports_a_malformed_price_with_its_bad_fields(
    staff_client, product
):
    response = staff_client.run(
        "UpdateProduct",
        input={"id": gid("Product", product.pk), "name": "", "price": "abc"},
    )

    assert response.errors == []
    payload = response.data["updateProduct"]
    assert [(m["kind"], m["field"], m["code"]) for m in payload["messages"]] == [
        ("VALIDATION", "name", "VALIDATION"),
        ("VALIDATION", "price", "VALIDATION"),
    ]
    product.refresh_from_db()
    assert (product.name, product.price) == ("Teapot", Decimal("12.50"))


def test_update_product_checks_its_fields_before_looking_the_product_up(
    staff_client, product
):
    payload = staff_client.run(
        "UpdateProduct", input={"id": gid("Product", 4242), "price": "-1.00"}
    ).data["updateProduct"]

    assert [(m["field"], m["code"]) for m in payload["messages"]] == [
        ("price", "VALIDATION")
    ]


def test_delete_product_reports_a_malformed_id_on_its_field(staff_client, product):
    payload = staff_client.run("DeleteProduct", input={"id": "%%%not-an-id"}).data[
        "deleteProduct"
    ]

    assert [(m["field"], m["code"]) for m in payload["messages"]] == [
        ("id", "VALIDATION")
    ]
    assert Product.objects.filter(pk=product.pk).exists()
