"""Requests per second of the production server, with 1 and with 2 workers.

Both servers run side by side (gunicorn sync workers, the production serving
model) and take turns under load, so drift on the machine falls on both. No
process is pinned here: the workers, PostgreSQL and this load generator share
the machine's cores as they would on a small host.
"""

import os
import resource
import statistics
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .loadgen import GRAPHQL_PATH, graphql_body, run_requests, sign_in
from .processes import Server, rss_mib, serving

CONCURRENCY = 8
WORKER_COUNTS = (1, 2)
CORES = os.cpu_count() or 1


def process_cpu_seconds() -> float:
    """CPU time of this process (the load generator), all its threads."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def cpu_jiffies() -> tuple[int, int]:
    """(busy, total) CPU time of the whole machine so far, from /proc/stat."""
    fields = [int(n) for n in Path("/proc/stat").read_text().split()[1:9]]
    idle = fields[3] + fields[4]  # idle, iowait
    return sum(fields) - idle, sum(fields)


@dataclass
class Load:
    operation: str
    workers: int
    latencies_ms: list[float] = field(default_factory=list)
    seconds: float = 0.0
    busy_jiffies: int = 0
    total_jiffies: int = 0
    client_cpu_seconds: float = 0.0

    def summary(self) -> dict[str, Any]:
        latencies = sorted(self.latencies_ms)
        percentiles = statistics.quantiles(latencies, n=100)
        return {
            "operation": self.operation,
            "workers": self.workers,
            "concurrency": CONCURRENCY,
            "requests": len(latencies),
            "requests_per_second": round(len(latencies) / self.seconds, 1),
            "p50_ms": round(statistics.median(latencies), 2),
            "p99_ms": round(percentiles[98], 2),
            # Workers, PostgreSQL and this load generator share the cores:
            # near 100% the machine, not the server, sets the pace.
            "machine_cpu_busy_percent": round(
                100 * self.busy_jiffies / max(1, self.total_jiffies), 1
            ),
            # Of the machine's capacity (all cores), what this load generator
            # took itself.
            "load_generator_cpu_percent": round(
                100 * self.client_cpu_seconds / (self.seconds * CORES), 1
            ),
        }


def measure_http(
    *,
    env: dict[str, str],
    logs: Path,
    credentials: tuple[str, str],
    operations: dict[str, list[dict[str, Any]]],
    rounds: int,
    turn_seconds: float,
    progress: Callable[[str], None],
) -> dict[str, Any]:
    """Time each operation on each server in rotating turns.

    `operations` maps a contract operation to its variables, one set per
    client thread or fewer (thread i sends set i, modulo their number).
    """
    with ExitStack() as stack:
        servers: dict[int, Server] = {
            workers: stack.enter_context(
                serving("gunicorn", env, logs, workers=workers, cpus=None)
            )
            for workers in WORKER_COUNTS
        }

        def bodies(name: str) -> list[bytes]:
            return [graphql_body(name, variables) for variables in operations[name]]

        username, password = credentials
        # One session serves both: they share the database.
        cookies = sign_in(servers[1].port, username=username, password=password)
        loads = [
            Load(name, workers) for name in operations for workers in WORKER_COUNTS
        ]
        per_thread: dict[int, int] = {}
        for index, load in enumerate(loads):
            body = bodies(load.operation)
            port = servers[load.workers].port
            warm, seconds, _ = run_requests(
                port,
                cookies,
                GRAPHQL_PATH,
                body,
                count=4 * CONCURRENCY,
                concurrency=CONCURRENCY,
            )
            rate = len(warm) / seconds
            per_thread[index] = max(2, round(rate * turn_seconds / CONCURRENCY))
        for turn in range(rounds):
            shift = turn % len(loads)
            for index in [*range(shift, len(loads)), *range(shift)]:
                load = loads[index]
                body = bodies(load.operation)
                busy, total = cpu_jiffies()
                client_cpu = process_cpu_seconds()
                latencies, seconds, _ = run_requests(
                    servers[load.workers].port,
                    cookies,
                    GRAPHQL_PATH,
                    body,
                    count=per_thread[index] * CONCURRENCY,
                    concurrency=CONCURRENCY,
                )
                load.latencies_ms += latencies
                load.seconds += seconds
                busy_after, total_after = cpu_jiffies()
                load.busy_jiffies += busy_after - busy
                load.total_jiffies += total_after - total
                load.client_cpu_seconds += process_cpu_seconds() - client_cpu
            progress(f"over HTTP: round {turn + 1}/{rounds}")
        rss = {
            workers: [round(rss_mib(pid), 1) for pid in server.worker_pids]
            for workers, server in servers.items()
        }
    rows = [load.summary() for load in loads]
    scaling: dict[str, float] = {}
    for name in operations:
        rates = {
            row["workers"]: row["requests_per_second"]
            for row in rows
            if row["operation"] == name
        }
        scaling[name] = round(rates[2] / rates[1], 2)
    return {
        "rows": rows,
        "two_vs_one_worker": scaling,
        "rss_mib_per_worker": {str(k): v for k, v in rss.items()},
        "requests_sent": sum(row["requests"] for row in rows),
    }
