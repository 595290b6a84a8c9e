"""A benchmark run that stops by itself, and still cleans up."""

import signal
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

from .loadgen import BenchError


class BenchTimeout(BenchError):
    """The run passed its hard time limit."""


@contextmanager
def time_limit(seconds: int) -> Iterator[None]:
    """Raise BenchError in the block after `seconds`, or on SIGTERM or SIGHUP.

    An exception, not death: the servers and PostgreSQL the block started
    are still stopped by their context managers.
    """

    def on_alarm(_signum: int, _frame: FrameType | None) -> None:
        raise BenchTimeout(f"the run passed its {seconds} s limit")

    def on_termination(signum: int, _frame: FrameType | None) -> None:
        raise BenchError(f"stopped by signal {signum}")

    signal.signal(signal.SIGALRM, on_alarm)
    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, on_termination)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
