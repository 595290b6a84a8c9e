"""Live updates across processes, through a real Redis: gunicorn with two HTTP
workers takes the mutations, two uvicorn processes hold the sockets, and all of
them share one REDIS_URL (the production topology, without the front).
"""

from __future__ import annotations

import asyncio
import random
import subprocess
from collections.abc import Iterator
from contextlib import AsyncExitStack, ExitStack
from dataclasses import dataclass

import pytest

from tests.live.site import (
    PASSWORD,
    STAFF,
    Site,
    _database,
    create_staff,
    new_product,
    place,
    register,
    ship,
)
from tests.live.sockets import Subscription, settle, socket
from tools.asgi_server import running_asgi_server
from tools.graphql_http import GraphQLHttpClient
from tools.redis import RedisServer, running_redis
from tools.server import Server, manage, production_env, running_server

ORDERS = 30
CUSTOMERS = ("dora", "emil", "fay")
# A new event after Redis dropped every connection arrives within this long.
RECOVERY_SECONDS = 15.0
REDIS_CLI = ("redis-cli", "-p")


@dataclass
class Cluster:
    redis: RedisServer
    http: Server
    sockets: tuple[Site, Site]

    def client(self) -> GraphQLHttpClient:
        return self.http.client()

    def sign_in(self, username: str) -> GraphQLHttpClient:
        client = self.client()
        client.login(username, PASSWORD)
        return client

    def register(self, username: str) -> GraphQLHttpClient:
        return register(self.client(), username)


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    with ExitStack() as stack:
        redis = stack.enter_context(running_redis())
        env = production_env(stack.enter_context(_database()), REDIS_URL=redis.url())
        manage(env, "migrate", "--noinput")
        create_staff(env)
        http = stack.enter_context(running_server(env, workers=2))
        http.wait_for_workers(2)
        first, second = (
            Site(server=stack.enter_context(running_asgi_server(env)), env=env)
            for _ in range(2)
        )
        yield Cluster(redis=redis, http=http, sockets=(first, second))


def test_a_shipment_through_an_http_worker_reaches_subscribers_on_both_asgi_processes(
    cluster,
):
    staff, gail = cluster.sign_in(STAFF), cluster.register("gail")
    product = new_product(staff)
    order = place(gail, product)
    first, second = cluster.sockets

    async def scenario():
        async with (
            socket(first, staff) as staff_on_first,
            socket(second, staff) as staff_on_second,
            socket(first, gail) as gail_on_first,
            socket(second, gail) as gail_on_second,
        ):
            watchers = [
                Subscription(session, "OrderChanged", id=order)
                for session in (
                    staff_on_first,
                    staff_on_second,
                    gail_on_first,
                    gail_on_second,
                )
            ]
            await settle()
            await asyncio.to_thread(ship, staff, order)
            return [await watcher.next() for watcher in watchers]

    events = asyncio.run(scenario())

    assert [
        (
            e["orderChanged"]["kind"],
            e["orderChanged"]["order"]["id"],
            e["orderChanged"]["order"]["status"],
        )
        for e in events
    ] == [("STATUS_CHANGED", order, "SHIPPED")] * 4


def test_each_customer_receives_exactly_their_own_orders_over_random_orders(cluster):
    staff = cluster.sign_in(STAFF)
    customers = {name: cluster.register(name) for name in CUSTOMERS}
    product = new_product(staff)
    chooser = random.Random(10)
    first, second = cluster.sockets

    def place_all() -> dict[str, set[str]]:
        placed: dict[str, set[str]] = {name: set() for name in CUSTOMERS}
        for _ in range(ORDERS):
            name = chooser.choice(CUSTOMERS)
            placed[name].add(place(customers[name], product))
        return placed

    async def drain(subscription: Subscription, expected: int) -> set[str]:
        ids = set()
        for _ in range(expected):
            event = await subscription.next()
            ids.add(event["orderChanged"]["order"]["id"])
        # Then nothing more: another customer's event would show up here.
        extra = await subscription.nothing_for(1.0)
        ids |= {e["orderChanged"]["order"]["id"] for e in extra}
        return ids

    async def scenario():
        async with AsyncExitStack() as sessions:
            subscriptions = {}
            for index, name in enumerate(CUSTOMERS):
                # Each customer watches from both ASGI processes.
                for site in (first, second) if index % 2 == 0 else (second, first):
                    session = await sessions.enter_async_context(
                        socket(site, customers[name])
                    )
                    subscriptions[(name, site.server.port)] = Subscription(
                        session, "OrderChanged"
                    )
            await settle()
            placed = await asyncio.to_thread(place_all)
            received = {
                key: await drain(sub, len(placed[key[0]]))
                for key, sub in subscriptions.items()
            }
            return placed, received

    placed, received = asyncio.run(scenario())

    assert sum(len(ids) for ids in placed.values()) == ORDERS
    assert all(placed.values()), placed  # every customer placed some
    assert received == {
        (name, site.server.port): placed[name]
        for name in CUSTOMERS
        for site in (first, second)
    }


def test_subscribers_keep_receiving_after_redis_drops_every_connection(cluster):
    staff = cluster.sign_in(STAFF)
    product = new_product(staff)
    order = place(staff, product)
    first, second = cluster.sockets

    def kill_redis_connections() -> int:
        killed = 0
        for kind in ("pubsub", "normal"):
            done = subprocess.run(
                [*REDIS_CLI, str(cluster.redis.port), "CLIENT", "KILL", "TYPE", kind],
                check=True,
                capture_output=True,
                text=True,
                timeout=10,
            )
            killed += int(done.stdout.strip())
        return killed

    async def scenario():
        async with socket(first, staff) as on_first, socket(second, staff) as on_second:
            watchers = [
                Subscription(session, "OrderChanged", id=order)
                for session in (on_first, on_second)
            ]
            await settle()
            killed = await asyncio.to_thread(kill_redis_connections)
            await asyncio.to_thread(ship, staff, order)
            return killed, [
                await watcher.next(timeout=RECOVERY_SECONDS) for watcher in watchers
            ]

    try:
        killed, events = asyncio.run(scenario())
    except BaseException:
        print("GUNICORN", cluster.http.log_tail())
        for site in cluster.sockets:
            print("ASGI", site.server.log_tail())
        raise

    # At least each ASGI process's listening connection was cut.
    assert killed >= 2

    assert [e["orderChanged"]["order"]["status"] for e in events] == ["SHIPPED"] * 2


def test_subscribers_receive_again_after_redis_restarts_and_forgets_every_group(
    cluster,
):
    staff = cluster.sign_in(STAFF)
    product = new_product(staff)
    first, second = cluster.sockets

    async def scenario():
        async with socket(first, staff) as on_first, socket(second, staff) as on_second:
            watchers = [
                Subscription(session, "OrderChanged")
                for session in (on_first, on_second)
            ]
            await settle()
            # A restart loses every group membership and queued message.
            await asyncio.to_thread(cluster.redis.stop)
            await asyncio.to_thread(cluster.redis.start)
            # Delivery is at-most-once: events sent before a process has
            # joined its groups again are lost. New orders, one a second, until
            # both processes deliver one (bounded).
            placed: list[str] = []
            arrived: list[set[str]] = [set(), set()]
            for _ in range(int(RECOVERY_SECONDS)):
                placed.append(await asyncio.to_thread(place, staff, product))
                await asyncio.sleep(1.0)
                for index, watcher in enumerate(watchers):
                    arrived[index] |= {
                        e["orderChanged"]["order"]["id"]
                        for e in await watcher.nothing_for(0)
                    }
                if all(arrived):
                    break
            return placed, arrived

    placed, arrived = asyncio.run(scenario())

    assert all(arrived), (placed, arrived)
    assert arrived[0] | arrived[1] <= set(placed)
