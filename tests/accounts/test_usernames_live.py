"""Confusable usernames, through the production server (DEBUG off, gunicorn)."""

# Look-alike letters are what these tests are about.
# ruff: noqa: RUF001

import os
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from threading import Barrier
from typing import Any

import pytest

from tests.support.site import migrated_database
from tools.graphql_http import GraphQLHttpClient
from tools.postgres import POSTGRES_SCHEMES
from tools.server import Server, running_server

PASSWORD = "a-long-and-unusual-passphrase"
TAKEN = {
    "kind": "VALIDATION",
    "field": "username",
    "message": "A user with that username already exists.",
    "code": "VALIDATION",
}


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    with migrated_database() as env, running_server(env, workers=2) as server:
        yield server


def register(server: Server, username: str) -> dict[str, Any]:
    account = {"username": username, "email": "x@example.com", "password": PASSWORD}
    reply = server.client().run("Register", input=account)
    assert reply.status == 200, reply.raw[:300]
    assert "register" in reply.data, reply.raw[:600]
    return dict(reply.data["register"])


def login(client: GraphQLHttpClient, username: str, password: str) -> dict[str, Any]:
    reply = client.run("Login", input={"username": username, "password": password})
    assert reply.status == 200, reply.raw[:300]
    return dict(reply.data["login"])


def test_a_name_that_differs_only_in_case_or_form_cannot_register(server):
    assert register(server, "customer")["__typename"] == "User"

    for confusable in ("Customer", "CUSTOMER", "ｃｕｓｔｏｍｅｒ"):
        assert register(server, confusable) == {
            "__typename": "OperationInfo",
            "messages": [TAKEN],
        }, confusable


def test_any_form_of_the_name_signs_in_to_the_account(server):
    register(server, "Dagny")

    for form in ("dagny", "DAGNY", "ｄａｇｎｙ"):
        client = server.client()
        assert login(client, form, PASSWORD)["username"] == "Dagny"
        assert client.run("Me").data["me"]["username"] == "Dagny"


def test_failures_under_every_form_of_a_name_count_against_one_account(server):
    # The production limit is 5 per account and address: spread over five
    # spellings they must still lock it, or each spelling would get 5 guesses.
    register(server, "Ellis")
    client = server.client()

    codes = [
        login(client, form, "wrong")["messages"][0]["code"]
        for form in ("ellis", "Ellis", "ELLIS", "eLLis", "ｅｌｌｉｓ")
    ]

    assert codes == ["INVALID_CREDENTIALS"] * 4 + ["TOO_MANY_ATTEMPTS"]

    assert login(client, "Ellis", PASSWORD)["messages"][0]["code"] == (
        "TOO_MANY_ATTEMPTS"
    )


@pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith(POSTGRES_SCHEMES),
    reason="concurrent writers: PostgreSQL (SQLite answers 'database is locked')",
)
def test_of_concurrent_registrations_of_one_name_exactly_one_wins(server):
    forms = ["Fenna", "fenna", "FENNA", "ｆｅｎｎａ", "fEnna", "FeNna"]
    start = Barrier(len(forms))

    def attempt(form: str) -> dict[str, Any]:
        start.wait()
        return register(server, form)

    with ThreadPoolExecutor(len(forms)) as pool:
        results = list(pool.map(attempt, forms))

    winners = [r for r in results if r["__typename"] == "User"]
    assert len(winners) == 1, results
    assert [r for r in results if r not in winners] == [
        {"__typename": "OperationInfo", "messages": [TAKEN]}
    ] * (len(forms) - 1)
