"""The production topology, served from a database of its own.

On PostgreSQL (`make test-postgres`) a scratch database on DATABASE_URL's
server; otherwise a SQLite file. Either is migrated once per test session.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.site import scratch_database_url
from tools.server import Stack, manage, production_env, running_stack

# The front's timeouts in these tests (production's are longer: README).
STALL_TIMEOUT = 4.0
# Requests in flight at once per client address, in these tests.
PER_CLIENT = 8


@pytest.fixture(scope="session")
def site_database() -> Iterator[str]:
    with scratch_database_url() as url:
        yield url


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
