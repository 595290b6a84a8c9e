"""Read-replica routing (config/db_routers.py), on the real database."""

import re
import runpy
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.models import User
from django.contrib.sessions.models import Session
from django.db import connections, transaction
from django.test.utils import CaptureQueriesContext

from backend.orders.models import Order
from backend.products.models import Product
from config.db_routers import PRIMARY, REPLICA, PrimaryReplicaRouter
from schema.database import reads_from_replica
from tests.conftest import gid
from tests.factories import ProductFactory, UserFactory, place_order
from tests.graphql_client import GraphQLClient

SETTINGS_FILE = Path(__file__).resolve().parents[2] / "config" / "settings.py"
ROUTER = "config.db_routers.PrimaryReplicaRouter"
REPLICA_URL = "postgres://reader:secret@replica.internal:5432/ordergraph"

# The replica is a test mirror of default (tests/settings.py): a second
# connection to the same database. It sees committed rows only (inside a
# TestCase transaction SQLite even refuses it: "database table is locked"), and
# inside a TestCase's atomic block the router sends every read to the primary
# anyway. So these tests commit (transaction=True) and name both aliases.
routed = pytest.mark.django_db(transaction=True, databases=[PRIMARY, REPLICA])

TABLE = re.compile(r'\b(?:FROM|INTO|UPDATE)\s+"(\w+)"', re.IGNORECASE)
DATA_VERBS = {"SELECT", "INSERT", "UPDATE", "DELETE"}
# Constraint checks of full_clean() read no table.
NO_TABLE = "-"

SESSION_AND_USER = [("SELECT", "django_session"), ("SELECT", "auth_user")]


def configured_settings(monkeypatch, **environ: str) -> dict[str, Any]:
    """Run config/settings.py afresh under the given environment."""
    monkeypatch.delenv("DATABASE_REPLICA_URL", raising=False)
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(SETTINGS_FILE))


@pytest.fixture
def routing(monkeypatch, settings):
    """Route as config/settings.py does when DATABASE_REPLICA_URL is set."""
    configured = configured_settings(monkeypatch, DATABASE_REPLICA_URL=REPLICA_URL)
    settings.DATABASE_ROUTERS = configured["DATABASE_ROUTERS"]


def statements(captured: CaptureQueriesContext) -> list[tuple[str, str]]:
    """(verb, table) of each data statement, e.g. ("UPDATE", "products_product")."""
    found = []
    for query in captured.captured_queries:
        sql = query["sql"]
        verb = sql.split(None, 1)[0].upper()
        if verb not in DATA_VERBS:
            continue  # BEGIN, SAVEPOINT, RELEASE SAVEPOINT
        if verb == "SELECT" and sql.rstrip().upper().endswith("FOR UPDATE"):
            verb = "SELECT FOR UPDATE"
        match = TABLE.search(sql)
        found.append((verb, match.group(1) if match else NO_TABLE))
    return found


@dataclass
class QueriesByAlias:
    primary: list[tuple[str, str]] = field(default_factory=list)
    replica: list[tuple[str, str]] = field(default_factory=list)


@contextmanager
def queries_by_alias() -> Iterator[QueriesByAlias]:
    seen = QueriesByAlias()
    with (
        CaptureQueriesContext(connections[PRIMARY]) as primary,
        CaptureQueriesContext(connections[REPLICA]) as replica,
    ):
        yield seen
    seen.primary, seen.replica = statements(primary), statements(replica)


def client_for(user: User | None = None) -> GraphQLClient:
    client = GraphQLClient() if user is None else GraphQLClient().sign_in(user)
    client.csrf_token()  # fetched now, so its GET stays out of what is measured
    return client


def locking_select() -> str:
    # SQLite has no row locks: select_for_update() adds nothing to its SQL.
    has_it = connections[PRIMARY].features.has_select_for_update
    return "SELECT FOR UPDATE" if has_it else "SELECT"


# --- settings -----------------------------------------------------------------


def test_without_a_replica_url_there_is_no_replica_and_no_router(monkeypatch):
    configured = configured_settings(monkeypatch)

    assert list(configured["DATABASES"]) == [PRIMARY]
    assert "DATABASE_ROUTERS" not in configured


def test_a_replica_url_adds_the_replica_and_the_router(monkeypatch):
    configured = configured_settings(
        monkeypatch, DATABASE_REPLICA_URL=REPLICA_URL, CONN_MAX_AGE="60"
    )

    replica = configured["DATABASES"][REPLICA]
    assert {
        key: replica[key]
        for key in ("ENGINE", "NAME", "USER", "HOST", "PORT", "CONN_MAX_AGE")
    } == {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": "ordergraph",
        "USER": "reader",
        "HOST": "replica.internal",
        "PORT": 5432,
        "CONN_MAX_AGE": 60,
    }
    assert replica["CONN_HEALTH_CHECKS"] is True
    assert configured["DATABASES"][PRIMARY]["CONN_MAX_AGE"] == 60
    assert configured["DATABASE_ROUTERS"] == [ROUTER]


# --- the router's decisions ---------------------------------------------------


def test_router_reads_from_the_primary_unless_a_query_operation_allows_the_replica():
    router = PrimaryReplicaRouter()

    outside = [router.db_for_read(model) for model in (Product, Order)]
    with reads_from_replica():
        allowed = [router.db_for_read(model) for model in (Product, Order)]
    after = router.db_for_read(Product)

    assert (outside, allowed, after) == (
        [PRIMARY, PRIMARY],
        [REPLICA, REPLICA],
        PRIMARY,
    )


@pytest.mark.django_db(transaction=True)
def test_router_reads_from_the_primary_inside_a_transaction_and_after_it_the_replica():
    router = PrimaryReplicaRouter()

    with reads_from_replica():
        with transaction.atomic():
            inside = [router.db_for_read(Product), router.db_for_read(Order)]
            with transaction.atomic():
                nested = router.db_for_read(Product)
        after = router.db_for_read(Product)

    assert (inside, nested, after) == ([PRIMARY, PRIMARY], PRIMARY, REPLICA)


def test_router_reads_sessions_users_and_sign_in_failures_from_the_primary():
    router = PrimaryReplicaRouter()

    with reads_from_replica():
        chosen = [router.db_for_read(model) for model in (Session, User, AccessAttempt)]

    assert chosen == [
        PRIMARY,
        PRIMARY,
        PRIMARY,
    ]


def test_router_writes_to_the_primary_only():
    router = PrimaryReplicaRouter()

    assert [
        router.db_for_write(model) for model in (Product, Order, Session, User)
    ] == [PRIMARY, PRIMARY, PRIMARY, PRIMARY]


def test_router_migrates_the_primary_only():
    router = PrimaryReplicaRouter()

    assert router.allow_migrate(PRIMARY, "products", "product") is True
    assert router.allow_migrate(REPLICA, "products", "product") is False
    assert router.allow_migrate(REPLICA, "sessions") is False


def test_router_relates_rows_read_from_either_alias_and_leaves_others_to_django():
    router = PrimaryReplicaRouter()
    from_primary, from_replica, elsewhere = Product(), Order(), Product()
    from_primary._state.db, from_replica._state.db = PRIMARY, REPLICA
    elsewhere._state.db = "archive"

    assert router.allow_relation(from_primary, from_replica) is True
    assert router.allow_relation(from_primary, elsewhere) is None


# --- through the GraphQL view -------------------------------------------------


@routed
def test_catalogue_reads_through_the_replica(routing):
    ProductFactory.create(name="Kettle", price=Decimal("30.00"), stock_quantity=2)
    ProductFactory.create(name="Mug", price=Decimal("4.00"), stock_quantity=9)
    client = client_for()

    with queries_by_alias() as queries:
        page = client.run("CatalogPage").data["products"]

    assert [edge["node"]["name"] for edge in page["edges"]] == ["Mug", "Kettle"]
    assert queries.primary == []
    assert queries.replica == [
        ("SELECT", "products_product"),
        ("SELECT", "products_product"),
    ]


@routed
def test_create_order_writes_and_reads_in_its_transaction_on_the_primary(routing):
    # given
    customer = UserFactory.create(username="alice")
    product = ProductFactory.create(price=Decimal("12.50"), stock_quantity=10)
    client = client_for(customer)

    # when
    with queries_by_alias() as queries:
        payload = client.run(
            "PlaceOrder", input={"productId": gid("Product", product.pk), "quantity": 3}
        ).data["createOrder"]

    # then
    assert queries.primary == [
        *SESSION_AND_USER,
        ("UPDATE", "products_product"),  # the guarded stock reservation
        ("SELECT", "products_product"),  # the row it just changed
        ("INSERT", "orders_order"),
    ]
    # The payload's product is the row the reservation read, stock included.
    assert queries.replica == []
    order = Order.objects.get()
    assert payload["id"] == gid("Order", order.pk)
    product.refresh_from_db()
    assert product.stock_quantity == 7


@routed
def test_create_product_runs_on_the_primary_only(routing):
    client = client_for(UserFactory.create(username="staffer", is_staff=True))

    with queries_by_alias() as queries:
        payload = client.run(
            "CreateProduct",
            input={"name": "Lamp", "price": "19.99", "stockQuantity": 4},
        ).data["createProduct"]

    assert queries.primary == [
        *SESSION_AND_USER,
        ("SELECT", NO_TABLE),  # the model's four check constraints
        ("SELECT", NO_TABLE),
        ("SELECT", NO_TABLE),
        ("SELECT", NO_TABLE),
        ("INSERT", "products_product"),
    ]
    assert queries.replica == []
    assert payload["id"] == gid("Product", Product.objects.get(name="Lamp").pk)


@routed
def test_update_order_locks_and_changes_rows_on_the_primary(routing):
    # given
    customer = UserFactory.create(username="alice")
    product = ProductFactory.create(stock_quantity=10)
    order = place_order(customer, product, quantity=2)
    client = client_for(customer)

    # when
    with queries_by_alias() as queries:
        payload = client.run(
            "ChangeQuantity", input={"id": gid("Order", order.pk), "quantity": 5}
        ).data["updateOrder"]

    # then
    assert queries.primary == [
        *SESSION_AND_USER,
        (locking_select(), "orders_order"),
        ("UPDATE", "products_product"),  # reserves the 3 more units
        ("SELECT", "products_product"),
        ("UPDATE", "orders_order"),
        ("SELECT", "orders_order"),  # refresh_from_db() before returning
        ("SELECT", "products_product"),  # the payload's product
    ]
    assert queries.replica == []
    assert payload["quantity"] == 5
    product.refresh_from_db()
    assert product.stock_quantity == 5


@routed
def test_register_then_the_next_request_finds_the_session_on_the_primary(routing):
    client = client_for()

    with queries_by_alias() as queries:
        client.run(
            "Register",
            input={
                "username": "carol",
                "email": "carol@example.com",
                "password": "a-long-and-unusual-passphrase",
            },
        )
        me = client.run("Me").data["me"]

    assert me["username"] == "carol"
    assert queries.replica == []
    assert {table for verb, table in queries.primary if verb == "SELECT"} == {
        "accounts_canonicalusername",  # is the name free, in any form?
        "auth_user",
        "axes_accessattempt",
        "django_session",
    }
    assert queries.primary[-2:] == SESSION_AND_USER  # Me's own reads


@routed
def test_my_orders_reads_orders_from_the_replica_and_the_session_from_the_primary(
    routing,
):
    customer = UserFactory.create(username="alice")
    place_order(customer, ProductFactory.create(), quantity=1)
    client = client_for(customer)

    with queries_by_alias() as queries:
        page = client.run("MyOrders").data["orders"]

    assert page["totalCount"] == 1
    assert queries.primary == SESSION_AND_USER
    assert queries.replica == [
        ("SELECT", "orders_order"),
        ("SELECT", "orders_order"),
        ("SELECT", "products_product"),
    ]


@routed
def test_idempotent_retry_looks_its_first_order_up_on_the_primary(routing):
    customer = UserFactory.create(username="alice")
    product = ProductFactory.create(stock_quantity=10)
    client = client_for(customer)
    order = {
        "productId": gid("Product", product.pk),
        "quantity": 1,
        "idempotencyKey": "checkout-1",
    }
    first = client.run("PlaceOrder", input=order).data["createOrder"]

    with queries_by_alias() as queries:
        retry = client.run("PlaceOrder", input=order).data["createOrder"]

    assert retry["id"] == first["id"]

    assert ("SELECT", "orders_order") not in queries.replica
