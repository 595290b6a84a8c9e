"""A throwaway redis-server on a free 127.0.0.1 port, for tests.

    with running_redis() as redis_server:
        env = production_env(database_url, REDIS_URL=redis_server.url())

Nothing is written to disk (no RDB snapshots, no AOF) and the server is
stopped when the block ends, however it ends. `stop()` and `start()` on the
same port let a test take Redis away and bring it back.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

HOST = "127.0.0.1"
READY_TIMEOUT_SECONDS = 10.0
STOP_TIMEOUT_SECONDS = 10.0


class RedisUnavailable(RuntimeError):
    """No redis-server binary, or it did not come up."""


def find_redis_server() -> str:
    found = shutil.which("redis-server")
    if found is None:
        raise RedisUnavailable(
            "no redis-server on PATH; install it (Debian package `redis-server`)"
        )
    return found


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def _answers_ping(port: int) -> bool:
    try:
        with socket.create_connection((HOST, port), timeout=1) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(64).startswith(b"+PONG")
    except OSError:
        return False


class RedisServer:
    """One redis-server process, restartable on the same port."""

    def __init__(self, binary: str, root: Path) -> None:
        self.binary, self.root = binary, root
        self.port = free_port()  # could be taken before redis binds; unlikely
        self.log = root / "redis.log"
        self.process: subprocess.Popen[bytes] | None = None

    def url(self, db: int = 0) -> str:
        return f"redis://{HOST}:{self.port}/{db}"

    def start(self) -> None:
        command = [
            self.binary,
            "--bind",
            HOST,
            "--port",
            str(self.port),
            # A cache for one test run: nothing to keep.
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(self.root),
            "--logfile",
            str(self.log),
            "--daemonize",
            "no",
        ]
        self.process = subprocess.Popen(
            command,
            cwd=self.root,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + READY_TIMEOUT_SECONDS
        while not _answers_ping(self.port):
            if self.process.poll() is not None or time.monotonic() > deadline:
                log = self.log.read_text(errors="replace") if self.log.exists() else ""
                self.stop()
                raise RedisUnavailable(f"redis-server did not start:\n{log[-2000:]}")
            time.sleep(0.05)

    def stop(self) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=STOP_TIMEOUT_SECONDS)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None


@contextmanager
def running_redis() -> Iterator[RedisServer]:
    """Start a throwaway redis-server; yield it; stop it and remove its files."""
    binary = find_redis_server()
    root = Path(tempfile.mkdtemp(prefix="ordergraph-redis-"))
    server = RedisServer(binary, root)
    try:
        server.start()
        yield server
    finally:
        with suppress(Exception):
            server.stop()
        shutil.rmtree(root, ignore_errors=True)
