"""Bounded load: client threads, what every request got back, and the table."""

from __future__ import annotations

import http.client
import math
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from tools.graphql_http import GraphQLHttpClient, Reply

OK = "ok"
TRANSPORT = "transport"  # no HTTP answer: connection refused, reset, timed out
# Every thread of a scenario must be done this long after its own deadline.
JOIN_GRACE_SECONDS = 60.0


@dataclass(frozen=True)
class Outcome:
    operation: str
    result: str  # OK, an error code, "HTTP <status>" or TRANSPORT
    status: int | None
    seconds: float
    started: float  # time.monotonic() when the request was sent

    @property
    def server_error(self) -> bool:
        return self.status is not None and self.status >= 500


def classify(reply: Reply, root_field: str | None) -> str:
    """OK, or the first error code a client would act on."""
    if not reply.json:
        return f"HTTP {reply.status}"
    if codes := reply.error_codes:
        return codes[0] or f"HTTP {reply.status}"
    payload = reply.data.get(root_field) if root_field else reply.data
    if isinstance(payload, dict) and payload.get("__typename") == "OperationInfo":
        return str(payload["messages"][0]["code"])
    return OK if reply.status == 200 and payload is not None else f"HTTP {reply.status}"


@dataclass
class Tally:
    """Every request of one scenario, safe to add to from many threads."""

    scenario: str
    outcomes: list[Outcome] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def call(
        self,
        client: GraphQLHttpClient,
        name: str,
        root_field: str | None = None,
        **variables: object,
    ) -> tuple[str, Reply | None]:
        """Run a contract operation and record its outcome; failures do not raise."""
        started = time.monotonic()
        try:
            reply = client.run(name, **variables)
        except (OSError, http.client.HTTPException):
            self.add(
                Outcome(name, TRANSPORT, None, time.monotonic() - started, started)
            )
            return TRANSPORT, None
        result = classify(reply, root_field)
        self.add(Outcome(name, result, reply.status, reply.seconds, started))
        return result, reply

    def add(self, outcome: Outcome) -> None:
        with self.lock:
            self.outcomes.append(outcome)

    def results(self) -> Counter[str]:
        return Counter(outcome.result for outcome in self.outcomes)

    def unexpected(self, expected: Iterable[str]) -> Counter[str]:
        allowed = {OK, *expected}
        return Counter(r for r in self.results().elements() if r not in allowed)

    def server_errors(self) -> int:
        return sum(outcome.server_error for outcome in self.outcomes)

    def row(self) -> dict[str, str]:
        results = self.results()
        latencies = sorted(o.seconds * 1000 for o in self.outcomes)
        errors = ", ".join(
            f"{code} {count}" for code, count in sorted(results.items()) if code != OK
        )
        return {
            "scenario": self.scenario,
            "requests": str(len(self.outcomes)),
            "ok": str(results[OK]),
            "errors by code": errors or "-",
            "5xx": str(self.server_errors()),
            "p50 ms": f"{percentile(latencies, 50):.0f}",
            "p99 ms": f"{percentile(latencies, 99):.0f}",
        }


def percentile(sorted_values: list[float], percent: float) -> float:
    """Nearest-rank percentile; 0 for no values."""
    if not sorted_values:
        return 0.0
    rank = math.ceil(percent / 100 * len(sorted_values))
    return sorted_values[max(rank, 1) - 1]


def table(rows: list[dict[str, str]]) -> str:
    """A Markdown table, so the figures can go into the README as printed."""
    if not rows:
        return ""
    columns = list(rows[0])
    widths = {c: max(len(c), *(len(row[c]) for row in rows)) for c in columns}

    def line(cells: dict[str, str]) -> str:
        return "| " + " | ".join(cells[c].ljust(widths[c]) for c in columns) + " |"

    rule = "|" + "|".join("-" * (widths[c] + 2) for c in columns) + "|"
    return "\n".join([line({c: c for c in columns}), rule, *map(line, rows)])


def run_threads(
    target: Callable[[int], None], count: int, *, deadline_seconds: float
) -> None:
    """Run target(0..count-1) in threads; re-raise the first failure.

    Threads must stop by themselves (each loop checks its own deadline and
    request budget); one still running JOIN_GRACE_SECONDS after that is a hang.
    """
    failures: list[BaseException] = []

    def guarded(index: int) -> None:
        try:
            target(index)
        except BaseException as error:
            failures.append(error)

    threads = [
        threading.Thread(target=guarded, args=(i,), daemon=True) for i in range(count)
    ]
    for thread in threads:
        thread.start()
    give_up = time.monotonic() + deadline_seconds + JOIN_GRACE_SECONDS
    for thread in threads:
        thread.join(max(0.0, give_up - time.monotonic()))
    if any(thread.is_alive() for thread in threads):
        raise AssertionError(f"load threads still running {JOIN_GRACE_SECONDS} s late")
    if failures:
        raise failures[0]
