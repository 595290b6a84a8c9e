"""Contract operations timed in this process, through Django's whole stack.

Each request goes through Django's test client (middleware, sessions, CSRF,
URL routing, the view), which is the WSGI path gunicorn takes minus the
socket. A case is one operation with its variables and caller; it has two
variants, the GraphQL view and the plain-Django baseline (bench.baseline).
Turns rotate through every (case, variant) so drift on the machine falls on
all of them alike; a turn lasts about the same time for every case.
"""

import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from .loadgen import GRAPHQL_PATH, BenchError, baseline_path, graphql_body

VARIANTS = ("graphql", "baseline")
# Queries Django's session and auth middleware send for a signed-in caller,
# whatever the view: counted apart from the operation's own. Matched on the
# table read FROM, so that an operation's own join of auth_user still counts.
FRAMEWORK_READS = ('FROM "django_session"', 'FROM "auth_user"')


@dataclass(frozen=True)
class Case:
    key: str  # e.g. "MyOrders(first: 100)"
    operation: str  # contract operation name
    variables: dict[str, Any]
    caller: str  # "customer", "staff" or "anonymous"


@dataclass
class Timings:
    case: Case
    variant: str
    latencies_ms: list[float] = field(default_factory=list)
    queries: int = 0
    operation_queries: int = 0

    def median_ms(self) -> float:
        return statistics.median(self.latencies_ms)


class Caller:
    """A browser-like client: session cookie and CSRF token, as frontends send."""

    def __init__(self) -> None:
        self.client = Client(enforce_csrf_checks=True, HTTP_HOST="localhost")
        self.client.get(GRAPHQL_PATH, {"query": "{ __typename }"})

    def token(self) -> str:
        return self.client.cookies["csrftoken"].value

    def post(self, path: str, body: bytes) -> Any:
        response = self.client.post(
            path, body, content_type="application/json", HTTP_X_CSRFTOKEN=self.token()
        )
        if response.status_code != 200:
            raise BenchError(f"POST {path}: HTTP {response.status_code}")
        return response

    def sign_in(self, username: str, password: str) -> "Caller":
        credentials = {"username": username, "password": password}
        body = graphql_body("Login", {"input": credentials})
        login = orjson.loads(self.post(GRAPHQL_PATH, body).content)["data"]["login"]
        if login.get("__typename") != "User":
            raise BenchError(f"Login as {username} failed: {login}")
        return self


def path_of(case: Case, variant: str) -> str:
    return GRAPHQL_PATH if variant == "graphql" else baseline_path(case.operation)


def _data(case: Case, content: bytes) -> Any:
    body = orjson.loads(content)
    if body.get("errors") or not body.get("data"):
        raise BenchError(f"{case.key}: {content[:400]!r}")
    return body["data"]


def _comparable(case: Case, data: Any) -> Any:
    if case.operation == "PlaceOrder":
        # Every request places a new order: compare what does not change.
        order = dict(data["createOrder"])
        for key in ("id", "createdAt"):
            order.pop(key)
        order["product"] = dict(order["product"])
        order["product"].pop("stockQuantity")
        return order
    return data


def check_same_answers(cases: Sequence[Case], callers: dict[str, Caller]) -> None:
    """Fail unless both variants of every case answer the same data."""
    for case in cases:
        body = graphql_body(case.operation, case.variables)
        answers = [
            _comparable(
                case,
                _data(case, callers[case.caller].post(path_of(case, v), body).content),
            )
            for v in VARIANTS
        ]
        if answers[0] != answers[1]:
            raise BenchError(
                f"{case.key}: GraphQL and baseline differ:\n"
                f"{str(answers[0])[:600]}\n{str(answers[1])[:600]}"
            )


def count_queries(timings: Timings, caller: Caller, body: bytes) -> None:
    with CaptureQueriesContext(connection) as captured:
        caller.post(path_of(timings.case, timings.variant), body)
    timings.queries = len(captured.captured_queries)
    timings.operation_queries = sum(
        1
        for query in captured.captured_queries
        if not any(read in query["sql"] for read in FRAMEWORK_READS)
    )


def _timed(caller: Caller, path: str, body: bytes, count: int) -> list[float]:
    latencies = []
    for _ in range(count):
        start = time.perf_counter()
        caller.post(path, body)
        latencies.append((time.perf_counter() - start) * 1000)
    return latencies


def measure(
    cases: Sequence[Case],
    callers: dict[str, Caller],
    *,
    turns: int,
    turn_seconds: float,
    warmup: int,
    progress: Callable[[str], None],
) -> list[Timings]:
    """Warm up, count each variant's SQL, then time them in rotating turns."""
    runs = [Timings(case, variant) for case in cases for variant in VARIANTS]
    per_turn: dict[int, int] = {}
    for index, timings in enumerate(runs):
        caller = callers[timings.case.caller]
        body = graphql_body(timings.case.operation, timings.case.variables)
        path = path_of(timings.case, timings.variant)
        warm = _timed(caller, path, body, warmup)
        count_queries(timings, caller, body)
        # About turn_seconds of requests per turn, whatever the case costs.
        per_turn[index] = max(3, round(turn_seconds * 1000 / statistics.median(warm)))
    for turn in range(turns):
        shift = turn % len(runs)
        for index in [*range(shift, len(runs)), *range(shift)]:
            timings = runs[index]
            caller = callers[timings.case.caller]
            body = graphql_body(timings.case.operation, timings.case.variables)
            path = path_of(timings.case, timings.variant)
            timings.latencies_ms += _timed(caller, path, body, per_turn[index])
        progress(f"in-process: turn {turn + 1}/{turns}")
    return runs
