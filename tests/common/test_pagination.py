"""Keyset pagination as clients see it, through the products list."""

from decimal import Decimal

import pytest

from tests.factories import ProductFactory

PAGE = """
query Page($first: Int, $after: String, $last: Int, $before: String,
           $ordering: [ProductOrder!]) {
  products(first: $first, after: $after, last: $last, before: $before,
           ordering: $ordering) {
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { name } }
  }
}
"""


@pytest.fixture
def shelf(db):
    # Prices repeat on purpose: ties must never make a row skip or repeat.
    for index in range(9):
        ProductFactory.create(
            name=f"Item {index}", price=Decimal(index // 3), stock_quantity=1
        )


def page(client, **variables):
    return client.execute(PAGE, variables).data["products"]


def names(connection):
    return [edge["node"]["name"] for edge in connection["edges"]]


def test_walking_forwards_visits_every_row_once_in_order(anonymous_client, shelf):
    ordering = [{"price": "DESC"}]
    seen, after = [], None

    while True:
        connection = page(anonymous_client, first=2, after=after, ordering=ordering)
        seen += names(connection)
        if not connection["pageInfo"]["hasNextPage"]:
            break
        after = connection["pageInfo"]["endCursor"]

    # Ties on price are broken by id, in the direction of the last key.
    assert seen == [f"Item {i}" for i in (8, 7, 6, 5, 4, 3, 2, 1, 0)]


def test_walking_backwards_returns_the_same_pages(anonymous_client, shelf):
    forwards = page(anonymous_client, first=9)
    cursors = [edge["cursor"] for edge in forwards["edges"]]

    last_page = page(anonymous_client, last=3)
    before_page = page(anonymous_client, last=3, before=cursors[6])

    assert names(last_page) == ["Item 6", "Item 7", "Item 8"]
    assert last_page["pageInfo"]["hasPreviousPage"] is True
    assert last_page["pageInfo"]["hasNextPage"] is False
    assert names(before_page) == ["Item 3", "Item 4", "Item 5"]
    assert before_page["pageInfo"]["hasNextPage"] is True


def test_default_page_size_applies_when_no_size_is_given(anonymous_client, db):
    for index in range(25):
        ProductFactory.create(name=f"Bulk {index:02d}")

    connection = page(anonymous_client)

    assert len(connection["edges"]) == 20
    assert connection["pageInfo"]["hasNextPage"] is True


@pytest.mark.parametrize("cursor", ["not-a-cursor", "bm9wZQ==", "W1sicHJpY2UiXSxbMV1d"])
def test_a_bad_cursor_is_a_clear_validation_error(anonymous_client, shelf, cursor):
    response = anonymous_client.execute(PAGE, {"first": 2, "after": cursor})

    assert response.errors[0]["message"] == (
        "Invalid cursor: it does not come from this list with this ordering."
    )
    assert response.error_codes() == ["VALIDATION"]


def test_a_cursor_from_another_ordering_is_refused(anonymous_client, shelf):
    cursor = page(anonymous_client, first=1)["pageInfo"]["endCursor"]

    response = anonymous_client.execute(
        PAGE, {"first": 2, "after": cursor, "ordering": [{"price": "ASC"}]}
    )

    assert response.error_codes() == ["VALIDATION"]


def test_first_and_last_together_are_refused(anonymous_client, shelf):
    response = anonymous_client.execute(PAGE, {"first": 2, "last": 2})

    assert response.errors[0]["message"] == "Give either 'first' or 'last', not both."
