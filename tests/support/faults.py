"""Faults a test puts into the database itself."""

from django.db import connection


def refuse_order_inserts() -> None:
    """Make the database itself refuse every order row (a trigger)."""
    if connection.vendor == "postgresql":
        statements = [
            "CREATE FUNCTION refuse_order() RETURNS trigger AS $$ BEGIN "
            "RAISE EXCEPTION 'order insert refused by test trigger'; END $$ "
            "LANGUAGE plpgsql",
            "CREATE TRIGGER refuse_order BEFORE INSERT ON orders_order "
            "FOR EACH ROW EXECUTE FUNCTION refuse_order()",
        ]
    else:
        statements = [
            "CREATE TRIGGER refuse_order BEFORE INSERT ON orders_order BEGIN "
            "SELECT RAISE(ABORT, 'order insert refused by test trigger'); END"
        ]
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)
