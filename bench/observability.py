"""What watching the service costs: MyOrders with and without it, in-process.

"observed" is production as configured: the request middleware (request id,
SQL count, timing), Prometheus metrics in multiprocess mode, a JSON log line
per request written to a file, and tracing off (the default). "bare" is the
same process with those taken out: the observability middleware and the
schema's operation-noting extension. Requests alternate between the two, one
each in turn (the order flipping every pair), so drift on the shared machine
falls on both alike; the cost is the median of the paired differences.
"""

import logging
import statistics
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import orjson

from .loadgen import GRAPHQL_PATH, graphql_body

OBSERVABILITY_MIDDLEWARE = (
    "schema.observability.health.HealthMiddleware",
    "schema.observability.middleware.ObservabilityMiddleware",
)


def log_requests_to(folder: Path) -> Path:
    """Send the request lines (JSON, as LOG_FORMAT=json writes them) to a file,
    not the terminal: written, as in production, but out of the report."""
    from schema.observability.logs import JsonFormatter, logger

    path = folder / "requests.log"
    handler = logging.FileHandler(path)
    handler.setFormatter(JsonFormatter())
    logger.handlers = [handler]
    logger.propagate = False
    logger.setLevel(logging.INFO)
    return path


@contextmanager
def without_operation_extension() -> Iterator[None]:
    from schema.observability.extension import observe_operation
    from schema.schema import schema

    kept = schema.extensions
    schema.extensions = tuple(e for e in kept if e is not observe_operation)
    try:
        yield
    finally:
        schema.extensions = kept


def bare_caller(credentials: tuple[str, str]) -> Any:
    """A signed-in caller whose handler was built without the middleware."""
    from django.conf import settings
    from django.test import override_settings

    from .inprocess import Caller

    middleware = [m for m in settings.MIDDLEWARE if m not in OBSERVABILITY_MIDDLEWARE]
    # The test client builds its middleware chain on its first request.
    with override_settings(MIDDLEWARE=middleware), without_operation_extension():
        return Caller().sign_in(*credentials)


def measure(
    observed: Any,
    credentials: tuple[str, str],
    *,
    pairs: int,
    warmup: int,
    body: bytes | None = None,
    case: str = "MyOrders(first: 100), customer",
) -> dict[str, Any]:
    bare = bare_caller(credentials)
    body = body or graphql_body("MyOrders", {"first": 100})

    def once(variant: str) -> float:
        start = time.perf_counter()
        if variant == "observed":
            observed.post(GRAPHQL_PATH, body)
        else:
            with without_operation_extension():
                bare.post(GRAPHQL_PATH, body)
        return (time.perf_counter() - start) * 1000

    for _ in range(warmup):
        once("observed"), once("bare")
    timings: dict[str, list[float]] = {"observed": [], "bare": []}
    differences = []
    for pair in range(pairs):
        order = ("observed", "bare") if pair % 2 == 0 else ("bare", "observed")
        taken = {variant: once(variant) for variant in order}
        for variant, ms in taken.items():
            timings[variant].append(ms)
        differences.append(taken["observed"] - taken["bare"])
    observed_ms = statistics.median(timings["observed"])
    bare_ms = statistics.median(timings["bare"])
    difference = statistics.median(differences)
    return {
        "case": case,
        "pairs": pairs,
        "observed_median_ms": round(observed_ms, 3),
        "bare_median_ms": round(bare_ms, 3),
        "median_paired_difference_ms": round(difference, 3),
        "cost_percent": round(100 * difference / bare_ms, 2),
        "limit_percent": 3.0,
    }


CHEAP_QUERY = "query Me { me { id } }"
PASSWORD = "bench-observability-password-4711"


def main(argv: list[str]) -> int:
    """Alone, on a SQLite file of its own: the cost per request, more precisely.

    The paired difference of `make bench` is within about +-3% of MyOrders
    at its 400 pairs on this shared machine; on a cheap query (Me, about 3 ms)
    thousands of pairs take seconds and show the cost in microseconds.
    """
    import argparse
    import json
    import os
    import tempfile

    parser = argparse.ArgumentParser(prog="python -m bench.observability")
    parser.add_argument("--pairs", type=int, default=4000)
    parser.add_argument("--orders", type=int, default=100)
    parser.add_argument(
        "--without-log-lines",
        action="store_true",
        help="request lines off (ordergraph.requests at WARNING): their share",
    )
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-observability-") as scratch:
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = scratch
        os.environ["DATABASE_URL"] = f"sqlite:///{scratch}/db.sqlite3"
        os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
        import django

        django.setup()
        from django.contrib.auth.models import User
        from django.core.management import call_command

        from backend.orders.services import create_order
        from backend.products.models import Product

        from .inprocess import Caller

        call_command("migrate", verbosity=0)
        log_requests_to(Path(scratch))
        if args.without_log_lines:
            logging.getLogger("ordergraph.requests").setLevel(logging.WARNING)
        customer = User.objects.create_user("bench-observer", password=PASSWORD)
        product = Product.objects.create(
            name="Lamp", price="9.99", stock_quantity=10**6
        )
        for _ in range(args.orders):
            create_order(customer=customer, product_id=product.pk, quantity=1)
        credentials = (customer.username, PASSWORD)
        observed = Caller().sign_in(*credentials)
        figures = {
            "me": measure(
                observed,
                credentials,
                pairs=args.pairs,
                warmup=100,
                body=orjson.dumps({"query": CHEAP_QUERY}),
                case="Me, customer",
            ),
            "my_orders": measure(
                observed, credentials, pairs=args.pairs // 4, warmup=50
            ),
        }
    print(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    import sys

    sys.exit(main(sys.argv[1:]))
