"""A faster path through graphql-core for fields that just read an attribute.

Most fields of a big page are scalars read straight off a model instance
(strawberry's "basic" fields: no resolver, no arguments, no extensions) or the
relay `id` of a model-backed node. For each of them the stock executor still
builds a resolve-info object (and, for `id`, a strawberry Info), parses
arguments and runs the generic completion machinery. For those fields alone
this executor reads the value and coerces it, which is all the stock path ends
up doing; anything unusual (a null, an error) falls back to the stock path, so
errors are reported exactly as before.
"""

from collections.abc import Callable
from operator import attrgetter
from typing import Any

from graphql import (
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
