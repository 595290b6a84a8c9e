"""Real JavaScript clients against a live server: the Node suite in this folder
(`node --test`, its packages pinned by package-lock.json and installed with
`npm ci`) runs against the ASGI application under uvicorn on a database of its
own, served three ways: production settings, the same with introspection on
(the spec audit's variables checks query `__type`), and DEBUG. Its output is
this test's failure message.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

import pytest

from tests.live.site import PASSWORD, STAFF, running_site
from tools.asgi_server import AsgiServer, running_asgi_server
from tools.graphql_http import HOST

HERE = Path(__file__).resolve().parent
LOCK = HERE / "package-lock.json"
# node_modules is installed again only when the lock file changes.
STAMP = HERE / "node_modules" / ".ordergraph-lock-sha256"
INSTALL_TIMEOUT_SECONDS = 300
RUN_TIMEOUT_SECONDS = 180
MIN_NODE = 20


def _missing(reason: str) -> NoReturn:
    if os.environ.get("CI"):
        pytest.fail(f"{reason}; CI must have them (.ci/run installs them)")
    pytest.skip(reason)


def _node_and_npm() -> tuple[str, str]:
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        _missing("Node.js 20 and npm are not installed (Debian: nodejs, npm)")
    version = subprocess.run(
        [node, "--version"], capture_output=True, text=True, check=True
    ).stdout.strip()
    if int(version.lstrip("v").split(".")[0]) < MIN_NODE:
        _missing(f"Node.js {version} is older than {MIN_NODE} (graphql-ws 6 needs it)")
    return node, npm


def _install(npm: str) -> None:
    wanted = hashlib.sha256(LOCK.read_bytes()).hexdigest()
    if STAMP.exists() and STAMP.read_text() == wanted:
        return
    done = subprocess.run(
        [npm, "ci", "--no-audit", "--no-fund", "--prefer-offline"],
        cwd=HERE,
        capture_output=True,
        text=True,
        timeout=INSTALL_TIMEOUT_SECONDS,
        check=False,
    )
    if done.returncode != 0:
        pytest.fail(f"npm ci failed:\n{done.stdout}\n{done.stderr}")
    STAMP.write_text(wanted)


@pytest.fixture(scope="module")
def node() -> str:
    node, npm = _node_and_npm()
    _install(npm)
    return node


@dataclass
class Servers:
    """One database served three ways; each server's URL and log."""

    urls: dict[str, str]
    logs: dict[str, AsgiServer]

    def log_tails(self) -> str:
        return "\n".join(
            f"{name} server log:\n{server.log_tail()}"
            for name, server in self.logs.items()
        )


def _graphql_url(server: AsgiServer) -> str:
    return f"http://{HOST}:{server.port}/graphql/"


@pytest.fixture(scope="module")
def servers() -> Iterator[Servers]:
    with ExitStack() as stack:
        site = stack.enter_context(running_site())
        # The audited servers keep the default cost bucket, as deployed.
        audited = {k: v for k, v in site.env.items() if k != "GRAPHQL_COST_BUCKET"}
        logs = {
            "production": site.server,
            "introspection": stack.enter_context(
                running_asgi_server({**audited, "GRAPHQL_INTROSPECTION_ENABLED": "1"})
            ),
            "debug": stack.enter_context(
                running_asgi_server({**audited, "DEBUG": "1"})
            ),
        }
        yield Servers(
            urls={
                "ORDERGRAPH_GRAPHQL_URL": _graphql_url(logs["production"]),
                "ORDERGRAPH_INTROSPECTION_URL": _graphql_url(logs["introspection"]),
                "ORDERGRAPH_DEBUG_URL": _graphql_url(logs["debug"]),
            },
            logs=logs,
        )


def test_the_node_client_suite_passes_against_the_live_server(node, servers):
    env = {
        **os.environ,
        **servers.urls,
        "ORDERGRAPH_STAFF_USERNAME": STAFF,
        "ORDERGRAPH_STAFF_PASSWORD": PASSWORD,
    }

    done = subprocess.run(
        [node, "--test", "--test-reporter=spec"],
        cwd=HERE,
        env=env,
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT_SECONDS,
        check=False,
    )

    assert done.returncode == 0, (
        f"node --test failed:\n{done.stdout}\n{done.stderr}\n{servers.log_tails()}"
    )
