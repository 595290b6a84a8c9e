"""Global (relay) IDs in mutation inputs.

Inputs take them as plain `ID` strings and decode them here, inside the
mutation, so an ID that does not decode is an OperationInfo message on its
input field, like any other bad value, not an error that voids the response.
A mutation hands that problem to its service (`input_errors`), which reports
it together with the input's other problems, one message per field (and an
ID that names nothing where a missing object would be reported).
"""

import re

from django.core.exceptions import ValidationError
from strawberry import relay
from strawberry.relay.utils import from_base64

from backend.common.errors import InputError, NotFound, field_errors

# A primary key as our global IDs write it: ASCII digits that fit a BIGINT.
# Anything else ("²", "1_000", 10**30) would fail in int() or in the database.
_PRIMARY_KEY = re.compile(r"[0-9]{1,19}")
MAX_PRIMARY_KEY = 2**63 - 1
NOT_AN_ID = "Not an ID this API gives out: pass back an `id` as it was sent."


def parse_primary_key(node_id: str) -> int | None:
    """The primary key a global ID's node id names, or None if it names none."""
    if not _PRIMARY_KEY.fullmatch(node_id):
        return None
    key = int(node_id)
    return key if key <= MAX_PRIMARY_KEY else None


def decode_global_id(
    global_id: str | relay.GlobalID, *, type_name: str, missing: str, field: str
) -> int:
    """Return the primary key behind a global ID of `type_name`.

    An ID that does not decode is a VALIDATION error on `field` (snake_case).
    An ID of another type or with a non-numeric key names nothing of this
    type, so it is reported exactly like a missing object (NotFound).
    """
    if isinstance(global_id, str):
        try:
            parsed_type, node_id = from_base64(global_id)
        except ValueError:
            raise field_errors({field: [NOT_AN_ID]}) from None
    else:
        parsed_type, node_id = global_id.type_name, global_id.node_id
    key = parse_primary_key(node_id)
    if parsed_type != type_name or key is None:
        raise NotFound(missing)
    return key


def decode_input_id(
    global_id: str | relay.GlobalID, *, type_name: str, missing: str, field: str
) -> tuple[int, InputError | None]:
    """Like decode_global_id, but the problem is returned, not raised.

    The pair is (key, None), or (0, the VALIDATION error on `field` or the
    NotFound) for the service to report after its permission check, with the
    input's other problems, before it uses any key (raise_input_errors).
    """
    try:
        return (
            decode_global_id(
                global_id, type_name=type_name, missing=missing, field=field
            ),
            None,
        )
    except (ValidationError, NotFound) as error:
        return 0, error
