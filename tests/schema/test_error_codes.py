"""Every error a client sees carries a code, the document's own errors too."""

import json
import re

from django.test import override_settings

from schema.error_codes import all_error_codes
from schema.persisted import document_hash
from schema.schema import schema
from tests.conftest import gid
from tools.boundaries import REPO


def test_a_document_that_does_not_parse_is_graphql_parse_failed(anonymous_client):
    response = anonymous_client.execute("{ products(")

    assert response.error_codes() == ["GRAPHQL_PARSE_FAILED"]
    assert response.errors[0]["message"].startswith("Syntax Error:")


def test_an_unknown_field_is_graphql_validation_failed(anonymous_client):
    response = anonymous_client.execute("{ products(first: 1) { edges { nope } } }")

    assert response.error_codes() == ["GRAPHQL_VALIDATION_FAILED"]
    assert "nope" in response.errors[0]["message"]


def test_a_variable_of_the_wrong_type_is_graphql_validation_failed(anonymous_client):
    response = anonymous_client.run("CatalogPage", first="ten")

    assert response.error_codes() == ["GRAPHQL_VALIDATION_FAILED"]
    assert "$first" in response.errors[0]["message"]


def test_errors_with_a_code_of_their_own_keep_it(anonymous_client):
    response = anonymous_client.run("CatalogPage", first=101)

    assert response.error_codes() == ["VALIDATION"]


def post_persisted(client, query: str | None, sha256: str) -> list[str | None]:
    body: dict[str, object] = {
        "query": query,
        "extensions": {"persistedQuery": {"version": 1, "sha256Hash": sha256}},
    }
    response = client.client.post(
        "/graphql/", json.dumps(body), content_type="application/json"
    )
    errors = json.loads(response.content).get("errors") or []
    return [(error.get("extensions") or {}).get("code") for error in errors]


def test_a_hash_the_server_does_not_know_is_persisted_query_not_found(
    anonymous_client,
):
    codes = post_persisted(anonymous_client, None, document_hash("{ nope }"))

    assert codes == ["PERSISTED_QUERY_NOT_FOUND"]


def test_a_hash_of_another_document_is_persisted_query_hash_mismatch(
    anonymous_client,
):
    codes = post_persisted(anonymous_client, "{ __typename }", document_hash("{ x }"))

    assert codes == ["PERSISTED_QUERY_HASH_MISMATCH"]


def test_a_document_outside_the_manifest_is_document_not_trusted(anonymous_client):
    with override_settings(GRAPHQL_TRUSTED_DOCUMENTS="only"):
        response = anonymous_client.execute("{ __typename }")

    assert response.error_codes() == ["DOCUMENT_NOT_TRUSTED"]


def _readme_codes() -> list[str]:
    readme = (REPO / "README.md").read_text()
    section = readme.split("### Error codes", 1)[1].split("\n## ", 1)[0]
    # The table's first column, and the codes of requests refused over HTTP.
    rows = re.findall(r"^\| `([A-Z_]+)` \|", section, flags=re.MULTILINE)
    refused = section.split("Requests refused before GraphQL runs carry", 1)[1]
    return rows + re.findall(r"`([A-Z_]+)`", refused.split("\n\n", 1)[0])


def test_the_readme_lists_every_error_code_once():
    listed = _readme_codes()

    assert sorted(listed) == all_error_codes(), (
        "README, Error codes: list each code the apps and the gateway declare "
        "(backend/*/errors.py, schema/error_codes.py), once"
    )


def test_operation_messages_carry_a_code_of_the_error_code_enum():
    message = schema._schema.type_map["OperationMessage"]
    enum = schema._schema.type_map["ErrorCode"]

    assert str(message.fields["code"].type) == "ErrorCode!"  # type: ignore[attr-defined]
    assert sorted(enum.values) == all_error_codes()  # type: ignore[attr-defined]


def test_a_refused_mutation_names_its_field_and_code(customer_client, product):
    response = customer_client.run(
        "PlaceOrder", input={"productId": gid("Product", product.pk), "quantity": 0}
    )

    [message] = response.data["createOrder"]["messages"]
    assert (message["kind"], message["field"], message["code"]) == (
        "VALIDATION",
        "quantity",
        "VALIDATION",
    )


def test_a_mutation_names_every_field_at_fault_with_its_code(customer_client, db):
    response = customer_client.run(
        "PlaceOrder", input={"productId": "not-a-global-id", "quantity": 0}
    )

    assert response.errors == []
    assert [
        (m["kind"], m["field"], m["code"])
        for m in response.data["createOrder"]["messages"]
    ] == [
        ("VALIDATION", "productId", "VALIDATION"),
        ("VALIDATION", "quantity", "VALIDATION"),
    ]


def test_a_malformed_decimal_is_a_message_on_its_field_not_an_error(staff_client):
    response = staff_client.run("CreateProduct", input={"name": "", "price": "abc"})

    assert response.errors == []
    assert [
        (m["kind"], m["field"], m["code"])
        for m in response.data["createProduct"]["messages"]
    ] == [
        ("VALIDATION", "name", "VALIDATION"),
        ("VALIDATION", "price", "VALIDATION"),
    ]


def test_the_date_time_scalar_names_its_specification():
    date_time = schema._schema.type_map["DateTime"]

    assert date_time.specified_by_url == "https://datatracker.ietf.org/doc/html/rfc3339"  # type: ignore[attr-defined]
    assert "RFC 3339" in (date_time.description or "")
