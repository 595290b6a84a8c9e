"""A throwaway PgBouncer on loopback in front of a PostgreSQL server (tests).

    with running_cluster() as cluster, running_pgbouncer(cluster, pool_size=2) as pool:
        pool.url()      # what the servers get as DATABASE_URL

Transaction pooling, as production runs it (README "Operations"), with at
most `pool_size` server connections whatever the number of clients: the
production template, deploy/pgbouncer.ini. Debian's `pgbouncer` (installed by
.ci/run when missing).
"""

from __future__ import annotations

import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import replace
from pathlib import Path

import psycopg2

from deploy.render import Postgres, pgbouncer_files, pooled_url
from tools.postgres import DATABASE, PostgresCluster, _server_user_prefix
from tools.postgres import free_port as _free_port

READY_TIMEOUT_SECONDS = 30.0
STOP_TIMEOUT_SECONDS = 10.0


class PgBouncerUnavailable(RuntimeError):
    """No pgbouncer binary, or it did not start."""


def find_pgbouncer() -> str:
    found = shutil.which("pgbouncer") or (
        "/usr/sbin/pgbouncer" if Path("/usr/sbin/pgbouncer").is_file() else None
    )
    if found is None:
        raise PgBouncerUnavailable(
            "no pgbouncer binary; install Debian's `pgbouncer` (.ci/run does)"
        )
    return found


class PgBouncer:
    def __init__(
        self,
        root: Path,
        port: int,
        process: subprocess.Popen[bytes],
        postgres: Postgres,
    ):
        self.root, self.port, self.process = root, port, process
        self.postgres = postgres
        self.log = root / "pgbouncer.log"

    def url(self, database: str | None = None) -> str:
        """DATABASE_URL's login, at PgBouncer (its database unless another)."""
        postgres = self.postgres
        if database is not None:
            postgres = replace(postgres, database=database)
        return pooled_url(postgres, "127.0.0.1", self.port)

    def log_tail(self, chars: int = 3000) -> str:
        return (
            self.log.read_text(errors="replace")[-chars:] if self.log.exists() else ""
        )

    def wait_until_ready(self) -> None:
        deadline = time.monotonic() + READY_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise PgBouncerUnavailable(f"pgbouncer exited:\n{self.log_tail()}")
            try:
                connection = psycopg2.connect(self.url(), connect_timeout=2)
            except psycopg2.OperationalError:
                time.sleep(0.1)
                continue
            connection.close()
            return
        raise PgBouncerUnavailable(f"pgbouncer did not answer:\n{self.log_tail()}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)  # immediate shutdown
            with suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=STOP_TIMEOUT_SECONDS)
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()


@contextmanager
def running_pgbouncer(
    cluster: PostgresCluster, *, pool_size: int
) -> Iterator[PgBouncer]:
    """A PgBouncer in front of our throwaway cluster."""
    with running_pgbouncer_for(cluster.url(DATABASE), pool_size=pool_size) as pool:
        yield pool


@contextmanager
def running_pgbouncer_for(database_url: str, *, pool_size: int) -> Iterator[PgBouncer]:
    """A PgBouncer on a free loopback port in front of DATABASE_URL's server,
    configured from deploy/pgbouncer.ini; it logs in as DATABASE_URL does."""
    binary = find_pgbouncer()
    postgres = Postgres.from_url(database_url)
    root = Path(tempfile.mkdtemp(prefix="ordergraph-pgbouncer-"))
    try:
        port = _free_port()
        files = pgbouncer_files(
            postgres, folder=root, listen_port=port, pool_size=pool_size
        )
        for name, text in files.items():
            (root / name).write_text(text)
        # PgBouncer refuses to run as root, like PostgreSQL.
        prefix = _server_user_prefix(root)
        process = subprocess.Popen(
            [*prefix, binary, str(root / "pgbouncer.ini")],
            cwd=root,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        bouncer = PgBouncer(root, port, process, postgres)
        try:
            bouncer.wait_until_ready()
            yield bouncer
        finally:
            bouncer.stop()
    finally:
        shutil.rmtree(root, ignore_errors=True)
