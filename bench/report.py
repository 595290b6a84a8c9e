"""What a benchmark report records besides its figures, and its printed table."""

import datetime
import os
import platform
import subprocess
import time
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

from .processes import REPO

PACKAGES = (
    "django",
    "asgiref",
    "strawberry-graphql",
    "strawberry-graphql-django",
    "psycopg2-binary",
    "gunicorn",
    "uvicorn",
    "h11",
    "httptools",
    "uvloop",
)


def git_state() -> dict[str, Any]:
    """The commit measured, and any uncommitted changes it was measured with."""

    def git(*args: str) -> str:
        done = subprocess.run(
            ["git", *args], cwd=REPO, capture_output=True, text=True, check=False
        )
        return done.stdout.strip()

    changed = git("status", "--porcelain", "--", ".", ":!bench").splitlines()
    return {"commit": git("rev-parse", "HEAD"), "uncommitted_outside_bench": changed}


def versions() -> dict[str, str | None]:
    found: dict[str, str | None] = {}
    for name in PACKAGES:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = None
    return found


def uvicorn_implementations() -> dict[str, str]:
    """What uvicorn's "auto" picks: uvloop and httptools when installed."""
    installed = versions()
    return {
        "loop": "uvloop" if installed["uvloop"] else "asyncio",
        "http": "httptools" if installed["httptools"] else "h11",
    }


def machine(load_before: tuple[float, float, float]) -> dict[str, Any]:
    cpu = platform.processor()
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.partition(":")[2].strip()
            break
    return {
        "cpu": cpu,
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        # Other work on the machine shows here; the turns rotate so that it
        # falls on every variant alike.
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
    }


def header(
    command: str, started: float, load_before: tuple[float, float, float]
) -> dict[str, Any]:
    """What every report opens with: how it was made, when, where, with what."""
    return {
        "command": command,
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "duration_seconds": round(time.monotonic() - started, 1),
        "machine": machine(load_before),
        "git": git_state(),
        "versions": versions(),
    }


def print_table(rows: Sequence[dict[str, Any]]) -> None:
    header = (
        f"{'conc':>4}  {'variant':<37} {'median ms':>9} {'p90 ms':>7} "
        f"{'req/s':>6} {'x A':>5} {'app CPU ms':>10} {'x A':>5} {'PG CPU ms':>9} "
        f"{'new PG conns':>12} {'TCP conns':>9}"
    )
    print(header)
    print("-" * len(header))
    for row in rows:
        conns = f"{row['new_pg_connections']}/{row['requests']}"
        print(
            f"{row['concurrency']:>4}  {row['variant'] + '  ' + row['label']:<37} "
            f"{row['median_ms']:>9.2f} {row['p90_ms']:>7.2f} "
            f"{row['requests_per_second']:>6.1f} "
            f"{row['median_vs_baseline_wsgi']:>5.2f} "
            f"{row['app_cpu_ms_per_request']:>10.2f} "
            f"{row['app_cpu_vs_baseline_wsgi']:>5.2f} "
            f"{row['pg_cpu_ms_per_request']:>9.2f} {conns:>12} "
            f"{row['tcp_connects']:>9}"
        )
