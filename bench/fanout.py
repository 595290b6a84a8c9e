"""Live-update fan-out: one status change, many open subscriptions.

    .venv/bin/python -m bench.fanout                    # quick data set, 1,000 sockets
    .venv/bin/python -m bench.fanout --subscribers 200

(writes bench/results/fanout.json; `make bench` runs it too, into its own
results)

The production shape without the front: a throwaway Redis, one gunicorn worker
taking the mutation over HTTP, and 2 uvicorn processes (config.asgi) holding
the sockets, half each. Every subscriber is a staff user with a session of its
own (as many browsers), subscribed to `OrderChanged` (every order) over
graphql-transport-ws. One status change is warm-up (every subscriber must
get it: all are listening), then the measured one (each subscriber's
session is checked again for it, as for every private event): the time
from sending the mutation until each subscriber has its event (p50, p99,
max), and the uvicorn processes' resident memory per open subscription.

The client is one asyncio process speaking the protocol with `websockets`: a
load driver, not a correctness test (tests/live and tests/clients are).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from websockets import Subprotocol
from websockets.asyncio.client import ClientConnection, connect

from deploy.stack import SOCKET_SERVER_OPTIONS
from tools.redis import running_redis

from .loadgen import GRAPHQL_PATH, HOST, BenchError, Client, graphql_body, sign_in
from .processes import rss_mib, serving
from .report import header

RESULTS = Path(__file__).with_name("results") / "fanout.json"
PROTOCOL = Subprotocol("graphql-transport-ws")
# Sockets opening at once; the rest wait their turn.
CONNECTING_AT_ONCE = 50
# Subscriptions opened before the baseline memory reading (imports, caches).
WARM = 10
CONNECT_TIMEOUT_SECONDS = 120.0
EVENT_TIMEOUT_SECONDS = 60.0
# Between the warm-up event and the measured one.
PAUSE_SECONDS = 2.0
TARGET_P99_MS = 500.0
TARGET_KB_PER_SUBSCRIPTION = 50.0


def log(message: str) -> None:
    print(f"bench: {message}", file=sys.stderr, flush=True)


@dataclass
class Arrivals:
    """When each subscriber received the event of each order."""

    expected: int
    times: dict[str, list[float]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    complete: dict[str, asyncio.Event] = field(default_factory=dict)

    def event_for(self, order_id: str) -> asyncio.Event:
        return self.complete.setdefault(order_id, asyncio.Event())

    def record(self, order_id: str, at: float) -> None:
        arrived = self.times.setdefault(order_id, [])
        arrived.append(at)
        if len(arrived) >= self.expected:
            self.event_for(order_id).set()


async def _subscriber(
    url: str, headers: dict[str, str], arrivals: Arrivals, opened: asyncio.Event
) -> None:
    async with connect(
        url,
        subprotocols=[PROTOCOL],
        additional_headers=headers,
        open_timeout=CONNECT_TIMEOUT_SECONDS,
        ping_interval=None,
    ) as socket:
        await _open(socket)
        opened.set()
        async for raw in socket:
            message = json.loads(raw)
            if message["type"] == "next":
                changed = message["payload"]["data"]["orderChanged"]
                arrivals.record(changed["order"]["id"], time.perf_counter())
            elif message["type"] == "ping":
                await socket.send(json.dumps({"type": "pong"}))
            else:
                arrivals.errors.append(str(message)[:300])


async def _open(socket: ClientConnection) -> None:
    await socket.send(json.dumps({"type": "connection_init", "payload": {}}))
    ack = json.loads(await socket.recv())
    if ack["type"] != "connection_ack":
        raise BenchError(f"no connection_ack: {ack}")
    subscribe = {
        "id": "1",
        "type": "subscribe",
        "payload": json.loads(graphql_body("OrderChanged", {})),
    }
    await socket.send(json.dumps(subscribe))


@dataclass(frozen=True)
class Setup:
    http_port: int
    socket_ports: tuple[int, int]
    socket_pids: tuple[int, int]
    session_keys: list[str]
    staff: dict[str, str]
    order_ids: tuple[str, str]  # (warm-up, measured)


def _status_change(setup: Setup, order_id: str) -> None:
    client = Client(setup.http_port, setup.staff)
    try:
        status, content = client.request(
            "POST",
            GRAPHQL_PATH,
            graphql_body(
                "SetOrderStatus", {"input": {"id": order_id, "status": "SHIPPED"}}
            ),
        )
    finally:
        client.close()
    update = (json.loads(content).get("data") or {}).get("updateOrder") or {}
    if status != 200 or update.get("status") != "SHIPPED":
        raise BenchError(f"SetOrderStatus: HTTP {status}: {content[:300]!r}")


def _rss(setup: Setup) -> float:
    return sum(rss_mib(pid) for pid in setup.socket_pids)


async def _fan_out(setup: Setup) -> dict[str, Any]:
    count = len(setup.session_keys)
    arrivals = Arrivals(expected=count)
    gate = asyncio.Semaphore(CONNECTING_AT_ONCE)
    tasks: list[asyncio.Task[None]] = []

    async def start(index: int, key: str) -> None:
        port = setup.socket_ports[index % 2]
        headers = {"Origin": f"http://{HOST}:{port}", "Cookie": f"sessionid={key}"}
        opened = asyncio.Event()
        async with gate:
            task = asyncio.create_task(
                _subscriber(f"ws://{HOST}:{port}/graphql/", headers, arrivals, opened)
            )
            tasks.append(task)
            waiting = asyncio.create_task(opened.wait())
            await asyncio.wait({task, waiting}, return_when=asyncio.FIRST_COMPLETED)
            waiting.cancel()
            if task.done():
                raise BenchError(f"subscriber {index} failed: {task.exception()!r}")

    try:
        async with asyncio.timeout(CONNECT_TIMEOUT_SECONDS):
            keys = setup.session_keys
            await asyncio.gather(*(start(i, k) for i, k in enumerate(keys[:WARM])))
            before = _rss(setup)
            started = time.perf_counter()
            await asyncio.gather(
                *(start(i, k) for i, k in enumerate(keys[WARM:], WARM))
            )
            open_seconds = time.perf_counter() - started
        warm, measured = setup.order_ids
        # graphql-transport-ws does not say when a subscription listens: the
        # warm-up event, received by all, does.
        await asyncio.sleep(1.0)
        await asyncio.to_thread(_status_change, setup, warm)
        async with asyncio.timeout(EVENT_TIMEOUT_SECONDS):
            await arrivals.event_for(warm).wait()
        after = _rss(setup)
        await asyncio.sleep(PAUSE_SECONDS)
        sent = time.perf_counter()
        await asyncio.to_thread(_status_change, setup, measured)
        answered = time.perf_counter()
        try:
            async with asyncio.timeout(EVENT_TIMEOUT_SECONDS):
                await arrivals.event_for(measured).wait()
        except TimeoutError:
            got = len(arrivals.times.get(measured, []))
            raise BenchError(
                f"{got} of {count} subscribers had the event after "
                f"{EVENT_TIMEOUT_SECONDS:.0f} s; errors: {arrivals.errors[:3]}"
            ) from None
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    if arrivals.errors:
        raise BenchError(f"unexpected messages: {arrivals.errors[:3]}")
    latencies = sorted((at - sent) * 1000 for at in arrivals.times[measured])
    return {
        "subscribers": count,
        "asgi_processes": 2,
        "open_seconds": round(open_seconds, 1),
        "mutation_ms": round((answered - sent) * 1000, 1),
        "p50_ms": round(statistics.median(latencies), 1),
        "p99_ms": round(statistics.quantiles(latencies, n=100)[98], 1),
        "max_ms": round(latencies[-1], 1),
        "rss_mib_before": round(before, 1),
        "rss_mib_after": round(after, 1),
        "kb_per_subscription": round((after - before) * 1024 / (count - WARM), 1),
    }


def _create_sessions(username: str, count: int) -> list[str]:
    """`count` signed-in sessions of one staff user, as from many browsers."""
    from django.contrib.auth import (
        BACKEND_SESSION_KEY,
        HASH_SESSION_KEY,
        SESSION_KEY,
        get_user_model,
    )
    from django.contrib.sessions.backends.db import SessionStore
    from django.db import connection

    user = get_user_model().objects.get(username=username)
    keys = []
    for _ in range(count):
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        keys.append(str(session.session_key))
    connection.close()
    return keys


def _delete_sessions(keys: list[str]) -> None:
    from django.contrib.sessions.models import Session
    from django.db import connection

    Session.objects.filter(session_key__in=keys).delete()
    connection.close()


def _place(port: int, cookies: dict[str, str], product_id: str) -> str:
    client = Client(port, cookies)
    try:
        body = graphql_body(
            "PlaceOrder", {"input": {"productId": product_id, "quantity": 1}}
        )
        status, content = client.request("POST", GRAPHQL_PATH, body)
    finally:
        client.close()
    order = (json.loads(content).get("data") or {}).get("createOrder") or {}
    if status != 200 or order.get("__typename") != "Order":
        raise BenchError(f"PlaceOrder: HTTP {status}: {content[:300]!r}")
    return str(order["id"])


@contextmanager
def _servers(env: dict[str, str], logs: Path) -> Iterator[tuple[Any, Any, Any]]:
    with ExitStack() as stack:
        redis = stack.enter_context(running_redis())
        shared = {**env, "REDIS_URL": redis.url(), "LOG_LEVEL": "WARNING"}
        http = stack.enter_context(serving("gunicorn", shared, logs, cpus=None))
        # The production socket server's options (deploy/stack.py).
        options = list(SOCKET_SERVER_OPTIONS)
        first, second = (
            stack.enter_context(
                serving("uvicorn", shared, logs, cpus=None, options=options)
            )
            for _ in range(2)
        )
        yield http, first, second


def measure_fanout(
    *,
    env: dict[str, str],
    staff: tuple[str, str],
    customer: tuple[str, str],
    product_id: str,
    subscribers: int,
    progress: Callable[[str], None] = log,
) -> dict[str, Any]:
    """Run the fan-out measurement; Django must be set up on env's database."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < subscribers + 100:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 65536), hard))
    keys = _create_sessions(staff[0], subscribers)
    try:
        with (
            tempfile.TemporaryDirectory() as logs,
            _servers(env, Path(logs)) as (
                http,
                first,
                second,
            ),
        ):
            buyer = sign_in(http.port, username=customer[0], password=customer[1])
            orders = (
                _place(http.port, buyer, product_id),
                _place(http.port, buyer, product_id),
            )
            setup = Setup(
                http_port=http.port,
                socket_ports=(first.port, second.port),
                socket_pids=(first.pid, second.pid),
                session_keys=keys,
                staff=sign_in(http.port, username=staff[0], password=staff[1]),
                order_ids=orders,
            )
            progress(f"fan-out: opening {subscribers} subscriptions")
            figures = asyncio.run(_fan_out(setup))
    finally:
        _delete_sessions(keys)
    return figures


def print_fanout(figures: dict[str, Any]) -> None:
    print(
        f"fan-out, {figures['subscribers']} staff subscriptions over "
        f"{figures['asgi_processes']} ASGI processes, one status change: "
        f"p50 {figures['p50_ms']} ms, p99 {figures['p99_ms']} ms, "
        f"max {figures['max_ms']} ms (the mutation's own answer: "
        f"{figures['mutation_ms']} ms); "
        f"{figures['kb_per_subscription']} KB RSS per open subscription"
    )


def main(argv: list[str]) -> int:
    from strawberry.relay import to_base64

    from .dataset import QUICK, seeded_database
    from .run import configure_django

    parser = argparse.ArgumentParser(prog="python -m bench.fanout")
    parser.add_argument("--subscribers", type=int, default=1000)
    parser.add_argument("--output", type=Path)
    args = parser.parse_args(argv)
    started, load_before = time.monotonic(), os.getloadavg()
    with (
        seeded_database(QUICK, log=log) as data,
        tempfile.TemporaryDirectory(prefix="bench-fanout-") as scratch,
    ):
        configure_django(data, Path(scratch))
        env = {
            key: value
            for key, value in os.environ.items()
            if key not in ("GRAPHQL_MAX_PAGE_SIZE", "GRAPHQL_MAX_COST")
        }
        try:
            figures = measure_fanout(
                env=env,
                staff=data.staff,
                customer=data.customer,
                product_id=to_base64("Product", data.write_product_ids[0]),
                subscribers=args.subscribers,
            )
        except BenchError as error:
            print(f"bench: {error}", file=sys.stderr)
            return 1
    print_fanout(figures)
    for key, limit in (
        ("p99_ms", TARGET_P99_MS),
        ("kb_per_subscription", TARGET_KB_PER_SUBSCRIPTION),
    ):
        mark = "met" if figures[key] <= limit else "NOT MET"
        print(f"{mark:<8} fan-out {key} {figures[key]} (target <= {limit})")
    report = {
        **header(" ".join(["python -m bench.fanout", *argv]), started, load_before),
        "fanout": figures,
    }
    output = args.output or RESULTS
    output.write_text(json.dumps(report, indent=2) + "\n")
    print(f"wrote {output}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
