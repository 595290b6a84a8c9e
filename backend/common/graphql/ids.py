"""Global (relay) IDs in mutation inputs."""

import re

from strawberry import relay

from backend.common.errors import NotFound

# A primary key as our global IDs write it: ASCII digits that fit a BIGINT.
# Anything else ("²", "1_000", 10**30) would fail in int() or in the database.
_PRIMARY_KEY = re.compile(r"[0-9]{1,19}")
MAX_PRIMARY_KEY = 2**63 - 1


def parse_primary_key(node_id: str) -> int | None:
    """The primary key a global ID's node id names, or None if it names none."""
    if not _PRIMARY_KEY.fullmatch(node_id):
        return None
    key = int(node_id)
    return key if key <= MAX_PRIMARY_KEY else None


def decode_global_id(global_id: relay.GlobalID, *, type_name: str, missing: str) -> int:
    """Return the primary key behind a global ID of `type_name`, or raise NotFound.

    An ID of another type or with a non-numeric key names nothing of this type,
    so it is reported exactly like a missing object.
    """
    key = parse_primary_key(global_id.node_id)
    if global_id.type_name != type_name or key is None:
        raise NotFound(missing)
    return key
