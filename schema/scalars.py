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
    DECIMAL_FORMAT_HINT,
    DecimalText,
    without_negative_zero,
)


def _parse_decimal_text(value: Any) -> DecimalText:
    """Any string, unchecked: the service reads it (parse_decimal), so a
    malformed price is an OperationInfo message on its field. Anything else (a
    JSON or GraphQL number, a boolean, an object) is the wrong type here.

    Decimal is taken only in mutation inputs (annotated DecimalText), never
    as a field argument (tests/products/test_price_format.py keeps it so): an
    argument would receive this text unchecked."""
    if isinstance(value, str):
        return DecimalText(value)
    raise GraphQLError(
        f"Decimal cannot represent {type(value).__name__!r}: {DECIMAL_FORMAT_HINT}"
    )


def _serialize_decimal(value: Decimal) -> str:
    return str(without_negative_zero(value))


DecimalScalar = ScalarDefinition(
    name="Decimal",
    description=DECIMAL_FORMAT_DESCRIPTION,
    specified_by_url=None,
    serialize=_serialize_decimal,
    parse_value=_parse_decimal_text,
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
    DecimalText: DecimalScalar,
    datetime.datetime: DateTimeScalar,
}
