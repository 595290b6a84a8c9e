"""What an operation may cost, computed before it runs (GitHub and Shopify style).

An object costs 1 and a scalar or enum 0. A connection passes its page size
(`first` or `last`, the default page size when both are absent) to the list of
items inside it, so `edges { node { ... } }` counts once per item of a full
page. A mutation adds 10 for the write it does. The figure bounds how many
objects an operation can make the server load, whatever the data.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLField,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    get_named_type,
    get_nullable_type,
    get_operation_ast,
    is_composite_type,
    is_list_type,
    value_from_ast_untyped,
)

from .shape import measure_document

OBJECT_COST = 1
MUTATION_COST = 10
PAGE_SIZE_ARGUMENTS = ("first", "last")


def fragments_of(document: DocumentNode) -> dict[str, FragmentDefinitionNode]:
    return {
        definition.name.value: definition
        for definition in document.definitions
        if isinstance(definition, FragmentDefinitionNode)
    }


def _is_connection(definition: GraphQLField) -> bool:
    return any(argument in definition.args for argument in PAGE_SIZE_ARGUMENTS)


@dataclass
class _CostWalk:
    schema: GraphQLSchema
    fragments: Mapping[str, FragmentDefinitionNode]
    variables: dict[str, Any]
    default_page_size: int
    max_page_size: int
    # A fragment spread many times is walked once per page size: without this a
    # document could make the walk itself exponential.
    memo: dict[tuple[str, int], int] = field(default_factory=dict)

    def selection_set(
        self,
        node: SelectionSetNode | None,
        parent: GraphQLNamedType | None,
        page: int,
        seen: frozenset[str],
    ) -> int:
        if node is None or parent is None:
            return 0
        total = 0
        for selection in node.selections:
            if isinstance(selection, FieldNode):
                total += self.field(selection, parent, page, seen)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                scope = (
                    self.schema.get_type(condition.name.value) if condition else parent
                )
                total += self.selection_set(selection.selection_set, scope, page, seen)
            elif isinstance(selection, FragmentSpreadNode):
                total += self.spread(selection.name.value, page, seen)
        return total

    def spread(self, name: str, page: int, seen: frozenset[str]) -> int:
        fragment = self.fragments.get(name)
        if fragment is None or name in seen:
            return 0
        key = (name, page)
        if key not in self.memo:
            scope = self.schema.get_type(fragment.type_condition.name.value)
            self.memo[key] = self.selection_set(
                fragment.selection_set, scope, page, seen | {name}
            )
        return self.memo[key]

    def field(
        self, node: FieldNode, parent: GraphQLNamedType, page: int, seen: frozenset[str]
    ) -> int:
        if not isinstance(parent, GraphQLObjectType | GraphQLInterfaceType):
            return 0
        definition = parent.fields.get(node.name.value)
        if definition is None:
            return 0
        named = get_named_type(definition.type)
        if not is_composite_type(named):
            return 0
        if _is_connection(definition):
            size = self.page_size(node)
            children = self.selection_set(node.selection_set, named, size, seen)
            return OBJECT_COST + children
        item = OBJECT_COST + self.selection_set(node.selection_set, named, 1, seen)
        if is_list_type(get_nullable_type(definition.type)):
            # The items of a connection's page; a list outside a connection (the
            # messages of a payload) holds a handful and counts once.
            return page * item
        return item

    def page_size(self, node: FieldNode) -> int:
        sizes = []
        for argument in node.arguments or ():
            if argument.name.value in PAGE_SIZE_ARGUMENTS:
                value = value_from_ast_untyped(argument.value, self.variables)
                if isinstance(value, int) and not isinstance(value, bool):
                    # Larger pages are refused by the page-size cap, with its
                    # own clearer message.
                    sizes.append(min(max(value, 0), self.max_page_size))
        return max(sizes) if sizes else self.default_page_size


def _with_defaults(
    operation: OperationDefinitionNode, variables: Mapping[str, Any] | None
) -> dict[str, Any]:
    values = dict(variables or {})
    for definition in operation.variable_definitions or ():
        name = definition.variable.name.value
        if name not in values and definition.default_value is not None:
            values[name] = value_from_ast_untyped(definition.default_value)
    return values


def operation_cost(
    schema: GraphQLSchema,
    document: DocumentNode,
    *,
    operation_name: str | None,
    variables: Mapping[str, Any] | None,
    default_page_size: int,
    max_page_size: int,
) -> int:
    """The cost of the operation that `operation_name` picks out of `document`."""
    operation = get_operation_ast(document, operation_name)
    if operation is None:
        return 0
    fragments = fragments_of(document)
    walk = _CostWalk(
        schema=schema,
        fragments=fragments,
        variables=_with_defaults(operation, variables),
        default_page_size=default_page_size,
        max_page_size=max_page_size,
    )
    root = schema.get_root_type(operation.operation)
    cost = walk.selection_set(operation.selection_set, root, 1, frozenset())
    if operation.operation == OperationType.MUTATION:
        # Each root field of a mutation is a write, spreads counted where used.
        roots = next(
            shape.top_fields
            for measured, shape in measure_document(document).operations
            if measured is operation
        )
        cost += MUTATION_COST * roots
    return cost
