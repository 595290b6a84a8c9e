"""Refuse number literals no field can take, before any rule converts them.

graphql-core's own rules turn an Int literal into a Python int to check it:
past 4,300 digits that raises a ValueError, which would reach the client as
a masked unexpected error. This rule runs first and stops validation at the
first such literal with a VALIDATION error that says what is wrong.
"""

import math
from collections.abc import Iterator
from typing import Any

from graphql import (
    ArgumentNode,
    FloatValueNode,
    IntValueNode,
    ListValueNode,
    ObjectValueNode,
    ValidationRule,
    ValueNode,
    VariableDefinitionNode,
)
from graphql.validation.validate import ValidationAbortedError

from backend.common.errors import ErrorCode
from backend.common.numbers import MAX_NUMBER_LENGTH


def _numbers(node: ValueNode) -> Iterator[IntValueNode | FloatValueNode]:
    if isinstance(node, IntValueNode | FloatValueNode):
        yield node
    elif isinstance(node, ListValueNode):
        for item in node.values:
            yield from _numbers(item)
    elif isinstance(node, ObjectValueNode):
        for field in node.fields:
            yield from _numbers(field.value)


def _problem(literal: IntValueNode | FloatValueNode) -> str | None:
    text = literal.value
    if len(text) > MAX_NUMBER_LENGTH:
        return (
            f"is a number of {len(text)} characters; numbers have at most "
            f"{MAX_NUMBER_LENGTH}"
        )
    if isinstance(literal, FloatValueNode) and not math.isfinite(float(text)):
        return f"is the number {text}, too large for any field"
    return None


class NumberLiterals(ValidationRule):
    def _check(self, value: ValueNode, where: str) -> None:
        for literal in _numbers(value):
            if problem := _problem(literal):
                # Aborting keeps the other rules from converting the literal;
                # graphql-core returns this error with those found before it.
                raise ValidationAbortedError(
                    f"{where} {problem}.",
                    literal,
                    extensions={"code": ErrorCode.VALIDATION.value},
                )

    def enter_argument(self, node: ArgumentNode, *_args: Any) -> None:
        self._check(node.value, f"Argument '{node.name.value}'")

    def enter_variable_definition(
        self, node: VariableDefinitionNode, *_args: Any
    ) -> None:
        if node.default_value is not None:
            self._check(
                node.default_value, f"The default of ${node.variable.name.value}"
            )
