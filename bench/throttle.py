"""What the cost bucket adds to a request: MyOrders in-process, bucket off,
on local memory and on Redis (a throwaway redis-server on loopback).

    .venv/bin/python -m bench.throttle [--rounds 15] [--per-round 40]

A signed-in customer with 20 orders runs MyOrders through the real URL, view
and middleware on an in-memory SQLite test database. The variants alternate in
short rounds (each round warms up first); medians per variant, and the bucket's
own `spend()` timed alone. Prints figures; asserts nothing but that every
request was answered without errors.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

os.environ["DJANGO_SETTINGS_MODULE"] = "tests.settings"
os.environ.pop("REDIS_URL", None)

import django

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client, override_settings  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

from backend.common.graphql import throttle  # noqa: E402
from tests.contract.operations import operation  # noqa: E402
from tests.factories import ProductFactory, UserFactory, place_order  # noqa: E402
from tests.support.redis import running_redis  # noqa: E402

# Large enough that nothing is ever refused: the cost of paying, not of refusing.
NEVER_EMPTY = {"GRAPHQL_COST_BUCKET": 10**9, "GRAPHQL_COST_RESTORE_RATE": 10**6}
LOCMEM = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}


def redis_caches(url: str) -> dict[str, Any]:
    return {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": url,
            "OPTIONS": {"socket_connect_timeout": 0.25, "socket_timeout": 0.25},
        }
    }


@contextmanager
def variant(name: str, redis_url: str) -> Iterator[None]:
    if name == "off":
        with override_settings(GRAPHQL_COST_BUCKET=0, CACHES=LOCMEM):
            yield
    elif name == "locmem":
        with override_settings(CACHES=LOCMEM, **NEVER_EMPTY):
            yield
    else:
        with override_settings(CACHES=redis_caches(redis_url), **NEVER_EMPTY):
            yield


def my_orders(client: Client, body: str) -> float:
    start = time.perf_counter()
    response = client.post("/graphql/", data=body, content_type="application/json")
    seconds = time.perf_counter() - start
    payload = json.loads(response.content)
    if response.status_code != 200 or payload.get("errors"):
        raise RuntimeError(f"MyOrders failed: {response.content[:300]!r}")
    return seconds


def time_spend(name: str, redis_url: str, count: int) -> float:
    with variant(name, redis_url):
        throttle.spend("bench:warm-up", 62)
        start = time.perf_counter()
        for n in range(count):
            throttle.spend(f"bench:{n % 50}", 62)
        return (time.perf_counter() - start) / count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--per-round", type=int, default=40)
    args = parser.parse_args()

    setup_test_environment()
    connection.creation.create_test_db(verbosity=0)
    customer = UserFactory.create(username="bench-bucket")
    for product in ProductFactory.create_batch(20, stock_quantity=100):
        place_order(customer, product)
    client = Client()  # no CSRF enforcement: the bucket is what is timed
    client.force_login(customer)
    body = json.dumps({"query": operation("MyOrders"), "variables": {}})

    names = ("off", "locmem", "redis")
    samples: dict[str, list[float]] = {name: [] for name in names}
    with running_redis() as redis_server:
        url = redis_server.url()
        for _ in range(args.rounds):
            for name in names:
                with variant(name, url):
                    for _ in range(5):  # a fresh cache connection, warmed up
                        my_orders(client, body)
                    samples[name] += [
                        my_orders(client, body) for _ in range(args.per_round)
                    ]
        spend_alone = {name: time_spend(name, url, 2000) for name in names[1:]}

    off = statistics.median(samples["off"]) * 1000
    print(
        f"MyOrders in-process, {args.rounds} rounds x {args.per_round} per variant, "
        "median ms (added by the bucket), spend() alone"
    )
    for name in names:
        median = statistics.median(samples[name]) * 1000
        alone = f"{spend_alone[name] * 1e6:.0f} us" if name in spend_alone else "-"
        print(f"  {name:7} {median:7.3f} ms  (+{median - off:6.3f} ms)  {alone}")


if __name__ == "__main__":
    main()
