"""Behind the front, per-address limits see the client, and nobody can forge it.

gunicorn trusts X-Real-IP only from the front (TRUSTED_PROXIES, set by
deploy/stack.py). Clients come from distinct loopback addresses (127.0.0.x).
"""

from __future__ import annotations

from uuid import uuid4

from tools.graphql_http import GraphQLHttpClient
from tools.server import Stack

PASSWORD = "a-long-enough-test-password-9"
# LOGIN_FAILURE_LIMIT_PER_ACCOUNT_AND_ADDRESS, production's default.
LIMIT = 5


def register(stack: Stack) -> str:
    username = f"user{uuid4().hex[:10]}"
    reply = stack.client().run(
        "Register",
        input={
            "username": username,
            "email": f"{username}@example.com",
            "password": PASSWORD,
        },
    )
    assert reply.data["register"]["__typename"] == "User", reply.raw[:500]
    return username


def sign_in(client: GraphQLHttpClient, username: str, password: str) -> str:
    """The __typename of the login answer, or the code it refused with."""
    reply = client.run("Login", input={"username": username, "password": password})
    login = reply.data["login"]
    if login["__typename"] == "User":
        return "User"
    return str(login["messages"][0]["code"])


# The failure that reaches the limit already answers TOO_MANY_ATTEMPTS.
FAILED = {"INVALID_CREDENTIALS", "TOO_MANY_ATTEMPTS"}


def fail(client: GraphQLHttpClient, username: str, times: int = LIMIT) -> None:
    for _ in range(times):
        assert sign_in(client, username, "wrong") in FAILED


def test_a_lock_for_one_client_behind_the_front_leaves_another_client_alone(stack):
    username = register(stack)
    guesser = stack.client(source="127.0.0.21")
    neighbour = stack.client(source="127.0.0.22")

    fail(guesser, username)

    assert sign_in(guesser, username, PASSWORD) == "TOO_MANY_ATTEMPTS"
    assert sign_in(neighbour, username, PASSWORD) == "User"


def test_an_x_real_ip_sent_through_the_front_is_replaced_by_the_client_address(
    stack,
):
    username = register(stack)
    guesser = stack.client(source="127.0.0.23")

    for n in range(LIMIT):
        guesser.headers = {
            "X-Real-IP": f"198.51.100.{n}",
            "X-Forwarded-For": "10.9.9.9",
        }
        assert sign_in(guesser, username, "wrong") in FAILED
    guesser.headers = {"X-Real-IP": "127.0.0.24"}

    assert sign_in(guesser, username, PASSWORD) == "TOO_MANY_ATTEMPTS"
    assert sign_in(stack.client(source="127.0.0.24"), username, PASSWORD) == "User"


def test_a_client_talking_to_gunicorn_directly_cannot_forge_its_address(stack):
    username = register(stack)
    direct = GraphQLHttpClient(stack.front.app_port, source="127.0.0.25")

    for n in range(LIMIT):
        direct.headers = {"X-Real-IP": f"198.51.100.{n}"}
        assert sign_in(direct, username, "wrong") in FAILED
    direct.headers = {"X-Real-IP": "127.0.0.26"}

    assert sign_in(direct, username, PASSWORD) == "TOO_MANY_ATTEMPTS"
    assert sign_in(stack.client(source="127.0.0.26"), username, PASSWORD) == "User"
