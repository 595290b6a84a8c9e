"""What changed for clients between the released schema and the built one.

    .venv/bin/python -m tools.schema_changes

Compares schema/released.graphql with the schema the code builds, using
graphql-core's find_breaking_changes and find_dangerous_changes, and prints
each change the way graphql-inspector does (✖ breaking, ⚠ dangerous). A
breaking change must be acknowledged in schema/acknowledged-changes.txt
(one `TYPE: description` per line) after review; exits 1 when one is not.
"""

import os
import sys
from dataclasses import dataclass
from pathlib import Path

from graphql import (
    GraphQLSchema,
    build_schema,
    find_breaking_changes,
    find_dangerous_changes,
)

REPO = Path(__file__).resolve().parents[1]
RELEASED = REPO / "schema" / "released.graphql"
ACKNOWLEDGED = REPO / "schema" / "acknowledged-changes.txt"


@dataclass(frozen=True)
class Change:
    breaking: bool
    kind: str
    description: str

    @property
    def key(self) -> str:
        """How an acknowledgement names it."""
        return f"{self.kind}: {self.description}"

    def __str__(self) -> str:
        mark = "✖" if self.breaking else "⚠"
        return f"{mark}  {self.key}"


def changes(released: GraphQLSchema, built: GraphQLSchema) -> list[Change]:
    """Breaking changes first, then dangerous ones, each in graphql-core's order."""
    return [
        Change(True, change.type.name, change.description)
        for change in find_breaking_changes(released, built)
    ] + [
        Change(False, change.type.name, change.description)
        for change in find_dangerous_changes(released, built)
    ]


def acknowledged(text: str) -> set[str]:
    return {
        line.strip()
        for line in text.splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    }


def unacknowledged(found: list[Change], acknowledgements: set[str]) -> list[Change]:
    return [c for c in found if c.breaking and c.key not in acknowledgements]


def stale(found: list[Change], acknowledgements: set[str]) -> set[str]:
    """Acknowledgements that match no change any more."""
    return acknowledgements - {c.key for c in found}


def built_schema() -> GraphQLSchema:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("DEBUG", "1")
    import django

    django.setup()
    from schema.schema import schema

    return schema._schema


def main() -> int:
    found = changes(build_schema(RELEASED.read_text()), built_schema())
    acknowledgements = acknowledged(ACKNOWLEDGED.read_text())
    for change in found:
        note = "" if change.key in acknowledgements or not change.breaking else " (!)"
        print(f"{change}{note}")
    missing = unacknowledged(found, acknowledgements)
    if missing:
        print(
            f"{len(missing)} breaking change(s) not acknowledged in "
            f"{ACKNOWLEDGED.relative_to(REPO)} (marked (!))"
        )
    for line in sorted(stale(found, acknowledgements)):
        print(f"acknowledged but not found: {line}")
    return 1 if missing or stale(found, acknowledgements) else 0


if __name__ == "__main__":
    sys.exit(main())
