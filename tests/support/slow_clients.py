"""Stalled clients, and the latency of normal requests sent meanwhile.

A stalled client opens a connection, sends part of a request and then nothing:
its headers and part of a body (`Content-Length: 100`, 40 bytes sent), its
headers and none of the body, or headers that never end.
"""

from __future__ import annotations

import math
import socket
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

from tools.graphql_http import GRAPHQL_PATH, HOST

STALL_KINDS = ("partial body", "headers only", "unfinished headers")


def stall(port: int, kind: str, *, source: str = HOST) -> socket.socket:
    """Open a connection that sends part of a request, then goes silent."""
    sock = socket.create_connection((HOST, port), timeout=5, source_address=(source, 0))
    head = (
        f"POST {GRAPHQL_PATH} HTTP/1.1\r\nHost: {HOST}:{port}\r\n"
        "Content-Type: application/json\r\nContent-Length: 100\r\n"
    )
    if kind == "partial body":
        sock.sendall(f'{head}\r\n{{"query": "{{ __typename }}", "x": "'.encode())
    elif kind == "headers only":
        sock.sendall(f"{head}\r\n".encode())
    elif kind == "unfinished headers":
        sock.sendall(head.encode())
    else:
        raise ValueError(kind)
    return sock


@dataclass(frozen=True)
class Latencies:
    """Seconds per request; a request that failed or timed out counts as inf."""

    seconds: list[float]
    failures: list[str]

    def percentile(self, p: int) -> float:
        ordered = sorted(self.seconds)
        index = min(len(ordered) - 1, math.ceil(p / 100 * len(ordered)) - 1)
        return ordered[max(0, index)]

    def summary(self) -> str:
        done = [s for s in self.seconds if s != math.inf]
        median = statistics.median(done) * 1000 if done else math.inf
        return (
            f"{len(self.seconds)} requests, {len(self.failures)} failed or timed out, "
            f"p50 {median:.1f} ms, p99 {self.percentile(99) * 1000:.1f} ms"
        )


def timed_requests(
    send: Callable[[], bool], *, count: int, seconds: float
) -> Latencies:
    """Call send (True: a good answer) up to count times or for `seconds`."""
    latencies: list[float] = []
    failures: list[str] = []
    deadline = time.monotonic() + seconds
    while len(latencies) < count and time.monotonic() < deadline:
        start = time.perf_counter()
        try:
            ok = send()
        except OSError as error:
            ok, reason = False, repr(error)
        else:
            reason = "wrong answer"
        if ok:
            latencies.append(time.perf_counter() - start)
        else:
            latencies.append(math.inf)
            failures.append(reason)
    return Latencies(latencies, failures)
