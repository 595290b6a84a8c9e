"""A faster path through graphql-core for fields that just read an attribute.

Most fields of a big page are scalars read straight off a model instance
(strawberry's "basic" fields: no resolver, no arguments, no extensions) or the
relay `id` of a model-backed node. For each of them the stock executor still
builds a resolve-info object (and, for `id`, a strawberry Info), parses
arguments and runs the generic completion machinery. For those fields alone
this executor reads the value and coerces it, which is all the stock path ends
up doing; anything unusual (a null, an error) falls back to the stock path, so
errors are reported exactly as before.

Over the WebSocket it also executes a subscription event once per group of
subscribers that would get the same result (`_shared_event_result`).
"""

import asyncio
from collections.abc import Callable
from operator import attrgetter
from typing import Any, cast

from graphql import (
    ExecutionResult,
    GraphQLField,
    GraphQLLeafType,
    GraphQLNonNull,
    GraphQLObjectType,
    is_leaf_type,
)
from graphql.execution.collect_fields import FieldDetailsList
from graphql.pyutils import Path, Undefined
from strawberry import relay
from strawberry.relay.utils import to_base64
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.types.base import StrawberryObjectDefinition
from strawberry.types.field import StrawberryField

from backend.common.graphql.node import ModelNode
from schema.context import SocketContext

DEFINITION_BACKREF = "strawberry-definition"
FastField = tuple[Callable[[Any], Any], GraphQLLeafType]

# Types and fields live as long as the schema: decide once per (type, field).
_verdicts: dict[tuple[int, int], FastField | None] = {}


def _fast_field(
    parent_type: GraphQLObjectType, field_def: GraphQLField
) -> FastField | None:
    key = (id(parent_type), id(field_def))
    if key not in _verdicts:
        _verdicts[key] = _inspect(parent_type, field_def)
    return _verdicts[key]


def _inspect(
    parent_type: GraphQLObjectType, field_def: GraphQLField
) -> FastField | None:
    definition = (field_def.extensions or {}).get(DEFINITION_BACKREF)
    return_type = field_def.type
    if isinstance(return_type, GraphQLNonNull):
        return_type = return_type.of_type
    if not isinstance(definition, StrawberryField) or not is_leaf_type(return_type):
        return None
    if field_def.args or definition.python_name is None:
        return None
    if definition.is_basic_field:
        return attrgetter(definition.python_name), return_type
    if definition.origin is relay.Node and definition.python_name == "_id":
        parent = (parent_type.extensions or {}).get(DEFINITION_BACKREF)
        if isinstance(parent, StrawberryObjectDefinition) and issubclass(
            parent.origin, ModelNode
        ):
            type_name = parent_type.name
            return (lambda row: to_base64(type_name, row.pk)), return_type
    return None


class AttributeFastPathExecutor(StrawberryGraphQLCoreExecutionContext):
    def execute_field(
        self,
        parent_type: GraphQLObjectType,
        source: Any,
        field_details_list: FieldDetailsList,
        path: Path,
        position_context: Any,
    ) -> Any:
        middleware = self.middleware_manager
        if middleware is None or not middleware.middlewares:
            field_name = field_details_list[0].node.name.value
            field_def = self.schema.get_field(parent_type, field_name)
            fast = _fast_field(parent_type, field_def) if field_def else None
            if fast is not None:
                try:
                    value = fast[0](source)
                    if value is not None:
                        coerced = fast[1].coerce_output_value(value)
                        if coerced is not Undefined and coerced is not None:
                            return coerced
                except Exception:  # the stock path below reports it
                    pass
        return super().execute_field(
            parent_type, source, field_details_list, path, position_context
        )

    # Set on the copy graphql-core makes for each subscription event.
    per_event = False

    def build_per_event_executor(self, payload: Any) -> "AttributeFastPathExecutor":
        executor = cast(
            AttributeFastPathExecutor, super().build_per_event_executor(payload)
        )
        executor.per_event = True
        return executor

    def execute_operation(self, serially: bool | None = None) -> Any:
        context = self.context_value
        if (
            self.per_event
            and isinstance(context, SocketContext)
            and context.event_memo is not None
        ):
            return self._shared_event_result(context, context.event_memo, serially)
        return super().execute_operation(serially)

    async def _shared_event_result(
        self, context: SocketContext, memo: dict[Any, Any], serially: bool | None
    ) -> ExecutionResult:
        """This event's result for this subscriber, executed once per group.

        A group is the subscribers of this event (in this process) with the
        same payload object, operation (the parser cache makes one document
        per query text), variables and visibility (SocketRequest.visibility):
        what the selection resolves to depends on nothing else, so each gets
        the same data. Whether a subscriber gets the event at all (its
        session, its orders) was decided for it alone before the payload got
        here. A result with errors is not shared: the others execute their own.
        """
        key = (
            "result",
            id(self.root_value),
            id(self.operation),
            repr(sorted(self.variable_values.coerced.items())),
            context.request.visibility,
        )
        entry = memo.get(key)
        if entry is None:
            future = asyncio.ensure_future(self._execute_alone(serially))
            # The payload is kept with its result: its id stays unique meanwhile.
            memo[key] = (self.root_value, future)
            return await asyncio.shield(future)
        try:
            result = cast(ExecutionResult, await asyncio.shield(entry[1]))
        except Exception:
            result = None
        if result is None or result.errors:
            return await self._execute_alone(serially)
        return result

    async def _execute_alone(self, serially: bool | None) -> ExecutionResult:
        result = super().execute_operation(serially)
        if self.is_awaitable(result):
            result = await result
        return cast(ExecutionResult, result)
