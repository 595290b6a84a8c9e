"""Which events subscribers receive, and when: in-process, on the in-memory layer.

Each test commits (transaction=True), since events are published on commit.
"""

from decimal import Decimal

import pytest
from asgiref.sync import async_to_sync
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from backend.orders.models import OrderStatus
from backend.orders.services import create_order, update_order
from backend.products.services import update_product
from tests.conftest import gid
from tests.factories import ProductFactory
from tests.graphql_client import GraphQLClient
from tests.live.inprocess import Live, in_thread, listening, socket_context

pytestmark = pytest.mark.django_db(transaction=True)


def run(coroutine_function):
    async_to_sync(coroutine_function)()


def order_event(result):
    assert result.errors is None, result.errors
    return result.data["orderChanged"]


def test_a_customer_follows_their_order_from_placed_to_shipped(
    customer, customer_client, staff, product
):
    async def scenario():
        live = Live.of(socket_context(customer, customer_client), "OrderChanged")
        await listening()

        placed = (
            await in_thread(create_order)(
                customer=customer, product_id=product.pk, quantity=2
            )
        ).order
        await in_thread(update_order)(
            actor=staff, order_id=placed.pk, status=OrderStatus.SHIPPED
        )

        first, second = order_event(await live.next()), order_event(await live.next())
        await live.stop()
        await in_thread(placed.refresh_from_db)()
        assert first == {
            "kind": "PLACED",
            "order": {
                "id": gid("Order", placed.pk),
                "status": "PENDING",
                "quantity": 2,
                "total": "25.00",
                "updatedAt": first["order"]["updatedAt"],
                "product": {
                    "id": gid("Product", product.pk),
                    "name": "Teapot",
                    "stockQuantity": 8,
                },
            },
        }
        assert second["kind"] == "STATUS_CHANGED"
        assert second["order"]["status"] == "SHIPPED"
        assert second["order"]["updatedAt"] == placed.updated_at.isoformat()
        assert first["order"]["updatedAt"] < second["order"]["updatedAt"]

    run(scenario)


def test_another_customers_orders_send_nothing_with_or_without_their_id(
    customer, other_customer, other_customer_client, staff, product
):
    async def scenario():
        theirs = (
            await in_thread(create_order)(
                customer=customer, product_id=product.pk, quantity=1
            )
        ).order
        bob = socket_context(other_customer, other_customer_client)
        all_of_bobs = Live.of(bob, "OrderChanged")
        alices_by_id = Live.of(bob, "OrderChanged", id=gid("Order", theirs.pk))
        unknown = Live.of(bob, "OrderChanged", id=gid("Order", theirs.pk + 1000))
        await listening()

        await in_thread(update_order)(
            actor=staff, order_id=theirs.pk, status=OrderStatus.SHIPPED
        )
        await in_thread(create_order)(
            customer=customer, product_id=product.pk, quantity=1
        )

        assert await all_of_bobs.quiet() == []
        assert await alices_by_id.quiet() == []
        assert await unknown.quiet() == []
        assert not (all_of_bobs.done)
        assert not (alices_by_id.done)
        assert not (unknown.done)
        for live in (all_of_bobs, alices_by_id, unknown):
            await live.stop()

    run(scenario)


def test_staff_receive_every_order_and_one_order_by_id(
    customer, other_customer, staff, staff_client, product
):
    async def scenario():
        context = socket_context(staff, staff_client)
        everything = Live.of(context, "OrderChanged")
        alices = (
            await in_thread(create_order)(
                customer=customer, product_id=product.pk, quantity=1
            )
        ).order
        one = Live.of(context, "OrderChanged", id=gid("Order", alices.pk))
        await listening()

        bobs = (
            await in_thread(create_order)(
                customer=other_customer, product_id=product.pk, quantity=1
            )
        ).order
        await in_thread(update_order)(actor=staff, order_id=alices.pk, quantity=3)

        ids = [order_event(await everything.next())["order"]["id"] for _ in range(3)]
        assert ids == [gid("Order", o.pk) for o in (alices, bobs, alices)]
        only = order_event(await one.next())
        assert (only["kind"], only["order"]["quantity"]) == ("QUANTITY_CHANGED", 3)
        assert await one.quiet() == []
        await everything.stop()
        await one.stop()

    run(scenario)


def test_a_rolled_back_change_sends_nothing(customer, customer_client, staff, product):
    placed = create_order(customer=customer, product_id=product.pk, quantity=1).order

    async def scenario():
        orders = Live.of(socket_context(customer, customer_client), "OrderChanged")
        stock = Live.of(
            socket_context(), "ProductChanged", id=gid("Product", product.pk)
        )
        await listening()

        # The quantity (and the stock) moves, then the status is refused: the
        # whole mutation rolls back.
        with pytest.raises(Exception, match="cannot move from pending to delivered"):
            await in_thread(update_order)(
                actor=staff, order_id=placed.pk, quantity=4, status="delivered"
            )

        def rolled_back_price_change():
            with transaction.atomic():
                update_product(
                    actor=staff, product_id=product.pk, price=Decimal("1.00")
                )
                transaction.set_rollback(True)

        await in_thread(rolled_back_price_change)()

        assert await orders.quiet() == []
        assert await stock.quiet() == []
        await orders.stop()
        await stock.stop()

    run(scenario)
    product.refresh_from_db()
    assert product.stock_quantity == 9


def test_product_subscribers_see_stock_and_price_live(customer, staff, product):
    async def scenario():
        live = Live.of(
            socket_context(), "ProductChanged", id=gid("Product", product.pk)
        )
        await listening()

        await in_thread(create_order)(
            customer=customer, product_id=product.pk, quantity=7
        )
        first = await live.next()
        await in_thread(update_product)(
            actor=staff, product_id=product.pk, price=Decimal("9.99")
        )
        second = await live.next()

        await live.stop()
        assert first.data is not None
        assert second.data is not None
        assert first.data["productChanged"]["stockQuantity"] == 3
        assert second.data["productChanged"] | {"updatedAt": None} == {
            "id": gid("Product", product.pk),
            "price": "9.99",
            "stockQuantity": 3,
            "inStock": True,
            "updatedAt": None,
        }

    run(scenario)


def test_an_unknown_product_is_not_found(db):
    async def scenario():
        live = Live.of(socket_context(), "ProductChanged", id=gid("Product", 404))
        result = await live.next()
        assert result.data is None
        assert [(e.extensions or {})["code"] for e in result.errors or []] == [
            "NOT_FOUND"
        ]

    run(scenario)


def test_an_order_event_costs_the_session_check_and_one_product_batch(
    customer, customer_client, product
):
    other = ProductFactory.create(stock_quantity=5)

    async def scenario():
        live = Live.of(socket_context(customer, customer_client), "OrderChanged")
        await listening()
        queries = CaptureQueriesContext(connection)
        await in_thread(queries.__enter__)()

        await in_thread(create_order)(
            customer=customer, product_id=other.pk, quantity=1
        )
        result = await live.next()

        await in_thread(queries.__exit__)(None, None, None)
        await live.stop()
        assert order_event(result)["order"]["product"]["stockQuantity"] == 4
        # Read in the thread that ran them: connections are per thread.
        sql = await in_thread(lambda: [query["sql"] for query in queries])()
        # After the placing transaction commits, the event reads:
        delivery = [
            q.split(" FROM ")[1].split()[0] for q in sql[sql.index("COMMIT") + 1 :]
        ]
        assert delivery == ['"django_session"', '"products_product"']

    run(scenario)


def test_staff_subscribers_in_one_process_cost_one_session_query_and_one_product_batch(
    staff, customer, product
):
    sessions = [GraphQLClient().sign_in(staff) for _ in range(5)]
    signed_out = GraphQLClient().sign_in(staff)

    async def scenario():
        watchers = [
            Live.of(socket_context(staff, client), "OrderChanged")
            for client in sessions
        ]
        gone = Live.of(socket_context(staff, signed_out), "OrderChanged")
        await listening()
        await in_thread(signed_out.run)("Logout")
        queries = CaptureQueriesContext(connection)
        await in_thread(queries.__enter__)()

        await in_thread(create_order)(
            customer=customer, product_id=product.pk, quantity=1
        )
        results = [await watcher.next() for watcher in watchers]
        refused = await gone.next()

        await in_thread(queries.__exit__)(None, None, None)
        for watcher in (*watchers, gone):
            await watcher.stop()
        assert {
            order_event(r)["order"]["product"]["stockQuantity"] for r in results
        } == {product.stock_quantity - 1}
        assert [(e.extensions or {})["code"] for e in refused.errors or []] == [
            "PERMISSION_DENIED"
        ]
        sql = await in_thread(lambda: [query["sql"] for query in queries])()
        # Six subscribers, one event: one session query for all of them, one
        # product read shared by all.
        delivery = [
            q.split(" FROM ")[1].split()[0] for q in sql[sql.index("COMMIT") + 1 :]
        ]
        assert delivery == ['"django_session"', '"products_product"']

    run(scenario)
