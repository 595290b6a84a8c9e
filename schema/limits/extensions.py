"""Limits on what one GraphQL request may ask for; each refusal names its setting.

Limits on the document alone (fields, depth, aliases, root fields) are
measured before validation, and their verdict cached per query text, in
`validation.py`. Checks that depend on variables (input sizes, the cost of a
page size passed as `$first`) run on every request, just before execution, in
`RequestLimits`.
"""

from collections.abc import Callable, Iterator, Mapping
from typing import Any

from django.conf import settings
from graphql import (
    ArgumentNode,
    ASTValidationRule,
    DocumentNode,
    ExecutionResult,
    GraphQLError,
    GraphQLSyntaxError,
    ListValueNode,
    Node,
    NoSchemaIntrospectionCustomRule,
    ObjectValueNode,
    StringValueNode,
    ValueNode,
    VariableDefinitionNode,
    Visitor,
    visit,
)
from strawberry.extensions import (
    AddValidationRules,
    MaxTokensLimiter,
    SchemaExtension,
)

from backend.common.errors import ErrorCode
from backend.common.text import storable
from schema.error_codes import GatewayErrorCode

from .cost import operation_cost
from .throttle import bucket_report, charge

TOKENS_SETTING = "GRAPHQL_MAX_TOKENS"


def limit_error(
    message: str, setting: str, nodes: Node | list[Node] | None = None
) -> GraphQLError:
    return GraphQLError(
        f"{message} ({setting}).",
        nodes,
        extensions={"code": GatewayErrorCode.LIMIT_EXCEEDED.value, "limit": setting},
    )


def validation_rules() -> list[type[ASTValidationRule]]:
    """The document rules, built once: ValidationCache keys on the rule classes."""
    rules: list[type[ASTValidationRule]] = []
    if not settings.GRAPHQL_INTROSPECTION_ENABLED:
        rules.append(NoSchemaIntrospectionCustomRule)
    return rules


class _InputCheck:
    """Find the first input value over each limit, in literals or variables."""

    def __init__(self) -> None:
        self.max_list = settings.GRAPHQL_MAX_LIST_INPUT_LENGTH
        self.max_string = settings.GRAPHQL_MAX_STRING_INPUT_LENGTH
        self.max_depth = settings.GRAPHQL_MAX_INPUT_DEPTH
        self.errors: dict[str, GraphQLError] = {}

    def report(self, setting: str, message: str, node: Node | None) -> None:
        self.errors.setdefault(setting, limit_error(message, setting, node))

    @staticmethod
    def describe(path: str) -> str:
        kind = "Variable" if path.startswith("$") else "Argument"
        return f"{kind} '{path}'"

    def string(self, text: str, where: str, node: Node | None = None) -> None:
        if len(text) > self.max_string:
            self.report(
                "GRAPHQL_MAX_STRING_INPUT_LENGTH",
                f"{self.describe(where)} is a string of {len(text)} characters; "
                f"at most {self.max_string} are allowed",
                node,
            )
        elif not storable(text):
            self.errors.setdefault(
                "storable",
                GraphQLError(
                    f"{self.describe(where)} contains a NUL character or an unpaired "
                    "surrogate, which no field accepts.",
                    node,
                    extensions={"code": ErrorCode.VALIDATION.value},
                ),
            )

    def list(self, length: int, where: str, node: Node | None = None) -> None:
        if length > self.max_list:
            self.report(
                "GRAPHQL_MAX_LIST_INPUT_LENGTH",
                f"{self.describe(where)} is a list of {length} items; "
                f"at most {self.max_list} are allowed",
                node,
            )

    def too_deep(self, depth: int, where: str, node: Node | None = None) -> bool:
        if depth > self.max_depth:
            self.report(
                "GRAPHQL_MAX_INPUT_DEPTH",
                f"{self.describe(where)} nests lists and objects more than "
                f"{self.max_depth} levels deep",
                node,
            )
            return True
        return False

    def variable(self, value: Any, where: str, depth: int = 0) -> None:
        if isinstance(value, str):
            self.string(value, where)
        elif isinstance(value, list | dict):
            if self.too_deep(depth + 1, where):
                return
            if isinstance(value, list):
                self.list(len(value), where)
                items: Iterator[tuple[str, Any]] = (
                    (f"{where}[{i}]", item) for i, item in enumerate(value)
                )
            else:
                items = ((f"{where}.{key}", item) for key, item in value.items())
            for item_where, item in items:
                self.variable(item, item_where, depth + 1)

    def literal(self, node: ValueNode, where: str, depth: int = 0) -> None:
        if isinstance(node, StringValueNode):
            self.string(node.value, where, node)
        elif isinstance(node, ListValueNode | ObjectValueNode):
            if self.too_deep(depth + 1, where, node):
                return
            if isinstance(node, ListValueNode):
                self.list(len(node.values), where, node)
                for item in node.values:
                    self.literal(item, f"{where}[]", depth + 1)
            else:
                for object_field in node.fields:
                    self.literal(
                        object_field.value,
                        f"{where}.{object_field.name.value}",
                        depth + 1,
                    )


class _Literals(Visitor):
    def __init__(self, check: _InputCheck) -> None:
        super().__init__()
        self.check = check

    def enter_argument(self, node: ArgumentNode, *_args: Any) -> None:
        self.check.literal(node.value, node.name.value)

    def enter_variable_definition(
        self, node: VariableDefinitionNode, *_args: Any
    ) -> None:
        if node.default_value is not None:
            self.check.literal(node.default_value, f"${node.variable.name.value}")


def input_errors(
    document: DocumentNode, variables: Mapping[str, Any] | None
) -> list[GraphQLError]:
    """Input values too long, too many, too deep or unstorable, one error each."""
    check = _InputCheck()
    visit(document, _Literals(check))
    for name, value in (variables or {}).items():
        check.variable(value, f"${name}")
    return list(check.errors.values())


class RequestLimits(SchemaExtension):
    """Input sizes and the cost budget, checked per request before execution.

    The cost goes back to the client in `extensions.cost` of the response.
    """

    def __init__(self) -> None:
        self.cost: int | None = None

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context
        document = context.graphql_document
        if document is not None and context.result is None:
            errors = input_errors(document, context.variables)
            if not errors:
                self.cost = operation_cost(
                    context.schema._schema,
                    document,
                    operation_name=context.operation_name,
                    variables=context.variables,
                    default_page_size=settings.GRAPHQL_DEFAULT_PAGE_SIZE,
                    max_page_size=settings.GRAPHQL_MAX_PAGE_SIZE,
                )
                if self.cost > settings.GRAPHQL_MAX_COST:
                    errors = [
                        limit_error(
                            f"The operation costs {self.cost}, more than the budget "
                            f"of {settings.GRAPHQL_MAX_COST}: ask for smaller pages "
                            "(first/last) or fewer fields",
                            "GRAPHQL_MAX_COST",
                        )
                    ]
                else:
                    errors = charge(context, self.cost)
            if errors:
                # A result set here stands in for execution: nothing is resolved.
                context.result = ExecutionResult(data=None, errors=errors)
        yield

    def get_results(self) -> dict[str, Any]:
        if self.cost is None:
            return {}
        return {
            "cost": {
                "requested": self.cost,
                "budget": settings.GRAPHQL_MAX_COST,
                **bucket_report(self.execution_context),
            }
        }


class TokenLimit(MaxTokensLimiter):
    """strawberry's token cap (the parser stops there), tagged like our limits."""

    def __init__(self) -> None:
        super().__init__(max_token_count=settings.GRAPHQL_MAX_TOKENS)

    def on_operation(self) -> Iterator[None]:
        try:
            yield from super().on_operation()
        except GraphQLSyntaxError as error:
            # graphql-core stops parsing with a plain syntax error; it reaches
            # here on its way to becoming the request's only error.
            if f"more than {self.max_token_count} tokens" in error.message:
                tagged = limit_error(error.message.removesuffix("."), TOKENS_SETTING)
                error.message, error.extensions = tagged.message, tagged.extensions
            raise


def limit_extensions() -> list[Callable[[], SchemaExtension]]:
    """Factories for the schema's `extensions=[...]`: a fresh instance per request."""
    rules = validation_rules()
    return [TokenLimit, lambda: AddValidationRules(rules), RequestLimits]
