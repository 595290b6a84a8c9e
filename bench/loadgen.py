"""The load generator's side: a browser-like HTTP client and timed request runs."""

import http.client
import json
import threading
import time
from collections.abc import Sequence
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import quote

from tools.contract import operation

HOST = "127.0.0.1"
GRAPHQL_PATH = "/graphql/"


def baseline_path(operation: str) -> str:
    """Where bench.urls routes the plain-Django baseline of a contract operation."""
    return f"/bench/{operation}/"


class BenchError(RuntimeError):
    """A server did not start or answered wrongly: the figures would mean nothing."""


class Client:
    """One HTTP connection, reused while the server keeps it, with a cookie jar."""

    def __init__(self, port: int, cookies: dict[str, str] | None = None) -> None:
        self.connection = http.client.HTTPConnection(HOST, port, timeout=30)
        self.cookies = dict(cookies or {})
        self.connects = 0

    def request(
        self, method: str, path: str, body: bytes | None = None
    ) -> tuple[int, bytes]:
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        if body is not None:
            headers["Content-Type"] = "application/json"
            headers["X-CSRFToken"] = self.cookies.get("csrftoken", "")
        if self.connection.sock is None:  # new, or closed by the server
            self.connects += 1
        self.connection.request(method, path, body=body, headers=headers)
        response = self.connection.getresponse()
        content = response.read()
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        return response.status, content

    def get_json(self, path: str) -> Any:
        status, content = self.request("GET", path)
        if status != 200:
            raise BenchError(f"GET {path}: HTTP {status}: {content[:300]!r}")
        return json.loads(content)

    def close(self) -> None:
        self.connection.close()


def typename_path() -> str:
    return f"{GRAPHQL_PATH}?query={quote('{ __typename }')}"


def graphql_body(name: str, variables: dict[str, Any]) -> bytes:
    """A POST body for the frontend contract operation `name`."""
    return json.dumps({"query": operation(name), "variables": variables}).encode()


def sign_in(port: int, *, username: str, password: str) -> dict[str, str]:
    """Sign in as the frontend does; return the cookies (session and CSRF token)."""
    client = Client(port)
    try:
        client.request("GET", typename_path())
        credentials = {"username": username, "password": password}
        status, content = client.request(
            "POST", GRAPHQL_PATH, graphql_body("Login", {"input": credentials})
        )
    finally:
        client.close()
    login = (json.loads(content).get("data") or {}).get("login") or {}
    if status != 200 or login.get("__typename") != "User":
        raise BenchError(f"Login failed: HTTP {status}: {content[:300]!r}")
    if "sessionid" not in client.cookies:
        raise BenchError("Login set no session cookie")
    return client.cookies


def _timed_requests(
    client: Client, path: str, body: bytes, count: int, out: list[float]
) -> None:
    for _ in range(count):
        start = time.perf_counter()
        status, content = client.request("POST", path, body)
        out.append((time.perf_counter() - start) * 1000)
        if status != 200:
            raise BenchError(f"POST {path}: HTTP {status}: {content[:300]!r}")


def run_requests(
    port: int,
    cookies: dict[str, str],
    path: str,
    body: bytes | Sequence[bytes],
    *,
    count: int,
    concurrency: int,
) -> tuple[list[float], float, int]:
    """Send `count` POSTs over `concurrency` connections, one thread each; return
    the latencies (ms), the wall time (s) and how many TCP connections it took.

    With several bodies, thread i sends body i (modulo their number).
    """
    bodies = [body] if isinstance(body, bytes) else list(body)
    clients = [Client(port, cookies) for _ in range(concurrency)]
    latencies: list[list[float]] = [[] for _ in clients]
    errors: list[BaseException] = []

    def work(index: int) -> None:
        try:
            _timed_requests(
                clients[index],
                path,
                bodies[index % len(bodies)],
                count // concurrency,
                latencies[index],
            )
        except BaseException as error:  # reported by the caller
            errors.append(error)

    start = time.perf_counter()
    if concurrency == 1:
        work(0)
    else:
        threads = [
            threading.Thread(target=work, args=(i,), daemon=True)
            for i in range(concurrency)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    seconds = time.perf_counter() - start
    for client in clients:
        client.close()
    if errors:
        raise errors[0]
    connects = sum(client.connects for client in clients)
    return [ms for part in latencies for ms in part], seconds, connects
