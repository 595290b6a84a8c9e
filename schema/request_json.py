"""Strict JSON for request bodies and GET parameters.

Python's json module reads numbers of any length (failing with ValueError past
4,300 digits of an int, turning 1e999999 into infinity) and the non-JSON words
NaN and Infinity; each is refused here with a 400 that says which.
"""

import json
import math

from cross_web import HTTPException

from backend.common.numbers import MAX_NUMBER_LENGTH


class _RefusedNumber(ValueError):
    pass


def _checked_length(text: str) -> None:
    if len(text) > MAX_NUMBER_LENGTH:
        raise _RefusedNumber(
            f"a JSON number of {len(text)} characters; numbers have at most "
            f"{MAX_NUMBER_LENGTH}"
        )


def _parse_int(text: str) -> int:
    _checked_length(text)
    return int(text)


def _parse_float(text: str) -> float:
    _checked_length(text)
    value = float(text)
    if not math.isfinite(value):
        raise _RefusedNumber(f"the JSON number {text} is too large for a float")
    return value


def _parse_constant(name: str) -> float:
    raise _RefusedNumber(f"{name} is not a JSON number")


def loads(data: str | bytes) -> object:
    """Decode a JSON text, raising a 400 for anything but plain, sane JSON."""
    try:
        return json.loads(
            data,
            parse_int=_parse_int,
            parse_float=_parse_float,
            parse_constant=_parse_constant,
        )
    except _RefusedNumber as error:
        raise HTTPException(
            400, f"Unable to parse request body as JSON: {error}."
        ) from error
    except (UnicodeDecodeError, RecursionError) as error:
        # Not JSONDecodeErrors, so strawberry would let them through as 500s.
        raise HTTPException(
            400, "Unable to parse request body as JSON (invalid UTF-8 or nesting)."
        ) from error
