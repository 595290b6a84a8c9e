"""Each request limit: the last allowed value passes, one more is refused by name."""

import os
import subprocess
import sys

import pytest
from django.conf import settings
from graphql import (
    GraphQLInterfaceType,
    GraphQLObjectType,
    build_schema,
    get_nullable_type,
    is_list_type,
    parse,
    validate,
)

from schema.limits.cost import operation_cost
from schema.limits.validation import document_limit_errors
from schema.schema import schema
from tests.graphql_client import Response
from tools.contract import contract_operations


def limit_of(response: Response) -> list[str | None]:
    return [(e.get("extensions") or {}).get("limit") for e in response.errors]


def nested(levels: int) -> str:
    return "{ " + "a { " * levels + "b" + " }" * (levels + 1)


def aliased(count: int, field: str = "__typename") -> str:
    return "{ " + " ".join(f"a{i}: {field}" for i in range(count)) + " }"


def test_depth_up_to_the_limit_passes_the_depth_rule(anonymous_client):
    response = anonymous_client.execute(nested(settings.GRAPHQL_MAX_DEPTH))

    assert "GRAPHQL_MAX_DEPTH" not in limit_of(response)


def test_one_level_deeper_is_refused_by_name(anonymous_client):
    response = anonymous_client.execute(nested(settings.GRAPHQL_MAX_DEPTH + 1))

    assert "GRAPHQL_MAX_DEPTH" in limit_of(response)
    assert (
        "exceeds maximum operation depth of 10 (GRAPHQL_MAX_DEPTH)."
        in (response.errors[limit_of(response).index("GRAPHQL_MAX_DEPTH")]["message"])
    )


def test_aliases_up_to_the_limit_pass(anonymous_client):
    response = anonymous_client.execute(aliased(settings.GRAPHQL_MAX_ALIASES))

    assert response.errors == []


def test_one_alias_more_is_refused_by_name(anonymous_client):
    response = anonymous_client.execute(aliased(settings.GRAPHQL_MAX_ALIASES + 1))

    assert response.body["data"] is None
    assert response.errors == [
        {
            "message": "16 aliases found. Allowed: 15 (GRAPHQL_MAX_ALIASES).",
            "extensions": {"code": "LIMIT_EXCEEDED", "limit": "GRAPHQL_MAX_ALIASES"},
        }
    ]


def test_a_document_over_the_token_limit_is_not_even_parsed(anonymous_client):
    query = "{ __typename" + " __typename" * settings.GRAPHQL_MAX_TOKENS + " }"

    response = anonymous_client.execute(query)

    assert response.body["data"] is None
    [error] = response.errors
    assert error["message"] == (
        "Syntax Error: Document contains more than 2000 tokens. "
        "Parsing aborted (GRAPHQL_MAX_TOKENS)."
    )
    assert error["extensions"] == {
        "code": "LIMIT_EXCEEDED",
        "limit": "GRAPHQL_MAX_TOKENS",
    }


def test_root_fields_up_to_the_limit_pass(anonymous_client):
    response = anonymous_client.execute(
        aliased(settings.GRAPHQL_MAX_ROOT_FIELDS, "me { id }")
    )

    assert response.errors == []


def test_one_root_field_more_is_refused_by_name(anonymous_client):
    response = anonymous_client.execute(
        aliased(settings.GRAPHQL_MAX_ROOT_FIELDS + 1, "me { id }")
    )

    assert limit_of(response) == ["GRAPHQL_MAX_ROOT_FIELDS"]
    assert response.errors[0]["message"] == (
        "The operation selects 11 root fields; at most 10 are allowed "
        "(GRAPHQL_MAX_ROOT_FIELDS)."
    )


def many_typenames(count: int) -> str:
    return "{ " + "__typename " * count + "}"


def test_fields_up_to_the_limit_pass(anonymous_client):
    response = anonymous_client.execute(many_typenames(settings.GRAPHQL_MAX_FIELDS))

    assert response.data == {"__typename": "Query"}


def test_one_field_more_is_refused_by_name(anonymous_client):
    response = anonymous_client.execute(many_typenames(settings.GRAPHQL_MAX_FIELDS + 1))

    assert response.body["data"] is None
    assert response.errors == [
        {
            "message": "'anonymous' selects 101 fields once its fragments are "
            "spread; at most 100 are allowed (GRAPHQL_MAX_FIELDS).",
            "extensions": {"code": "LIMIT_EXCEEDED", "limit": "GRAPHQL_MAX_FIELDS"},
        }
    ]


FRAGMENTS = """
    fragment Leaf on Query { a: __typename b: __typename }
    fragment Twice on Query { ...Leaf ...Leaf }
"""


@pytest.mark.parametrize(
    ("query", "setting", "allowed"),
    [
        # a fragment spread twice counts twice: 2 x 2 aliases, then 3 x 4
        ("{ ...Twice }" + FRAGMENTS, "GRAPHQL_MAX_ALIASES", 4),
        ("{ ...Twice ...Leaf ...Leaf ...Leaf ...Leaf }" + FRAGMENTS,
         "GRAPHQL_MAX_ALIASES", 12),
        # and so do its fields, in fields and in root fields
        ("{ ...Twice }" + FRAGMENTS, "GRAPHQL_MAX_FIELDS", 4),
        ("{ ...R ...R ...R } fragment R on Query { me { id } products { totalCount } }",
         "GRAPHQL_MAX_ROOT_FIELDS", 6),
        # inline fragments and spreads add no depth of their own
        ("{ products { ... on ProductConnection { edges { ...E } } } } "
         "fragment E on ProductEdge { node { id } }", "GRAPHQL_MAX_DEPTH", 3),
    ],
)  # fmt: skip
def test_spreads_count_where_they_are_used(settings, query, setting, allowed):
    setattr(settings, setting, allowed)
    assert document_limit_errors(parse(query)) == []

    setattr(settings, setting, allowed - 1)
    [error] = document_limit_errors(parse(query))

    assert error.extensions == {"code": "LIMIT_EXCEEDED", "limit": setting}


def test_a_fragment_no_operation_spreads_is_held_to_the_limits(anonymous_client):
    bomb = " ".join(
        f"fragment F{i} on Query {{ ...F{i - 1} ...F{i - 1} }}" for i in range(1, 30)
    )

    response = anonymous_client.execute(
        "{ __typename } fragment F0 on Query { __typename } " + bomb
    )

    assert response.errors[0]["extensions"]["limit"] == "GRAPHQL_MAX_FIELDS"
    assert response.errors[0]["message"].startswith("Fragment 'F7' selects 128 ")


def test_a_fragment_cycle_is_left_for_validation_to_report(anonymous_client):
    response = anonymous_client.execute(
        "{ ...A } fragment A on Query { __typename ...B } fragment B on Query { ...A }"
    )

    assert response.error_codes() == ["GRAPHQL_VALIDATION_FAILED"]
    assert (
        response.errors[0]["message"]
        == "Cannot spread fragment 'A' within itself via 'B'."
    )


def test_every_response_reports_its_cost(customer_client):
    response = customer_client.run("MyOrders")

    # orders 1 + pageInfo 1 + 20 (default page) x (edge + node + product)
    assert response.body["extensions"]["cost"] == {"requested": 62, "budget": 1000}


@pytest.mark.parametrize(("first", "cost"), [(5, 11), (None, 41), (100, 201)])
def test_the_cost_follows_a_page_size_given_as_a_variable(
    anonymous_client, first, cost
):
    response = anonymous_client.execute(
        "query($n: Int) { products(first: $n) { edges { node { id } } } }",
        {"n": first},
    )

    assert response.body["extensions"]["cost"]["requested"] == cost


def test_a_query_over_the_budget_is_refused_before_any_sql(
    anonymous_client, django_assert_num_queries
):
    page = "products(first: 100) { edges { node { id name } } }"
    query = "{ " + " ".join(f"p{i}: {page}" for i in range(5)) + " }"
    anonymous_client.csrf_token()

    with django_assert_num_queries(0):
        response = anonymous_client.execute(query)

    assert response.body["data"] is None
    assert response.errors == [
        {
            "message": "The operation costs 1005, more than the budget of 1000: ask "
            "for smaller pages (first/last) or fewer fields (GRAPHQL_MAX_COST).",
            "extensions": {"code": "LIMIT_EXCEEDED", "limit": "GRAPHQL_MAX_COST"},
        }
    ]
    assert response.body["extensions"]["cost"] == {"requested": 1005, "budget": 1000}


NESTED_CONNECTIONS = build_schema(
    """
    type Query { authors(first: Int, last: Int): AuthorConnection }
    type AuthorConnection { edges: [AuthorEdge!]!  pageInfo: PageInfo! }
    type AuthorEdge { node: Author! }
    type Author { name: String!  books(first: Int): BookConnection }
    type BookConnection { edges: [BookEdge!]! }
    type BookEdge { node: Book! }
    type Book { title: String! }
    type PageInfo { hasNextPage: Boolean! }
    """
)


@pytest.mark.parametrize(
    ("query", "cost"),
    [
        # 1 + 10 x (edge + node + books 1 + 5 x (edge + node))
        ("{ authors(first: 10) { edges { node { books(first: 5) "
         "{ edges { node { title } } } } } } }", 10 * 13 + 1),
        # pageInfo counts once, not per item; `last` works as `first` does
        ("{ authors(last: 3) { pageInfo { hasNextPage } edges { node { name } } } }",
         1 + 1 + 3 * 2),
        # no page size: the default page size (20)
        ("{ authors { edges { node { name } } } }", 1 + 20 * 2),
        # fragments count where they are spread
        ("{ authors(first: 2) { ...A } } fragment A on AuthorConnection "
         "{ edges { node { name } } }", 1 + 2 * 2),
    ],
)  # fmt: skip
def test_nested_connections_multiply_by_their_page_sizes(query, cost):
    computed = operation_cost(
        NESTED_CONNECTIONS,
        parse(query),
        operation_name=None,
        variables=None,
        default_page_size=20,
        max_page_size=100,
    )

    assert computed == cost


def test_a_mutation_costs_ten_more_than_its_selection(anonymous_client):
    response = anonymous_client.execute("mutation { logout }")

    assert response.body["extensions"]["cost"]["requested"] == 10


@pytest.mark.parametrize("count", [100, 101])
def test_list_inputs_hold_at_most_100_items(staff_client, count):
    response = staff_client.run("AllOrdersByStatus", statuses=["PENDING"] * count)

    if count <= settings.GRAPHQL_MAX_LIST_INPUT_LENGTH:
        assert response.errors == []
    else:
        assert limit_of(response) == ["GRAPHQL_MAX_LIST_INPUT_LENGTH"]
        assert response.errors[0]["message"] == (
            "Variable '$statuses' is a list of 101 items; at most 100 are allowed "
            "(GRAPHQL_MAX_LIST_INPUT_LENGTH)."
        )


@pytest.mark.parametrize("length", [10_000, 10_001])
def test_string_inputs_hold_at_most_10000_characters(anonymous_client, length):
    response = anonymous_client.run("SearchProducts", text="x" * length)

    if length <= settings.GRAPHQL_MAX_STRING_INPUT_LENGTH:
        assert response.errors == []
    else:
        assert limit_of(response) == ["GRAPHQL_MAX_STRING_INPUT_LENGTH"]


def test_string_literals_are_held_to_the_same_limit(anonymous_client):
    response = anonymous_client.execute(
        '{ products(filters: {name: {exact: "%s"}}) { totalCount } }' % ("x" * 10_001)
    )

    assert limit_of(response) == ["GRAPHQL_MAX_STRING_INPUT_LENGTH"]
    assert response.errors[0]["message"].startswith(
        "Argument 'filters.name.exact' is a string of 10001 characters"
    )


def and_filters(levels: int) -> str:
    inner = '{name: {exact: "x"}}'
    for _ in range(levels):
        inner = f"{{AND: {inner}}}"
    return f"{{ products(filters: {inner}) {{ totalCount }} }}"


@pytest.mark.parametrize(("levels", "refused"), [(6, False), (7, True)])
def test_input_objects_nest_at_most_8_levels(anonymous_client, levels, refused):
    # filters (1) + ANDs + name (1): 6 ANDs make 8 levels
    response = anonymous_client.execute(and_filters(levels))

    if refused:
        assert limit_of(response) == ["GRAPHQL_MAX_INPUT_DEPTH"]
    else:
        assert response.data == {"products": {"totalCount": 0}}


@pytest.mark.parametrize("text", ["a\x00b", "\ud800"])
def test_strings_no_database_can_store_are_refused(anonymous_client, text):
    response = anonymous_client.run("SearchProducts", text=text)

    assert response.error_codes() == ["VALIDATION"]
    assert "NUL character or an unpaired surrogate" in response.errors[0]["message"]


def test_introspection_is_off_in_production(anonymous_client):
    response = anonymous_client.execute("{ __schema { queryType { name } } }")

    assert response.body["data"] is None
    assert "introspection has been disabled" in response.errors[0]["message"]
    assert set(response.error_codes()) == {"GRAPHQL_VALIDATION_FAILED"}


def test_field_suggestions_do_not_leak_the_schema(anonymous_client):
    response = anonymous_client.execute("{ prodcts { totalCount } }")

    assert (
        response.errors[0]["message"] == "Cannot query field 'prodcts' on type 'Query'."
    )


def test_typename_still_works_without_introspection(anonymous_client):
    assert anonymous_client.execute("{ __typename }").data == {"__typename": "Query"}


def largest_variables(query: str) -> dict[str, int]:
    """Any page-size variable at the largest page a client may ask for."""
    return {name: settings.GRAPHQL_MAX_PAGE_SIZE for name in ("first", "last")
            if f"${name}" in query}  # fmt: skip


HALVED = (
    "GRAPHQL_MAX_FIELDS",
    "GRAPHQL_MAX_DEPTH",
    "GRAPHQL_MAX_ALIASES",
    "GRAPHQL_MAX_ROOT_FIELDS",
)


@pytest.mark.parametrize("name", sorted(contract_operations()))
def test_every_contract_operation_stays_within_half_of_every_limit(name, settings):
    query = contract_operations()[name]
    document = parse(query, max_tokens=settings.GRAPHQL_MAX_TOKENS // 2)
    for setting in HALVED:
        setattr(settings, setting, getattr(settings, setting) // 2)

    errors = document_limit_errors(document) + validate(schema._schema, document)
    cost = operation_cost(
        schema._schema,
        document,
        operation_name=name,
        variables=largest_variables(query),
        default_page_size=settings.GRAPHQL_DEFAULT_PAGE_SIZE,
        max_page_size=settings.GRAPHQL_MAX_PAGE_SIZE,
    )

    assert [error.message for error in errors] == []
    assert cost <= settings.GRAPHQL_MAX_COST // 2


def test_limits_are_read_from_the_environment():
    script = (
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.GRAPHQL_MAX_COST, settings.GRAPHQL_MAX_DEPTH)"
    )
    env = {**os.environ, "GRAPHQL_MAX_COST": "123", "GRAPHQL_MAX_DEPTH": "4"}

    output = subprocess.run(
        [sys.executable, "-c", script],
        env={**env, "DJANGO_SETTINGS_MODULE": "tests.settings"},
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout

    assert output.split()[-2:] == ["123", "4"]


# Lists that are not a connection's page, with what bounds them.
SMALL_LISTS = {("OperationInfo", "messages"): "one message per invalid input field"}


def test_every_list_in_the_schema_is_a_bounded_connection_page():
    unbounded = []
    for type_ in schema._schema.type_map.values():
        if type_.name.startswith("__") or not isinstance(
            type_, GraphQLObjectType | GraphQLInterfaceType
        ):
            continue
        for name, field in type_.fields.items():
            if not is_list_type(get_nullable_type(field.type)):
                continue
            is_page = name == "edges" and type_.name.endswith("Connection")
            if not is_page and (type_.name, name) not in SMALL_LISTS:
                unbounded.append(f"{type_.name}.{name}")

    assert unbounded == []


CONNECTIONS = sorted(
    name
    for name, field in schema._schema.query_type.fields.items()  # type: ignore[union-attr]
    if "first" in field.args
)


@pytest.mark.parametrize("field", CONNECTIONS)
def test_every_connection_refuses_a_page_over_the_cap(staff_client, field):
    response = staff_client.execute(f"{{ {field}(first: 101) {{ totalCount }} }}")

    assert response.error_codes() == ["VALIDATION"]
    assert "between 0 and 100" in response.errors[0]["message"]
