"""GraphQL over HTTP: methods, media types and malformed requests."""

import json

import pytest
from django.test import Client

from schema.http import GRAPHQL_RESPONSE_JSON, response_media_type
from tests.factories import PASSWORD

URL = "/graphql/"


@pytest.fixture
def client(db: None) -> Client:
    # As a real client: CSRF enforced (a request without cookies needs no token).
    return Client(enforce_csrf_checks=True)


def error_message(response) -> str:
    return json.loads(response.content)["errors"][0]["message"]


def test_queries_may_use_get(client):
    response = client.get(URL, {"query": "{ __typename }"})

    assert response.status_code == 200
    assert json.loads(response.content)["data"] == {"__typename": "Query"}


def test_a_mutation_over_get_is_405_and_says_to_post(client):
    response = client.get(URL, {"query": "mutation { logout }"})

    assert response.status_code == 405
    assert response["Allow"] == "POST"
    assert json.loads(response.content) == {
        "errors": [
            {
                "message": "Mutations are only accepted over POST.",
                "extensions": {"code": "METHOD_NOT_ALLOWED"},
            }
        ]
    }


def test_other_methods_are_405(client):
    response = client.put(URL, data="{}", content_type="application/json")

    assert response.status_code == 405
    assert response["Allow"] == "GET, POST"


@pytest.mark.parametrize(
    "body", [b"{", b'{"query": }', b"{'query': '{ __typename }'}", b"[" * 100_000]
)
def test_malformed_json_is_400_with_a_readable_message(client, body):
    response = client.post(URL, data=body, content_type="application/json")

    assert response.status_code == 400
    assert error_message(response).startswith("Unable to parse request body as JSON")


@pytest.mark.parametrize(
    "content_type",
    [
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=xyz",
        "text/plain",
        "application/graphql",
        "",
    ],
)
def test_only_json_bodies_are_accepted(client, content_type):
    response = client.generic(
        "POST", URL, data=b'{"query": "{ __typename }"}', content_type=content_type
    )

    assert response.status_code == 400
    assert error_message(response).startswith("POST bodies must be JSON")


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('"{ __typename }"', "The request body must be a JSON object"),
        ("null", "The request body must be a JSON object"),
        ('{"query": 1}', "'query' must be a string or null."),
        ('{"query": "{ __typename }", "variables": []}', "'variables' must be an"),
        ('{"query": "{ __typename }", "operationName": 5}', "'operationName' must"),
    ],
)
def test_a_body_of_the_wrong_shape_is_400(client, body, message):
    response = client.post(URL, data=body, content_type="application/json")

    assert response.status_code == 400
    assert message in error_message(response)


JSON = "application/json"


@pytest.mark.parametrize(
    ("accept", "media_type"),
    [
        (None, JSON),
        ("*/*", JSON),
        (JSON, JSON),
        (GRAPHQL_RESPONSE_JSON, GRAPHQL_RESPONSE_JSON),
        (f"{GRAPHQL_RESPONSE_JSON}, {JSON};q=0.9", GRAPHQL_RESPONSE_JSON),
        (f"{JSON}, {GRAPHQL_RESPONSE_JSON};q=0.5", JSON),
        (f"{GRAPHQL_RESPONSE_JSON};q=0", JSON),
        ("text/html", JSON),
    ],
)
def test_the_response_media_type_follows_accept(accept, media_type):
    assert response_media_type(accept) == media_type


def post(client, query, accept=GRAPHQL_RESPONSE_JSON):
    return client.post(
        URL,
        data=json.dumps({"query": query}),
        content_type="application/json",
        HTTP_ACCEPT=accept,
    )


def test_graphql_response_json_answers_a_good_request_with_200(client):
    response = post(client, "{ __typename }")

    assert response.status_code == 200
    assert response["Content-Type"] == GRAPHQL_RESPONSE_JSON
    assert json.loads(response.content)["data"] == {"__typename": "Query"}


@pytest.mark.parametrize("query", ["{ nope }", "{", "{ " + "a: __typename " * 16 + "}"])
def test_graphql_response_json_answers_a_refused_request_with_400_and_no_data(
    client, query
):
    response = post(client, query)

    assert response.status_code == 400
    assert response["Content-Type"] == GRAPHQL_RESPONSE_JSON
    body = json.loads(response.content)
    assert "data" not in body
    assert body["errors"]


def test_graphql_response_json_keeps_200_when_execution_began(client):
    # a field error (signed out) happens during execution: data is present
    response = post(client, "{ orders { totalCount } }")

    assert response.status_code == 200
    assert json.loads(response.content)["data"] is None


def test_plain_json_keeps_200_for_a_refused_request(client):
    response = post(client, "{ nope }", accept="application/json")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"


def test_request_errors_use_the_negotiated_media_type(client):
    response = client.get(
        URL, {"query": "mutation { logout }"}, HTTP_ACCEPT=GRAPHQL_RESPONSE_JSON
    )

    assert response.status_code == 405
    assert response["Content-Type"] == GRAPHQL_RESPONSE_JSON


def test_a_cookie_authenticated_post_without_the_csrf_token_is_a_json_403(customer):
    client = Client(enforce_csrf_checks=True)
    client.force_login(customer)

    response = client.post(
        URL, data={"query": "mutation { logout }"}, content_type="application/json"
    )

    assert response.status_code == 403
    assert json.loads(response.content)["errors"][0]["extensions"] == {
        "code": "CSRF_FAILED"
    }
    assert "X-CSRFToken" in error_message(response)


def test_a_post_without_any_cookie_needs_no_csrf_token(client, product):
    response = client.post(
        URL,
        data={"query": "{ products(first: 1) { totalCount } }"},
        content_type="application/json",
    )

    assert response.status_code == 200
    assert json.loads(response.content)["data"] == {"products": {"totalCount": 1}}


def test_a_sign_in_without_cookies_needs_no_csrf_token_and_then_it_does(
    client, customer
):
    login = {
        "query": "mutation($u: String!, $p: String!) "
        "{ login(input: {username: $u, password: $p}) { __typename } }",
        "variables": {"u": customer.username, "p": PASSWORD},
    }

    signed_in = client.post(URL, data=login, content_type="application/json")
    logout = client.post(
        URL, data={"query": "mutation { logout }"}, content_type="application/json"
    )

    assert json.loads(signed_in.content)["data"] == {"login": {"__typename": "User"}}
    assert logout.status_code == 403  # the session cookie now needs the token


def test_an_oversized_form_post_with_a_session_is_a_json_413(customer, settings):
    client = Client(enforce_csrf_checks=True)
    client.force_login(customer)
    client.get(URL, {"query": "{ __typename }"})  # the csrftoken cookie
    padding = "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)

    # The CSRF check reads a form body before the view can refuse it.
    response = client.post(URL, data={"query": "{ __typename }", "pad": padding})

    assert response.status_code == 413
    assert response["Content-Type"] == "application/json"
    assert json.loads(response.content)["errors"][0]["extensions"] == {
        "code": "REQUEST_TOO_LARGE"
    }


def test_a_chunked_body_is_411_and_says_to_send_a_content_length(client):
    response = client.post(
        URL,
        data={"query": "{ __typename }"},
        content_type="application/json",
        HTTP_TRANSFER_ENCODING="chunked",
    )

    assert response.status_code == 411
    assert "Content-Length" in error_message(response)


def test_the_admin_keeps_djangos_csrf_page(db, admin_served):
    response = Client(enforce_csrf_checks=True).post(f"{admin_served}login/", {})

    assert response.status_code == 403
    assert response["Content-Type"].startswith("text/html")
