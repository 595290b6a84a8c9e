"""Keyset pagination as clients see it, through the products list."""

import base64
import json
from decimal import Decimal

import pytest
from django.core import signing
from django.test import override_settings

from backend.common.graphql.pagination import cursor_signer
from backend.products.models import Product
from tests.factories import ProductFactory, UserFactory, place_order

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


INVALID_AFTER = (
    "Invalid cursor in 'after': it does not come from this list with this ordering."
)


def readable(payload: object) -> str:
    """A cursor as anyone could build one before cursors were signed."""
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode()


def signed(payload: object, model=Product, ordering: str = "name,id") -> str:
    """A cursor signed with the server's key over a payload of our choosing:
    what a leaked cursor format or a future bug could hand the decoder."""
    return cursor_signer(model._meta.label_lower, ordering).sign_object(payload)


FORGED = [
    "not-a-cursor",
    "bm9wZQ==",
    "W1sicHJpY2UiXSxbMV1d",
    "",
    ":",
    "a:b:c",
    "\x00",
    "é:ü",
    "x" * 5000,
    readable(["name,id", ["Item 1", 1]]),
    readable(["name,id", ["a\x00", 1]]),
    readable(["name,id", [None, 1]]),
    readable(["name,id", ["a", "x"]]),
    readable(["name,id", [[[[]]], 1]]),
    readable(["name,id", "[" * 3000 + "]" * 3000]),
]
SIGNED_WRONG_SHAPES = [
    None,
    1,
    "x",
    {},
    {"a": 1},
    [],
    ["Item 1"],
    ["Item 1", 1, 2],
    [None, 1],
    ["Item 1", None],
    ["a\x00", 1],
    ["\ud800", 1],
    ["Item 1", "1"],
    ["Item 1", 1.5],
    ["Item 1", True],
    ["Item 1", 2**63],
    ["Item 1", -(2**64)],
    ["Item 1", 10**30],
    [1, 1],
    [["Item 1"], 1],
    [{"a": 1}, 1],
    [[[[[[[[[[]]]]]]]]], 1],
]


@pytest.mark.parametrize("cursor", FORGED)
@pytest.mark.parametrize("argument", ["after", "before"])
def test_a_forged_cursor_is_a_clear_validation_error(
    anonymous_client, shelf, cursor, argument
):
    response = anonymous_client.execute(PAGE, {"first": 2, argument: cursor})

    assert response.body["data"] is None
    assert response.error_codes() == ["VALIDATION"]
    if "\x00" in cursor:  # refused with every other string that holds a NUL
        assert "NUL" in response.errors[0]["message"]
    else:
        assert response.errors[0]["message"] == INVALID_AFTER.replace("after", argument)


@pytest.mark.parametrize("payload", SIGNED_WRONG_SHAPES)
def test_a_validly_signed_cursor_of_the_wrong_shape_is_refused(
    anonymous_client, shelf, payload
):
    response = anonymous_client.execute(PAGE, {"first": 2, "after": signed(payload)})

    assert response.errors[0]["message"] == INVALID_AFTER
    assert response.error_codes() == ["VALIDATION"]


@pytest.mark.parametrize(
    "raw",
    [
        b"[" * 3000 + b"]" * 3000,  # deeper than the JSON decoder goes
        b"not json",
        b"\xff\xfe",
    ],
)
@pytest.mark.parametrize("compressed", [False, True])
def test_validly_signed_garbage_is_refused(anonymous_client, shelf, raw, compressed):
    # Django marks a compressed payload with a leading "."; garbage after it
    # is a zlib error.
    text = ("." if compressed else "") + signing.b64_encode(raw).decode()
    cursor = cursor_signer("products.product", "name,id").sign(text)

    response = anonymous_client.execute(PAGE, {"first": 2, "after": cursor})

    assert response.errors[0]["message"] == INVALID_AFTER
    assert response.error_codes() == ["VALIDATION"]


@pytest.mark.parametrize(
    ("ordering", "payload"),
    [
        ([{"price": "ASC"}], ["NaN", 1]),
        ([{"price": "ASC"}], ["1e3", 1]),
        ([{"price": "ASC"}], [" 5", 1]),
        ([{"price": "ASC"}], [5, 1]),
        ([{"price": "ASC"}], ["1" * 200, 1]),
        ([{"createdAt": "ASC"}], ["yesterday", 1]),
        ([{"createdAt": "ASC"}], ["2026-13-45T99:00:00", 1]),
        ([{"createdAt": "ASC"}], [1, 1]),
        ([{"stockQuantity": "ASC"}], ["1", 1]),
        ([{"stockQuantity": "ASC"}], [2**63, 1]),
    ],
)
def test_signed_values_of_the_wrong_type_are_refused(
    anonymous_client, shelf, ordering, payload
):
    keys = {"price": "price,id", "createdAt": "created_at,id"}
    signature = keys.get(next(iter(ordering[0])), "stock_quantity,id")

    response = anonymous_client.execute(
        PAGE,
        {
            "first": 2,
            "after": signed(payload, ordering=signature),
            "ordering": ordering,
        },
    )

    assert response.errors[0]["message"] == INVALID_AFTER
    assert response.error_codes() == ["VALIDATION"]


def test_cursors_are_opaque_and_signed(anonymous_client, shelf):
    cursor = page(anonymous_client, first=1)["pageInfo"]["endCursor"]
    value, _, signature = cursor.rpartition(":")
    tampered = value[:-2] + ("A" if value[-2] != "A" else "B") + value[-1] + ":"

    response = anonymous_client.execute(
        PAGE, {"first": 2, "after": tampered + signature}
    )

    assert len(cursor) < 120
    assert response.errors[0]["message"] == INVALID_AFTER


def test_a_cursor_signed_with_another_key_is_refused(anonymous_client, shelf):
    with override_settings(SECRET_KEY="another-key"):
        cursor = signed(["Item 1", 1])

    response = anonymous_client.execute(PAGE, {"first": 2, "after": cursor})

    assert response.errors[0]["message"] == INVALID_AFTER


def test_a_cursor_from_another_connection_is_refused(staff_client, shelf, product):
    place_order(UserFactory.create(), product, quantity=1)
    orders = staff_client.execute(
        "{ orders(first: 1, ordering: [{createdAt: ASC}]) { pageInfo { endCursor } } }"
    ).data["orders"]
    cursor = orders["pageInfo"]["endCursor"]

    response = staff_client.execute(
        PAGE, {"first": 2, "after": cursor, "ordering": [{"createdAt": "ASC"}]}
    )

    assert response.errors[0]["message"] == INVALID_AFTER


def test_a_cursor_from_another_ordering_is_refused(anonymous_client, shelf):
    cursor = page(anonymous_client, first=1)["pageInfo"]["endCursor"]

    response = anonymous_client.execute(
        PAGE, {"first": 2, "after": cursor, "ordering": [{"price": "ASC"}]}
    )

    assert response.errors[0]["message"] == INVALID_AFTER
    assert response.error_codes() == ["VALIDATION"]


def test_first_and_last_together_are_refused(anonymous_client, shelf):
    response = anonymous_client.execute(PAGE, {"first": 2, "last": 2})

    assert response.errors[0]["message"] == "Give either 'first' or 'last', not both."
