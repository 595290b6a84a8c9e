"""Server processes under test, and the CPU time they (and PostgreSQL) spend."""

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from .loadgen import HOST, BenchError, Client, typename_path

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
SERVER_CPU = 1


@dataclass(frozen=True)
class Server:
    port: int
    pid: int  # the process that handles the requests (gunicorn's first worker)
    worker_pids: tuple[int, ...]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def server_command(
    kind: str,
    port: int,
    *,
    workers: int = 1,
    cpus: str | None = str(SERVER_CPU),
    options: Sequence[str] = (),
) -> list[str]:
    """gunicorn's sync workers or uvicorn, pinned to `cpus` unless it is None;
    `options` go to the server as they are."""
    if kind == "gunicorn":
        server = [str(BIN / "gunicorn"), "config.wsgi:application"]
        server += ["--bind", f"{HOST}:{port}", "--workers", str(workers)]
        server += ["--worker-class", "sync"]
    else:
        server = [str(BIN / "uvicorn"), "config.asgi:application"]
        server += ["--host", HOST, "--port", str(port), "--workers", str(workers)]
        server += ["--lifespan", "off", "--no-access-log"]
    pinning = ["taskset", "-c", cpus] if cpus is not None else []
    return [*pinning, *server, *options, "--log-level", "warning"]


@contextmanager
def serving(
    kind: str,
    env: dict[str, str],
    logs: Path,
    *,
    workers: int = 1,
    cpus: str | None = str(SERVER_CPU),
    options: Sequence[str] = (),
) -> Iterator[Server]:
    """Run one server until the block ends; yield it once it answers."""
    port = free_port()
    log_path = logs / f"{kind}-{port}.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            server_command(kind, port, workers=workers, cpus=cpus, options=options),
            cwd=REPO,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            _wait_until_ready(process, port, log_path)
            if kind == "gunicorn":
                pids = _wait_for_workers(process.pid, workers, log_path)
                yield Server(port, pids[0], pids)
            else:
                yield Server(port, process.pid, (process.pid,))
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _wait_until_ready(process: subprocess.Popen[bytes], port: int, log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise BenchError(f"server exited early:\n{log.read_text()[-2000:]}")
        client = Client(port)
        try:
            status, _ = client.request("GET", typename_path())
        except OSError:
            time.sleep(0.1)
            continue
        finally:
            client.close()
        if status == 200:
            return
        raise BenchError(f"server answered {status}:\n{log.read_text()[-2000:]}")
    raise BenchError(f"server not ready after 30 s:\n{log.read_text()[-2000:]}")


def _wait_for_workers(arbiter: int, workers: int, log: Path) -> tuple[int, ...]:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        pids = sorted(child_pids(arbiter))
        if len(pids) == workers:
            return tuple(pids)
        time.sleep(0.1)
    raise BenchError(f"gunicorn has not {workers} workers:\n{log.read_text()[-2000:]}")


def rss_mib(pid: int) -> float:
    """Resident memory of a process, in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise BenchError(f"no VmRSS for process {pid}")


def stat_fields(pid: int) -> list[str]:
    """/proc/<pid>/stat from its third field (state) on: ppid is [1]."""
    return Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()


def child_pids(pid: int) -> list[int]:
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parent = int(stat_fields(int(stat.parent.name))[1])
        except (OSError, ValueError):  # ended meanwhile
            continue
        if parent == pid:
            children.append(int(stat.parent.name))
    return children


def cpu_seconds(pid: int) -> float:
    """CPU time of a process: all its threads, ended ones and reaped children too."""
    utime, stime, cutime, cstime = map(int, stat_fields(pid)[11:15])
    return (utime + stime + cutime + cstime) / os.sysconf("SC_CLK_TCK")


def postgres_cpu_seconds(postmaster: int) -> float:
    """CPU time of the whole PostgreSQL server, ended backends included."""
    total = cpu_seconds(postmaster)
    for pid in child_pids(postmaster):
        try:
            utime, stime = map(int, stat_fields(pid)[11:13])
        except OSError:  # ended: the postmaster's children's time has it
            continue
        total += (utime + stime) / os.sysconf("SC_CLK_TCK")
    return total
