"""Which operation of a document runs: the spec's GetOperation, over real HTTP.

A document with several operations needs `operationName`, and the name must
be one of them; otherwise the request is refused before anything runs, with
BAD_REQUEST: a GraphQL request error, so 200 in application/json and 400 with
no `data` in application/graphql-response+json (GraphQL over HTTP).
"""

from urllib.parse import urlencode

import pytest
import requests

from schema.http import GRAPHQL_RESPONSE_JSON

TWO_OPERATIONS = "query First { me { id } } query Second { __typename }"
JSON = "application/json"


def send(server, method, accept, query, operation_name=None):
    url = f"http://127.0.0.1:{server.port}/graphql/"
    payload = {"query": query}
    if operation_name is not None:
        payload["operationName"] = operation_name
    headers = {"Accept": accept}
    if method == "GET":
        return requests.get(f"{url}?{urlencode(payload)}", headers=headers, timeout=10)
    return requests.post(url, json=payload, headers=headers, timeout=10)


@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize(
    ("query", "operation_name", "message"),
    [
        (
            TWO_OPERATIONS,
            None,
            "The document has 2 operations: say which to run with operationName.",
        ),
        (
            TWO_OPERATIONS,
            "Third",
            "operationName 'Third' names no operation in the document.",
        ),
        (
            "query Only { __typename }",
            "Other",
            "operationName 'Other' names no operation in the document.",
        ),
        (
            "fragment F on Query { __typename }",
            None,
            "The document has no operation to run.",
        ),
    ],
    ids=["two without a name", "unknown of two", "unknown of one", "fragments only"],
)
@pytest.mark.parametrize("accept", [JSON, GRAPHQL_RESPONSE_JSON])
def test_an_operation_that_cannot_be_chosen_is_a_request_error(
    production_server, method, query, operation_name, message, accept
):
    response = send(production_server, method, accept, query, operation_name)

    assert response.headers["Content-Type"] == accept
    body = response.json()
    assert body["errors"] == [
        {"message": message, "extensions": {"code": "BAD_REQUEST"}}
    ]
    if accept == JSON:
        assert response.status_code == 200
        assert body["data"] is None
    else:
        assert response.status_code == 400
        assert "data" not in body


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_operation_name_picks_one_of_several(production_server, method):
    response = send(production_server, method, JSON, TWO_OPERATIONS, "Second")

    assert response.status_code == 200
    assert response.json() == {
        "data": {"__typename": "Query"},
        "extensions": {"cost": {"requested": 0, "budget": 1000}},
    }


def test_a_refused_choice_runs_neither_operation(production_server):
    # The first operation would sign the client out; nothing runs at all.
    response = send(
        production_server, "POST", JSON, "mutation Out { logout } query Q { me { id } }"
    )

    assert response.json()["data"] is None
    assert "cost" not in response.json().get("extensions", {})
