"""Replace every gunicorn worker without a moment with fewer ready workers.

    python -m deploy.reload ARBITER_PID      # ExecReload of ordergraph-web

gunicorn's own reload (SIGHUP) stops the old workers as soon as it has
forked the new ones, which then take seconds to load the application: the
requests of those seconds wait. Here the arbiter first gets one more worker
per worker (SIGTTIN, one at a time), which load the code on disk now; once
each has loaded it (config/gunicorn.conf.py's post_worker_init names the
process READY_NAME), the old ones are retired one at a time (SIGTTOU: the
oldest goes, after the request in hand). For a while there are twice the
workers (memory, database connections). gunicorn's configuration is not
reread: after changing it, send SIGHUP.
"""

from __future__ import annotations

import os
import signal
import sys
import time
from collections.abc import Callable
from pathlib import Path

# What a worker calls itself (/proc/PID/comm) once the application is loaded.
READY_NAME = "og-ready"
STEP_TIMEOUT_SECONDS = 120.0
# How long the count of workers must hold still to be taken as settled.
SETTLED_SECONDS = 1.0


class ReloadError(RuntimeError):
    """A step did not happen in time."""


def workers_of(arbiter: int) -> set[int]:
    """Live child processes of arbiter (its workers), read from /proc."""
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        # After the command name: state, ppid. Zombies are already dead.
        if fields[0] != "Z" and int(fields[1]) == arbiter:
            found.add(int(stat.parent.name))
    return found


def is_ready(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip() == READY_NAME
    except OSError:
        return False


def _until(done: Callable[[], bool], what: str, arbiter: int) -> None:
    deadline = time.monotonic() + STEP_TIMEOUT_SECONDS
    while not done():
        if not Path(f"/proc/{arbiter}").exists():
            raise ReloadError(f"the arbiter {arbiter} exited while {what}")
        if time.monotonic() > deadline:
            raise ReloadError(f"timed out while {what}")
        time.sleep(0.05)


def warm_reload(arbiter: int) -> int:
    """Replace the arbiter's workers; return how many were replaced.

    gunicorn never runs more workers than its target, and replaces a worker
    that exits (max_requests) within a moment: so the count of workers
    shows that a signal was handled when it rises, and only hints so when
    it falls; the last step sets the target right if signals merged.
    """
    old = workers_of(arbiter)
    count = len(old)
    for added in range(1, count + 1):
        os.kill(arbiter, signal.SIGTTIN)

        def spawned(n: int = count + added) -> bool:
            return len(workers_of(arbiter)) >= n

        _until(spawned, "adding workers", arbiter)

    # As many new workers ready as there were: under max_requests, some
    # other new worker may always be starting.
    def enough_ready() -> bool:
        return sum(is_ready(pid) for pid in workers_of(arbiter) - old) >= count

    _until(enough_ready, "the new workers load the application", arbiter)
    for retired in range(1, count + 1):
        os.kill(arbiter, signal.SIGTTOU)

        def fewer(n: int = 2 * count - retired) -> bool:
            return len(workers_of(arbiter)) <= n

        _until(fewer, "retiring the old workers", arbiter)
    _settle(arbiter, count)
    _until(lambda: not old & workers_of(arbiter), "the old workers exit", arbiter)
    return count


def _settle(arbiter: int, target: int) -> None:
    """Keep the arbiter's target at `target` workers until it stays there."""
    deadline = time.monotonic() + STEP_TIMEOUT_SECONDS
    since, last = time.monotonic(), len(workers_of(arbiter))
    while time.monotonic() < deadline:
        time.sleep(0.05)
        now = len(workers_of(arbiter))
        if now != last:
            since, last = time.monotonic(), now
        held = time.monotonic() - since
        if now == target and held >= SETTLED_SECONDS:
            return
        # Above the target: a merged SIGTTOU (never a worker's churn).
        if now > target and held >= SETTLED_SECONDS:
            os.kill(arbiter, signal.SIGTTOU)
            since = time.monotonic()
        # Below it for long: a SIGTTOU counted twice; a respawn takes less.
        elif now < target and held >= 3 * SETTLED_SECONDS:
            os.kill(arbiter, signal.SIGTTIN)
            since = time.monotonic()
    raise ReloadError(f"the workers did not settle at {target}")


def main(argv: list[str]) -> int:
    if len(argv) != 1 or not argv[0].isdigit():
        print("usage: python -m deploy.reload ARBITER_PID", file=sys.stderr)
        return 2
    try:
        replaced = warm_reload(int(argv[0]))
    except (ReloadError, ProcessLookupError) as error:
        print(f"reload: {error}", file=sys.stderr)
        return 1
    print(f"reload: {replaced} workers replaced", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
