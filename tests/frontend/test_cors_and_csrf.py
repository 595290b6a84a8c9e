"""CORS preflights and CSRF refusals through the real URL and view (in-process).

The browser tests (test_cors.py) show the whole flow, and that a listed
origin passes the CSRF Origin check with CORS_ALLOWED_ORIGINS alone (Django's
CSRF check reads its trusted origins once per process, so only a server
started with the setting can show it); these pin the answers.
"""

import json

import pytest
from django.test import Client, override_settings

URL = "/graphql/"
FRONTEND = "http://127.0.0.1:5173"
LOGOUT = json.dumps({"query": "mutation { logout }"})


def preflight(client: Client, origin: str):
    return client.options(
        URL,
        HTTP_ORIGIN=origin,
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="content-type,x-csrftoken",
    )


@override_settings(CORS_ALLOWED_ORIGINS=[FRONTEND])
def test_a_listed_origin_gets_a_credentialed_preflight(client):
    response = preflight(client, FRONTEND)

    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == FRONTEND
    assert response["Access-Control-Allow-Credentials"] == "true"
    allowed = response["Access-Control-Allow-Headers"].split(", ")
    assert {"content-type", "x-csrftoken"} <= set(allowed)
    assert "POST" in response["Access-Control-Allow-Methods"]


@override_settings(CORS_ALLOWED_ORIGINS=[FRONTEND])
def test_a_listed_origin_may_read_retry_after(client):
    response = client.get(URL, {"query": "{ __typename }"}, HTTP_ORIGIN=FRONTEND)

    assert response["Access-Control-Allow-Origin"] == FRONTEND
    assert response["Access-Control-Expose-Headers"] == "Retry-After"


@override_settings(CORS_ALLOWED_ORIGINS=[FRONTEND])
def test_another_origin_gets_no_cors_headers(client):
    response = preflight(client, "http://127.0.0.1:9999")

    assert "Access-Control-Allow-Origin" not in response


def test_no_origin_is_listed_by_default(client):
    response = preflight(client, FRONTEND)

    assert "Access-Control-Allow-Origin" not in response


def signed_in(customer) -> tuple[Client, str]:
    client = Client(enforce_csrf_checks=True)
    client.force_login(customer)
    client.get(URL, {"query": "{ __typename }"})
    return client, client.cookies["csrftoken"].value


def refusal(response) -> str:
    assert response.status_code == 403
    error = json.loads(response.content)["errors"][0]
    assert error["extensions"] == {"code": "CSRF_FAILED"}
    return str(error["message"])


def test_a_foreign_origin_is_refused_by_the_origin_check(customer):
    client, token = signed_in(customer)

    response = client.post(
        URL,
        LOGOUT,
        content_type="application/json",
        HTTP_X_CSRFTOKEN=token,
        HTTP_ORIGIN="http://evil.example",
    )

    assert refusal(response).startswith("CSRF Origin check failed")
    assert "CORS_ALLOWED_ORIGINS" in refusal(response)


def test_a_missing_token_is_named_as_missing(customer):
    client, _ = signed_in(customer)

    response = client.post(URL, LOGOUT, content_type="application/json")

    assert refusal(response).startswith("CSRF token missing")


def test_a_missing_csrftoken_cookie_is_named_as_missing(customer):
    client = Client(enforce_csrf_checks=True)
    client.force_login(customer)

    response = client.post(URL, LOGOUT, content_type="application/json")

    message = refusal(response)
    assert message.startswith("CSRF token missing")
    assert "csrftoken cookie" in message


@pytest.mark.parametrize(
    "token", ["x" * 32, "stale-or-short"], ids=["wrong", "malformed"]
)
def test_a_wrong_token_is_named_as_wrong(customer, token):
    client, _ = signed_in(customer)

    response = client.post(
        URL, LOGOUT, content_type="application/json", HTTP_X_CSRFTOKEN=token
    )

    assert refusal(response).startswith("CSRF token wrong")
