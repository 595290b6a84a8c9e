"""A live site for the WebSocket tests: a database of its own, served by the
ASGI application under uvicorn (sockets and plain HTTP on one port).

On PostgreSQL (DATABASE_URL) the database is a throwaway cluster or a scratch
database, as in the concurrency suite; in the SQLite run, a file in a
temporary directory, so that the server process and the test share it.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.concurrency.live import live_database
from tools.asgi_server import AsgiServer, running_asgi_server
from tools.graphql_http import HOST, GraphQLHttpClient
from tools.postgres import POSTGRES_SCHEMES
from tools.server import manage, production_env

PASSWORD = "a-long-and-unusual-passphrase"
STAFF = "staffer"


def register(client: GraphQLHttpClient, username: str) -> GraphQLHttpClient:
    """Register `username` through `client`, which is then signed in as them."""
    reply = client.run(
        "Register",
        input={
            "username": username,
            "email": f"{username}@example.com",
            "password": PASSWORD,
        },
    )
    assert reply.data["register"]["__typename"] == "User", reply.json
    return client


def new_product(staff: GraphQLHttpClient, stock: int = 1000) -> str:
    reply = staff.run(
        "CreateProduct",
        input={"name": "Kettle", "price": "20.00", "stockQuantity": stock},
    )
    return str(reply.data["createProduct"]["id"])


def place(customer: GraphQLHttpClient, product_id: str) -> str:
    reply = customer.run("PlaceOrder", input={"productId": product_id, "quantity": 1})
    return str(reply.data["createOrder"]["id"])


def ship(staff: GraphQLHttpClient, order_id: str) -> None:
    reply = staff.run("SetOrderStatus", input={"id": order_id, "status": "SHIPPED"})
    assert reply.data["updateOrder"]["status"] == "SHIPPED", reply.json


@dataclass
class Site:
    server: AsgiServer
    env: dict[str, str]

    @property
    def origin(self) -> str:
        return f"http://{HOST}:{self.server.port}"

    @property
    def websocket_url(self) -> str:
        return self.server.websocket_url

    def sign_in(self, username: str) -> GraphQLHttpClient:
        client = self.server.client()
        client.login(username, PASSWORD)
        return client

    def register(self, username: str) -> GraphQLHttpClient:
        return register(self.server.client(), username)


def create_staff(env: dict[str, str]) -> None:
    """The staff account (STAFF, PASSWORD) in env's database."""
    manage(
        {**env, "DJANGO_SUPERUSER_PASSWORD": PASSWORD},
        "createsuperuser",
        "--noinput",
        "--username",
        STAFF,
        "--email",
        "staff@example.com",
    )


@contextmanager
def _database() -> Iterator[str]:
    if os.environ.get("DATABASE_URL", "").startswith(POSTGRES_SCHEMES):
        with live_database() as (url, _cluster):
            yield url
        return
    directory = Path(tempfile.mkdtemp(prefix="ordergraph-live-"))
    try:
        yield f"sqlite:///{directory / 'db.sqlite3'}"
    finally:
        shutil.rmtree(directory, ignore_errors=True)


@contextmanager
def running_site(server_options: Sequence[str] = (), **settings: str) -> Iterator[Site]:
    """Migrate a fresh database with one staff account; serve it (uvicorn with
    `server_options` besides the usual ones)."""
    with ExitStack() as stack:
        env = production_env(stack.enter_context(_database()), **settings)
        manage(env, "migrate", "--noinput")
        create_staff(env)
        server = stack.enter_context(running_asgi_server(env, options=server_options))
        yield Site(server=server, env=env)
