from pathlib import Path

from strawberry.printer import print_schema

from schema.schema import schema

SNAPSHOT = Path(__file__).resolve().parents[2] / "schema" / "schema.graphql"


def test_committed_schema_snapshot_matches_the_schema():
    printed = print_schema(schema)

    assert printed == SNAPSHOT.read_text(), (
        "schema/schema.graphql is out of date. Regenerate it with `make schema`, "
        "review the diff (it is the API clients see) and commit it."
    )
