"""Reads of GraphQL query operations go to the read replica; all else, the primary."""

from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Model

from schema.database import replica_reads_allowed

PRIMARY = DEFAULT_DB_ALIAS
REPLICA = "replica"

# Read from the primary even outside a transaction:
# - sessions and auth: signing in writes the session (registering, the user) on
#   the primary, and the next request reads them back at once; a replica a
#   moment behind would answer "no such session" and the user would appear
#   signed out. One primary read of each per signed-in request is the price.
# - axes: its failed sign-in records are what the throttle counts; counting on
#   a copy that lags would let a guesser try past the limit.
PRIMARY_READ_APPS = frozenset({"sessions", "auth", "axes"})


class PrimaryReplicaRouter:
    """Enabled by DATABASE_REPLICA_URL (config/settings.py)."""

    def db_for_read(self, model: type[Model], **hints: Any) -> str:
        # Only GraphQL query operations read from the replica: a mutation's
        # reads (its idempotency lookup, its response) must see its own writes.
        if not replica_reads_allowed():
            return PRIMARY
        # Inside a transaction the primary holds what the replica cannot have
        # yet: this transaction's own writes and row locks. Every service that
        # writes runs in one, and reads in it: the row its guarded UPDATE just
        # changed (reserve_stock), the order it updated (refresh_from_db), the
        # uniqueness checks of full_clean(). From the replica they would see
        # the state before the transaction. (Locking reads, select_for_update,
        # count as writes in Django and reach the primary by db_for_write.)
        if (
            model._meta.app_label in PRIMARY_READ_APPS
            or connections[PRIMARY].in_atomic_block
        ):
            return PRIMARY
        return REPLICA

    def db_for_write(self, model: type[Model], **hints: Any) -> str:
        return PRIMARY

    def allow_relation(self, obj1: Model, obj2: Model, **hints: Any) -> bool | None:
        # One database under two names: a row read from either is the same row.
        if {obj1._state.db, obj2._state.db} <= {PRIMARY, REPLICA}:
            return True
        return None

    def allow_migrate(
        self, db: str, app_label: str, model_name: str | None = None, **hints: Any
    ) -> bool:
        # The replica takes its schema from the primary; a standby refuses DDL.
        return db == PRIMARY
