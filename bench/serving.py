"""Time MyOrders(first: 100) under each serving model and count new DB connections.

    .venv/bin/python -m bench.serving [--nice -10]

Starts a throwaway PostgreSQL, seeds one customer's orders, then serves the same
code four ways, each server one worker pinned to CPU 1 (this load generator and
PostgreSQL share CPU 0), and times POSTs in short turns that rotate through the
variants, so that other work on the machine falls on all of them alike:

  A  baseline JSON view (bench.baseline)  gunicorn, sync worker (WSGI)
  B  GraphQL MyOrders                      gunicorn, sync worker (WSGI)
  C  GraphQL MyOrders                      uvicorn (ASGI)
  D  baseline JSON view (bench.baseline)  uvicorn (ASGI)

gunicorn keeps the settings' persistent connections (CONN_MAX_AGE); uvicorn runs
with CONN_MAX_AGE=0, as Django advises under ASGI (--asgi-conn-max-age to
change). Each server counts the database connections it opens (bench.connections),
read around every turn; pg_stat_database.sessions checks the total. CPU time of
the server and of PostgreSQL is read from /proc around every turn too. Prints a
table and writes bench/results/serving.json.
"""

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from tools.postgres import running_postgres

from .data import ORDERS, PAGE, PASSWORD, PRODUCTS, USERNAME, check_page, seed
from .guard import time_limit
from .loadgen import (
    GRAPHQL_PATH,
    BenchError,
    Client,
    baseline_path,
    graphql_body,
    run_requests,
    sign_in,
)
from .measurement import Batch, Measurement, Variant
from .processes import (
    BIN,
    SERVER_CPU,
    Server,
    cpu_seconds,
    postgres_cpu_seconds,
    serving,
    stat_fields,
)
from .report import header, print_table, uvicorn_implementations

RESULTS = Path(__file__).with_name("results") / "serving.json"
CLIENT_CPU = 0
BASELINE_PATH = baseline_path("MyOrders")
CONNECTIONS_PATH = "/bench/connections/"
# Backends report to pg_stat_database lazily (at exit, or when idle).
STATS_SETTLE_SECONDS = 1.0
HARD_TIMEOUT_SECONDS = 8 * 60
# No higher concurrency level starts after this much of the run has gone.
SOFT_BUDGET_SECONDS = 4 * 60


VARIANTS = (
    Variant("A", "baseline, gunicorn sync (WSGI)", "gunicorn", BASELINE_PATH),
    Variant("B", "GraphQL, gunicorn sync (WSGI)", "gunicorn", GRAPHQL_PATH),
    Variant("C", "GraphQL, uvicorn (ASGI)", "uvicorn", GRAPHQL_PATH),
    Variant("D", "baseline, uvicorn (ASGI)", "uvicorn", BASELINE_PATH),
)
REFERENCE = "A"


def pg_query(sql: str) -> Any:
    """The first column of the first row, on this process's own connection."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql)
        row = cursor.fetchone()
    assert row is not None
    return row[0]


def pg_sessions() -> int:
    """Sessions ever opened on this database (PostgreSQL 14+), read afresh."""
    return int(
        pg_query(
            "SELECT sessions FROM pg_stat_database WHERE datname = current_database()"
        )
    )


def connect_ms(samples: int = 30) -> float:
    """Median time for Django to open and set up a new PostgreSQL connection."""
    from django.db import connections

    times = []
    for _ in range(samples):
        wrapper = connections.create_connection("default")
        start = time.perf_counter()
        wrapper.ensure_connection()
        times.append((time.perf_counter() - start) * 1000)
        wrapper.close()
    return round(statistics.median(times), 3)


def verify_and_warm_up(
    servers: dict[str, Server],
    cookies: dict[str, dict[str, str]],
    product_names: list[str],
    warmup: int,
) -> None:
    """Fail unless every variant serves the same, right page; then warm each up."""
    body = graphql_body("MyOrders", {"first": PAGE})
    pages = {}
    for variant in VARIANTS:
        port, jar = servers[variant.key].port, cookies[variant.key]
        client = Client(port, jar)
        try:
            status, content = client.request("POST", variant.path, body)
        finally:
            client.close()
        if status != 200:
            raise BenchError(f"{variant.key}: HTTP {status}: {content[:300]!r}")
        pages[variant.key] = check_page(variant.key, content, product_names)
        run_requests(port, jar, variant.path, body, count=warmup, concurrency=1)
    if any(page != pages[REFERENCE] for page in pages.values()):
        raise BenchError("the variants' responses differ")


def opened_connections(server: Server) -> int:
    """How many database connections the server has opened so far."""
    client = Client(server.port)
    try:
        return int(client.get_json(CONNECTIONS_PATH)["opened"])
    finally:
        client.close()


def measure(
    server: Server,
    postmaster: int,
    cookies: dict[str, str],
    path: str,
    count: int,
    concurrency: int,
) -> Batch:
    body = graphql_body("MyOrders", {"first": PAGE})
    opened = opened_connections(server)
    app_cpu, pg_cpu = cpu_seconds(server.pid), postgres_cpu_seconds(postmaster)
    latencies, seconds, connects = run_requests(
        server.port, cookies, path, body, count=count, concurrency=concurrency
    )
    return Batch(
        latencies,
        seconds,
        new_pg_connections=opened_connections(server) - opened,
        tcp_connects=connects,
        app_cpu_seconds=cpu_seconds(server.pid) - app_cpu,
        pg_cpu_seconds=postgres_cpu_seconds(postmaster) - pg_cpu,
    )


def time_variants(
    args: argparse.Namespace,
    servers: dict[str, Server],
    cookies: dict[str, dict[str, str]],
    concurrency: int,
) -> list[dict[str, Any]]:
    checkpointer = pg_query(
        "SELECT pid FROM pg_stat_activity WHERE backend_type = 'checkpointer'"
    )
    postmaster = int(stat_fields(checkpointer)[1])
    measurements = {v.key: Measurement(v, concurrency) for v in VARIANTS}
    turn_size = args.per_turn * concurrency
    for turn in range(max(1, args.requests // turn_size)):
        # Rotate the order so no variant always runs first or last.
        shift = turn % len(VARIANTS)
        for variant in VARIANTS[shift:] + VARIANTS[:shift]:
            batch = measure(
                servers[variant.key],
                postmaster,
                cookies[variant.key],
                variant.path,
                turn_size,
                concurrency,
            )
            measurements[variant.key].batches.append(batch)
    reference = measurements[REFERENCE]
    return [m.summary(reference) for m in measurements.values()]


def run(args: argparse.Namespace, started: float) -> dict[str, Any]:
    with running_postgres() as database_url, ExitStack() as stack:
        os.environ["DATABASE_URL"] = database_url
        os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
        import django
        from django.conf import settings
        from django.core.management import call_command
        from django.db import connection

        django.setup()
        call_command("migrate", verbosity=0)
        product_names = seed()

        env = {**os.environ, "LOG_LEVEL": "WARNING"}
        envs = {
            "gunicorn": env,
            "uvicorn": {**env, "CONN_MAX_AGE": str(args.asgi_conn_max_age)},
        }
        logs = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        servers = {
            v.key: stack.enter_context(serving(v.server, envs[v.server], logs))
            for v in VARIANTS
        }
        cookies = {
            key: sign_in(server.port, username=USERNAME, password=PASSWORD)
            for key, server in servers.items()
        }
        verify_and_warm_up(servers, cookies, product_names, args.warmup)

        sessions_at_start = pg_sessions()
        results: list[dict[str, Any]] = []
        skipped: list[int] = []
        for concurrency in args.concurrency:
            if time.monotonic() - started > SOFT_BUDGET_SECONDS:
                skipped.append(concurrency)
            else:
                results += time_variants(args, servers, cookies, concurrency)

        time.sleep(STATS_SETTLE_SECONDS)
        # PostgreSQL's own count of new sessions must match what servers counted.
        pg_new_sessions = pg_sessions() - sessions_at_start
        server_counted = sum(row["new_pg_connections"] for row in results)
        if pg_new_sessions != server_counted:
            print(
                f"bench.serving: WARNING: servers counted {server_counted} new "
                f"connections, pg_stat_database {pg_new_sessions}",
                file=sys.stderr,
            )
        backends = pg_query(
            "SELECT count(*) FROM pg_stat_activity WHERE backend_type = "
            "'client backend' AND datname = current_database() AND pid <> "
            "pg_backend_pid()"
        )
        server_version = pg_query("SHOW server_version")
        new_connection_ms = connect_ms()
        wsgi_conn_max_age = settings.DATABASES["default"]["CONN_MAX_AGE"]
        connection.close()
    return {
        "results": results,
        "skipped_concurrency": skipped,
        "checks": {
            "same_data_from_every_variant": True,  # verify_and_warm_up raises
            "edges_per_page": PAGE,
            "new_pg_connections_counted_by_servers": server_counted,
            "new_pg_sessions_in_pg_stat_database": pg_new_sessions,
            "pg_client_backends_open_at_end": backends,
            "new_pg_connection_median_ms": new_connection_ms,
        },
        "postgresql": server_version,
        "conn_max_age": {
            "gunicorn": wsgi_conn_max_age,
            "uvicorn": args.asgi_conn_max_age,
        },
    }


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.serving")
    parser.add_argument(
        "--requests",
        type=int,
        default=800,
        help="timed requests per variant and concurrency level",
    )
    parser.add_argument(
        "--per-turn",
        type=int,
        default=20,
        help="requests per client thread in each variant's turn",
    )
    parser.add_argument("--warmup", type=int, default=50)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 4])
    parser.add_argument(
        "--asgi-conn-max-age",
        type=int,
        default=0,
        help="CONN_MAX_AGE under uvicorn; Django says to disable persistent "
        "connections under ASGI (default 0; WSGI keeps the settings' value)",
    )
    parser.add_argument(
        "--nice",
        type=int,
        default=0,
        help="scheduling priority for this run, PostgreSQL and the servers "
        "(below 0 needs root): keeps other work on a shared machine out of it",
    )
    parser.add_argument("--output", type=Path, default=RESULTS)
    return parser.parse_args(argv)


def main(argv: Sequence[str]) -> int:
    args = parse_args(argv)
    missing = [name for name in ("gunicorn", "uvicorn") if not (BIN / name).exists()]
    if missing:
        print(f"bench.serving: not installed in {BIN}: {', '.join(missing)}")
        return 2
    if not {CLIENT_CPU, SERVER_CPU} <= os.sched_getaffinity(0):
        print("bench.serving needs CPUs 0 and 1 (client on one, servers on the other)")
        return 2
    started = time.monotonic()
    load_before = os.getloadavg()
    # PostgreSQL and the servers, started below, inherit both.
    os.sched_setaffinity(0, {CLIENT_CPU})
    try:
        os.setpriority(os.PRIO_PROCESS, 0, args.nice)
    except PermissionError:
        print(f"bench.serving: --nice {args.nice} needs root", file=sys.stderr)
        return 2
    try:
        with time_limit(HARD_TIMEOUT_SECONDS):
            outcome = run(args, started)
    except BenchError as error:
        print(f"bench.serving: {error}", file=sys.stderr)
        return 1

    report = {
        **header(" ".join(["python -m bench.serving", *argv]), started, load_before),
        "setup": {
            "operation": f"MyOrders(first: {PAGE})",
            "orders_of_customer": ORDERS,
            "products": PRODUCTS,
            "requests_per_variant_and_concurrency": args.requests,
            "requests_per_client_thread_per_turn": args.per_turn,
            "warmup_requests": args.warmup,
            "server_cpu": SERVER_CPU,
            "client_and_postgres_cpu": CLIENT_CPU,
            "workers_per_server": 1,
            "uvicorn": uvicorn_implementations(),
            "nice": args.nice,
        },
        "variants": {
            v.key: {"label": v.label, "server": v.server, "path": v.path}
            for v in VARIANTS
        },
        **outcome,
    }
    print_table(report["results"])
    print(json.dumps(report["checks"]))
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=2) + "\n")
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
