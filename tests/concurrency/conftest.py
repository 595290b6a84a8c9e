"""The concurrency suite: the production server on a real PostgreSQL, over HTTP.

Runs in the PostgreSQL run of `make test` at the bounded scale and, at full
scale, in `make test-concurrency`; the SQLite run skips it. The scenarios
share one live site (a fresh database, gunicorn with 4 workers): each works on
products of its own, and the ledger audit covers everything.
"""

from __future__ import annotations

import datetime
import os
from collections.abc import Callable, Iterator

import pytest

from tests.concurrency.live import (
    POOL_SIZE,
    WORKERS,
    Live,
    Scale,
    pooler_from_env,
    running_live_site,
)
from tests.concurrency.live import scale_from_env as _scale_from_env
from tests.concurrency.load import Tally, table
from tools.postgres import POSTGRES_SCHEMES

REPORT = pytest.StashKey[list[Tally]]()
# Rows of figures a scenario reports besides its tally, in tables of their own
# (one per title).
FIGURES = pytest.StashKey[dict[str, list[dict[str, str]]]]()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # Faults last: the other scenarios run on a server nothing has disturbed.
    faults = ("test_worker_killed.py", "test_postgres_restart.py")
    items.sort(
        key=lambda item: (
            faults.index(item.path.name) + 1 if item.path.name in faults else 0
        )
    )


@pytest.fixture(scope="session")
def scale() -> Scale:
    return _scale_from_env()


@pytest.fixture(scope="session")
def live() -> Iterator[Live]:
    if not os.environ.get("DATABASE_URL", "").startswith(POSTGRES_SCHEMES):
        pytest.skip("needs PostgreSQL: runs in `make test-postgres` and below")
    with running_live_site() as site:
        yield site


@pytest.fixture
def healthy(live: Live) -> Live:
    """The live site, checked to be answering with all its workers."""
    live.server.wait_until_ready()
    live.server.wait_for_workers(WORKERS)
    return live


@pytest.fixture
def tally(request: pytest.FixtureRequest) -> Callable[[str], Tally]:
    """Make a scenario's tally; it is printed at the end even if the test fails."""

    def make(scenario: str) -> Tally:
        new = Tally(scenario)
        request.config.stash.setdefault(REPORT, []).append(new)
        return new

    return make


@pytest.fixture
def figures(request: pytest.FixtureRequest) -> Callable[[str, dict[str, str]], None]:
    """Report a row of figures under a title; printed at the end."""

    def report(title: str, row: dict[str, str]) -> None:
        request.config.stash.setdefault(FIGURES, {}).setdefault(title, []).append(row)

    return report


def pytest_terminal_summary(
    terminalreporter: pytest.TerminalReporter, config: pytest.Config
) -> None:
    tallies = config.stash.get(REPORT, [])
    if not tallies:
        return
    scale = _scale_from_env()
    today = datetime.date.today().isoformat()
    terminalreporter.section(
        f"concurrency suite: {scale.name} scale, {WORKERS} gunicorn workers"
        + (f" through PgBouncer ({POOL_SIZE} connections)" if pooler_from_env() else "")
        + f", {today}"
    )
    terminalreporter.write_line(table([t.row() for t in tallies]))
    for title, rows in config.stash.get(FIGURES, {}).items():
        terminalreporter.write_line("")
        terminalreporter.write_line(title)
        terminalreporter.write_line(table(rows))
