"""What the front answers itself: JSON GraphQL errors with a code, never HTML.

Through nginx (deploy/nginx.conf) in front of gunicorn, as production runs.
"""

from __future__ import annotations

import http.client
import json
import socket
import time
from typing import Any
from urllib.parse import quote

from django.conf import settings

from tests.deploy.conftest import PER_CLIENT
from tests.support.slow_clients import stall
from tools.graphql_http import GRAPHQL_PATH, HOST, GraphQLHttpClient
from tools.server import running_stack


def raw_request(
    port: int,
    method: str,
    path: str,
    body: bytes = b"",
    headers: dict[str, str] | None = None,
) -> tuple[int, dict[str, str], Any]:
    headers = headers or {}
    connection = http.client.HTTPConnection(HOST, port, timeout=10)
    try:
        connection.putrequest(method, path, skip_accept_encoding=True)
        for name, value in {"Content-Type": "application/json", **headers}.items():
            connection.putheader(name, value)
        if "Transfer-Encoding" not in headers:
            connection.putheader("Content-Length", str(len(body)))
        connection.endheaders(body)
        response = connection.getresponse()
        raw = response.read()
    finally:
        connection.close()
    assert response.headers["Content-Type"].startswith("application/json"), raw[:300]
    return response.status, dict(response.headers), json.loads(raw)


def codes(body: dict[str, Any]) -> list[str]:
    return [error["extensions"]["code"] for error in body["errors"]]


def test_a_body_over_the_cap_is_the_applications_json_413(stack):
    cap = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    body = json.dumps({"query": "{ __typename }", "x": "a" * cap}).encode()

    status, _, answer = raw_request(stack.port, "POST", GRAPHQL_PATH, body)

    assert status == 413
    assert answer == {
        "errors": [
            {
                "message": f"The request body is larger than {cap} bytes "
                "(DATA_UPLOAD_MAX_MEMORY_SIZE).",
                "extensions": {"code": "REQUEST_TOO_LARGE"},
            }
        ]
    }


def test_a_chunked_body_over_the_cap_is_a_json_413_and_under_it_is_served(stack):
    cap = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    small = json.dumps({"query": "{ __typename }"}).encode()
    big = json.dumps({"query": "{ __typename }", "x": "a" * cap}).encode()

    def chunked(body: bytes) -> bytes:
        return (
            b"".join(
                b"%x\r\n%s\r\n" % (len(part), part)
                for part in (body[i : i + 65536] for i in range(0, len(body), 65536))
            )
            + b"0\r\n\r\n"
        )

    over = raw_request(
        stack.port,
        "POST",
        GRAPHQL_PATH,
        chunked(big),
        headers={"Transfer-Encoding": "chunked"},
    )
    under = raw_request(
        stack.port,
        "POST",
        GRAPHQL_PATH,
        chunked(small),
        headers={"Transfer-Encoding": "chunked"},
    )

    assert (over[0], codes(over[2])) == (413, ["REQUEST_TOO_LARGE"])
    # The front hands gunicorn the whole body with its length.
    assert (under[0], under[2]["data"]) == (200, {"__typename": "Query"})


def test_a_get_document_of_nearly_8_kb_is_served(stack):
    # Long, yet within every document limit: the comment is no token or field.
    document = "#" + "x" * 7_500 + "\n{ __typename }"
    path = f"{GRAPHQL_PATH}?query={quote(document)}"

    reply = stack.client().request("GET", path)

    assert 7_500 < len(path) < 8_190
    assert (reply.status, reply.data) == (200, {"__typename": "Query"})


def test_a_request_line_or_header_too_long_is_a_json_413(stack):
    long_get = f"{GRAPHQL_PATH}?query={'a' * 8_200}"

    line = raw_request(stack.port, "GET", long_get)
    header = raw_request(
        stack.port, "GET", GRAPHQL_PATH, headers={"X-Padding": "a" * 8_200}
    )

    assert (line[0], codes(line[2])) == (413, ["REQUEST_TOO_LARGE"])
    assert (header[0], codes(header[2])) == (413, ["REQUEST_TOO_LARGE"])


def test_a_malformed_request_is_a_json_400_from_the_front(stack):
    with socket.create_connection((HOST, stack.port), timeout=10) as sock:
        sock.sendall(b"GET /graphql/ HTTP/1.1\r\nHost: \x01bad\r\n\r\n")
        raw = sock.recv(65536)

    head, _, body = raw.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 400")
    assert b"application/json" in head
    assert codes(json.loads(body)) == ["BAD_REQUEST"]


def test_the_host_header_passes_through_and_allowed_hosts_still_decides(stack):
    allowed = stack.client().get_typename()
    foreign = stack.client(headers={"Host": "evil.example"}).get_typename()

    assert (allowed.status, allowed.data) == (200, {"__typename": "Query"})
    assert (foreign.status, foreign.error_codes) == (400, ["BAD_REQUEST"])


def test_a_request_id_is_kept_or_made_and_returned(stack):
    given = stack.client(headers={"X-Request-ID": "trace-42"}).get_typename()
    made = stack.client().get_typename()
    again = stack.client().get_typename()

    assert given.headers["X-Request-ID"] == "trace-42"
    assert len(made.headers["X-Request-ID"]) == 32
    assert made.headers["X-Request-ID"] != again.headers["X-Request-ID"]


def test_one_address_holding_its_share_of_requests_gets_a_json_429(stack):
    held = [
        stall(stack.port, "partial body", source="127.0.0.31")
        for _ in range(PER_CLIENT)
    ]
    time.sleep(0.3)  # the front has read their headers
    try:
        refused = stack.client(source="127.0.0.31").get_typename()
        other = stack.client(source="127.0.0.32").get_typename()
    finally:
        for sock in held:
            sock.close()

    assert refused.status == 429
    assert refused.headers["Retry-After"] == "1"
    assert refused.json["errors"][0]["extensions"] == {
        "code": "LIMIT_EXCEEDED",
        "limit": "FRONT_MAX_CONNECTIONS_PER_CLIENT",
    }
    assert (other.status, other.data) == (200, {"__typename": "Query"})


def test_gunicorn_down_is_a_json_503_with_retry_after(site_env):
    with running_stack(site_env, workers=1) as stack:
        client: GraphQLHttpClient = stack.client()
        assert client.get_typename().status == 200

        stack.front.stop_app()
        down = client.get_typename()
        post = client.execute("{ __typename }")

    for reply in (down, post):
        assert reply.status == 503
        assert reply.headers["Retry-After"] == "1"
        assert reply.json == {
            "errors": [
                {
                    "message": "The service is temporarily unavailable; retry shortly.",
                    "extensions": {"code": "SERVICE_UNAVAILABLE"},
                }
            ]
        }


def test_a_client_cannot_claim_https_with_headers_the_front_does_not_set(site_env):
    env = {**site_env, "SECURE_SSL_REDIRECT": "1"}
    with running_stack(env, workers=1, answers_queries=False) as stack:
        replies = [
            stack.client(headers=forged).get_typename()
            for forged in (
                {},
                {"X-Forwarded-Ssl": "on"},
                {"X-Forwarded-Protocol": "ssl"},
                {"X-Forwarded-Proto": "https"},
                {"Forwarded": "proto=https"},
            )
        ]

    # Plain HTTP to the front is plain HTTP, whatever the client says.
    assert [reply.status for reply in replies] == [301] * 5
    assert {reply.headers["Location"][:8] for reply in replies} == {"https://"}
