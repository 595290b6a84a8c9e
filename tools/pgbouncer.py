"""A throwaway PgBouncer on loopback in front of a PostgreSQL server (tests).

    with running_cluster() as cluster, running_pgbouncer(cluster, pool_size=2) as pool:
        pool.url()      # what the servers get as DATABASE_URL

Transaction pooling, as production runs it (README "Operations"), with at
most `pool_size` server connections whatever the number of clients. Debian's
`pgbouncer` (installed by .ci/run when missing).
"""

from __future__ import annotations

import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import psycopg2

from tools.postgres import DATABASE, SUPERUSER, PostgresCluster, _server_user_prefix
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
    def __init__(self, root: Path, port: int, process: subprocess.Popen[bytes]):
        self.root, self.port, self.process = root, port, process
        self.log = root / "pgbouncer.log"

    def url(self, database: str = DATABASE) -> str:
        return f"postgres://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

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


def config(cluster: PostgresCluster, root: Path, port: int, pool_size: int) -> str:
    return f"""\
[databases]
* = host=127.0.0.1 port={cluster.port}

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {port}
unix_socket_dir =
auth_type = trust
auth_file = {root / "users.txt"}
admin_users = {SUPERUSER}
pool_mode = transaction
default_pool_size = {pool_size}
max_db_connections = {pool_size}
min_pool_size = 0
reserve_pool_size = 0
max_client_conn = 1000
; PostgreSQL restarting: retry its login every 0.1 s, not every 15 s (until
; then clients get the cached login error), and fail a client that waited
; this long for a server connection.
server_login_retry = 0.1
server_connect_timeout = 2
query_wait_timeout = 5
logfile = {root / "pgbouncer.log"}
pidfile = {root / "pgbouncer.pid"}
"""


@contextmanager
def running_pgbouncer(
    cluster: PostgresCluster, *, pool_size: int
) -> Iterator[PgBouncer]:
    binary = find_pgbouncer()
    root = Path(tempfile.mkdtemp(prefix="ordergraph-pgbouncer-"))
    try:
        # PgBouncer refuses to run as root, like PostgreSQL.
        prefix = _server_user_prefix(root)
        port = _free_port()
        (root / "users.txt").write_text(f'"{SUPERUSER}" ""\n')
        ini = root / "pgbouncer.ini"
        ini.write_text(config(cluster, root, port, pool_size))
        process = subprocess.Popen(
            [*prefix, binary, str(ini)],
            cwd=root,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        bouncer = PgBouncer(root, port, process)
        try:
            bouncer.wait_until_ready()
            yield bouncer
        finally:
            bouncer.stop()
    finally:
        shutil.rmtree(root, ignore_errors=True)
