"""The live site the suite drives: PostgreSQL, the production server, accounts."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit
from uuid import uuid4

import psycopg2

from tests.concurrency import ledger
from tools.graphql_http import GraphQLHttpClient
from tools.pgbouncer import running_pgbouncer
from tools.postgres import (
    PostgresCluster,
    PostgresUnavailable,
    find_bindir,
    running_cluster,
)
from tools.server import REPO, Server, manage, production_env, running_server

WORKERS = 4
# PgBouncer's server connections (CONCURRENCY_POOLER=pgbouncer): fewer than
# the workers, so they queue for one.
POOL_SIZE = 2
CUSTOMERS = 200  # the last-units race needs this many; the other scenarios reuse them


@dataclass(frozen=True)
class Scale:
    """How big and how long each scenario is."""

    name: str
    race_customers: int
    race_stock: int
    retry_calls: int
    storm_seconds: float
    storm_customers: int
    fault_seconds: float
    fault_clients: int


SCALES = {
    # `make test-concurrency`
    "full": Scale("full", 200, 50, 20, 20.0, 24, 10.0, 16),
    # `make test`: the same races, shorter storms
    "bounded": Scale("bounded", 200, 50, 20, 5.0, 12, 4.0, 12),
}


def scale_from_env() -> Scale:
    name = os.environ.get("CONCURRENCY_SCALE", "bounded")
    if name not in SCALES:
        raise ValueError(f"CONCURRENCY_SCALE={name!r}; use one of {sorted(SCALES)}")
    return SCALES[name]


def pk(global_id: str) -> int:
    """The primary key in a relay global ID ("Order:12", base64)."""
    return int(base64.b64decode(global_id).decode().partition(":")[2])


@dataclass
class Live:
    database_url: str
    env: dict[str, str]  # the server's (DATABASE_URL may be PgBouncer's)
    server: Server
    cluster: PostgresCluster | None  # None: someone else's server, not ours to restart
    staff: GraphQLHttpClient
    customers: list[dict[str, str]]  # username, sessionid (seeded sign-in)
    password: str

    def customer(self, index: int) -> GraphQLHttpClient:
        """Customer number `index` (< CUSTOMERS), already signed in."""
        client = self.server.client()
        client.cookies["sessionid"] = self.customers[index]["sessionid"]
        return client

    def sign_in(self, index: int) -> GraphQLHttpClient:
        """Customer number `index`, signed in afresh through the Login mutation."""
        client = self.server.client()
        client.login(self.customers[index]["username"], self.password)
        return client

    def create_product(self, stock: int, price: str = "12.50") -> str:
        name = f"Suite product {uuid4().hex[:8]}"
        reply = self.staff.run(
            "CreateProduct",
            input={
                "name": name,
                "description": "",
                "price": price,
                "stockQuantity": stock,
            },
        )
        product = reply.data.get("createProduct") or {}
        assert product.get("__typename") == "Product", reply.raw[:500]
        return str(product["id"])

    def stock(self, product_id: str) -> int:
        [(stock,)] = ledger.query(
            self.database_url,
            "SELECT stock_quantity FROM products_product WHERE id = %s",
            [pk(product_id)],
        )
        return int(stock)

    def orders_of(self, product_id: str) -> list[dict[str, Any]]:
        rows = ledger.query(
            self.database_url,
            "SELECT id, customer_id, quantity, status, idempotency_key"
            " FROM orders_order WHERE product_id = %s ORDER BY id",
            [pk(product_id)],
        )
        names = ("id", "customer_id", "quantity", "status", "idempotency_key")
        return [dict(zip(names, row, strict=True)) for row in rows]

    def audit(self) -> ledger.Audit:
        return ledger.audit(self.database_url)


def execute_autocommit(url: str, sql: str) -> None:
    connection = psycopg2.connect(url)
    connection.autocommit = True  # CREATE and DROP DATABASE refuse transactions
    try:
        with connection.cursor() as cursor:
            cursor.execute(sql)
    finally:
        connection.close()


@contextmanager
def live_database() -> Iterator[tuple[str, PostgresCluster | None]]:
    """A database of our own: on a throwaway cluster, else on DATABASE_URL's server."""
    try:
        find_bindir()
    except PostgresUnavailable:
        pass
    else:
        with running_cluster() as cluster:
            yield cluster.url(), cluster
        return
    # No server binaries here (CI gave us a server): a scratch database on it.
    server_url = os.environ["DATABASE_URL"]
    name = f"ordergraph_live_{uuid4().hex[:8]}"
    execute_autocommit(server_url, f'CREATE DATABASE "{name}"')
    try:
        yield urlunsplit(urlsplit(server_url)._replace(path=f"/{name}")), None
    finally:
        execute_autocommit(server_url, f'DROP DATABASE "{name}" WITH (FORCE)')


def seed(env: dict[str, str]) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-m", "tools.seed_accounts", str(CUSTOMERS)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    accounts: dict[str, Any] = json.loads(done.stdout)
    return accounts


def pooler_from_env() -> str:
    """CONCURRENCY_POOLER: "" (the servers connect to PostgreSQL) or "pgbouncer"."""
    name = os.environ.get("CONCURRENCY_POOLER", "")
    if name not in ("", "pgbouncer"):
        raise ValueError(f"CONCURRENCY_POOLER={name!r}; use 'pgbouncer' or nothing")
    return name


@contextmanager
def running_live_site() -> Iterator[Live]:
    """Migrate a fresh database, seed it, serve it with the production server.

    With CONCURRENCY_POOLER=pgbouncer the server reaches PostgreSQL through a
    PgBouncer in transaction pooling mode with POOL_SIZE server connections,
    fewer than its WORKERS; migrations, the seed and the audit go direct.
    """
    with ExitStack() as stack:
        database_url, cluster = stack.enter_context(live_database())
        env = production_env(database_url)
        manage(env, "migrate", "--noinput")
        ledger.install(database_url)
        accounts = seed(env)
        if pooler_from_env():
            if cluster is None:
                raise PostgresUnavailable("PgBouncer runs in front of our own cluster")
            bouncer = stack.enter_context(
                running_pgbouncer(cluster, pool_size=POOL_SIZE)
            )
            # The same SECRET_KEY: the seeded sessions must stay valid.
            env = {
                **env,
                "DATABASE_URL": bouncer.url(),
                "DATABASE_TRANSACTION_POOLING": "1",
            }
        server = stack.enter_context(running_server(env, workers=WORKERS))
        staff = server.client()
        staff.login(accounts["staff"], accounts["password"])
        yield Live(
            database_url=database_url,
            env=env,
            server=server,
            cluster=cluster,
            staff=staff,
            customers=accounts["customers"],
            password=accounts["password"],
        )
