"""A small GraphQL client over real HTTP, with a browser's cookies and CSRF token."""

from __future__ import annotations

import http.client
import json
import time
from dataclasses import dataclass, field
from functools import cached_property
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import quote

from tools.contract import operation

HOST = "127.0.0.1"
GRAPHQL_PATH = "/graphql/"
TYPENAME_PATH = f"{GRAPHQL_PATH}?query={quote('{ __typename }')}"


@dataclass(frozen=True)
class Reply:
    status: int
    content_type: str
    raw: bytes
    seconds: float
    headers: http.client.HTTPMessage = field(
        default_factory=http.client.HTTPMessage, compare=False
    )

    @cached_property
    def json(self) -> dict[str, Any]:
        """The body as JSON; {} when it is not JSON (an HTML error page)."""
        # application/json or application/graphql-response+json
        if "json" not in self.content_type:
            return {}
        try:
            body = json.loads(self.raw)
        except ValueError:
            return {}
        return body if isinstance(body, dict) else {}

    @property
    def data(self) -> dict[str, Any]:
        return self.json.get("data") or {}

    @property
    def error_codes(self) -> list[str | None]:
        errors = self.json.get("errors") or []
        return [(error.get("extensions") or {}).get("code") for error in errors]


class GraphQLError(AssertionError):
    """A reply that should have succeeded did not."""


@dataclass
class GraphQLHttpClient:
    """One browser: a cookie jar, the CSRF token, a new connection per request.

    Not for sharing between threads; `copy()` gives a thread its own jar.
    """

    port: int
    host: str = HOST
    timeout: float = 30.0
    cookies: dict[str, str] = field(default_factory=dict)
    # The loopback address to connect from (127.0.0.0/8 is all loopback):
    # distinct clients, as a proxy in front of the server sees them.
    source: str | None = None
    headers: dict[str, str] = field(default_factory=dict)

    def copy(self) -> GraphQLHttpClient:
        return GraphQLHttpClient(
            self.port,
            self.host,
            self.timeout,
            dict(self.cookies),
            self.source,
            dict(self.headers),
        )

    def request(self, method: str, path: str, body: bytes | None = None) -> Reply:
        """Send one request; transport failures raise OSError or HTTPException."""
        headers = {"Host": f"{self.host}:{self.port}", **self.headers}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if body is not None:
            headers["Content-Type"] = "application/json"
            headers["X-CSRFToken"] = self.cookies.get("csrftoken", "")
        source = (self.source, 0) if self.source else None
        connection = http.client.HTTPConnection(
            self.host, self.port, self.timeout, source_address=source
        )
        start = time.perf_counter()
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            raw = response.read()
        finally:
            connection.close()
        seconds = time.perf_counter() - start
        for header in response.headers.get_all("Set-Cookie") or []:
            self._remember(header)
        content_type = response.headers.get("Content-Type", "")
        return Reply(response.status, content_type, raw, seconds, response.headers)

    def _remember(self, set_cookie: str) -> None:
        for name, morsel in SimpleCookie(set_cookie).items():
            if morsel.value and morsel["max-age"] != "0":
                self.cookies[name] = morsel.value
            else:  # Django deletes a cookie with an empty value, max-age 0
                self.cookies.pop(name, None)

    def get_typename(self) -> Reply:
        """GET the cheapest query; it also sets the csrftoken cookie."""
        return self.request("GET", TYPENAME_PATH)

    def execute(self, query: str, variables: dict[str, Any] | None = None) -> Reply:
        if "csrftoken" not in self.cookies:
            self.get_typename()
        body = json.dumps({"query": query, "variables": variables or {}})
        return self.request("POST", GRAPHQL_PATH, body.encode())

    def run(self, name: str, **variables: Any) -> Reply:
        """Run an operation of the frontend contract by name."""
        return self.execute(operation(name), variables)

    def login(self, username: str, password: str) -> dict[str, Any]:
        """Sign in with the Login mutation; the jar then holds the session."""
        reply = self.run("Login", input={"username": username, "password": password})
        user = reply.data.get("login") or {}
        if reply.status != 200 or user.get("__typename") != "User":
            detail = f"HTTP {reply.status}: {reply.raw[:300]!r}"
            raise GraphQLError(f"Login failed: {detail}")
        return user
