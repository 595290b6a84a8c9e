"""Breaking changes to the schema are caught before clients see them.

schema/released.graphql is the schema clients have; every breaking change the
code makes to it must be acknowledged in schema/acknowledged-changes.txt.
"""

from graphql import build_schema

from schema.schema import schema
from tools.schema_changes import (
    ACKNOWLEDGED,
    RELEASED,
    acknowledged,
    changes,
    stale,
    unacknowledged,
)

RELEASED_SDL = """
type Query { product(id: ID!): Product count: Int }
type Product { name: String! sku: String! stock: Int }
enum Status { PENDING SHIPPED }
type Order { status: Status! }
"""


def test_every_breaking_change_since_the_release_is_acknowledged():
    found = changes(build_schema(RELEASED.read_text()), schema._schema)
    acknowledgements = acknowledged(ACKNOWLEDGED.read_text())

    missing = unacknowledged(found, acknowledgements)

    assert missing == [], "\n".join(
        [
            "Breaking changes for clients; review them, then add each line "
            f"after the mark to {ACKNOWLEDGED.name}:",
            *map(str, found),
        ]
    )
    assert stale(found, acknowledgements) == set()


def test_a_removed_field_and_a_new_enum_value_are_reported_like_graphql_inspector():
    built = build_schema(
        RELEASED_SDL.replace(" sku: String!", "").replace(
            "SHIPPED }", "SHIPPED CANCELED }"
        )
    )

    found = changes(build_schema(RELEASED_SDL), built)

    assert [str(change) for change in found] == [
        "✖  FIELD_REMOVED: Field Product.sku was removed.",
        "⚠  VALUE_ADDED_TO_ENUM: Enum value Status.CANCELED was added.",
    ]


def test_an_acknowledged_breaking_change_passes_and_an_unknown_one_fails():
    built = build_schema(
        RELEASED_SDL.replace("stock: Int", "stock: String").replace(" sku: String!", "")
    )
    found = changes(build_schema(RELEASED_SDL), built)

    missing = unacknowledged(found, {"FIELD_REMOVED: Field Product.sku was removed."})

    assert [change.key for change in missing] == [
        "FIELD_CHANGED_KIND: Field Product.stock changed type from Int to String."
    ]
