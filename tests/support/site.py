"""A migrated database of its own for a production server under test.

    with migrated_database() as env:
        with running_server(env, workers=2) as server: ...

On PostgreSQL when the suite runs there (a scratch database on DATABASE_URL's
server, dropped afterwards), else in a temporary SQLite file.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit
from uuid import uuid4

from tests.concurrency.live import execute_autocommit
from tools.postgres import POSTGRES_SCHEMES
from tools.server import manage, production_env


@contextmanager
def scratch_database_url() -> Iterator[str]:
    """A database of its own: on DATABASE_URL's PostgreSQL server, else a
    SQLite file; gone when the block ends."""
    server_url = os.environ.get("DATABASE_URL", "")
    if server_url.startswith(POSTGRES_SCHEMES):
        name = f"ordergraph_site_{uuid4().hex[:8]}"
        execute_autocommit(server_url, f'CREATE DATABASE "{name}"')
        try:
            yield urlunsplit(urlsplit(server_url)._replace(path=f"/{name}"))
        finally:
            execute_autocommit(server_url, f'DROP DATABASE "{name}" WITH (FORCE)')
        return
    directory = Path(tempfile.mkdtemp(prefix="ordergraph-site-"))
    try:
        yield f"sqlite:///{directory / 'db.sqlite3'}"
    finally:
        shutil.rmtree(directory, ignore_errors=True)


@contextmanager
def migrated_database(**extra: str) -> Iterator[dict[str, str]]:
    """Yield the production environment of a freshly migrated database."""
    with scratch_database_url() as url:
        env = production_env(url, **extra)
        manage(env, "migrate", "--noinput")
        yield env
