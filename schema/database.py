"""Database plumbing shared by apps: telling an outage from a bug, replica reads."""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.db import InterfaceError, OperationalError

# SQLSTATEs of a server that went away or is not accepting connections: the
# whole class 08 (connection exception), admin and crash shutdown, and "the
# database system is starting up / shutting down".
UNAVAILABLE_SQLSTATES = ("08", "57P01", "57P02", "57P03")


def is_database_unavailable(error: BaseException | None) -> bool:
    """True when `error` means the database cannot be reached right now.

    Such a request may simply be retried; anything else (a deadlock, a broken
    constraint, a missing table) is a bug or a conflict and is not reported so.
    """
    if isinstance(error, InterfaceError):  # "connection already closed"
        return True
    if not isinstance(error, OperationalError):
        return False
    driver_error = error.__cause__
    if not hasattr(driver_error, "pgcode"):
        return False  # not PostgreSQL (psycopg2): SQLite's errors mean bugs here
    sqlstate = getattr(driver_error, "pgcode", None)
    # libpq reports a refused or dropped connection without any SQLSTATE.
    return sqlstate is None or str(sqlstate).startswith(UNAVAILABLE_SQLSTATES)


# Set for the execution of a GraphQL query operation (schema/routing.py): only
# then may the database router send reads to a replica. Mutations, sign-in,
# sessions and the admin read the primary, so a write is never followed, in
# the same request, by a read of a replica that has not caught up with it.
_replica_reads: ContextVar[bool] = ContextVar("replica_reads", default=False)


@contextmanager
def reads_from_replica() -> Iterator[None]:
    """Let reads in this block (and threads it hands work to) use a replica."""
    token = _replica_reads.set(True)
    try:
        yield
    finally:
        _replica_reads.reset(token)


def replica_reads_allowed() -> bool:
    return _replica_reads.get()
