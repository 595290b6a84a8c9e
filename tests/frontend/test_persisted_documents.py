"""Persisted documents through the real URL and view (in-process).

Apollo's automatic persisted queries: a hash alone, PERSISTED_QUERY_NOT_FOUND,
the hash with its document, then the hash alone again. Trusted documents:
GRAPHQL_TRUSTED_DOCUMENTS=only runs the manifest's documents and nothing else.
tests/frontend/test_persisted_documents_live.py does the same through the
production server.
"""

import json
from typing import Any

import pytest
from django.core.cache import caches
from django.test import Client, override_settings

from schema.persisted import document_hash, trusted_documents
from tools.contract import contract_operations, operation
from tools.documents import MANIFEST, manifest_text

URL = "/graphql/"
GRAPHQL_RESPONSE_JSON = "application/graphql-response+json"
COUNT = "query Count { products(first: 1) { totalCount } }"


@pytest.fixture(autouse=True)
def empty_store():
    caches["persisted_documents"].clear()


def persisted(document: str) -> dict[str, Any]:
    return {"persistedQuery": {"version": 1, "sha256Hash": document_hash(document)}}


def post(client: Client, body: dict[str, Any], **headers: Any) -> tuple[int, Any]:
    response = client.post(
        URL, json.dumps(body), content_type="application/json", **headers
    )
    return response.status_code, json.loads(response.content)


def get(client: Client, document: str) -> tuple[int, Any]:
    response = client.get(URL, {"extensions": json.dumps(persisted(document))})
    return response.status_code, json.loads(response.content)


def codes(body: dict[str, Any]) -> list[str]:
    return [error["extensions"]["code"] for error in body.get("errors", [])]


def test_an_unknown_hash_is_persisted_query_not_found(client, product):
    status, body = post(client, {"extensions": persisted(COUNT)})

    assert status == 200
    assert body == {
        "data": None,
        "errors": [
            {
                "message": "PersistedQueryNotFound",
                "extensions": {"code": "PERSISTED_QUERY_NOT_FOUND"},
            }
        ],
    }


def test_not_found_is_a_400_for_graphql_response_json(client, product):
    status, body = post(
        client, {"extensions": persisted(COUNT)}, HTTP_ACCEPT=GRAPHQL_RESPONSE_JSON
    )

    assert status == 400
    assert codes(body) == ["PERSISTED_QUERY_NOT_FOUND"]
    assert "data" not in body


def test_apollos_flow_miss_resend_then_hit(client, product):
    # given: Apollo's link sends the hash alone, then resends with the query
    post(client, {"extensions": persisted(COUNT)})
    _, first = post(client, {"query": COUNT, "extensions": persisted(COUNT)})

    # when: the next time, the hash alone
    status, again = post(client, {"extensions": persisted(COUNT)})

    # then
    assert first["data"] == {"products": {"totalCount": 1}}
    assert (status, again) == (200, first)


def test_a_hash_that_is_not_the_documents_is_refused_and_not_stored(client, product):
    other = "query Other { products(first: 2) { totalCount } }"

    _, body = post(client, {"query": other, "extensions": persisted(COUNT)})
    _, lookup = post(client, {"extensions": persisted(COUNT)})

    assert codes(body) == ["PERSISTED_QUERY_HASH_MISMATCH"]
    assert "not the SHA-256 of the query" in body["errors"][0]["message"]
    assert codes(lookup) == ["PERSISTED_QUERY_NOT_FOUND"]


def test_a_document_over_a_limit_is_refused_and_not_stored(client, settings, product):
    settings.GRAPHQL_MAX_DEPTH = 2
    deep = "query Deep { products(first: 1) { edges { node { id } } } }"

    _, body = post(client, {"query": deep, "extensions": persisted(deep)})
    _, lookup = post(client, {"extensions": persisted(deep)})

    assert codes(body) == ["LIMIT_EXCEEDED"]
    assert codes(lookup) == ["PERSISTED_QUERY_NOT_FOUND"]


def test_a_stored_query_runs_by_hash_over_get(client, product):
    post(client, {"query": COUNT, "extensions": persisted(COUNT)})

    status, body = get(client, COUNT)

    assert (status, body["data"]) == (200, {"products": {"totalCount": 1}})


def test_a_stored_mutation_is_refused_over_get(client, customer):
    logout = "mutation SignOut { logout }"
    post(client, {"query": logout, "extensions": persisted(logout)})

    status, body = get(client, logout)

    assert status == 405
    assert codes(body) == ["METHOD_NOT_ALLOWED"]


@pytest.mark.parametrize(
    ("extension", "wording"),
    [
        ("not an object", "must be an object"),
        ({"version": 2, "sha256Hash": "0" * 64}, "version must be 1"),
        ({"version": 1, "sha256Hash": "ABC"}, "64 lowercase hex digits"),
    ],
    ids=["not-an-object", "version", "hash"],
)
def test_a_malformed_persisted_query_is_a_bad_request(client, extension, wording):
    _, body = post(
        client, {"query": COUNT, "extensions": {"persistedQuery": extension}}
    )

    assert codes(body) == ["BAD_REQUEST"]
    assert wording in body["errors"][0]["message"]


def test_a_manifest_document_runs_by_hash_without_being_sent_first(client, product):
    status, body = post(
        client, {"extensions": persisted(operation("CatalogPage")), "variables": {}}
    )

    assert status == 200
    assert body["data"]["products"]["totalCount"] == 1


def test_the_manifest_is_the_contracts_operations():
    # make documents writes it; a contract change without it fails here.
    assert MANIFEST.read_text() == manifest_text()
    assert sorted(trusted_documents().values()) == sorted(
        contract_operations().values()
    )


def test_the_store_evicts_rather_than_grows(client, settings):
    settings.CACHES = {
        **settings.CACHES,
        "persisted_documents": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "persisted-documents-small",
            "TIMEOUT": None,
            "OPTIONS": {"MAX_ENTRIES": 5},
        },
    }
    documents = [f"query Q{number} {{ __typename }}" for number in range(12)]
    for document in documents:
        post(client, {"query": document, "extensions": persisted(document)})

    found = [
        codes(post(client, {"extensions": persisted(document)})[1]) == []
        for document in documents
    ]

    assert found[-1] is True
    assert found[0] is False
    assert sum(found) <= 5


@override_settings(GRAPHQL_TRUSTED_DOCUMENTS="only")
def test_trusted_only_runs_manifest_documents_by_text_or_hash(client, product):
    by_text = post(client, {"query": operation("CatalogPage")})
    by_hash = post(client, {"extensions": persisted(operation("CatalogPage"))})

    assert by_text[1]["data"]["products"]["totalCount"] == 1
    assert by_hash == by_text


@override_settings(GRAPHQL_TRUSTED_DOCUMENTS="only")
def test_trusted_only_refuses_any_other_document(client, product):
    plain = post(client, {"query": COUNT})
    registering = post(client, {"query": COUNT, "extensions": persisted(COUNT)})
    by_hash = post(client, {"extensions": persisted(COUNT)})

    assert codes(plain[1]) == ["DOCUMENT_NOT_TRUSTED"]
    assert plain[1]["data"] is None
    assert codes(registering[1]) == ["DOCUMENT_NOT_TRUSTED"]
    assert codes(by_hash[1]) == ["PERSISTED_QUERY_NOT_FOUND"]
