"""A database outage is told apart from a bug, and clients are told to retry.

The end-to-end version (PostgreSQL restarted under the production server) is
tests/concurrency/test_postgres_restart.py; these pin each piece with the
errors the drivers really raise.
"""

import json
import sqlite3

import psycopg2
import pytest
from django.db import InterfaceError, OperationalError, connection
from django.test import Client
from graphql import GraphQLError

from schema.database import is_database_unavailable
from schema.errors import UNAVAILABLE_MESSAGE, MaskUnexpectedErrors
from schema.http import GRAPHQL_RESPONSE_JSON, JSON
from schema.server_error import server_error
from tests.factories import UserFactory
from tools.server import free_port

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs PostgreSQL"
)


def as_django_error(driver_error: Exception) -> Exception:
    """Wrap a driver error the way Django's database layer does."""
    try:
        raise OperationalError(*driver_error.args) from driver_error
    except OperationalError as wrapped:
        return wrapped


def refused_connection() -> Exception:
    try:
        psycopg2.connect(host="127.0.0.1", port=free_port(), connect_timeout=5)
    except psycopg2.OperationalError as error:
        return as_django_error(error)
    raise AssertionError("a closed port accepted a connection")


def test_a_refused_connection_means_the_database_is_unavailable():
    assert is_database_unavailable(refused_connection())


def test_a_closed_connection_means_the_database_is_unavailable():
    assert is_database_unavailable(InterfaceError("connection already closed"))


@postgres_only
def test_a_terminated_session_means_the_database_is_unavailable(db):
    victim = psycopg2.connect(**connection.get_connection_params())
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_terminate_backend(%s)", [victim.get_backend_pid()]
            )
        with pytest.raises(psycopg2.OperationalError) as raised:
            victim.cursor().execute("SELECT 1")
    finally:
        victim.close()

    assert is_database_unavailable(as_django_error(raised.value))


@postgres_only
def test_a_statement_timeout_is_not_an_outage(db):
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL statement_timeout = 1")
        with pytest.raises(OperationalError) as raised:
            cursor.execute("SELECT pg_sleep(1)")

    assert not is_database_unavailable(raised.value)


def test_sqlite_errors_and_other_exceptions_are_not_outages():
    with pytest.raises(sqlite3.OperationalError) as raised:
        sqlite3.connect(":memory:").execute("SELECT * FROM missing_table")

    assert not is_database_unavailable(as_django_error(raised.value))
    assert not is_database_unavailable(ValueError("boom"))
    assert not is_database_unavailable(None)


def test_an_outage_inside_a_resolver_is_a_service_unavailable_error():
    error = GraphQLError("connection refused", original_error=refused_connection())

    masked = MaskUnexpectedErrors().should_mask_error(error)

    assert masked is False  # shown as it now reads: nothing internal is left in it
    assert error.message == UNAVAILABLE_MESSAGE
    assert error.extensions == {
        "code": "SERVICE_UNAVAILABLE",
        "errorId": (error.extensions or {})["errorId"],
    }


UNAVAILABLE_BODY = {
    "errors": [
        {"message": UNAVAILABLE_MESSAGE, "extensions": {"code": "SERVICE_UNAVAILABLE"}}
    ]
}
# application/json answers 200, like a resolver's outage; a response without
# `data` in application/graphql-response+json is a 5xx (GraphQL over HTTP).
BY_MEDIA_TYPE = pytest.mark.parametrize(
    ("accept", "status"), [(JSON, 200), (None, 200), (GRAPHQL_RESPONSE_JSON, 503)]
)


def terminate_session_of(victim) -> None:
    """Cut a database session off from the server side, as a restart does."""
    pid = victim.connection.get_backend_pid()
    killer = psycopg2.connect(**victim.get_connection_params())
    try:
        with killer, killer.cursor() as cursor:
            # Waits (up to 5 s) until the backend is gone.
            cursor.execute("SELECT pg_terminate_backend(%s, 5000)", [pid])
    finally:
        killer.close()


@postgres_only
@pytest.mark.django_db(transaction=True)
@BY_MEDIA_TYPE
def test_an_outage_before_graphql_ran_follows_the_media_type(accept, status):
    # given: a signed-in browser; its next request starts with the session lookup
    client = Client()
    client.force_login(UserFactory.create())
    headers = {"HTTP_ACCEPT": accept} if accept else {}

    # when: PostgreSQL has cut the worker's connection off
    terminate_session_of(connection)
    try:
        # An exception reaching handler500 would be raised here by the client.
        response = client.get("/graphql/", {"query": "{ __typename }"}, **headers)
    finally:
        connection.close()  # the next query connects afresh

    # then
    assert response.status_code == status
    assert response["Retry-After"] == "1"
    assert response["Content-Type"] == (accept or JSON)
    assert json.loads(response.content) == UNAVAILABLE_BODY


@BY_MEDIA_TYPE
def test_an_outage_after_graphql_ran_follows_the_media_type(rf, accept, status):
    # handler500: e.g. the session middleware saving the session afterwards
    headers = {"HTTP_ACCEPT": accept} if accept else {}
    request = rf.post("/graphql/", **headers)

    try:
        raise refused_connection()
    except OperationalError:
        response = server_error(request)

    assert response.status_code == status
    assert response["Retry-After"] == "1"
    assert response["Content-Type"] == (accept or JSON)
    assert json.loads(response.content) == UNAVAILABLE_BODY


def test_any_other_failure_outside_graphql_is_a_500_with_a_graphql_error(rf):
    request = rf.post("/graphql/")

    try:
        raise RuntimeError("a bug")
    except RuntimeError:
        response = server_error(request)

    assert response.status_code == 500
    assert json.loads(response.content) == {
        "errors": [
            {
                "message": "Unexpected error.",
                "extensions": {"code": "INTERNAL_SERVER_ERROR"},
            }
        ]
    }


def test_pages_outside_the_api_keep_djangos_error_page(rf):
    try:
        raise refused_connection()
    except OperationalError:
        response = server_error(rf.get("/admin/"))

    assert response.status_code == 500
    assert response["Content-Type"].startswith("text/html")
