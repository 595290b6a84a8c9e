"""Run a command with DATABASE_URL pointing at a real (maybe throwaway) PostgreSQL."""

from __future__ import annotations

import glob
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from types import FrameType

USAGE = "usage: python -m tools.postgres -- COMMAND [ARG...]"
SUPERUSER = "ordergraph"
DATABASE = "ordergraph"
POSTGRES_SCHEMES = ("postgres://", "postgresql://", "pgsql://", "postgis://")
SERVER_SETTINGS = {
    "listen_addresses": "'127.0.0.1'",
    # Parallel test runs plus Django's test-database setup open many connections.
    "max_connections": "200",
    # Durability is pointless for a cluster that is deleted after the run.
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
}


class PostgresUnavailable(RuntimeError):
    """The harness could not provide a PostgreSQL server."""


def find_bindir() -> Path:
    """Return the newest installed PostgreSQL server bin directory."""
    pattern = os.environ.get("ORDERGRAPH_PG_BINDIR") or "/usr/lib/postgresql/*/bin"
    # Compare versions numerically so that 16 beats 9.6.
    found = sorted(
        map(Path, glob.glob(pattern)),
        key=lambda path: [int(n) for n in re.findall(r"\d+", str(path))],
        reverse=True,
    )
    for bindir in found:
        if all((bindir / b).is_file() for b in ("initdb", "pg_ctl", "createdb")):
            return bindir
    raise PostgresUnavailable(
        f"no PostgreSQL server binaries (initdb, pg_ctl) in {pattern}; install "
        "PostgreSQL (Debian package `postgresql`) or set DATABASE_URL"
    )


def free_port() -> int:
    """A loopback port free now (another process could take it; unlikely)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _server_user_prefix(tmp: Path) -> list[str]:
    """Return the command prefix for server binaries, handing tmp to that user."""
    if os.geteuid() != 0:
        return []
    # PostgreSQL refuses to run as root; a bare CI machine may lack the user.
    try:
        user = pwd.getpwnam("postgres")
    except KeyError:
        cmd = ["useradd", "--system", "--no-create-home", "postgres"]
        subprocess.run(cmd, check=True)
        user = pwd.getpwnam("postgres")
    os.chown(tmp, user.pw_uid, user.pw_gid)
    return ["runuser", "-u", "postgres", "--"]


def _run_step(argv: list[str], cwd: Path) -> None:
    """Run a setup step, showing its output only if it fails."""
    done = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        output = (done.stdout + done.stderr).strip()
        raise PostgresUnavailable(f"`{' '.join(argv)}` failed:\n{output}")


class PostgresCluster:
    """A throwaway cluster under one temporary directory, owned by this process."""

    def __init__(self, bindir: Path, root: Path, prefix: list[str]) -> None:
        self.bindir, self.root, self.prefix = bindir, root, prefix
        self.data, self.log = root / "data", root / "server.log"
        self.port = 0

    def url(self, database: str = DATABASE) -> str:
        return f"postgres://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    def init(self) -> None:
        # C collation sorts by code point, like SQLite, so both backends agree.
        initdb = [str(self.bindir / "initdb"), "-D", str(self.data), "-U", SUPERUSER]
        initdb += ["--auth=trust", "--encoding=UTF8", "--locale=C", "--no-sync"]
        _run_step([*self.prefix, *initdb], self.root)
        self.port = free_port()
        settings = {**SERVER_SETTINGS, "port": str(self.port)}
        settings["unix_socket_directories"] = f"'{self.root}'"
        with (self.data / "postgresql.conf").open("a") as conf:
            conf.writelines(f"{name} = {value}\n" for name, value in settings.items())

    def _pg_ctl(self, *args: str) -> None:
        pg_ctl = [str(self.bindir / "pg_ctl"), "-D", str(self.data), "-w"]
        try:
            _run_step([*self.prefix, *pg_ctl, "-l", str(self.log), *args], self.root)
        except PostgresUnavailable as exc:
            log = self.log.read_text(errors="replace") if self.log.exists() else ""
            raise PostgresUnavailable(
                f"{exc}\nserver log:\n{log or '(none)'}"
            ) from None

    def start(self, *server_options: str) -> None:
        """Start on self.port; server_options (e.g. "-c name=value") for this run."""
        # The port on the command line beats the one init wrote: a kept data
        # directory can then come up on a fresh port every time.
        options = " ".join(["-p", str(self.port), *server_options])
        self._pg_ctl("-o", options, "start")

    def postmaster_pid(self) -> int:
        """The running server's process id, from its lock file."""
        return int((self.data / "postmaster.pid").read_text().split()[0])

    def stop(self) -> None:
        """Fast shutdown: open sessions are cut off, transactions rolled back."""
        self._pg_ctl("-m", "fast", "stop")

    def restart(self, *, down_seconds: float = 0.0) -> None:
        """Stop, stay down for a while (clients see refused connections), start."""
        self.stop()
        time.sleep(down_seconds)
        self.start()

    def create_database(self, name: str) -> None:
        createdb = [str(self.bindir / "createdb"), "-h", "127.0.0.1"]
        createdb += ["-p", str(self.port), "-U", SUPERUSER, name]
        _run_step(createdb, self.root)


@contextmanager
def running_cluster() -> Iterator[PostgresCluster]:
    """Start a throwaway PostgreSQL cluster with one database, then destroy it."""
    bindir = find_bindir()
    root = Path(tempfile.mkdtemp(prefix="ordergraph-pg-"))
    cluster = PostgresCluster(bindir, root, prefix=[])
    started = False
    try:
        cluster.prefix = _server_user_prefix(root)
        cluster.init()
        started = True  # a failed start can still leave a postmaster behind
        cluster.start()
        cluster.create_database(DATABASE)
        yield cluster
    finally:
        if started:
            with suppress(PostgresUnavailable):
                cluster.stop()
        shutil.rmtree(root, ignore_errors=True)


@contextmanager
def running_postgres() -> Iterator[str]:
    """Start a throwaway PostgreSQL cluster, yield its URL, then destroy it."""
    with running_cluster() as cluster:
        yield cluster.url()


def _exit_on_signal(signum: int, _frame: FrameType | None) -> None:
    """Turn a termination signal into SystemExit so cleanup still runs."""
    raise SystemExit(128 + signum)


def _run(command: list[str], env: dict[str, str]) -> int:
    """Run command to completion and return a shell-style exit status."""
    child = subprocess.Popen(command, env=env)

    def forward(signum: int, _frame: FrameType | None) -> None:
        child.send_signal(signum)

    # Ctrl-C reaches the child via the terminal; we must outlive it to clean up.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, forward)
    status = child.wait()
    return 128 - status if status < 0 else status


def main(argv: list[str]) -> int:
    """Run the command in argv against PostgreSQL and return its exit status."""
    command = argv[1:] if argv[:1] == ["--"] else argv
    if not command or command[0] in ("-h", "--help"):
        print(USAGE, file=sys.stderr)
        return 2
    if shutil.which(command[0]) is None:
        print(f"postgres: command not found: {command[0]}", file=sys.stderr)
        return 127
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(POSTGRES_SCHEMES):
        os.execvp(command[0], command)
    if url:
        scheme = url.partition(":")[0]  # not the whole URL: it may hold a password
        print(f"postgres: ignoring {scheme}: DATABASE_URL", file=sys.stderr)
    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, _exit_on_signal)
    try:
        with running_postgres() as url:
            print(f"postgres: throwaway cluster at {url}", file=sys.stderr, flush=True)
            return _run(command, {**os.environ, "DATABASE_URL": url})
    except PostgresUnavailable as exc:
        print(f"postgres: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
