"""Global (relay) IDs in mutation inputs."""

from strawberry import relay

from backend.common.errors import NotFound


def decode_global_id(global_id: relay.GlobalID, *, type_name: str, missing: str) -> int:
    """Return the primary key behind a global ID of `type_name`, or raise NotFound.

    An ID of another type or with a non-numeric key names nothing of this type,
    so it is reported exactly like a missing object.
    """
    if global_id.type_name != type_name:
        raise NotFound(missing)
    try:
        return int(global_id.node_id)
    except ValueError:
        raise NotFound(missing) from None
