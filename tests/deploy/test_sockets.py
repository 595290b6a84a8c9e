"""Live updates through the production front: nginx routes WebSocket upgrades of
/graphql/ to uvicorn and everything else to gunicorn, which share one Redis.
"""

from __future__ import annotations

import asyncio
import json
import signal
from collections.abc import Iterator

import pytest
import websockets
from gql.transport.exceptions import TransportConnectionFailed
from websockets import Subprotocol
from websockets.exceptions import InvalidStatus

from deploy.stack import stop_process
from tests.live.site import (
    PASSWORD,
    STAFF,
    create_staff,
    new_product,
    place,
    register,
    ship,
)
from tests.live.sockets import Subscription, settle, socket
from tools.graphql_http import GraphQLHttpClient
from tools.redis import running_redis
from tools.server import Stack, running_stack

# Bounds the wait for the front to close a silent socket (its timeout: 2 s).
SILENT_WAIT_SECONDS = 30.0


def sign_in(stack: Stack, username: str) -> GraphQLHttpClient:
    client = stack.client()
    client.login(username, PASSWORD)
    return client


@pytest.fixture(scope="module")
def live_env(site_env: dict[str, str]) -> Iterator[dict[str, str]]:
    """The deploy suite's database with a staff account, and a Redis of its own."""
    create_staff(site_env)
    with running_redis() as redis:
        yield {**site_env, "REDIS_URL": redis.url()}


@pytest.fixture(scope="module")
def live_stack(live_env: dict[str, str]) -> Iterator[Stack]:
    with running_stack(live_env, workers=2) as running:
        yield running


def test_a_subscription_through_the_front_sees_a_change_made_over_http_there(
    live_stack,
):
    staff = sign_in(live_stack, STAFF)
    customer = register(live_stack.client(), "frontcustomer")
    order = place(customer, new_product(staff))

    async def scenario():
        async with socket(live_stack, customer) as session:
            mine = Subscription(session, "OrderChanged", id=order)
            await settle()
            await asyncio.to_thread(ship, staff, order)
            return await mine.next()

    event = asyncio.run(scenario())

    assert event["orderChanged"]["kind"] == "STATUS_CHANGED"
    assert event["orderChanged"]["order"]["id"] == order
    assert event["orderChanged"]["order"]["status"] == "SHIPPED"


def test_a_handshake_from_another_site_is_refused_through_the_front(live_stack):
    staff = sign_in(live_stack, STAFF)

    async def scenario():
        async with socket(live_stack, staff, origin="http://evil.example.com"):
            pass

    with pytest.raises(TransportConnectionFailed) as refused:
        asyncio.run(scenario())

    assert isinstance(refused.value.__cause__, InvalidStatus)
    assert refused.value.__cause__.response.status_code == 403


def test_plain_http_is_served_by_gunicorn_while_the_socket_server_is_down(
    live_env,
):
    with running_stack(live_env, workers=1) as stack:
        stop_process(stack.front.sockets, signal.SIGTERM)

        async def open_socket():
            async with socket(stack):
                pass

        with pytest.raises(TransportConnectionFailed) as refused:
            asyncio.run(open_socket())
        query = stack.client().get_typename()
        signed_in = stack.client().login(STAFF, PASSWORD)

    assert isinstance(refused.value.__cause__, InvalidStatus)
    assert refused.value.__cause__.response.status_code == 503
    assert (query.status, query.data) == (200, {"__typename": "Query"})
    assert signed_in["username"] == STAFF


@pytest.fixture(scope="module")
def tight_stack(site_env: dict[str, str]) -> Iterator[Stack]:
    """The front with room for 2 sockets per address, silent for 2 s at most."""
    with running_stack(
        site_env, workers=1, max_sockets_per_client=2, socket_timeout=2.0
    ) as running:
        yield running


def test_sockets_past_the_per_client_limit_get_429_at_the_front(tight_stack):
    async def scenario():
        async with socket(tight_stack), socket(tight_stack), socket(tight_stack):
            pass

    with pytest.raises(TransportConnectionFailed) as refused:
        asyncio.run(scenario())

    assert isinstance(refused.value.__cause__, InvalidStatus)
    assert refused.value.__cause__.response.status_code == 429


def test_a_socket_silent_past_the_front_timeout_is_closed(tight_stack):
    async def scenario():
        async with websockets.connect(
            tight_stack.websocket_url,
            subprotocols=[Subprotocol("graphql-transport-ws")],
            ping_interval=None,
        ) as silent:
            await silent.send(json.dumps({"type": "connection_init"}))
            acknowledged = json.loads(await silent.recv())["type"]
            # Then silence both ways: uvicorn's first ping would come after
            # 20 s; the front gives up after 2 s and drops the connection.
            await asyncio.wait_for(silent.wait_closed(), SILENT_WAIT_SECONDS)
            return acknowledged, silent.close_code

    acknowledged, close_code = asyncio.run(scenario())

    assert acknowledged == "connection_ack"
    # No close frame: the connection was dropped, not closed by the application.
    assert close_code == 1006
