"""Validation in an order that keeps it linear in the document's size.

1. After parsing, the operation to run is chosen as the spec's GetOperation
   says: a document of several operations needs `operationName`, and the name
   must be one of them (a request error, BAD_REQUEST, otherwise).
2. The document is measured on its fragment graph (`shape.py`): fields after
   spreading, depth, aliases, root fields. Anything over a limit is refused
   there, so no validation rule, graphql-core's own included, ever walks an
   exponentially expanded document.
3. Only then graphql-core's rules run. Steps 2 and 3 give one verdict per
   document text, kept in an LRU cache as strawberry's ValidationCache does.
"""

from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache

from django.conf import settings
from graphql import (
    ASTValidationRule,
    DocumentNode,
    GraphQLError,
    GraphQLSchema,
    OperationDefinitionNode,
)
from strawberry.extensions import SchemaExtension
from strawberry.extensions.validation_cache import DEFAULT_MAXSIZE
from strawberry.schema.schema import validate_document

from schema.error_codes import GatewayErrorCode

from .extensions import limit_error
from .number_literals import NumberLiterals
from .shape import SATURATION, DocumentShape, Shape, measure_document


def operation_choice_error(
    document: DocumentNode, operation_name: str | None
) -> GraphQLError | None:
    """Why no single operation of the document can run, if none can."""
    names = [
        definition.name.value if definition.name else None
        for definition in document.definitions
        if isinstance(definition, OperationDefinitionNode)
    ]
    if operation_name is not None:
        if operation_name in names:
            return None
        message = (
            f"operationName '{operation_name}' names no operation in the document."
        )
    elif len(names) == 1:
        return None
    elif not names:
        message = "The document has no operation to run."
    else:
        message = (
            f"The document has {len(names)} operations: say which to run with "
            "operationName."
        )
    return GraphQLError(
        message, extensions={"code": GatewayErrorCode.BAD_REQUEST.value}
    )


def _count(value: int) -> str:
    return f"more than {SATURATION}" if value >= SATURATION else str(value)


def _label(operation: OperationDefinitionNode) -> str:
    # The name strawberry's depth limiter used in its message.
    return operation.name.value if operation.name else "anonymous"


def _over(shape: DocumentShape, measure: str, limit: int) -> tuple[str, Shape] | None:
    """The first operation, else the first fragment (one no operation spreads,
    then), whose `measure` is over `limit`."""
    for operation, operation_shape in shape.operations:
        if getattr(operation_shape, measure) > limit:
            return f"'{_label(operation)}'", operation_shape
    for name, fragment_shape in shape.fragments.items():
        if getattr(fragment_shape, measure) > limit:
            return f"Fragment '{name}'", fragment_shape
    return None


def document_limit_errors(document: DocumentNode) -> list[GraphQLError]:
    """One LIMIT_EXCEEDED error per document limit the document is over."""
    shape = measure_document(document)
    errors = []
    max_fields = settings.GRAPHQL_MAX_FIELDS
    if found := _over(shape, "fields", max_fields):
        where, over = found
        errors.append(
            limit_error(
                f"{where} selects {_count(over.fields)} fields once its fragments "
                f"are spread; at most {max_fields} are allowed",
                "GRAPHQL_MAX_FIELDS",
            )
        )
    max_depth = settings.GRAPHQL_MAX_DEPTH
    if found := _over(shape, "depth", max_depth):
        errors.append(
            limit_error(
                f"{found[0]} exceeds maximum operation depth of {max_depth}",
                "GRAPHQL_MAX_DEPTH",
            )
        )
    max_aliases = settings.GRAPHQL_MAX_ALIASES
    if shape.aliases > max_aliases:
        errors.append(
            limit_error(
                f"{_count(shape.aliases)} aliases found. Allowed: {max_aliases}",
                "GRAPHQL_MAX_ALIASES",
            )
        )
    max_roots = settings.GRAPHQL_MAX_ROOT_FIELDS
    for operation, operation_shape in shape.operations:
        if operation_shape.top_fields > max_roots:
            errors.append(
                limit_error(
                    f"The operation selects {_count(operation_shape.top_fields)} "
                    f"root fields; at most {max_roots} are allowed",
                    "GRAPHQL_MAX_ROOT_FIELDS",
                    operation,
                )
            )
    return errors


def _verdict(
    schema: GraphQLSchema,
    document: DocumentNode,
    rules: tuple[type[ASTValidationRule], ...],
) -> list[GraphQLError]:
    return document_limit_errors(document) or validate_document(schema, document, rules)


@dataclass(frozen=True)
class _Text:
    """A parsed document keyed by its text: hashing a str is cached by Python,
    hashing the AST walks all of it."""

    text: str
    document: DocumentNode = field(compare=False, hash=False)


@lru_cache(maxsize=DEFAULT_MAXSIZE)
def _cached_verdict(
    schema: GraphQLSchema,
    key: _Text,
    rules: tuple[type[ASTValidationRule], ...],
) -> list[GraphQLError]:
    return _verdict(schema, key.document, rules)


class MeasuredValidation(SchemaExtension):
    """Choose the operation, measure the document, then validate (cached).

    Takes the place of strawberry's ValidationCache in the schema.
    """

    def on_parse(self) -> Iterator[None]:
        yield
        context = self.execution_context
        if context.graphql_document is None:
            return  # it did not parse; that error is already the answer
        # `operation_name` falls back to the first operation's name, so it
        # cannot tell "none given" apart: the name as the client sent it.
        error = operation_choice_error(
            context.graphql_document, context._provided_operation_name
        )
        if error is not None:
            # Strawberry answers an exception raised here as the request's only
            # error, before validation or execution.
            raise error

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        document = context.graphql_document
        assert document is not None
        schema = context.schema._schema
        # Number literals first: no other rule should meet a 5,000-digit one.
        rules: tuple[type[ASTValidationRule], ...] = (
            NumberLiterals,
            *context.validation_rules,
        )
        if context.query is None:
            context.pre_execution_errors = _verdict(schema, document, rules)
        else:
            key = _Text(context.query, document)
            # A copy: callers may add to the list they get.
            context.pre_execution_errors = list(_cached_verdict(schema, key, rules))
        yield
