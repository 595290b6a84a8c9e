"""Rolling restarts under steady load, through the production front.

The topology `make serve-stack` runs (deploy/stack.py: nginx -> gunicorn,
WebSocket upgrades -> uvicorn, a Redis between them) on the suite's database,
through PgBouncer too when the suite runs through it. While customers place
orders (a key each) and list theirs through the front:

- gunicorn's workers are reloaded, with gunicorn's SIGHUP and with the
  warm reload of deploy/reload.py (`systemctl reload`), and replaced after
  GUNICORN_MAX_REQUESTS requests meanwhile;
- the ASGI process is restarted (SIGTERM, then started again) under live
  subscriptions, whose clients reconnect and see the next event.
"""

from __future__ import annotations

import asyncio
import json
import random
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import suppress
from dataclasses import dataclass, field
from typing import Any

import pytest
import websockets
from websockets import Subprotocol
from websockets.exceptions import ConnectionClosed, InvalidStatus

from tests.concurrency.live import WORKERS, Live, Scale
from tests.concurrency.load import OK, TRANSPORT, Tally, run_threads
from tests.concurrency.placements import Placements
from tools.contract import operation
from tools.graphql_http import GraphQLHttpClient
from tools.redis import running_redis
from tools.server import Stack, children_of, running_stack

pytestmark = pytest.mark.concurrency

STOCK = 100_000
MAX_REQUESTS_PER_THREAD = 5_000
# Each worker is also replaced after about this many requests (gunicorn's
# max_requests, jitter a tenth): replacements all through the load.
MAX_REQUESTS = 100
SETTLE_SECONDS = 1.0
RELOADS = {"bounded": 2, "full": 4}
SUBSCRIBERS = {"bounded": 4, "full": 16}
# Bounds, not measurements: a step that takes longer is a hang.
RECOVERY_BOUND_SECONDS = 60.0
EVENT_BOUND_SECONDS = 20.0
RECONNECT_PAUSE_SECONDS = 0.1
UNAVAILABLE = "SERVICE_UNAVAILABLE"
SERVICE_RESTART = 1012  # the close code uvicorn sends its sockets on SIGTERM
TITLE = "rolling restarts through the front (deploy/stack.py)"


@pytest.fixture(scope="module")
def front(live: Live) -> Iterator[Stack]:
    """The production topology on the live site's database and sessions."""
    with running_redis() as redis:
        env = {
            **live.env,
            "REDIS_URL": redis.url(),
            "GUNICORN_MAX_REQUESTS": str(MAX_REQUESTS),
        }
        with running_stack(env, workers=WORKERS) as stack:
            yield stack


def customer(live: Live, stack: Stack, index: int) -> GraphQLHttpClient:
    """Customer number `index`, signed in, talking to the front."""
    client = stack.client()
    client.cookies["sessionid"] = live.customers[index]["sessionid"]
    return client


@dataclass
class SteadyLoad:
    """Customers placing orders and listing theirs until told to stop."""

    live: Live
    stack: Stack
    record: Tally
    orders: Placements
    prefix: str
    stop: threading.Event = field(default_factory=threading.Event)

    def client(self, index: int) -> None:
        shopper = customer(self.live, self.stack, index)
        rng = random.Random(index)
        for n in range(MAX_REQUESTS_PER_THREAD):
            if self.stop.is_set():
                return
            if rng.random() < 0.7:
                self.orders.place(self.record, shopper, f"{self.prefix}-{index}-{n}")
            else:
                self.record.call(shopper, "MyOrders", "orders", first=20)

    def check(self) -> Tally:
        """Assert nothing was lost or doubled; return the retries' tally."""
        # only answers, or the retryable refusal; never a dropped connection
        assert self.record.results()[OK] >= 1
        assert self.record.unexpected({UNAVAILABLE}) == Counter()
        # every unanswered key sent again: placed exactly once
        self.orders.resend_unanswered(retries := Tally("retries"))
        assert set(retries.results()) <= {OK}
        assert self.orders.problems(self.live) == []
        stock = self.live.stock(self.orders.product)
        assert stock == STOCK - len(self.orders.heard)
        assert self.live.audit().problems == []
        return retries


def http_figures(load: SteadyLoad, retries: Tally) -> dict[str, str]:
    results = load.record.results()
    return {
        "requests sent": str(len(load.record.outcomes)),
        "acknowledged": str(results[OK]),
        "SERVICE_UNAVAILABLE, retried": str(results[UNAVAILABLE]),
        "failed": str(sum(results.values()) - results[OK] - results[UNAVAILABLE]),
        "retries ok": str(retries.results()[OK]),
        "longest request ms": (
            f"{max(o.seconds for o in load.record.outcomes) * 1000:.0f}"
        ),
    }


def recovery(record: Tally, moment: float) -> float:
    """Seconds from `moment` until a request sent after it was answered."""
    answered = [o.started + o.seconds for o in record.outcomes if o.started >= moment]
    return min(answered, default=float("nan")) - moment


@pytest.mark.parametrize("how", ["SIGHUP", "warm reload"])
def test_reloading_the_workers_under_load_fails_no_request(
    live: Live,
    front: Stack,
    scale: Scale,
    tally: Callable[[str], Tally],
    figures: Callable[[str, dict[str, str]], None],
    how: str,
):
    # given: customers ordering through the front on every worker
    reloads = RELOADS[scale.name]
    load = SteadyLoad(
        live,
        front,
        tally(f"gunicorn {how} x{reloads}, max_requests {MAX_REQUESTS}"),
        Placements(live.create_product(stock=STOCK)),
        how.replace(" ", "-"),
    )
    arbiter = front.front.app.pid
    signaled: list[float] = []

    def reloader() -> None:
        # when: the workers are reloaded, one reload after the other has
        # fully taken over (a new set of workers, none of the old left)
        try:
            time.sleep(SETTLE_SECONDS)
            for _ in range(reloads):
                old = set(children_of(arbiter))
                signaled.append(started := time.monotonic())
                if how == "SIGHUP":
                    front.front.reload_app()
                else:  # deploy/reload.py: returns once it is done
                    front.front.warm_reload_app()
                while True:
                    workers = set(children_of(arbiter))
                    if len(workers) == WORKERS and not workers & old:
                        break
                    assert time.monotonic() - started < RECOVERY_BOUND_SECONDS
                    time.sleep(0.02)
                # the new workers serve once a request sent now is answered
                probe = customer(live, front, 0).get_typename()
                assert probe.status == 200, probe.raw[:300]
            time.sleep(max(0.0, scale.fault_seconds - SETTLE_SECONDS * reloads))
        finally:
            load.stop.set()

    def anyone(index: int) -> None:
        reloader() if index == 0 else load.client(index - 1)

    run_threads(
        anyone,
        1 + scale.fault_clients,
        deadline_seconds=scale.fault_seconds + reloads * RECOVERY_BOUND_SECONDS,
    )

    # then: every request was answered; nothing lost or doubled
    assert len(signaled) == reloads
    assert load.record.results()[TRANSPORT] == 0
    retries = load.check()
    assert front.front.exited() is None
    figures(
        TITLE,
        {
            "scenario": load.record.scenario,
            **http_figures(load, retries),
            "recovered in s": ", ".join(
                f"{recovery(load.record, moment):.1f}" for moment in signaled
            ),
        },
    )


@dataclass
class Subscriber:
    """A browser tab: a graphql-transport-ws socket on one order's changes,
    reconnecting (with the same subscription) whenever it is closed."""

    stack: Stack
    cookie: str
    order: str
    closes: list[tuple[float, int | None]] = field(default_factory=list)
    subscribed_at: list[float] = field(default_factory=list)
    refused: Counter[int] = field(default_factory=Counter)  # handshake statuses
    events: asyncio.Queue[dict[str, Any]] = field(default_factory=asyncio.Queue)
    subscribed: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def close_codes(self) -> set[int | None]:
        return {code for _, code in self.closes}

    def recovered_after(self, moment: float) -> bool:
        return bool(self.subscribed_at) and self.subscribed_at[-1] > moment

    @property
    def recovery(self) -> float:
        """Seconds from the first close to the last subscription."""
        return self.subscribed_at[-1] - self.closes[0][0]

    async def run(self, deadline: float) -> None:
        while time.monotonic() < deadline:
            try:
                socket = await websockets.connect(
                    self.stack.websocket_url,
                    subprotocols=[Subprotocol("graphql-transport-ws")],
                    additional_headers={
                        "Origin": self.stack.origin,
                        "Cookie": self.cookie,
                    },
                )
            except InvalidStatus as refusal:
                # the front answers for a socket server that is down (503)
                self.refused[refusal.response.status_code] += 1
                await asyncio.sleep(RECONNECT_PAUSE_SECONDS)
                continue
            except OSError:
                self.refused[0] += 1
                await asyncio.sleep(RECONNECT_PAUSE_SECONDS)
                continue
            async with socket:
                await self._subscribe(socket)
                self.subscribed_at.append(time.monotonic())
                self.subscribed.set()
                with suppress(ConnectionClosed):
                    await self._listen(socket)
                self.subscribed.clear()
                self.closes.append((time.monotonic(), socket.close_code))
            # A process that is stopping may still take a new socket (and then
            # close it too): pause, and try again, as a browser client does.
            await asyncio.sleep(RECONNECT_PAUSE_SECONDS)

    async def _subscribe(self, socket: Any) -> None:
        await socket.send(json.dumps({"type": "connection_init"}))
        assert json.loads(await socket.recv())["type"] == "connection_ack"
        await socket.send(
            json.dumps(
                {
                    "id": "1",
                    "type": "subscribe",
                    "payload": {
                        "query": operation("OrderChanged"),
                        "variables": {"id": self.order},
                    },
                }
            )
        )

    async def _listen(self, socket: Any) -> None:
        async for raw in socket:
            message = json.loads(raw)
            if message["type"] == "ping":
                await socket.send(json.dumps({"type": "pong"}))
            elif message["type"] == "next":
                self.events.put_nowait(message["payload"])
            else:
                raise AssertionError(f"unexpected message {message}")


def test_restarting_the_socket_server_closes_subscriptions_and_clients_reconnect(
    live: Live,
    front: Stack,
    scale: Scale,
    tally: Callable[[str], Tally],
    figures: Callable[[str, dict[str, str]], None],
):
    # given: subscribers on their orders, and customers ordering meanwhile
    count = SUBSCRIBERS[scale.name]
    load = SteadyLoad(
        live,
        front,
        tally("uvicorn restart (HTTP load meanwhile)"),
        Placements(live.create_product(stock=STOCK)),
        "asgi",
    )
    product = live.create_product(stock=STOCK)
    # customers past the load's: each subscriber places an order of its own
    owners = [customer(live, front, len(live.customers) - 1 - n) for n in range(count)]
    placed = [
        owner.run("PlaceOrder", input={"productId": product, "quantity": 1})
        for owner in owners
    ]
    orders = [reply.data["createOrder"]["id"] for reply in placed]
    subscribers = [
        Subscriber(front, f"sessionid={owner.cookies['sessionid']}", order)
        for owner, order in zip(owners, orders, strict=True)
    ]
    restarted: list[tuple[float, float]] = []

    async def scenario() -> list[dict[str, Any]]:
        deadline = time.monotonic() + scale.fault_seconds + RECOVERY_BOUND_SECONDS
        tasks = [asyncio.create_task(s.run(deadline)) for s in subscribers]
        try:
            await asyncio.wait_for(
                asyncio.gather(*(s.subscribed.wait() for s in subscribers)),
                RECOVERY_BOUND_SECONDS,
            )
            await asyncio.sleep(SETTLE_SECONDS)
            # when: the socket server restarts under them
            restarted.append(await asyncio.to_thread(front.front.restart_sockets))
            listening = time.monotonic()
            # then (1): each is subscribed again, on the new process
            await asyncio.wait_for(
                _every(subscribers, lambda s: s.recovered_after(listening)),
                RECOVERY_BOUND_SECONDS,
            )
            # graphql-transport-ws says nothing once a subscription listens
            await asyncio.sleep(SETTLE_SECONDS)
            staff = front.client()
            staff.cookies = dict(live.staff.cookies)
            for order in orders:
                reply = await asyncio.to_thread(
                    staff.run,
                    "SetOrderStatus",
                    input={"id": order, "status": "SHIPPED"},
                )
                assert reply.data["updateOrder"]["status"] == "SHIPPED", reply.json
            return [
                await asyncio.wait_for(s.events.get(), EVENT_BOUND_SECONDS)
                for s in subscribers
            ]
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    def anyone(index: int) -> None:
        if index > 0:
            return load.client(index - 1)
        try:
            events.extend(asyncio.run(scenario()))
        finally:
            load.stop.set()

    events: list[dict[str, Any]] = []
    run_threads(
        anyone,
        1 + scale.fault_clients,
        deadline_seconds=scale.fault_seconds + 3 * RECOVERY_BOUND_SECONDS,
    )

    # then (2): each socket was closed as a restart (1012), and nothing else
    # closed one; once reconnected, each got the next change of its order
    # (changes in between would be lost: at-most-once)
    assert [s.close_codes for s in subscribers] == [{SERVICE_RESTART}] * count
    assert [e["data"]["orderChanged"]["order"]["id"] for e in events] == orders
    assert {e["data"]["orderChanged"]["order"]["status"] for e in events} == {"SHIPPED"}
    # plain HTTP never noticed: gunicorn serves it
    assert load.record.results()[TRANSPORT] == 0
    retries = load.check()
    refused: Counter[int] = sum((s.refused for s in subscribers), Counter())
    figures(
        TITLE,
        {
            "scenario": load.record.scenario,
            **http_figures(load, retries),
            "recovered in s": (
                f"uvicorn stopped in {restarted[0][0]:.1f}, listened "
                f"{restarted[0][1]:.1f} later; {count} sockets closed 1012 "
                f"({sum(len(s.closes) for s in subscribers)} closes), handshakes "
                f"refused {dict(refused) or 0} meanwhile; all subscribed again "
                f"within {max(s.recovery for s in subscribers):.1f}"
            ),
        },
    )


async def _every(subscribers: list[Subscriber], done: Callable[[Subscriber], bool]):
    while not all(done(s) for s in subscribers):
        await asyncio.sleep(0.02)
