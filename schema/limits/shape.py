"""The size of a GraphQL document once its fragments are spread, in linear time.

A fragment may spread another fragment twice, that one the next twice, and so
on: forty such fragments (1.5 KB) expand to 2^40 fields. Every rule that walks
the expanded tree takes as long, so the document is measured here first, on
its fragment graph: each fragment once, its result remembered, a spread then
costing one lookup. Time and memory grow with the document's text, never with
its expansion.
"""

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
)

# Counts stop growing here: a bomb's 2^200 fields are refused as surely as its
# 10^12, and the numbers stay cheap to add and to print.
SATURATION = 10**12


def _add(*counts: int) -> int:
    return min(sum(counts), SATURATION)


@dataclass(frozen=True, slots=True)
class Shape:
    """What one selection set (an operation's, a fragment's) asks for, spread."""

    # Field selections of the expanded tree, leaves and __typename included.
    fields: int = 0
    # Fields with a selection set nested in one another, introspection fields
    # (`__schema`, `__type`) not counted: strawberry's QueryDepthLimiter's measure.
    depth: int = 0
    aliases: int = 0
    # Fields at this level, inline fragments and spreads flattened, without
    # `__typename` (it reads nothing): an operation's root fields.
    top_fields: int = 0

    def __add__(self, other: "Shape") -> "Shape":
        return Shape(
            fields=_add(self.fields, other.fields),
            depth=max(self.depth, other.depth),
            aliases=_add(self.aliases, other.aliases),
            top_fields=_add(self.top_fields, other.top_fields),
        )


EMPTY = Shape()


@dataclass(frozen=True, slots=True)
class DocumentShape:
    operations: tuple[tuple[OperationDefinitionNode, Shape], ...]
    fragments: Mapping[str, Shape]

    @property
    def aliases(self) -> int:
        """Aliases of every operation together, as strawberry's MaxAliasesLimiter
        counts them (an unused fragment is held to the limit on its own)."""
        in_operations = _add(*(shape.aliases for _, shape in self.operations))
        return max(
            [in_operations, *(shape.aliases for shape in self.fragments.values())]
        )


def _spreads(selection_set: SelectionSetNode | None) -> Iterable[str]:
    """Names of the fragments a selection set spreads, at any level."""
    stack = [selection_set]
    while stack:
        current = stack.pop()
        if current is None:
            continue
        for selection in current.selections:
            if isinstance(selection, FragmentSpreadNode):
                yield selection.name.value
            elif isinstance(selection, FieldNode | InlineFragmentNode):
                stack.append(selection.selection_set)


def _measure(
    selection_set: SelectionSetNode | None, fragments: Mapping[str, Shape]
) -> Shape:
    """The shape of one selection set, spreads looked up in `fragments`.

    Recursion follows the text's own nesting, which the parser caps.
    """
    if selection_set is None:
        return EMPTY
    total = EMPTY
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            inner = _measure(selection.selection_set, fragments)
            nested = selection.selection_set is not None
            total += Shape(
                fields=_add(1, inner.fields),
                depth=(
                    1 + inner.depth
                    if nested and not selection.name.value.startswith("__")
                    else 0
                ),
                aliases=_add(1 if selection.alias else 0, inner.aliases),
                top_fields=0 if selection.name.value == "__typename" else 1,
            )
        elif isinstance(selection, InlineFragmentNode):
            total += _measure(selection.selection_set, fragments)
        elif isinstance(selection, FragmentSpreadNode):
            # Unknown, or part of a cycle: nothing here; validation reports both.
            total += fragments.get(selection.name.value, EMPTY)
    return total


def _dependency_order(
    definitions: Mapping[str, list[FragmentDefinitionNode]],
) -> list[str]:
    """Fragment names, each after every fragment it spreads (cycles cut).

    Iterative, so a long chain of fragments cannot exhaust the stack.
    """
    order: list[str] = []
    state: dict[str, bool] = {}  # False: being visited, True: done
    for root in definitions:
        if root in state:
            continue
        state[root] = False
        stack = [(root, iter(_spreads_of(definitions[root])))]
        while stack:
            name, pending = stack[-1]
            for spread in pending:
                if spread in definitions and spread not in state:
                    state[spread] = False
                    stack.append((spread, iter(_spreads_of(definitions[spread]))))
                    break
            else:
                stack.pop()
                state[name] = True
                order.append(name)
    return order


def _spreads_of(definitions: list[FragmentDefinitionNode]) -> list[str]:
    return [name for d in definitions for name in _spreads(d.selection_set)]


def measure_document(document: DocumentNode) -> DocumentShape:
    """Measure every operation and fragment of a document, each fragment once."""
    definitions: dict[str, list[FragmentDefinitionNode]] = defaultdict(list)
    operations = []
    for definition in document.definitions:
        if isinstance(definition, FragmentDefinitionNode):
            # A name defined twice is refused by validation; until then the
            # larger definition counts.
            definitions[definition.name.value].append(definition)
        elif isinstance(definition, OperationDefinitionNode):
            operations.append(definition)
    fragments: dict[str, Shape] = {}
    for name in _dependency_order(definitions):
        shapes = [_measure(d.selection_set, fragments) for d in definitions[name]]
        fragments[name] = Shape(
            fields=max(s.fields for s in shapes),
            depth=max(s.depth for s in shapes),
            aliases=max(s.aliases for s in shapes),
            top_fields=max(s.top_fields for s in shapes),
        )
    return DocumentShape(
        operations=tuple(
            (operation, _measure(operation.selection_set, fragments))
            for operation in operations
        ),
        fragments=fragments,
    )
