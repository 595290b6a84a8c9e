"""Run the ASGI application (config/asgi.py) under uvicorn for tests.

    with running_asgi_server(production_env(database_url)) as server:
        server.client().get_typename()          # plain HTTP
        server.websocket_url                    # ws://127.0.0.1:PORT/graphql/

The sibling of tools/server.py (gunicorn): DEBUG off, a free
127.0.0.1 port, stopped with everything it started when the block ends.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path

from tools.graphql_http import HOST, GraphQLHttpClient
from tools.server import (
    READY_TIMEOUT_SECONDS,
    REPO,
    STOP_TIMEOUT_SECONDS,
    ServerError,
    free_port,
)


class AsgiServer:
    """A running uvicorn process, its port and its log."""

    def __init__(self, process: subprocess.Popen[bytes], port: int, log: Path):
        self.process, self.port, self.log = process, port, log

    @property
    def websocket_url(self) -> str:
        return f"ws://{HOST}:{self.port}/graphql/"

    def client(self, timeout: float = 30.0) -> GraphQLHttpClient:
        return GraphQLHttpClient(self.port, timeout=timeout)

    def log_tail(self, chars: int = 4000) -> str:
        return self.log.read_text(errors="replace")[-chars:]

    def wait_until_ready(self, timeout: float = READY_TIMEOUT_SECONDS) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise ServerError(f"uvicorn exited early:\n{self.log_tail()}")
            try:
                reply = self.client(timeout=5).get_typename()
            except OSError:
                time.sleep(0.1)
                continue
            if reply.status == 200:
                return
            time.sleep(0.1)
        raise ServerError(f"no answer within {timeout:.0f} s:\n{self.log_tail()}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            with suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=STOP_TIMEOUT_SECONDS)
        with suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()


@contextmanager
def running_asgi_server(
    env: Mapping[str, str], *, options: Sequence[str] = ()
) -> Iterator[AsgiServer]:
    """Start uvicorn on config.asgi:application; yield it once it answers.

    options: more uvicorn options (`--ws-ping-interval 1`, say).
    """
    port = free_port()
    log_dir = Path(tempfile.mkdtemp(prefix="ordergraph-asgi-"))
    log = log_dir / "uvicorn.log"
    command = [
        str(Path(sys.executable).with_name("uvicorn")),
        "config.asgi:application",
        "--host",
        HOST,
        "--port",
        str(port),
        "--lifespan",
        "off",
        "--no-access-log",
        *options,
    ]
    with log.open("wb") as output:
        process = subprocess.Popen(
            command,
            cwd=REPO,
            env=dict(env),
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = AsgiServer(process, port, log)
    try:
        server.wait_until_ready()
        yield server
    finally:
        server.stop()
        shutil.rmtree(log_dir, ignore_errors=True)
