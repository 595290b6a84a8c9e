"""The production topology, served from a database of its own.

On PostgreSQL (`make test-postgres`) a scratch database on DATABASE_URL's
server; otherwise a SQLite file. Either is migrated once per test session.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit
from uuid import uuid4

import psycopg2
import pytest

from tests.support.postgres import POSTGRES_SCHEMES
from tests.support.server import Stack, manage, production_env, running_stack

# The front's timeouts in these tests (production's are longer: README).
STALL_TIMEOUT = 4.0
# Requests in flight at once per client address, in these tests.
PER_CLIENT = 8


def _autocommit(url: str, sql: str) -> None:
    connection = psycopg2.connect(url)
    connection.autocommit = True  # CREATE and DROP DATABASE refuse transactions
    try:
        with connection.cursor() as cursor:
            cursor.execute(sql)
    finally:
        connection.close()


@pytest.fixture(scope="session")
def site_database() -> Iterator[str]:
    server_url = os.environ.get("DATABASE_URL", "")
    if not server_url.startswith(POSTGRES_SCHEMES):
        with tempfile.TemporaryDirectory(prefix="ordergraph-site-") as folder:
            yield f"sqlite:///{Path(folder) / 'db.sqlite3'}"
        return
    name = f"ordergraph_site_{uuid4().hex[:8]}"
    _autocommit(server_url, f'CREATE DATABASE "{name}"')
    try:
        yield urlunsplit(urlsplit(server_url)._replace(path=f"/{name}"))
    finally:
        _autocommit(server_url, f'DROP DATABASE "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def site_env(site_database: str) -> dict[str, str]:
    """The production environment on a migrated database."""
    env = production_env(site_database)
    manage(env, "migrate", "--noinput")
    return env


@pytest.fixture(scope="session")
def stack(site_env: dict[str, str]) -> Iterator[Stack]:
    """nginx -> gunicorn with 2 workers, with short timeouts for slow clients."""
    with running_stack(
        site_env,
        workers=2,
        client_header_timeout=STALL_TIMEOUT,
        client_body_timeout=STALL_TIMEOUT,
        send_timeout=STALL_TIMEOUT,
        keepalive_timeout=STALL_TIMEOUT,
        max_connections_per_client=PER_CLIENT,
    ) as running:
        yield running
