"""Run the production server (gunicorn with the project's own config) for tests.

    with running_server(production_env(database_url), workers=4) as server:
        GraphQLHttpClient(server.port).execute("{ __typename }")

The server runs with DEBUG off on a free 127.0.0.1 port; it and all its
workers are stopped when the block ends, however it ends.

    with running_stack(production_env(database_url), workers=2) as stack:
        stack.client().get_typename()        # through nginx (deploy/stack.py)

runs the production topology instead: nginx in front of that server, and of
uvicorn for WebSocket upgrades of /graphql/ (`stack.websocket_url`).
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from deploy import stack as deploy_stack
from deploy.reload import workers_of
from tools.graphql_http import HOST, GraphQLHttpClient

REPO = Path(__file__).resolve().parents[1]
READY_TIMEOUT_SECONDS = 60.0
STOP_TIMEOUT_SECONDS = 15.0


class ServerError(RuntimeError):
    """The server did not start, or stopped answering."""


def production_env(
    database_url: str, *, secret_key: str | None = None, **extra: str
) -> dict[str, str]:
    """The environment a production deployment gives the server (and manage.py)."""
    # Drop pytest-django's DJANGO_SETTINGS_MODULE and any local knobs: the
    # server must run on config.settings exactly as deployed.
    inherited = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "PYTHONPATH")
    env = {name: os.environ[name] for name in inherited if name in os.environ}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DATABASE_URL=database_url,
        DEBUG="0",
        SECRET_KEY=secret_key or secrets.token_urlsafe(48),
        ALLOWED_HOSTS=HOST,
        LOG_LEVEL="WARNING",
        PYTHONUNBUFFERED="1",
        # The suites that drive this server send loops on purpose; a test of
        # the cost bucket passes its own GRAPHQL_COST_BUCKET.
        GRAPHQL_COST_BUCKET="0",
    )
    env.update(extra)
    return env


def manage(env: Mapping[str, str], *args: str, stdin: str | None = None) -> str:
    """Run a manage.py command in that environment; return its standard output."""
    done = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=REPO,
        env=dict(env),
        input=stdin,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    if done.returncode != 0:
        raise ServerError(f"manage.py {' '.join(args)} failed:\n{done.stderr[-3000:]}")
    return done.stdout


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def children_of(pid: int) -> list[int]:
    """Live child processes of pid (gunicorn's workers, for the arbiter)."""
    return sorted(workers_of(pid))


class Server:
    """A running gunicorn arbiter, its workers, its port and its log."""

    def __init__(self, process: subprocess.Popen[bytes], port: int, log: Path):
        self.process, self.port, self.log = process, port, log

    def client(self, timeout: float = 30.0) -> GraphQLHttpClient:
        return GraphQLHttpClient(self.port, timeout=timeout)

    def workers(self) -> list[int]:
        return children_of(self.process.pid)

    def log_tail(self, chars: int = 4000) -> str:
        return self.log.read_text(errors="replace")[-chars:]

    def wait_until_ready(
        self, timeout: float = READY_TIMEOUT_SECONDS, *, answers_queries: bool = True
    ) -> None:
        """Return once the server answers a query (any request, when its
        settings refuse plain queries); raise if it died or never did."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise ServerError(f"gunicorn exited early:\n{self.log_tail()}")
            try:
                reply = self.client(timeout=5).get_typename()
            except OSError:
                time.sleep(0.1)
                continue
            if not answers_queries or (reply.status == 200 and reply.json.get("data")):
                return
            time.sleep(0.1)
        raise ServerError(f"no answer within {timeout:.0f} s:\n{self.log_tail()}")

    def wait_for_workers(self, count: int, timeout: float = 30.0) -> list[int]:
        """Return the worker pids once there are `count` of them."""
        deadline = time.monotonic() + timeout
        while len(workers := self.workers()) != count:
            if time.monotonic() > deadline:
                raise ServerError(
                    f"{len(workers)} workers, expected {count}:\n{self.log_tail()}"
                )
            time.sleep(0.1)
        return workers

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)  # graceful: finish requests
            with suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=STOP_TIMEOUT_SECONDS)
        # The arbiter leads its own process group: whatever is left in it
        # (a stuck worker, an orphan) goes too.
        with suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()


@contextmanager
def running_server(
    env: Mapping[str, str], *, workers: int = 4, answers_queries: bool = True
) -> Iterator[Server]:
    """Start gunicorn -c config/gunicorn.conf.py; yield it once it answers.

    answers_queries: False for settings that refuse `{ __typename }`
    (GRAPHQL_TRUSTED_DOCUMENTS=only): then any answer will do.
    """
    port = free_port()  # could be taken again before gunicorn binds; unlikely
    log_dir = Path(tempfile.mkdtemp(prefix="ordergraph-server-"))
    log = log_dir / "gunicorn.log"
    command = deploy_stack.gunicorn_command()
    server_env = {**env, "BIND": f"{HOST}:{port}", "WEB_CONCURRENCY": str(workers)}
    with log.open("wb") as output:
        process = subprocess.Popen(
            command,
            cwd=REPO,
            env=server_env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = Server(process, port, log)
    try:
        server.wait_until_ready(answers_queries=answers_queries)
        yield server
    finally:
        server.stop()
        shutil.rmtree(log_dir, ignore_errors=True)


@dataclass
class Stack:
    """nginx in front of gunicorn: the front's port, and the server behind it."""

    front: deploy_stack.Stack
    app: Server

    @property
    def port(self) -> int:
        return self.front.port

    @property
    def origin(self) -> str:
        return f"http://{HOST}:{self.port}"

    @property
    def websocket_url(self) -> str:
        """graphql-transport-ws through the front (routed to uvicorn)."""
        return f"ws://{HOST}:{self.port}/graphql/"

    def client(self, timeout: float = 30.0, **options: Any) -> GraphQLHttpClient:
        return GraphQLHttpClient(self.port, timeout=timeout, **options)

    def log_tail(self, chars: int = 4000) -> str:
        return self.app.log_tail(chars)


@contextmanager
def running_stack(
    env: Mapping[str, str],
    *,
    workers: int = 2,
    answers_queries: bool = True,
    pgbouncer: bool = False,
    redis: bool = False,
    **front_options: Any,
) -> Iterator[Stack]:
    """Start the production topology (deploy/stack.py) on free loopback ports.

    answers_queries: wait for a query to succeed (False: for a stack whose
    settings refuse plain queries, SECURE_SSL_REDIRECT say).
    pgbouncer, redis: a throwaway PgBouncer in front of env's PostgreSQL, a
    throwaway Redis (STACK_PGBOUNCER, STACK_REDIS).
    front_options: FrontOptions fields (short timeouts for a test, say).
    """
    options = deploy_stack.FrontOptions(
        host=HOST, port=free_port(), worker_processes="1", **front_options
    )
    log_dir = Path(tempfile.mkdtemp(prefix="ordergraph-stack-"))
    log = log_dir / "stack.log"
    server_env = {**env, "WEB_CONCURRENCY": str(workers)}
    try:
        with (
            log.open("wb") as output,
            deploy_stack.backing_services(
                server_env, pgbouncer=pgbouncer, redis=redis
            ) as server_env,
            deploy_stack.running_stack(server_env, options, output=output) as front,
        ):
            app = Server(front.app, front.app_port, log)
            if answers_queries:
                app.wait_until_ready()
            app.wait_for_workers(workers)
            yield Stack(front, app)
    finally:
        shutil.rmtree(log_dir, ignore_errors=True)
