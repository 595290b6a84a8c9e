"""Numbers of any length, in JSON bodies and in documents: a clean 400 or a
VALIDATION error that names the problem, never a 500 or a masked error."""

import json
from urllib.parse import urlencode

import pytest
from django.test import Client

from backend.products.models import Product
from tests.conftest import gid

URL = "/graphql/"
DIGITS = "7" * 5000
HUGE_NUMBERS = [
    DIGITS,
    "-" + DIGITS,
    "1e999999",
    "-1e400",
    f"{DIGITS}.5",
    f"0.{DIGITS}",
    f"1{DIGITS}e-5000",
]


def post(body: str):
    response = Client().post(URL, data=body, content_type="application/json")
    return response.status_code, json.loads(response.content)


def message_and_code(body) -> tuple[str, str]:
    [error] = body["errors"]
    return error["message"], error["extensions"]["code"]


@pytest.mark.django_db
@pytest.mark.parametrize("number", HUGE_NUMBERS)
@pytest.mark.parametrize(
    "template",
    [
        '{"query": "{ __typename }", "variables": {"x": %s}}',
        '{"query": "{ __typename }", "variables": {"x": {"y": [1, %s]}}}',
        '{"query": "{ __typename }", "extensions": {"x": %s}}',
        '{"query": "{ __typename }", "other": %s}',
    ],
)
def test_a_huge_json_number_anywhere_in_the_body_is_a_400(template, number):
    status, body = post(template % number)

    assert status == 400
    message, code = message_and_code(body)
    assert code == "BAD_REQUEST"
    assert "number" in message
    assert len(message) < 300


@pytest.mark.django_db
@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_json_has_no_nan_or_infinity(constant):
    status, body = post(
        '{"query": "{ __typename }", "variables": {"x": ' + constant + "}}"
    )

    assert status == 400
    assert message_and_code(body)[1] == "BAD_REQUEST"


@pytest.mark.django_db
@pytest.mark.parametrize("number", [DIGITS, "1e999999", f"{DIGITS}.5"])
def test_a_huge_number_in_get_variables_is_a_400(number):
    query = urlencode({"query": "{ __typename }", "variables": f'{{"x": {number}}}'})

    response = Client().get(f"{URL}?{query}")

    assert response.status_code == 400
    assert message_and_code(json.loads(response.content))[1] == "BAD_REQUEST"


@pytest.mark.django_db
def test_ordinary_numbers_still_pass():
    status, body = post(
        '{"query": "query($n: Int) { products(first: $n) { totalCount } }",'
        ' "variables": {"n": 5, "f": 1.5e3, "g": -0.25}}'
    )

    assert (status, body["data"]) == (200, {"products": {"totalCount": 0}})


@pytest.mark.django_db
@pytest.mark.parametrize("number", [DIGITS, "-" + DIGITS, f"{DIGITS}.5", "1e999999"])
@pytest.mark.parametrize(
    "document",
    [
        "{ products(first: %s) { totalCount } }",
        "query($n: Int = %s) { products(first: $n) { totalCount } }",
        "query { product(id: %s) { id } }",
        "{ products(filters: {name: {exact: %s}}) { totalCount } }",
        "{ __typename @include(if: %s) }",
        'mutation { createProduct(input: {name: "x", price: %s}) { __typename } }',
        "mutation { createOrder(input: {productId: %s, quantity: 1}) { __typename } }",
    ],
)
def test_a_huge_number_literal_in_the_document_is_a_validation_error(
    anonymous_client, document, number
):
    response = anonymous_client.execute(document % number)

    assert response.body["data"] is None
    codes = set(response.error_codes())
    assert codes <= {"VALIDATION", "GRAPHQL_VALIDATION_FAILED"}, response.errors
    assert len(response.errors[-1]["message"]) < 300
    if len(number) > 100:
        assert "number" in response.errors[-1]["message"]


@pytest.mark.parametrize("value", [5, 5.5, 10**15, True, [1], {"a": 1}])
def test_a_non_string_price_variable_is_refused(staff_client, value):
    response = staff_client.execute(
        'mutation($p: Decimal!) { createProduct(input: {name: "x", price: $p})'
        " { __typename } }",
        {"p": value},
    )

    assert response.body["data"] is None
    assert response.error_codes() == ["GRAPHQL_VALIDATION_FAILED"]
    assert "Decimal" in response.errors[0]["message"]
    assert not Product.objects.exists()


@pytest.mark.parametrize("value", [5, 10**15, -(10**15)])
def test_numbers_for_string_and_id_variables_are_clean_errors(anonymous_client, value):
    response = anonymous_client.execute(
        "query($a: String, $id: ID!) { node(id: $id) { id }"
        " products(after: $a) { totalCount } }",
        {"a": value, "id": gid("Product", 1)},
    )
    by_id = anonymous_client.execute(
        "query($id: ID!) { node(id: $id) { id } }", {"id": value}
    )

    assert response.error_codes() == ["GRAPHQL_VALIDATION_FAILED"]
    assert by_id.body["data"] == {"node": None}
