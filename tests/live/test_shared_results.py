"""One execution per event for subscribers that would get the same result.

Subscribers of one event in one process with the same document, variables and
visibility (staff; or one person's own sockets) share the executed result
(schema/execution.py); everything that decides whether a subscriber gets the
event at all stays its own. In-process, on the in-memory layer.
"""

import json
from collections import Counter

import pytest
from asgiref.sync import async_to_sync
from django.db import connection
from django.test.utils import CaptureQueriesContext

from backend.orders.models import OrderStatus
from backend.orders.services import create_order, update_order
from schema.sockets import GraphQLSocketConsumer
from tests.conftest import gid
from tests.graphql_client import GraphQLClient
from tests.live.inprocess import Live, in_thread, listening, socket_context

pytestmark = pytest.mark.django_db(transaction=True)

WITH_CUSTOMER = """
subscription WithCustomer($id: ID) {
  orderChanged(id: $id) { kind order { id status customer { username } } }
}
"""
IDS_ONLY = "subscription IdsOnly { orderChanged { order { id } } }"


def run(coroutine_function):
    async_to_sync(coroutine_function)()


def data(result):
    assert result.errors is None, result.errors
    return result.data["orderChanged"]


def tables(sql):
    """The table each statement after the event's COMMIT read."""
    return Counter(
        q.split(" FROM ")[1].split()[0] for q in sql[sql.index("COMMIT") + 1 :]
    )


def test_staff_subscribers_with_one_document_share_one_execution(
    staff, customer, product
):
    sessions = [GraphQLClient().sign_in(staff) for _ in range(5)]

    async def scenario():
        watchers = [
            Live(socket_context(staff, client), WITH_CUSTOMER) for client in sessions
        ]
        await listening()
        queries = CaptureQueriesContext(connection)
        await in_thread(queries.__enter__)()

        placed = (
            await in_thread(create_order)(
                customer=customer, product_id=product.pk, quantity=1
            )
        ).order
        raw = [await watcher.next() for watcher in watchers]
        results = [data(result) for result in raw]

        await in_thread(queries.__exit__)(None, None, None)
        for watcher in watchers:
            await watcher.stop()
        assert (
            results
            == [
                {
                    "kind": "PLACED",
                    "order": {
                        "id": gid("Order", placed.pk),
                        "status": "PENDING",
                        "customer": {"username": customer.username},
                    },
                }
            ]
            * 5
        )
        # Executed once: all five carry the very same data.
        assert all(result.data is raw[0].data for result in raw)
        sql = await in_thread(lambda: [query["sql"] for query in queries])()
        # Five subscribers: one session check and one read of the customer.
        assert tables(sql) == {'"django_session"': 1, '"auth_user"': 1}

    run(scenario)


def test_a_staff_and_customer_mix_each_get_exactly_their_own(
    staff,
    staff_client,
    customer,
    customer_client,
    other_customer,
    other_customer_client,
    product,
):
    alices_second_socket = GraphQLClient().sign_in(customer)

    async def scenario():
        staff_live = Live(socket_context(staff, staff_client), WITH_CUSTOMER)
        alice = [
            Live(socket_context(customer, client), WITH_CUSTOMER)
            for client in (customer_client, alices_second_socket)
        ]
        bob = Live(socket_context(other_customer, other_customer_client), WITH_CUSTOMER)
        await listening()

        alices = (
            await in_thread(create_order)(
                customer=customer, product_id=product.pk, quantity=1
            )
        ).order
        bobs = (
            await in_thread(create_order)(
                customer=other_customer, product_id=product.pk, quantity=1
            )
        ).order
        await in_thread(update_order)(
            actor=staff, order_id=bobs.pk, status=OrderStatus.SHIPPED
        )

        seen_by_staff = [data(await staff_live.next()) for _ in range(3)]
        seen_by_alice = [[data(await live.next())] for live in alice]
        seen_by_bob = [data(await bob.next()) for _ in range(2)]
        quiet = [await live.quiet() for live in (staff_live, *alice, bob)]
        for live in (staff_live, *alice, bob):
            await live.stop()

        def event(kind, order, status, username):
            return {
                "kind": kind,
                "order": {
                    "id": gid("Order", order.pk),
                    "status": status,
                    "customer": {"username": username},
                },
            }

        alice_placed = event("PLACED", alices, "PENDING", customer.username)
        bob_placed = event("PLACED", bobs, "PENDING", other_customer.username)
        bob_shipped = event("STATUS_CHANGED", bobs, "SHIPPED", other_customer.username)
        assert seen_by_staff == [alice_placed, bob_placed, bob_shipped]
        assert seen_by_alice == [[alice_placed], [alice_placed]]
        assert seen_by_bob == [bob_placed, bob_shipped]
        assert quiet == [[], [], [], []]

    run(scenario)


def test_subscribers_of_one_event_get_their_own_documents_and_variables(
    staff, staff_client, customer, product
):
    first = create_order(customer=customer, product_id=product.pk, quantity=1).order
    other_session = GraphQLClient().sign_in(staff)

    async def scenario():
        everything = Live(socket_context(staff, staff_client), WITH_CUSTOMER)
        # Two subscriptions on one socket (one context), as clients multiplex.
        socket = socket_context(staff, other_session)
        ids_only = Live(socket, IDS_ONLY)
        one = Live(socket, WITH_CUSTOMER, id=gid("Order", 0))
        await listening()

        await in_thread(update_order)(actor=staff, order_id=first.pk, quantity=2)

        full = data(await everything.next())
        short = data(await ids_only.next())
        nothing = await one.quiet()
        for live in (everything, ids_only, one):
            await live.stop()
        assert full["order"]["customer"] == {"username": customer.username}
        assert short == {"order": {"id": gid("Order", first.pk)}}
        assert nothing == []

    run(scenario)


def test_a_shared_next_message_is_encoded_as_any_other():
    consumer = GraphQLSocketConsumer()
    data = {"orderChanged": {"order": {"id": "T3JkZXI6MQ==", "note": 'a "b" é'}}}
    messages = [
        {"id": "1", "type": "next", "payload": {"data": data}},
        {"id": 'two "2"', "type": "next", "payload": {"data": data}},
        {"id": "3", "type": "next", "payload": {"data": None, "errors": []}},
        {"id": "4", "type": "complete"},
    ]

    encoded = [consumer.encode_json(message) for message in messages]

    assert encoded == [json.dumps(m, separators=(",", ":")) for m in messages]
