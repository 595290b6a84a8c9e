"""The GraphQL WebSocket end to end: gql's graphql-transport-ws client against
the ASGI application under uvicorn, in production mode, on a database of its
own; changes are made over HTTP, as frontends make them.
"""

import asyncio
from collections.abc import Iterator

import pytest
import websockets
from gql import GraphQLRequest
from gql.transport.exceptions import TransportConnectionFailed, TransportQueryError
from websockets import Subprotocol
from websockets.exceptions import ConnectionClosed, InvalidStatus

from tests.live.site import STAFF, Site, running_site
from tests.live.sockets import Subscription, settle, socket
from tools.contract import operation

TRUSTED_ORIGIN = "https://shop.example.com"
TRANSPORT_WS = Subprotocol("graphql-transport-ws")
CAP = 3


@pytest.fixture(scope="module")
def site() -> Iterator[Site]:
    with running_site(
        CSRF_TRUSTED_ORIGINS=TRUSTED_ORIGIN,
        GRAPHQL_MAX_SUBSCRIPTIONS_PER_CONNECTION=str(CAP),
        GRAPHQL_CONNECTION_INIT_TIMEOUT_SECONDS="1",
    ) as running:
        yield running


def new_product(staff, stock: int = 10) -> str:
    reply = staff.run(
        "CreateProduct",
        input={"name": "Lamp", "price": "30.00", "stockQuantity": stock},
    )
    return str(reply.data["createProduct"]["id"])


def place(customer, product_id: str, quantity: int = 1) -> str:
    reply = customer.run(
        "PlaceOrder", input={"productId": product_id, "quantity": quantity}
    )
    return str(reply.data["createOrder"]["id"])


def ship(staff, order_id: str) -> None:
    reply = staff.run("SetOrderStatus", input={"id": order_id, "status": "SHIPPED"})
    assert reply.data["updateOrder"]["status"] == "SHIPPED", reply.json


def test_a_customer_sees_their_order_go_from_pending_to_shipped_live(site):
    staff, alice, bob = (
        site.sign_in(STAFF),
        site.register("alice"),
        site.register("bob"),
    )
    product = new_product(staff)

    async def scenario():
        async with socket(site, alice) as alices, socket(site, bob) as bobs:
            mine = Subscription(alices, "OrderChanged")
            bobs_all = Subscription(bobs, "OrderChanged")
            await settle()

            order = await asyncio.to_thread(place, alice, product, 2)
            bobs_by_id = Subscription(bobs, "OrderChanged", id=order)
            placed = await mine.next()
            await settle()
            await asyncio.to_thread(ship, staff, order)
            shipped = await mine.next()

            assert placed["orderChanged"]["kind"] == "PLACED"
            assert placed["orderChanged"]["order"]["status"] == "PENDING"
            assert shipped["orderChanged"]["kind"] == "STATUS_CHANGED"
            assert shipped["orderChanged"]["order"] | {"updatedAt": None} == {
                "id": order,
                "status": "SHIPPED",
                "quantity": 2,
                "total": "60.00",
                "updatedAt": None,
                "product": {"id": product, "name": "Lamp", "stockQuantity": 8},
            }
            assert await bobs_all.nothing_for() == []
            assert await bobs_by_id.nothing_for(0) == []
            assert bobs_all.error is None
            assert bobs_by_id.error is None

    asyncio.run(scenario())


def test_anonymous_sockets_get_permission_denied_on_order_changed(site):
    async def scenario():
        async with socket(site) as anonymous:
            with pytest.raises(TransportQueryError) as refused:
                async for _ in anonymous.subscribe(_request("OrderChanged")):
                    pass
            return refused.value.errors

    errors = asyncio.run(scenario())

    assert [e["extensions"]["code"] for e in errors] == ["PERMISSION_DENIED"]


def _request(name, **variables):
    return GraphQLRequest(operation(name), variable_values=variables)


def test_product_changed_is_public_and_a_rolled_back_change_sends_nothing(site):
    staff, alice = site.sign_in(STAFF), site.register("carol")
    product = new_product(staff, stock=5)
    order = place(alice, product)

    async def scenario():
        async with socket(site) as anonymous, socket(site, alice) as carols:
            stock = Subscription(anonymous, "ProductChanged", id=product)
            orders = Subscription(carols, "OrderChanged")
            await settle()

            # Quantity 3 takes stock, then DELIVERED from pending is refused:
            # the whole mutation rolls back.
            reply = await asyncio.to_thread(
                staff.execute,
                "mutation($id: ID!) { updateOrder(input: {id: $id, quantity: 3, "
                "status: DELIVERED}) { ... on OperationInfo { messages { code } } } }",
                {"id": order},
            )
            assert reply.data["updateOrder"]["messages"] == [
                {"code": "INVALID_TRANSITION"}
            ]
            assert await stock.nothing_for() == []
            assert await orders.nothing_for(0) == []

            await asyncio.to_thread(place, alice, product, 2)
            live = await stock.next()
            assert live["productChanged"]["stockQuantity"] == 2

    asyncio.run(scenario())


def test_two_subscriptions_on_one_socket_one_completes_the_other_keeps_receiving(
    site,
):
    staff = site.sign_in(STAFF)
    product = new_product(staff)

    def reprice(price: str) -> None:
        staff.run("UpdateProduct", input={"id": product, "price": price})

    async def scenario():
        async with socket(site) as shared:
            first = Subscription(shared, "ProductChanged", id=product)
            second = Subscription(shared, "ProductChanged", id=product)
            await settle()
            await asyncio.to_thread(reprice, "31.00")
            assert (await first.next())["productChanged"]["price"] == "31.00"
            assert (await second.next())["productChanged"]["price"] == "31.00"

            await first.stop()  # the client completes it
            await settle()
            await asyncio.to_thread(reprice, "32.00")

            assert (await second.next())["productChanged"]["price"] == "32.00"

    asyncio.run(scenario())


def test_subscriptions_past_the_cap_are_refused_with_limit_exceeded(site):
    staff = site.sign_in(STAFF)
    product = new_product(staff)

    async def scenario():
        async with socket(site) as session:
            held = [
                Subscription(session, "ProductChanged", id=product) for _ in range(CAP)
            ]
            await settle()
            extra = Subscription(session, "ProductChanged", id=product)
            await settle()
            assert isinstance(extra.error, TransportQueryError), extra.error
            codes = [e["extensions"] for e in extra.error.errors or []]

            await held[0].stop()
            await settle()
            again = Subscription(session, "ProductChanged", id=product)
            await settle()
            assert again.error is None
            return codes

    codes = asyncio.run(scenario())

    assert codes == [
        {"code": "LIMIT_EXCEEDED", "limit": "GRAPHQL_MAX_SUBSCRIPTIONS_PER_CONNECTION"}
    ]


def test_logging_out_ends_the_subscription_with_permission_denied(site):
    staff, dave = site.sign_in(STAFF), site.register("dave")
    product = new_product(staff)
    order = place(dave, product)

    async def scenario():
        async with socket(site, dave.copy()) as daves:
            mine = Subscription(daves, "OrderChanged")
            await settle()
            assert (await asyncio.to_thread(dave.run, "Logout")).data == {
                "logout": True
            }
            await asyncio.to_thread(ship, staff, order)
            await asyncio.wait_for(mine.task, 10)
            return mine

    mine = asyncio.run(scenario())

    assert mine.events.empty()
    assert isinstance(mine.error, TransportQueryError)
    assert [e["extensions"]["code"] for e in mine.error.errors or []] == [
        "PERMISSION_DENIED"
    ]


@pytest.mark.parametrize(
    "origin",
    ["http://evil.example.com", "https://shop.example.com.evil.com", "null"],
)
def test_a_handshake_from_another_site_is_refused(site, origin):
    alice = site.sign_in(STAFF)

    async def scenario():
        async with socket(site, alice, origin=origin):
            pass

    with pytest.raises(TransportConnectionFailed) as refused:
        asyncio.run(scenario())

    assert isinstance(refused.value.__cause__, InvalidStatus)
    assert refused.value.__cause__.response.status_code == 403


@pytest.mark.parametrize("origin", ["same", TRUSTED_ORIGIN, None])
def test_allowed_hosts_trusted_origins_and_non_browsers_may_connect(site, origin):
    async def scenario():
        # Entering means the handshake and connection_init were acknowledged.
        async with socket(site, origin=origin):
            return True

    assert asyncio.run(scenario())


@pytest.mark.parametrize("extra_headers", [{}, {"Host": "127.0.0.1"}])
def test_a_handshake_for_a_host_not_allowed_is_refused(site, extra_headers):
    # "localhost" is not in ALLOWED_HOSTS (a DNS-rebinding page would send its
    # own name); a second Host header is refused too.
    url = site.server.websocket_url.replace("127.0.0.1", "localhost")

    async def scenario():
        async with websockets.connect(
            url, subprotocols=[TRANSPORT_WS], additional_headers=extra_headers
        ):
            pass

    with pytest.raises(InvalidStatus) as refused:
        asyncio.run(scenario())

    assert refused.value.response.status_code == 403


def _closed_with(site, *messages: str) -> tuple[int, str]:
    """Send raw messages, read until the server closes; its close code and reason."""

    async def scenario():
        async with websockets.connect(
            site.server.websocket_url, subprotocols=[TRANSPORT_WS]
        ) as raw:
            for message in messages:
                await raw.send(message)
            with pytest.raises(ConnectionClosed) as closed:
                await asyncio.wait_for(_read_until_closed(raw), 10)
            received = closed.value.rcvd
            assert received is not None
            return received.code, received.reason

    return asyncio.run(scenario())


async def _read_until_closed(raw) -> None:
    while True:
        await raw.recv()


def test_a_socket_without_connection_init_is_closed_after_the_timeout(site):
    assert _closed_with(site) == (4408, "Connection initialisation timeout")


def test_a_message_over_the_body_size_cap_closes_the_socket(site):
    huge = '{"type": "connection_init", "payload": {"x": "' + "a" * 300_000 + '"}}'

    code, _reason = _closed_with(site, huge)

    assert code == 1009


def test_pings_are_answered_with_pongs(site):
    async def scenario():
        async with socket(site, ping_interval=0.2, pong_timeout=1) as session:
            await asyncio.sleep(1.5)  # several pings, each answered in time
            live = Subscription(session, "ProductChanged", id="UHJvZHVjdDo5OTk5")
            await asyncio.wait_for(live.task, 5)
            return live.error

    error = asyncio.run(scenario())

    # Still connected after the pings: the subscription got its answer.
    assert isinstance(error, TransportQueryError)
    assert [e["extensions"]["code"] for e in error.errors or []] == ["NOT_FOUND"]
