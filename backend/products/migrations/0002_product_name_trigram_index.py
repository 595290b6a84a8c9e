"""A trigram index for case-insensitive substring search on PostgreSQL.

`products(filters: {name: {iContains: ...}})` becomes
`UPPER("name"::text) LIKE UPPER('%...%')`, which no B-tree can serve: without
this index every search reads the whole catalogue. The index is on exactly
that expression, so the planner uses it. SQLite has no such index and scans,
which is fine at its sizes.
"""

from django.db import migrations

INDEX = "product_name_upper_trgm_idx"
CREATE = [
    # pg_trgm is a trusted extension: a database owner may create it.
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    f"CREATE INDEX IF NOT EXISTS {INDEX} ON products_product "
    "USING gin ((UPPER(name::text)) gin_trgm_ops)",
]
DROP = [f"DROP INDEX IF EXISTS {INDEX}"]


def run(statements):
    def apply(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for statement in statements:
            schema_editor.execute(statement)

    return apply


class Migration(migrations.Migration):
    dependencies = [
        ("products", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(run(CREATE), run(DROP), elidable=False),
    ]
