"""Generated attack documents against the production server on PostgreSQL.

hypothesis-graphql builds operations from the schema (valid ones, and ones
with a single schema violation); a strategy of ours then rewrites each: it
moves selections into named fragments (some spread twice), adds aliases and
`@include`/`@skip`, and turns argument values into variables sent alongside.
Whatever comes out, the server must answer without a 5xx, without an
unexpected (masked) error, and within a second.
"""

import json
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests
from django.test import Client
from graphql import (
    ArgumentNode,
    BooleanValueNode,
    DirectiveNode,
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    NamedTypeNode,
    NameNode,
    OperationDefinitionNode,
    SelectionSetNode,
    TypeInfo,
    TypeInfoVisitor,
    ValueNode,
    VariableDefinitionNode,
    VariableNode,
    Visitor,
    build_schema,
    get_named_type,
    parse_type,
    print_ast,
    value_from_ast_untyped,
    visit,
)
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis_graphql import nodes
from hypothesis_graphql import strategies as graphql_st

from tests.conftest import gid
from tests.factories import ProductFactory, UserFactory, place_order
from tests.security.conftest import on_postgres

pytestmark = pytest.mark.skipif(
    not on_postgres(), reason="runs on PostgreSQL: `make test-postgres`"
)

SDL = (Path(__file__).resolve().parents[2] / "schema" / "schema.graphql").read_text()
SCHEMA = build_schema(SDL)
EXAMPLES = 300
ANSWER_WITHIN_SECONDS = 1.0

SCALARS = {
    "ID": st.one_of(
        st.builds(
            gid, st.sampled_from(["Product", "Order", "User"]), st.integers(1, 12)
        ),
        st.text(max_size=12),
    ).map(nodes.String),
    "Decimal": st.decimals(min_value=0, max_value=10**6, places=2, allow_nan=False).map(
        lambda value: nodes.String(str(value))
    ),
    "DateTime": st.datetimes().map(lambda moment: nodes.String(moment.isoformat())),
}


@dataclass
class _Rewrite(Visitor):
    """Fragments, aliases, directives and variables, decided by `chance`."""

    type_info: TypeInfo
    chance: random.Random
    fragments: list[FragmentDefinitionNode] = field(default_factory=list)
    variables: list[VariableDefinitionNode] = field(default_factory=list)
    values: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        super().__init__()

    def leave_argument(self, node: ArgumentNode, *_args: Any) -> ArgumentNode | None:
        argument = self.type_info.get_argument()
        if argument is None or self.chance.random() < 0.5:
            return None
        name = f"v{len(self.variables)}"
        self.variables.append(
            VariableDefinitionNode(
                variable=VariableNode(name=NameNode(value=name)),
                type=parse_type(str(argument.type)),
            )
        )
        self.values[name] = value_from_ast_untyped(node.value)
        return ArgumentNode(
            name=node.name, value=VariableNode(name=NameNode(value=name))
        )

    def leave_field(self, node: FieldNode, *_args: Any) -> FieldNode:
        selection_set = node.selection_set
        field_type = self.type_info.get_type()
        if selection_set is not None and field_type and self.chance.random() < 0.5:
            name = f"F{len(self.fragments)}"
            on = get_named_type(field_type).name
            self.fragments.append(
                FragmentDefinitionNode(
                    name=NameNode(value=name),
                    type_condition=NamedTypeNode(name=NameNode(value=on)),
                    selection_set=selection_set,
                )
            )
            spread = FragmentSpreadNode(name=NameNode(value=name))
            copies = self.chance.choice([1, 1, 2, 3])
            selection_set = SelectionSetNode(selections=(spread,) * copies)
        alias = node.alias
        if self.chance.random() < 0.3:
            alias = NameNode(value=f"a{self.chance.randrange(1000)}")
        directives = tuple(node.directives or ())
        if self.chance.random() < 0.3:
            directives += (self._directive(),)
        return FieldNode(
            alias=alias,
            name=node.name,
            arguments=node.arguments,
            directives=directives,
            selection_set=selection_set,
        )

    def _directive(self) -> DirectiveNode:
        if self.chance.random() < 0.5:
            condition: ValueNode = BooleanValueNode(value=self.chance.random() < 0.5)
        else:
            name = f"v{len(self.variables)}"
            self.variables.append(
                VariableDefinitionNode(
                    variable=VariableNode(name=NameNode(value=name)),
                    type=parse_type("Boolean!"),
                )
            )
            self.values[name] = self.chance.random() < 0.5
            condition = VariableNode(name=NameNode(value=name))
        return DirectiveNode(
            name=NameNode(value=self.chance.choice(["include", "skip"])),
            arguments=(ArgumentNode(name=NameNode(value="if"), value=condition),),
        )


def rewrite(document: DocumentNode, seed: int) -> tuple[str, dict[str, Any]]:
    """The document with fragments, aliases, directives and variables."""
    type_info = TypeInfo(SCHEMA)
    rewriter = _Rewrite(type_info, random.Random(seed))
    [operation] = visit(document, TypeInfoVisitor(type_info, rewriter)).definitions
    assert isinstance(operation, OperationDefinitionNode)
    operation = OperationDefinitionNode(
        operation=operation.operation,
        name=NameNode(value="Generated"),
        variable_definitions=tuple(rewriter.variables),
        directives=operation.directives,
        selection_set=operation.selection_set,
    )
    text = print_ast(DocumentNode(definitions=(operation, *rewriter.fragments)))
    return text, rewriter.values


def documents(mode: graphql_st.Mode) -> st.SearchStrategy[tuple[str, dict[str, Any]]]:
    generated = graphql_st.from_schema(
        SCHEMA, custom_scalars=SCALARS, print_ast=lambda document: document, mode=mode
    )
    return st.builds(rewrite, generated, st.integers(0, 2**32))


@pytest.fixture
def staff_session(production_server, transactional_db) -> Iterator[requests.Session]:
    staff = UserFactory.create(username="attacker", is_staff=True)
    customer = UserFactory.create(username="victim")
    for product in ProductFactory.create_batch(3, stock_quantity=50):
        place_order(customer, product, quantity=2)
    browser = Client()
    browser.force_login(staff)
    url = f"http://127.0.0.1:{production_server.port}/graphql/"
    with requests.Session() as session:
        session.cookies.set("sessionid", browser.cookies["sessionid"].value)
        session.get(url, params={"query": "{ __typename }"}, timeout=10)
        session.headers["X-CSRFToken"] = session.cookies.get("csrftoken") or ""
        session.headers["Referer"] = url
        me = session.post(url, json={"query": "{ me { username } }"}, timeout=10)
        # Attacking as a stranger would test little but the permission checks.
        assert me.json()["data"] == {"me": {"username": "attacker"}}, me.text
        yield session


@settings(
    max_examples=EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
@given(
    generated=st.one_of(
        documents(graphql_st.Mode.POSITIVE), documents(graphql_st.Mode.NEGATIVE)
    )
)
def test_no_generated_document_breaks_the_server(
    production_server, staff_session, generated
):
    query, variables = generated
    url = f"http://127.0.0.1:{production_server.port}/graphql/"

    response = staff_session.post(
        url, json={"query": query, "variables": variables}, timeout=10
    )

    sent = f"{query}\nvariables: {json.dumps(variables)}\nanswer: {response.text[:800]}"
    assert response.status_code < 500, sent
    body = response.json()
    codes = [
        (error.get("extensions") or {}).get("code") for error in body.get("errors", [])
    ]
    assert "INTERNAL_SERVER_ERROR" not in codes, sent
    assert response.elapsed.total_seconds() < ANSWER_WITHIN_SECONDS, sent
