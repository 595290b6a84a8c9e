"""Every error a client sees carries a code, the document's own errors too."""

import json

from django.test import override_settings

from schema.persisted import document_hash


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
