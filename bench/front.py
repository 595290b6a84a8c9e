"""What the front costs: the same gunicorn workers through nginx and directly.

    .venv/bin/python -m bench.front           # quick data set, about a minute

Starts the quick benchmark PostgreSQL (bench.dataset, cached), then the
production topology (deploy/stack.py: nginx -> gunicorn with 2 sync workers)
and sends the same load, at concurrency 8, to nginx's port and to gunicorn's
own port in alternating turns, so drift on the machine falls on both. Prints
requests/s and p50/p99 per operation and path, with nginx's CPU time per
request, and writes bench/results/front.json.
"""

from __future__ import annotations

import json
import os
import secrets
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from deploy.stack import FrontOptions, free_port, running_stack

from .dataset import QUICK, seeded_database
from .loadgen import GRAPHQL_PATH, Client, graphql_body, run_requests, sign_in
from .processes import postgres_cpu_seconds

RESULTS = Path(__file__).with_name("results") / "front.json"
CONCURRENCY = 8
WORKERS = 2
ROUNDS = 4
PER_THREAD = {"cheap query": 60, "MyOrders(first: 100)": 25}
# One client, a request through each path in turn: the paired difference is
# the front's added latency, whatever the shared machine does meanwhile.
PAIRS = 300


@dataclass
class Load:
    operation: str
    path: str
    latencies_ms: list[float] = field(default_factory=list)
    seconds: float = 0.0
    front_cpu_seconds: float = 0.0

    def row(self) -> dict[str, Any]:
        latencies = sorted(self.latencies_ms)
        return {
            "operation": self.operation,
            "path": self.path,
            "requests": len(latencies),
            "requests_per_second": round(len(latencies) / self.seconds, 1),
            "p50_ms": round(statistics.median(latencies), 2),
            "p99_ms": round(statistics.quantiles(latencies, n=100)[98], 2),
            "nginx_cpu_ms_per_request": round(
                1000 * self.front_cpu_seconds / len(latencies), 3
            ),
        }


def log(message: str) -> None:
    print(f"bench.front: {message}", file=sys.stderr, flush=True)


def paired(
    ports: dict[str, int], cookies: dict[str, str], body: bytes
) -> dict[str, float]:
    """Median latency of each path at concurrency 1, and of their difference."""
    clients = {path: Client(port, cookies) for path, port in ports.items()}
    times: dict[str, list[float]] = {path: [] for path in ports}
    try:
        for _ in range(PAIRS):
            for path, client in clients.items():
                start = time.perf_counter()
                status, _ = client.request("POST", GRAPHQL_PATH, body)
                times[path].append((time.perf_counter() - start) * 1000)
                assert status == 200, status
    finally:
        for client in clients.values():
            client.close()
    front, direct = (times[path] for path in ports)
    figures = {
        f"{path} p50_ms": round(statistics.median(t), 3) for path, t in times.items()
    }
    figures["added_p50_ms"] = round(
        statistics.median(a - b for a, b in zip(front, direct, strict=True)), 3
    )
    return figures


def measure() -> dict[str, Any]:
    bodies = {
        "cheap query": json.dumps({"query": "{ __typename }"}).encode(),
        "MyOrders(first: 100)": graphql_body("MyOrders", {"first": 100}),
    }
    with (
        seeded_database(QUICK, log=log) as data,
        tempfile.TemporaryDirectory() as folder,
        (Path(folder) / "stack.log").open("wb") as output,
    ):
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DATABASE_URL": data.url,
            "DEBUG": "0",
            "SECRET_KEY": secrets.token_urlsafe(48),
            "ALLOWED_HOSTS": "127.0.0.1",
            "LOG_LEVEL": "WARNING",
            "WEB_CONCURRENCY": str(WORKERS),
        }
        options = FrontOptions(port=free_port(), worker_processes="1")
        with running_stack(env, options, output=output) as stack:
            ports = {
                "nginx -> gunicorn": stack.port,
                "gunicorn directly": stack.app_port,
            }
            username, password = data.customer
            cookies = sign_in(stack.port, username=username, password=password)
            single = {op: paired(ports, cookies, body) for op, body in bodies.items()}
            log(f"concurrency 1: {single}")
            loads = [Load(op, path) for op in bodies for path in ports]
            for load in loads:  # warm-up, outside the figures
                run_requests(
                    ports[load.path],
                    cookies,
                    GRAPHQL_PATH,
                    bodies[load.operation],
                    count=2 * CONCURRENCY,
                    concurrency=CONCURRENCY,
                )
            for turn in range(ROUNDS):
                order = loads if turn % 2 == 0 else loads[::-1]
                for load in order:
                    front_cpu = postgres_cpu_seconds(stack.front.pid)
                    latencies, seconds, _ = run_requests(
                        ports[load.path],
                        cookies,
                        GRAPHQL_PATH,
                        bodies[load.operation],
                        count=PER_THREAD[load.operation] * CONCURRENCY,
                        concurrency=CONCURRENCY,
                    )
                    load.front_cpu_seconds += (
                        postgres_cpu_seconds(stack.front.pid) - front_cpu
                    )
                    load.latencies_ms += latencies
                    load.seconds += seconds
                log(f"round {turn + 1}/{ROUNDS}")
    rows = [load.row() for load in loads]
    overhead = {}
    for operation in bodies:
        front, direct = (r for r in rows if r["operation"] == operation)
        overhead[operation] = {
            "requests_per_second_ratio": round(
                front["requests_per_second"] / direct["requests_per_second"], 3
            ),
            "p50_ms_added": round(front["p50_ms"] - direct["p50_ms"], 2),
            "p99_ms_added": round(front["p99_ms"] - direct["p99_ms"], 2),
        }
    return {
        "workers": WORKERS,
        "concurrency": CONCURRENCY,
        "rows": rows,
        "overhead": overhead,
        "concurrency_1": single,
    }


def main() -> int:
    report = measure()
    header = (
        "| operation | path | requests | req/s | p50 ms | p99 ms | nginx CPU ms/req |"
    )
    print(header)
    print("|---" * 7 + "|")
    for row in report["rows"]:
        print(
            f"| {row['operation']} | {row['path']} | {row['requests']} | "
            f"{row['requests_per_second']} | {row['p50_ms']} | {row['p99_ms']} | "
            f"{row['nginx_cpu_ms_per_request']} |"
        )
    for operation, figures in report["overhead"].items():
        print(f"{operation}, concurrency {CONCURRENCY}: {figures}")
    for operation, figures in report["concurrency_1"].items():
        print(f"{operation}, concurrency 1, {PAIRS} pairs: {figures}")
    RESULTS.write_text(json.dumps(report, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
