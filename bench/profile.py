"""Where one contract operation spends its time, sampled by py-spy.

    .venv/bin/python -m bench.profile "MyOrders(first: 100)" [--seconds 10]
    .venv/bin/python -m bench.profile PlaceOrder --variant baseline

Uses the cached quick data set (bench.dataset), signs in as bench.run does,
and sends the named case of bench.run over and over while py-spy samples this
process. Every thread is sampled: under WSGI the GraphQL view runs on an event
loop in another thread (async_to_sync), which a profiler of the calling thread
alone would miss. Prints the share of samples spent in each package (by the
frame on top of the stack) and the heaviest functions, by their own time and
with what they call. Write what it shows, before and after a change, in
bench/NOTES.md.
"""

import argparse
import collections
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from .dataset import QUICK, seeded_database
from .processes import BIN
from .run import APP_CPU, POSTGRES_CPU, cases_for, configure_django, log

FRAME = re.compile(r"^(?P<function>.*) \((?P<path>[^:()]+)(?::\d+)?\)$")
# Frames of the load itself, not of the server: left out of the figures.
OWN_FRAMES = ("bench/profile.py", "bench/inprocess.py")
# A thread waiting (for the database, for another thread) on top of its stack.
IDLE = {
    "EpollSelector.select",
    "Condition.wait",
    "_worker",
    "Event.wait",
    "Thread._wait_for_tstate_lock",
}
PROJECT = ("backend/", "schema/", "config/", "bench/baseline.py")
TOP = 15


def package_of(path: str) -> str:
    if "site-packages/" in path:
        return path.split("site-packages/", 1)[1].split("/", 1)[0]
    if "/lib/python3" in path:
        return "stdlib:" + path.rsplit("/", 1)[-1].removesuffix(".py")
    return path.split("/", 1)[0] if not path.startswith("/") else path


def parse(raw: str) -> list[tuple[list[tuple[str, str]], int]]:
    """py-spy's raw (collapsed) stacks: frames outermost first, and a count."""
    stacks = []
    for line in raw.splitlines():
        stack, _, count = line.rpartition(" ")
        frames = []
        for frame in stack.split(";"):
            match = FRAME.match(frame)
            if match:
                frames.append((match["function"], match["path"]))
        if frames:
            stacks.append((frames, int(count)))
    return stacks


def report(stacks: list[tuple[list[tuple[str, str]], int]]) -> None:
    by_package: collections.Counter[str] = collections.Counter()
    own: collections.Counter[str] = collections.Counter()
    inclusive: collections.Counter[str] = collections.Counter()
    total = 0
    for frames, count in stacks:
        function, path = frames[-1]
        if function in IDLE or path.endswith(OWN_FRAMES):
            continue  # waiting, or the loop sending the requests
        total += count
        by_package[package_of(path)] += count
        own[f"{function} ({path})"] += count
        for name in {f"{f} ({p})" for f, p in frames if p.startswith(PROJECT)}:
            inclusive[name] += count
    if not total:
        print("bench.profile: no samples")
        return
    print(f"{total} samples of the server's work, by package (own time):")
    for package, count in by_package.most_common(TOP):
        print(f"  {100 * count / total:5.1f}%  {package}")
    print("\nheaviest functions, own time:")
    for name, count in own.most_common(TOP):
        print(f"  {100 * count / total:5.1f}%  {name}")
    print("\nour functions, with what they call:")
    for name, count in inclusive.most_common(TOP):
        print(f"  {100 * count / total:5.1f}%  {name}")


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.profile")
    parser.add_argument("case", help='a case of bench.run, e.g. "PlaceOrder"')
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--variant", choices=("graphql", "baseline"), default="graphql")
    parser.add_argument("--rate", type=int, default=500, help="samples per second")
    args = parser.parse_args(argv)
    os.sched_setaffinity(0, {APP_CPU})
    with (
        seeded_database(QUICK, postgres_cpu=POSTGRES_CPU, log=log) as dataset,
        tempfile.TemporaryDirectory(prefix="bench-profile-") as scratch,
    ):
        configure_django(dataset, Path(scratch))
        from .inprocess import Caller, path_of
        from .loadgen import graphql_body

        cases = cases_for(dataset, QUICK)
        matching = [c for c in cases if args.case in (c.key, c.operation)]
        if not matching:
            names = ", ".join(c.key for c in cases)
            print(f"bench.profile: no case {args.case!r}; one of: {names}")
            return 2
        case = matching[0]
        caller = Caller()
        if case.caller != "anonymous":
            caller.sign_in(*getattr(dataset, case.caller))
        body = graphql_body(case.operation, case.variables)
        path = path_of(case, args.variant)
        for _ in range(50):
            caller.post(path, body)
        with tempfile.TemporaryDirectory() as scratch:
            output = Path(scratch) / "stacks.txt"
            sampler = subprocess.Popen(
                [
                    *(str(BIN / "py-spy"), "record", "--pid", str(os.getpid())),
                    *("--rate", str(args.rate), "--format", "raw", "--nonblocking"),
                    *("--output", str(output)),
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
            )
            time.sleep(1.0)  # attached by then
            requests, started = 0, time.perf_counter()
            while time.perf_counter() - started < args.seconds:
                caller.post(path, body)
                requests += 1
            elapsed = time.perf_counter() - started
            sampler.send_signal(signal.SIGINT)
            _, errors = sampler.communicate(timeout=30)
            if not output.exists():
                print(f"bench.profile: py-spy failed: {errors.decode()[-500:]}")
                return 1
            report(parse(output.read_text()))
        print(
            f"\n{case.key} ({args.variant}): {requests} requests, "
            f"{1000 * elapsed / requests:.2f} ms each while sampled"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
