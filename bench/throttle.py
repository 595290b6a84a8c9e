"""What the cost bucket adds to a request, and how fast it stops a loop.

    .venv/bin/python -m bench.throttle [--rounds 15] [--per-round 40] [--loops]

In-process: a signed-in customer with 20 orders runs MyOrders through the real
URL, view and middleware on an in-memory SQLite test database, with the bucket
off, on local memory and on Redis (a throwaway redis-server on loopback). The
variants alternate in short rounds (each round warms up first); medians per
variant, and the bucket's own `spend()` timed alone.

--loops: the production server (2 gunicorn workers, SQLite, Redis) and one
signed-in client looping Me (cost 1) and MyOrders from 2 threads: requests/s
with the bucket off, then how many requests and seconds the default bucket
lets a loop run before THROTTLED.

Prints figures; asserts nothing but that requests were answered.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
os.environ.pop("REDIS_URL", None)

import django

django.setup()

from django.contrib.auth.models import User  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client, override_settings  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

from backend.orders.services import create_order  # noqa: E402
from backend.products.models import Product  # noqa: E402
from schema.limits import throttle  # noqa: E402
from tools.contract import operation  # noqa: E402
from tools.redis import running_redis  # noqa: E402
from tools.server import (  # noqa: E402
    REPO,
    manage,
    production_env,
    running_server,
)

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


def loop_until_refused(server: Any, sessionid: str, name: str, cap: int) -> str:
    """Two threads of one client send `name` until THROTTLED (or `cap` sent)."""
    client = server.client()
    client.cookies["sessionid"] = sessionid
    client.get_typename()
    codes: list[list[str | None]] = []
    lock, stop = threading.Lock(), threading.Event()

    def loop() -> None:
        mine = client.copy()
        while not stop.is_set():
            reply = mine.run(name)
            with lock:
                codes.append(reply.error_codes)
                if "THROTTLED" in reply.error_codes or len(codes) >= cap:
                    stop.set()

    threads = [threading.Thread(target=loop) for _ in range(2)]
    start = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    seconds = time.monotonic() - start
    served = sum(1 for request in codes if not request)
    refused = "THROTTLED" if any("THROTTLED" in c for c in codes) else "never refused"
    return (
        f"{name:9} {served:4} served in {seconds:5.2f} s "
        f"({len(codes) / seconds:4.0f} req/s), {refused}"
    )


def loops() -> None:
    with running_redis() as redis_server, tempfile.TemporaryDirectory() as root:
        secret = "bench-throttle-" + "x" * 40  # sessions outlive one server
        base = production_env(
            f"sqlite:///{root}/db.sqlite3",
            secret_key=secret,
            REDIS_URL=redis_server.url(),
        )
        manage(base, "migrate", "--noinput")
        seeded = subprocess.run(
            [sys.executable, "-m", "tools.seed_accounts", "4"],
            cwd=REPO,
            env=base,
            capture_output=True,
            text=True,
            check=True,
            timeout=120,
        )
        sessions = [c["sessionid"] for c in json.loads(seeded.stdout)["customers"]]
        for label, bucket in (("bucket off", "0"), ("default bucket", "")):
            env = {**base, "GRAPHQL_COST_BUCKET": bucket}
            with running_server(env, workers=2) as server:
                print(f"over HTTP, 2 workers, 1 client in 2 threads, {label}:")
                offset = 0 if bucket == "0" else 2
                for n, name in enumerate(("Me", "MyOrders")):
                    line = loop_until_refused(server, sessions[offset + n], name, 400)
                    print(f"  {line}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--per-round", type=int, default=40)
    parser.add_argument("--loops", action="store_true", help="also over HTTP")
    args = parser.parse_args()

    setup_test_environment()
    connection.creation.create_test_db(verbosity=0)
    customer = User.objects.create(username="bench-bucket")
    for n in range(20):
        product = Product.objects.create(
            name=f"Product {n:02d}", price="10.00", stock_quantity=100
        )
        create_order(customer=customer, product_id=product.pk, quantity=1)
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
    if args.loops:
        loops()


if __name__ == "__main__":
    main()
