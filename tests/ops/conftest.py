"""A scratch site served by the production server with operations turned on.

One gunicorn with 2 workers for the module: metrics on a loopback port of
their own, JSON request lines at INFO, and a database trigger that makes
every order insert fail, for a masked error with an errorId.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.support.scratch_site import PASSWORD, SEED
from tests.support.site import scratch_database_url
from tools.graphql_http import HOST, GraphQLHttpClient
from tools.server import Server, free_port, manage, production_env, running_server

REFUSE_ORDERS = (
    "from tests.support.faults import refuse_order_inserts; refuse_order_inserts()"
)


@dataclass
class OpsSite:
    server: Server
    metrics_port: int
    metrics_dir: Path
    product_pk: int

    def client(self, **headers: str) -> GraphQLHttpClient:
        return GraphQLHttpClient(self.server.port, headers=dict(headers))

    def log_lines(self) -> list[dict[str, Any]]:
        """The server log's JSON lines (gunicorn's own lines are text)."""
        lines = []
        for line in self.server.log.read_text(errors="replace").splitlines():
            if line.startswith("{"):
                lines.append(json.loads(line))
        return lines


@contextmanager
def serving_ops_site(workers: int = 2, **extra: str) -> Iterator[OpsSite]:
    with ExitStack() as stack:
        env = production_env(stack.enter_context(scratch_database_url()))
        manage(env, "migrate", "--noinput")
        seeded = manage(env, "shell", "-c", SEED).split("SEEDED ", 1)[1]
        manage(env, "shell", "-c", REFUSE_ORDERS)
        metrics_dir = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        metrics_port = free_port()
        server = stack.enter_context(
            running_server(
                {
                    **env,
                    "LOG_LEVEL": "INFO",
                    "LOG_FORMAT": "json",
                    "METRICS_BIND": f"{HOST}:{metrics_port}",
                    "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir),
                    **extra,
                },
                workers=workers,
            )
        )
        server.wait_for_workers(workers)
        yield OpsSite(server, metrics_port, metrics_dir, json.loads(seeded)["product"])


@pytest.fixture(scope="module")
def ops_site() -> Iterator[OpsSite]:
    with serving_ops_site() as site:
        yield site


__all__ = ["PASSWORD", "OpsSite", "serving_ops_site"]
