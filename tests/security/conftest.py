"""The production server (gunicorn, DEBUG off) for the tests that attack it."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.conf import settings
from django.db import connection
from pytest_django import DjangoDbBlocker

from tools.postgres import POSTGRES_SCHEMES
from tools.server import Server, manage, production_env, running_server

# As the attacker met it: two sync workers.
WORKERS = 2


def on_postgres() -> bool:
    return os.environ.get("DATABASE_URL", "").startswith(POSTGRES_SCHEMES)


@pytest.fixture(scope="session")
def production_server(
    django_db_setup: None, django_db_blocker: DjangoDbBlocker
) -> Iterator[Server]:
    """gunicorn on the test database (PostgreSQL), or on a migrated SQLite file.

    It shares the test process's SECRET_KEY, so sessions made in a test sign
    a client in. Rows a `transactional_db` test commits are what it serves.
    """
    with tempfile.TemporaryDirectory(prefix="ordergraph-attack-") as scratch:
        if on_postgres():
            with django_db_blocker.unblock():
                name = connection.settings_dict["NAME"]
            url = urlunsplit(
                urlsplit(os.environ["DATABASE_URL"])._replace(path=f"/{name}")
            )
        else:
            # The SQLite test database lives in this process's memory.
            url = f"sqlite:///{Path(scratch) / 'server.sqlite3'}"
        env = production_env(url, secret_key=settings.SECRET_KEY)
        if not on_postgres():
            manage(env, "migrate", "--noinput")
        with running_server(env, workers=WORKERS) as server:
            yield server
