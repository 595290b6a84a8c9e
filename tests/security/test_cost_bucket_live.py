"""The cost bucket through the production server: 2 gunicorn workers, one Redis.

A small bucket (10 MyOrders) that refills quickly (20 points a second), so a
loop empties it in well under a second and the refill takes seconds.
"""

from __future__ import annotations

import base64
import http.client
import json
import math
import os
import re
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from schema.limits.throttle import MINIMUM_SPEND
from tests.concurrency import ledger
from tests.concurrency.live import live_database
from tools.graphql_http import GRAPHQL_PATH, HOST, GraphQLHttpClient, Reply
from tools.postgres import POSTGRES_SCHEMES
from tools.redis import RedisServer, running_redis
from tools.server import REPO, Server, manage, production_env, running_server

BUCKET = 620
RESTORE_RATE = 20
MAX_COST = 100  # the bucket must hold at least one operation of the largest cost
MY_ORDERS_COST = 62  # 1 + pageInfo 1 + 20 x (edge, node, product)
WORKERS = 2
STOCK = 1000

SEED = f"""
import json
from backend.products.models import Product
product = Product.objects.create(name="Kettle", price="20.00", stock_quantity={STOCK})
print(json.dumps({{"product": product.pk}}))
"""


@dataclass
class Site:
    server: Server
    redis: RedisServer
    accounts: dict[str, str]  # name -> sessionid
    product_pk: int
    database_url: str

    def client(self, name: str) -> GraphQLHttpClient:
        client = self.server.client()
        client.cookies["sessionid"] = self.accounts[name]
        return client


@contextmanager
def site_database() -> Iterator[str]:
    """PostgreSQL in the PostgreSQL run, a SQLite file in the SQLite run."""
    if os.environ.get("DATABASE_URL", "").startswith(POSTGRES_SCHEMES):
        with live_database() as (url, _cluster):
            yield url
        return
    with tempfile.TemporaryDirectory(prefix="ordergraph-bucket-") as root:
        yield f"sqlite:///{Path(root) / 'db.sqlite3'}"


@pytest.fixture(scope="module")
def site() -> Iterator[Site]:
    with ExitStack() as stack:
        redis_server = stack.enter_context(running_redis())
        database_url = stack.enter_context(site_database())
        env = production_env(
            database_url,
            REDIS_URL=redis_server.url(),
            GRAPHQL_COST_BUCKET=str(BUCKET),
            GRAPHQL_COST_RESTORE_RATE=str(RESTORE_RATE),
            GRAPHQL_MAX_COST=str(MAX_COST),
            # Which worker answered each request: the bucket must be shared.
            ACCESS_LOG="1",
            GUNICORN_CMD_ARGS="--access-logformat 'worker=%(p)s %(m)s %(U)s %(s)s'",
        )
        manage(env, "migrate", "--noinput")
        seeded = json.loads(manage(env, "shell", "-c", SEED).strip().splitlines()[-1])
        accounts = json.loads(
            subprocess.run(
                [sys.executable, "-m", "tools.seed_accounts", "4"],
                cwd=REPO,
                env=env,
                capture_output=True,
                text=True,
                check=True,
                timeout=120,
            ).stdout
        )
        server = stack.enter_context(running_server(env, workers=WORKERS))
        server.wait_for_workers(WORKERS)
        yield Site(
            server=server,
            redis=redis_server,
            accounts={
                f"customer{n}": customer["sessionid"]
                for n, customer in enumerate(accounts["customers"])
            },
            product_pk=int(seeded["product"]),
            database_url=database_url,
        )


def bucket_worth(seconds: float) -> range:
    """How many MyOrders a full bucket pays for, less the csrftoken GET's
    minimum, plus what refills during the loop."""
    least = (BUCKET - MINIMUM_SPEND) // MY_ORDERS_COST
    most = int(BUCKET + RESTORE_RATE * seconds) // MY_ORDERS_COST
    return range(least, most + 1)


def cost_of(reply: Reply) -> dict[str, float]:
    return dict((reply.json.get("extensions") or {}).get("cost") or {})


def post_from(address: str, port: int, query: str) -> tuple[int, dict[str, Any]]:
    """An anonymous POST sent from another loopback address (another client)."""
    connection = http.client.HTTPConnection(
        HOST, port, timeout=30, source_address=(address, 0)
    )
    try:
        body = json.dumps({"query": query}).encode()
        connection.request(
            "POST",
            GRAPHQL_PATH,
            body=body,
            headers={"Content-Type": "application/json", "Host": f"{HOST}:{port}"},
        )
        response = connection.getresponse()
        return response.status, json.loads(response.read())
    finally:
        connection.close()


def drain(client: GraphQLHttpClient, *, threads: int = 1) -> list[Reply]:
    """Send MyOrders in a loop until refused; every reply, in order received."""
    replies: list[Reply] = []
    lock = threading.Lock()
    stop = threading.Event()

    def loop() -> None:
        mine = client.copy()
        for _ in range(200):  # bounded: the bucket holds 10
            if stop.is_set():
                return
            reply = mine.run("MyOrders")
            with lock:
                replies.append(reply)
            if "THROTTLED" in reply.error_codes:
                stop.set()

    workers = [threading.Thread(target=loop) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)
    return replies


def test_a_loop_is_throttled_with_retry_after_and_served_again_after_it(site):
    client = site.client("customer0")
    client.get_typename()  # the csrftoken cookie, before the clock matters

    # when: MyOrders in a tight loop
    started = time.monotonic()
    replies = drain(client)
    seconds = time.monotonic() - started

    # then: the bucket's worth is served, then THROTTLED with Retry-After
    served = [r for r in replies if not r.error_codes]
    refused = replies[-1]
    print(
        f"\nloop: {len(served)} MyOrders served in {seconds:.2f} s "
        f"({len(replies) / seconds:.0f} req/s), then THROTTLED"
    )
    assert len(served) in bucket_worth(seconds)
    assert refused.status == 200
    [error] = refused.json["errors"]
    assert error["extensions"]["code"] == "THROTTLED"
    assert refused.json["data"] is None
    state = cost_of(refused)
    missing = MY_ORDERS_COST - state["currentlyAvailable"]
    retry_after = int(refused.headers["Retry-After"])
    assert retry_after == math.ceil(missing / RESTORE_RATE) or (
        retry_after == math.ceil((missing - 1) / RESTORE_RATE)
    )
    assert 1 <= retry_after <= math.ceil(MY_ORDERS_COST / RESTORE_RATE)
    assert error["extensions"]["retryAfter"] == retry_after
    assert "GRAPHQL_COST_BUCKET" in error["message"]

    # when: the client waits as MyOrders' refusal told it
    time.sleep(retry_after)
    again = client.run("MyOrders")

    # then: served again
    assert again.error_codes == []
    assert again.data["orders"]["totalCount"] == 0


def test_a_mutation_the_bucket_cannot_pay_for_writes_nothing(site):
    client = site.client("customer3")
    client.get_typename()
    product_id = _product_gid(site)

    # when: PlaceOrder in a loop, a new order each time, until refused
    replies: list[Reply] = []
    for attempt in range(200):  # bounded: the bucket pays for about 45
        replies.append(
            client.run(
                "PlaceOrder",
                input={
                    "productId": product_id,
                    "quantity": 1,
                    "idempotencyKey": f"loop-{attempt}",
                },
            )
        )
        if replies[-1].error_codes:
            break

    # then: the refused one is THROTTLED and wrote nothing: the stored orders
    # and the stock are exactly those of the served ones
    placed = [r for r in replies if r.data.get("createOrder")]
    assert replies[-1].error_codes == ["THROTTLED"]
    assert replies[-1].json["data"] is None
    assert int(replies[-1].headers["Retry-After"]) >= 1
    assert len(placed) == len(replies) - 1 > 10
    assert all(r.data["createOrder"]["__typename"] == "Order" for r in placed)
    assert _stock_and_orders(site) == (STOCK - len(placed), len(placed))


def test_extensions_cost_reports_the_bucket_each_request(site):
    client = site.client("customer1")
    started = time.monotonic()
    typename = client.get_typename()  # costs 0: spends the minimum

    first = client.run("MyOrders")
    second = client.run("MyOrders")

    refilled = RESTORE_RATE * (time.monotonic() - started)
    assert cost_of(typename) == {
        "requested": 0,
        "budget": MAX_COST,
        "maximumAvailable": BUCKET,
        "currentlyAvailable": BUCKET - MINIMUM_SPEND,
        "restoreRate": RESTORE_RATE,
    }
    reported = cost_of(first)
    after_first = reported.pop("currentlyAvailable")
    assert reported == {
        "requested": MY_ORDERS_COST,
        "budget": MAX_COST,
        "maximumAvailable": BUCKET,
        "restoreRate": RESTORE_RATE,
    }
    after_second = cost_of(second)["currentlyAvailable"]
    spent = MINIMUM_SPEND + MY_ORDERS_COST
    assert BUCKET - spent <= after_first <= BUCKET - spent + refilled
    spent += MY_ORDERS_COST
    assert BUCKET - spent <= after_second <= BUCKET - spent + refilled


def test_the_bucket_is_shared_by_both_workers(site):
    client = site.client("customer2")
    client.get_typename()
    log_start = len(site.server.log.read_bytes())

    # when: two threads at once, so both workers serve the same client
    started = time.monotonic()
    replies = drain(client, threads=2)
    seconds = time.monotonic() - started

    # then: one bucket's worth in all, not one per worker
    served = [r for r in replies if not r.error_codes]
    assert len(served) in bucket_worth(seconds)
    assert {code for r in replies for code in r.error_codes} == {"THROTTLED"}
    log = site.server.log.read_bytes()[log_start:].decode(errors="replace")
    answered_by = set(re.findall(r"worker=<(\d+)> POST /graphql/ 200", log))
    assert answered_by == {str(pid) for pid in site.server.workers()}


def test_clients_have_separate_buckets(site):
    drained = site.client("customer0")
    drained.get_typename()
    drain(drained)

    # then: another signed-in user, and anonymous clients by address, are served
    other = site.client("customer1").run("MyOrders")
    status, anonymous = post_from("127.0.0.2", site.server.port, "{ me { id } }")
    refused_again = drained.run("MyOrders")

    assert other.error_codes == []
    assert status == 200
    assert anonymous["data"] == {"me": None}
    cost = anonymous["extensions"]["cost"]
    assert cost["currentlyAvailable"] == BUCKET - MINIMUM_SPEND
    assert refused_again.error_codes == ["THROTTLED"]


def test_with_redis_down_requests_are_served_and_a_warning_is_logged(site):
    client = site.client("customer1")
    client.get_typename()
    site.redis.stop()
    try:
        # when: more than a bucket's worth while Redis is down
        replies = [client.run("MyOrders") for _ in range(BUCKET // MY_ORDERS_COST + 3)]
    finally:
        site.redis.start()

    # then: fail open: served, no bucket state, and the log says why
    assert [r.error_codes for r in replies] == [[]] * len(replies)
    assert all(r.status == 200 for r in replies)
    assert "maximumAvailable" not in cost_of(replies[-1])
    assert cost_of(replies[-1])["requested"] == MY_ORDERS_COST
    assert "cost bucket unavailable" in site.server.log_tail(20_000)


def _product_gid(site: Site) -> str:
    return base64.b64encode(f"Product:{site.product_pk}".encode()).decode()


def _stock_and_orders(site: Site) -> tuple[int, int]:
    # The rows themselves, not an API answer the bucket could refuse.
    if site.database_url.startswith(POSTGRES_SCHEMES):
        [(stock,)] = ledger.query(
            site.database_url,
            "SELECT stock_quantity FROM products_product WHERE id = %s",
            [site.product_pk],
        )
        [(orders,)] = ledger.query(
            site.database_url,
            "SELECT count(*) FROM orders_order WHERE product_id = %s",
            [site.product_pk],
        )
        return int(stock), int(orders)
    path = site.database_url.removeprefix("sqlite:///")
    with sqlite3.connect(path) as connection:
        (stock,) = connection.execute(
            "SELECT stock_quantity FROM products_product WHERE id = ?",
            [site.product_pk],
        ).fetchone()
        (orders,) = connection.execute(
            "SELECT count(*) FROM orders_order WHERE product_id = ?",
            [site.product_pk],
        ).fetchone()
    return int(stock), int(orders)
