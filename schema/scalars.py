"""Scalars the schema defines more strictly than strawberry does."""

import dataclasses
import datetime
from decimal import Decimal
from typing import Any

from graphql import GraphQLError
from strawberry.schema.types.base_scalars import DateTimeDefinition
from strawberry.types.scalar import ScalarDefinition

from backend.common.decimals import (
    DECIMAL_FORMAT_DESCRIPTION,
    parse_decimal,
    without_negative_zero,
)


def _parse_decimal(value: Any) -> Decimal:
    try:
        return parse_decimal(value)
    except ValueError:
        shown = value if isinstance(value, str) else type(value).__name__
        raise GraphQLError(
            f"Decimal cannot represent {shown!r}: send a string such as "
            '"12.50" (an optional "-", digits, an optional "." and digits).'
        ) from None


def _serialize_decimal(value: Decimal) -> str:
    return str(without_negative_zero(value))


DecimalScalar = ScalarDefinition(
    name="Decimal",
    description=DECIMAL_FORMAT_DESCRIPTION,
    specified_by_url=None,
    serialize=_serialize_decimal,
    parse_value=_parse_decimal,
    parse_literal=None,
    origin=Decimal,
)

# Strawberry's own parsing and printing (isoformat), described exactly.
DateTimeScalar = dataclasses.replace(
    DateTimeDefinition,
    description=(
        "A date and time with its offset from UTC, as RFC 3339 text. Sent in "
        'UTC with microseconds when not zero, e.g. "2026-12-08T02:15:00+00:00" '
        'or "2026-12-08T02:15:00.123456+00:00".'
    ),
    specified_by_url="https://datatracker.ietf.org/doc/html/rfc3339",
)

SCALAR_OVERRIDES: dict[object, ScalarDefinition] = {
    Decimal: DecimalScalar,
    datetime.datetime: DateTimeScalar,
}
