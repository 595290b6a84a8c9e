"""X-Request-ID through the front: one id per response, the one logged."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import pytest

from tools.graphql_http import GraphQLHttpClient, Reply
from tools.server import Stack, running_stack

LOG_WAIT_SECONDS = 10.0


@pytest.fixture(scope="module")
def logging_stack(site_env: dict[str, str]) -> Iterator[Stack]:
    """The front and one worker writing a JSON request line per request."""
    env = {**site_env, "LOG_FORMAT": "json", "LOG_LEVEL": "INFO"}
    with running_stack(env, workers=1) as running:
        yield running


def logged_request_ids(stack: Stack) -> list[str]:
    ids = []
    for line in stack.app.log.read_text(errors="replace").splitlines():
        if not line.startswith("{"):
            continue
        entry = json.loads(line)
        if entry.get("logger") == "ordergraph.requests":
            ids.append(entry["request_id"])
    return ids


def ask(client: GraphQLHttpClient, stack: Stack) -> tuple[Reply, list[str]]:
    """Send a query; return the reply and every id the server logged since."""
    before = len(logged_request_ids(stack))
    reply = client.get_typename()
    deadline = time.monotonic() + LOG_WAIT_SECONDS
    while len(logged := logged_request_ids(stack)) == before:
        assert time.monotonic() < deadline, "no request line was logged"
        time.sleep(0.05)
    return reply, logged[before:]


@pytest.mark.parametrize(
    "sent",
    [None, "trace-42", "not sane: spaces"],
    ids=["none sent", "a sane id", "an id the application replaces"],
)
def test_a_response_through_the_front_carries_one_request_id_the_logged_one(
    logging_stack, sent
):
    headers = {"X-Request-ID": sent} if sent else {}

    reply, logged = ask(logging_stack.client(headers=headers), logging_stack)

    returned = reply.headers.get_all("X-Request-ID") or []
    assert reply.status == 200
    assert len(returned) == 1
    assert logged == returned
    if sent == "trace-42":
        assert returned == ["trace-42"]
    else:
        # nginx's $request_id, or the application's own: 32 hex digits
        assert len(returned[0]) == 32
        assert returned[0] != sent


def test_an_answer_the_front_gives_itself_carries_one_request_id(logging_stack):
    # a body past the cap: nginx's own 413, gunicorn never sees it
    client = logging_stack.client(headers={"X-Request-ID": "trace-43"})
    too_large = client.request("POST", "/graphql/", b"x" * 10_000_000)

    assert too_large.status == 413
    assert too_large.headers.get_all("X-Request-ID") == ["trace-43"]
