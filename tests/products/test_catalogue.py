from decimal import Decimal

import pytest

from tests.conftest import gid
from tests.factories import ProductFactory


@pytest.fixture
def catalogue(db):
    return [
        ProductFactory.create(
            name="Oak Chair", price=Decimal("40.00"), stock_quantity=3
        ),
        ProductFactory.create(
            name="Pine Chair", price=Decimal("25.00"), stock_quantity=0
        ),
        ProductFactory.create(
            name="Birch Table", price=Decimal("90.00"), stock_quantity=1
        ),
        ProductFactory.create(
            name="Cheap Stool", price=Decimal("5.00"), stock_quantity=7
        ),
    ]


def names(connection):
    return [edge["node"]["name"] for edge in connection["edges"]]


def test_catalog_page_lists_only_products_in_stock_cheapest_first(
    anonymous_client, catalogue
):
    page = anonymous_client.run("CatalogPage").data["products"]

    assert names(page) == ["Cheap Stool", "Oak Chair", "Birch Table"]
    assert page["totalCount"] == 3
    assert all(edge["node"]["inStock"] for edge in page["edges"])
    assert page["edges"][0]["node"]["price"] == "5.00"
    assert page["pageInfo"]["hasNextPage"] is False


def test_catalog_page_cursor_walks_every_product_once(anonymous_client, db):
    for index in range(7):
        ProductFactory.create(name=f"Same price {index}", price=Decimal("1.00"))
    seen: list[str] = []
    after = None

    while True:
        page = anonymous_client.run("CatalogPage", first=3, after=after).data[
            "products"
        ]
        seen += names(page)
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]

    assert sorted(seen) == [f"Same price {index}" for index in range(7)]
    assert len(seen) == len(set(seen))


def test_page_size_above_the_cap_is_a_clear_error(anonymous_client, catalogue):
    response = anonymous_client.run("CatalogPage", first=101)

    assert response.errors[0]["message"] == (
        "Argument 'first' must be between 0 and 100; got 101 (GRAPHQL_MAX_PAGE_SIZE)."
    )
    assert response.error_codes() == ["VALIDATION"]


def test_search_products_matches_a_substring_ignoring_case(anonymous_client, catalogue):
    page = anonymous_client.run("SearchProducts", text="CHAIR").data["products"]

    assert sorted(names(page)) == ["Oak Chair", "Pine Chair"]
    assert page["totalCount"] == 2


def test_search_products_offers_no_regular_expressions(anonymous_client, catalogue):
    response = anonymous_client.execute(
        '{ products(filters: {name: {regex: ".*"}}) { totalCount } }'
    )

    assert "regex" in response.errors[0]["message"]


def test_product_detail_returns_every_field(anonymous_client, catalogue):
    oak = catalogue[0]

    product = anonymous_client.run("ProductDetail", id=gid("Product", oak.pk)).data[
        "product"
    ]

    assert product["name"] == "Oak Chair"
    assert product["description"] == "A fine thing."
    assert product["price"] == "40.00"
    assert product["stockQuantity"] == 3
    assert product["inStock"] is True
    assert product["createdAt"]
    assert product["updatedAt"]


@pytest.mark.parametrize("global_id", [gid("Product", 999999), gid("Order", 1)])
def test_product_detail_is_null_when_no_such_product(
    anonymous_client, catalogue, global_id
):
    response = anonymous_client.run("ProductDetail", id=global_id)

    assert response.data == {"product": None}


def test_refetch_resolves_a_product_by_global_id(anonymous_client, catalogue):
    oak = catalogue[0]

    node = anonymous_client.run("Refetch", id=gid("Product", oak.pk)).data["node"]

    assert node == {"id": gid("Product", oak.pk), "name": "Oak Chair", "price": "40.00"}
