"""The benchmark: contract operations against plain Django, at scale.

    .venv/bin/python -m bench.run           # make bench: 100k products, 1M orders
    .venv/bin/python -m bench.run --quick   # make bench-quick: a small data set

Starts a PostgreSQL seeded at scale (bench.dataset; cached between runs),
then, in ONE run:

1. in this process (pinned to CPU 1, PostgreSQL to CPU 0), times the contract
   operations through the real view with real sessions, each against a plain
   Django JSON view sending the same SQL (bench.baseline), in rotating turns;
   counts the SQL of each; times MyOrders with 10, 100 and 1000 orders (a
   bench-only page cap of 1000) and a page 500k orders deep reached by cursor;
2. over HTTP on loopback, the production server (gunicorn sync workers) with 1
   and with 2 workers at concurrency 8, and each worker's resident memory;
3. live-update fan-out (bench.fanout): staff subscriptions to OrderChanged
   over 2 uvicorn processes and a throwaway Redis (1,000; 200 with --quick),
   one status change, the time until every subscriber has it and the memory
   per open subscription.

Prints one table and writes bench/results/latest.json (quick.json for --quick).
"""

import argparse
import json
import os
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .dataset import FULL, QUICK, Dataset, Scale, seeded_database
from .fanout import print_fanout
from .guard import time_limit
from .loadgen import BenchError
from .processes import child_pids
from .report import header

if TYPE_CHECKING:
    from .inprocess import Case

RESULTS = Path(__file__).with_name("results")
APP_CPU, POSTGRES_CPU = 1, 0
GROWTH_SIZES = (10, 100, 1000)
DEEP_OFFSET = 500_000


@dataclass(frozen=True)
class Profile:
    scale: Scale
    output: Path
    turns: int
    turn_seconds: float
    warmup: int
    http_rounds: int
    http_turn_seconds: float
    fanout_subscribers: int
    time_limit_seconds: int
    observability_pairs: int


PROFILES = {
    "full": Profile(
        FULL, RESULTS / "latest.json", 16, 0.3, 20, 4, 3.0, 1000, 25 * 60, 3000
    ),
    "quick": Profile(
        QUICK, RESULTS / "quick.json", 6, 0.15, 10, 3, 2.0, 200, 3 * 60, 1200
    ),
}

# Targets of the performance issue, as (key, description, limit).
TARGETS = (
    ("my_orders_ratio", "MyOrders(first: 100) vs baseline, in-process", 4.0),
    ("place_order_ratio", "PlaceOrder vs baseline write, in-process", 2.5),
    ("my_orders_sql", "SQL for a page of orders with products (+ totalCount)", 3),
    ("deep_page_ratio", "page 500k deep vs first page", 1.5),
    ("growth_ms_per_order", "ms per extra order in a page (100 -> 1000)", 0.08),
    ("http_two_vs_one", "2 workers vs 1, requests/s (MyOrders)", 1.7),
    ("http_two_vs_one_place_order", "2 workers vs 1, requests/s (PlaceOrder)", 1.7),
    ("fanout_p99_ms", "fan-out: p99 ms until every subscriber has the event", 500),
    ("fanout_kb_per_subscription", "fan-out: KB of RSS per open subscription", 50),
    (
        "observability_cost_percent",
        "metrics, logs, tracing off: % added to MyOrders",
        3.0,
    ),
)
AT_LEAST = {"http_two_vs_one", "http_two_vs_one_place_order"}


def log(message: str) -> None:
    print(f"bench: {message}", file=sys.stderr, flush=True)


def configure_django(dataset: Dataset, scratch: Path) -> None:
    os.environ["DATABASE_URL"] = dataset.url
    # Metrics as gunicorn's workers keep them (files), before anything
    # imports prometheus_client; gunicorn over HTTP below inherits the folder.
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(scratch)
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    # In this process only: the 1000-order page of the growth figure.
    os.environ["GRAPHQL_MAX_PAGE_SIZE"] = str(max(GROWTH_SIZES))
    os.environ["GRAPHQL_MAX_COST"] = "1000000"
    import django

    django.setup()
    from .observability import log_requests_to

    log_requests_to(scratch)


def deep_cursor(depth: int) -> str:
    """The cursor of the order `depth` rows into the newest-first list."""
    from backend.common.graphql.pagination import SortKey, encode_cursor
    from backend.orders.models import Order

    row = Order.objects.order_by("-created_at", "-id")[depth]
    keys = [SortKey("created_at", True), SortKey("id", True)]
    return encode_cursor(keys, row)


def place_order_variables(product_id: int) -> dict[str, Any]:
    from strawberry.relay import to_base64

    return {"input": {"productId": to_base64("Product", product_id), "quantity": 1}}


def cases_for(dataset: Dataset, scale: Scale) -> list["Case"]:
    from strawberry.relay import to_base64

    from backend.products.models import Product

    from .inprocess import Case

    middle = Product.objects.order_by("pk").values_list("pk", flat=True)[
        scale.products // 2
    ]
    depth = min(DEEP_OFFSET, scale.orders // 2)
    place = place_order_variables(dataset.write_product_ids[0])
    return [
        Case("MyOrders(first: 100)", "MyOrders", {"first": 100}, "customer"),
        Case("CatalogPage(first: 100)", "CatalogPage", {"first": 100}, "anonymous"),
        Case(
            "SearchProducts",
            "SearchProducts",
            {"text": dataset.search_text},
            "anonymous",
        ),
        Case(
            "ProductDetail",
            "ProductDetail",
            {"id": to_base64("Product", middle)},
            "anonymous",
        ),
        Case("PlaceOrder", "PlaceOrder", place, "customer"),
        *(
            Case(f"MyOrders(first: {n})", "MyOrders", {"first": n}, "customer")
            for n in GROWTH_SIZES
            if n != 100
        ),
        Case("staff MyOrders, first page", "MyOrders", {"first": 100}, "staff"),
        Case(
            f"staff MyOrders, {depth:,} deep",
            "MyOrders",
            {"first": 100, "after": deep_cursor(depth)},
            "staff",
        ),
    ]


def in_process(dataset: Dataset, profile: Profile) -> dict[str, Any]:
    # Django is set up by now (configure_django): the test client may load.
    from . import observability
    from .inprocess import Caller, check_same_answers, measure

    callers = {
        "anonymous": Caller(),
        "customer": Caller().sign_in(*dataset.customer),
        "staff": Caller().sign_in(*dataset.staff),
    }
    cases = cases_for(dataset, profile.scale)
    check_same_answers(cases, callers)
    runs = measure(
        cases,
        callers,
        turns=profile.turns,
        turn_seconds=profile.turn_seconds,
        warmup=profile.warmup,
        progress=log,
    )
    rows: dict[str, dict[str, Any]] = {}
    for timings in runs:
        row = rows.setdefault(timings.case.key, {"case": timings.case.key})
        row[f"{timings.variant}_median_ms"] = round(timings.median_ms(), 3)
        row[f"{timings.variant}_requests"] = len(timings.latencies_ms)
        row[f"{timings.variant}_sql"] = timings.queries
        row[f"{timings.variant}_operation_sql"] = timings.operation_queries
    for row in rows.values():
        row["ratio"] = round(row["graphql_median_ms"] / row["baseline_median_ms"], 2)
    log("in-process: observability on and off, alternating")
    watched = observability.measure(
        callers["customer"],
        dataset.customer,
        pairs=profile.observability_pairs,
        warmup=profile.warmup,
    )
    return {
        "cases": [c.key for c in cases],
        "rows": list(rows.values()),
        "observability": watched,
    }


def growth(rows: dict[str, dict[str, Any]], variant: str) -> dict[str, float]:
    median = {
        n: rows[f"MyOrders(first: {n})"][f"{variant}_median_ms"] for n in GROWTH_SIZES
    }
    return {
        "10_to_100": round((median[100] - median[10]) / 90, 4),
        "100_to_1000": round((median[1000] - median[100]) / 900, 4),
    }


def unpin_postgres(postmaster: int) -> None:
    """Let PostgreSQL (and backends it starts from now on) use every core."""
    cpus = os.sched_getaffinity(0) | {APP_CPU, POSTGRES_CPU}
    for pid in (postmaster, *child_pids(postmaster)):
        try:
            os.sched_setaffinity(pid, cpus)
        except ProcessLookupError:
            continue


def over_http(dataset: Dataset, profile: Profile) -> dict[str, Any]:
    from .overhttp import measure_http

    os.sched_setaffinity(0, {APP_CPU, POSTGRES_CPU})
    unpin_postgres(dataset.postmaster_pid)
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("GRAPHQL_MAX_PAGE_SIZE", "GRAPHQL_MAX_COST")
    }
    env["LOG_LEVEL"] = "WARNING"
    # Each client thread its own product: customers buying different things,
    # not all queueing for one row lock (the concurrency suite races those).
    place = [place_order_variables(pk) for pk in dataset.write_product_ids]
    with tempfile.TemporaryDirectory() as logs:
        return measure_http(
            env=env,
            logs=Path(logs),
            credentials=dataset.customer,
            operations={"MyOrders": [{"first": 100}], "PlaceOrder": place},
            rounds=profile.http_rounds,
            turn_seconds=profile.http_turn_seconds,
            progress=log,
        )


def fan_out(dataset: Dataset, profile: Profile) -> dict[str, Any]:
    from strawberry.relay import to_base64

    from .fanout import measure_fanout

    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("GRAPHQL_MAX_PAGE_SIZE", "GRAPHQL_MAX_COST")
    }
    return measure_fanout(
        env=env,
        staff=dataset.staff,
        customer=dataset.customer,
        product_id=to_base64("Product", dataset.write_product_ids[0]),
        subscribers=profile.fanout_subscribers,
        progress=log,
    )


def evaluate(measured: dict[str, float]) -> list[dict[str, Any]]:
    verdicts = []
    for key, description, limit in TARGETS:
        value = measured[key]
        met = value >= limit if key in AT_LEAST else value <= limit
        verdicts.append(
            {
                "target": key,
                "what": description,
                "limit": f"{'>=' if key in AT_LEAST else '<='} {limit}",
                "measured": value,
                "met": met,
            }
        )
    return verdicts


def run(profile: Profile) -> dict[str, Any]:
    with (
        seeded_database(profile.scale, postgres_cpu=POSTGRES_CPU, log=log) as data,
        tempfile.TemporaryDirectory(prefix="bench-observability-") as scratch,
    ):
        configure_django(data, Path(scratch))
        started = time.monotonic()
        local = in_process(data, profile)
        in_process_seconds = time.monotonic() - started
        from django.db import connection

        connection.close()
        http = over_http(data, profile)
        fanout = fan_out(data, profile)
        from backend.orders.models import Order

        placed = Order.objects.filter(pk__gt=data.seeded_max_order_id).count()
        connection.close()
    rows = {row["case"]: row for row in local["rows"]}
    depth_key = next(key for key in rows if key.endswith("deep"))
    my_orders = rows["MyOrders(first: 100)"]
    measured = {
        "my_orders_ratio": my_orders["ratio"],
        "place_order_ratio": rows["PlaceOrder"]["ratio"],
        "my_orders_sql": my_orders["graphql_operation_sql"],
        "deep_page_ratio": round(
            rows[depth_key]["graphql_median_ms"]
            / rows["staff MyOrders, first page"]["graphql_median_ms"],
            2,
        ),
        "growth_ms_per_order": growth(rows, "graphql")["100_to_1000"],
        "http_two_vs_one": http["two_vs_one_worker"]["MyOrders"],
        "http_two_vs_one_place_order": http["two_vs_one_worker"]["PlaceOrder"],
        "fanout_p99_ms": fanout["p99_ms"],
        "fanout_kb_per_subscription": fanout["kb_per_subscription"],
        "observability_cost_percent": local["observability"]["cost_percent"],
    }
    return {
        "scale": profile.scale.__dict__,
        "in_process": local["rows"],
        "observability": local["observability"],
        "in_process_seconds": round(in_process_seconds, 1),
        "growth_ms_per_order": {
            "graphql": growth(rows, "graphql"),
            "baseline": growth(rows, "baseline"),
        },
        "http": http,
        "fanout": fanout,
        "orders_placed_by_the_run": placed,
        "targets": evaluate(measured),
    }


def print_report(report: dict[str, Any]) -> None:
    header = (
        f"{'in-process (median ms)':<34} {'GraphQL':>8} {'baseline':>8} {'x':>5} "
        f"{'SQL':>4} {'SQL base':>8}"
    )
    print(header)
    print("-" * len(header))
    for row in report["in_process"]:
        print(
            f"{row['case']:<34} {row['graphql_median_ms']:>8.2f} "
            f"{row['baseline_median_ms']:>8.2f} {row['ratio']:>5.2f} "
            f"{row['graphql_operation_sql']:>4} {row['baseline_operation_sql']:>8}"
        )
    print("(SQL: the operation's own queries; session and user lookups aside)")
    growth_figures = report["growth_ms_per_order"]
    print(
        "growth, ms per extra order: GraphQL "
        f"{growth_figures['graphql']}, baseline {growth_figures['baseline']}"
    )
    watched = report["observability"]
    print(
        f"observability on {watched['case']}, {watched['pairs']} alternating pairs: "
        f"observed {watched['observed_median_ms']:.2f} ms, bare "
        f"{watched['bare_median_ms']:.2f} ms, median paired difference "
        f"{watched['median_paired_difference_ms']:+.3f} ms "
        f"({watched['cost_percent']:+.2f}%)"
    )
    print()
    header = (
        f"{'over HTTP, concurrency 8':<26} {'workers':>7} {'req/s':>7} "
        f"{'p50 ms':>7} {'p99 ms':>7} {'CPU busy':>8} {'of it client':>12}"
    )
    print(header)
    print("-" * len(header))
    for row in report["http"]["rows"]:
        print(
            f"{row['operation']:<26} {row['workers']:>7} "
            f"{row['requests_per_second']:>7.1f} {row['p50_ms']:>7.1f} "
            f"{row['p99_ms']:>7.1f} {row['machine_cpu_busy_percent']:>7.1f}% "
            f"{row['load_generator_cpu_percent']:>11.1f}%"
        )
    print(f"2 workers vs 1: {report['http']['two_vs_one_worker']}")
    print(f"resident memory per worker, MiB: {report['http']['rss_mib_per_worker']}")
    print()
    print_fanout(report["fanout"])
    print()
    for target in report["targets"]:
        mark = "met" if target["met"] else "NOT MET"
        print(
            f"{mark:<8} {target['what']:<56} {target['measured']:>8} "
            f"(target {target['limit']})"
        )


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.run")
    parser.add_argument("--quick", action="store_true", help="small data set")
    parser.add_argument("--output", type=Path)
    args = parser.parse_args(argv)
    profile = PROFILES["quick" if args.quick else "full"]
    if not {APP_CPU, POSTGRES_CPU} <= os.sched_getaffinity(0):
        print(
            "bench: needs CPUs 0 and 1 (this process on one, PostgreSQL on the other)"
        )
        return 2
    started = time.monotonic()
    load_before = os.getloadavg()
    # PostgreSQL is started on its own core by bench.dataset.
    os.sched_setaffinity(0, {APP_CPU})
    try:
        with time_limit(profile.time_limit_seconds):
            outcome = run(profile)
    except BenchError as error:
        print(f"bench: {error}", file=sys.stderr)
        return 1
    report = {
        **header(" ".join(["python -m bench.run", *argv]), started, load_before),
        **outcome,
    }
    print_report(report)
    output = args.output or profile.output
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(report, indent=2) + "\n")
    print(f"wrote {output}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
