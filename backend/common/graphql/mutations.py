"""Mutations whose refusals are data: `<Name>Payload = <Type> | OperationInfo`.

A service's ValidationError, PermissionDenied or ObjectDoesNotExist becomes an
OperationInfo message with the input field it concerns (camelCase), a kind
and a code of the ErrorCode enum; anything else stays an error.
"""

import inspect
from enum import Enum
from typing import Annotated, Any, Union

import strawberry
from django.core.exceptions import (
    NON_FIELD_ERRORS,
    ObjectDoesNotExist,
    PermissionDenied,
    ValidationError,
)
from strawberry.annotation import StrawberryAnnotation
from strawberry.types.field import UNRESOLVED
from strawberry.utils.str_converters import capitalize_first, to_camel_case
from strawberry_django.mutations.fields import DjangoMutationBase

from backend.common.errors import ErrorCode as CommonCode

REFUSALS = (ValidationError, PermissionDenied, ObjectDoesNotExist)


@strawberry.enum(
    name="OperationMessageKind", description="The class of problem a message reports."
)
class MessageKind(Enum):
    INFO = strawberry.enum_value("info", description="Not sent by this API.")
    WARNING = strawberry.enum_value("warning", description="Not sent by this API.")
    ERROR = strawberry.enum_value(
        "error", description="What the input names does not exist (or is not yours)."
    )
    PERMISSION = strawberry.enum_value(
        "permission", description="You may not do this: sign in, or ask staff."
    )
    VALIDATION = strawberry.enum_value(
        "validation",
        description=(
            "The input breaks a rule: a malformed or out-of-bounds value, or a "
            "rule of the data (stock, status, an idempotency key); `field` "
            "names the input field when there is one."
        ),
    )


@strawberry.type(
    name="OperationMessage", description="Why an operation changed nothing."
)
class OperationMessage:
    kind: MessageKind = strawberry.field(description="The class of problem.")
    message: str = strawberry.field(description="Written for people.")
    field: str | None = strawberry.field(
        description="The input field at fault (camelCase), or null."
    )
    # Lazy: the enum gathers every owner's codes when the schema is built.
    code: Annotated[
        "ErrorCode",  # type: ignore[name-defined]  # noqa: F821
        strawberry.lazy("backend.common.graphql.error_code"),
    ] = strawberry.field(description="Written for programs: a stable code.")


@strawberry.type(
    name="OperationInfo",
    description="The operation was refused and changed nothing; here is why.",
)
class OperationInfo:
    messages: list[OperationMessage] = strawberry.field(
        description="One or more reasons."
    )


def _kind(error: Exception) -> MessageKind:
    if isinstance(error, PermissionDenied):
        return MessageKind.PERMISSION
    if isinstance(error, ValidationError):
        return MessageKind.VALIDATION
    return MessageKind.ERROR


def _message(
    kind: MessageKind, text: str, field: str | None, code: object
) -> OperationMessage:
    from . import error_code  # built with the schema, before any request

    fallback = {
        MessageKind.PERMISSION: CommonCode.PERMISSION_DENIED,
        MessageKind.VALIDATION: CommonCode.VALIDATION,
        MessageKind.ERROR: CommonCode.NOT_FOUND,
    }[kind]
    known = {member.value for member in error_code.ErrorCode}
    value = str(code) if str(code) in known else fallback.value
    return OperationMessage(
        kind=kind, message=text, field=field, code=error_code.ErrorCode(value)
    )


def operation_info(error: Exception) -> OperationInfo:
    """The refusal `error` as OperationInfo messages, one per problem."""
    kind = _kind(error)
    if isinstance(error, ValidationError) and hasattr(error, "error_dict"):
        messages = [
            _message(
                kind,
                " ".join(item.messages),
                None if field == NON_FIELD_ERRORS else to_camel_case(field),
                item.code,
            )
            for field, items in error.error_dict.items()
            for item in items
        ]
    elif isinstance(error, ValidationError):
        messages = [
            _message(kind, " ".join(item.messages), None, item.code)
            for item in error.error_list
        ]
    else:
        text = getattr(error, "msg", None) or str(error)
        messages = [_message(kind, text, None, getattr(error, "code", None))]
    return OperationInfo(messages=messages)


class ReportedMutation(DjangoMutationBase):
    """strawberry-django's mutation field, refusals reported as our OperationInfo."""

    def __init__(self, *args: Any, report_refusals: bool, **kwargs: Any) -> None:
        super().__init__(*args, handle_django_errors=False, **kwargs)
        self.report_refusals = report_refusals
        self._payload_built = False

    def __copy__(self) -> "ReportedMutation":
        new_field = super().__copy__()
        new_field.report_refusals = self.report_refusals
        new_field._payload_built = self._payload_built
        return new_field

    def resolve_type(self, *, type_definition: Any = None) -> Any:
        resolved = super().resolve_type(type_definition=type_definition)
        if resolved is UNRESOLVED or not self.report_refusals or self._payload_built:
            return resolved
        self._payload_built = True
        name = capitalize_first(to_camel_case(self.python_name))
        members = Union.__getitem__((resolved, OperationInfo))
        payload = Annotated[members, strawberry.union(f"{name}Payload")]  # type: ignore[valid-type]
        self.type_annotation = StrawberryAnnotation(
            payload, namespace=getattr(self.type_annotation, "namespace", None)
        )
        return payload

    def get_result(
        self, source: Any, info: Any, args: list[Any], kwargs: dict[str, Any]
    ) -> Any:
        if not self.report_refusals:
            return super().get_result(source, info, args, kwargs)
        try:
            resolved = super().get_result(source, info, args, kwargs)
        except REFUSALS as error:
            return operation_info(error)
        if not inspect.isawaitable(resolved):
            return resolved

        async def reported() -> Any:
            try:
                return await resolved
            except REFUSALS as error:
                return operation_info(error)

        return reported()


def mutation(*, description: str, report_refusals: bool = True) -> Any:
    """A mutation field; its resolver calls one service and returns the result."""
    return ReportedMutation(
        python_name=None,
        django_name=None,
        graphql_name=None,
        type_annotation=None,
        description=description,
        report_refusals=report_refusals,
    )
