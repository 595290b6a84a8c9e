"""The one way a decimal (a price) is written on the wire."""

import re
from decimal import Decimal
from typing import NewType

from .numbers import MAX_NUMBER_LENGTH

# An optional minus, ASCII digits, and at most one point followed by digits:
# no "+", exponent, underscore, space, NaN, Infinity or other Unicode digits,
# which Python's Decimal() would all accept.
DECIMAL_FORMAT = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")
DECIMAL_FORMAT_DESCRIPTION = (
    'A decimal number written as a string: an optional "-", digits, and '
    'optionally a "." with more digits, e.g. "12.50" (no "+", exponent, '
    "spaces or underscores)."
)

DECIMAL_FORMAT_HINT = (
    'send a string such as "12.50" (an optional "-", digits, an optional "." '
    "and digits)."
)
NOT_A_DECIMAL = f"Not a decimal: {DECIMAL_FORMAT_HINT}"

# A decimal in a mutation input, as the client wrote it (GraphQL type Decimal):
# any string gets through to the service, which reads it with parse_decimal,
# so a malformed one is reported on its field with the input's other problems.
DecimalText = NewType("DecimalText", str)


def parse_decimal(text: object) -> Decimal:
    """Read a decimal in the wire format; raise ValueError for anything else."""
    if not isinstance(text, str):
        raise ValueError(f"expected a string, got {type(text).__name__}")
    if len(text) > MAX_NUMBER_LENGTH or not DECIMAL_FORMAT.fullmatch(text):
        raise ValueError("not in the decimal format")
    return without_negative_zero(Decimal(text))


def without_negative_zero(value: Decimal) -> Decimal:
    """-0 and -0.00 are zero: stored and shown as 0 and 0.00."""
    return value.copy_abs() if value.is_zero() else value
