"""A ledger the database itself keeps of every stock change and order write.

Triggers installed in the live database (for the suite only, observing, never
refusing) record each change with the id of the transaction that made it. The
checks then hold the application to account per committed transaction:

- a transaction that wrote an order moved exactly the stock that order holds
  (a placed, resized or canceled order and its stock move together, or not at
  all: no half-orders), and
- every other stock change is staff's (createProduct, updateProduct), so for
  each product: current stock + units held by non-canceled orders = stock
  staff supplied, and
- every status change is an allowed transition; quantities change only on
  pending orders.

Restocking sets an absolute value (updateProduct stockQuantity), so the test
cannot know the delta it caused; the ledger records it under the same lock.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import psycopg2

INSTALL = """
CREATE TABLE suite_stock_change (
    txid bigint NOT NULL DEFAULT txid_current(),
    product_id bigint NOT NULL,
    old_stock integer NOT NULL,
    new_stock integer NOT NULL
);
CREATE TABLE suite_order_write (
    txid bigint NOT NULL DEFAULT txid_current(),
    order_id bigint NOT NULL,
    product_id bigint NOT NULL,
    old_status text,
    new_status text NOT NULL,
    old_quantity integer,
    new_quantity integer NOT NULL
);
CREATE FUNCTION suite_record_stock() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO suite_stock_change (product_id, old_stock, new_stock)
    VALUES (NEW.id, COALESCE(OLD.stock_quantity, 0), NEW.stock_quantity);
    RETURN NULL;
END $$;
CREATE TRIGGER suite_record_stock_insert AFTER INSERT ON products_product
    FOR EACH ROW EXECUTE FUNCTION suite_record_stock();
CREATE TRIGGER suite_record_stock_update AFTER UPDATE ON products_product
    FOR EACH ROW EXECUTE FUNCTION suite_record_stock();
CREATE FUNCTION suite_record_order() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO suite_order_write
            (order_id, product_id, new_status, new_quantity)
        VALUES (NEW.id, NEW.product_id, NEW.status, NEW.quantity);
    ELSE
        INSERT INTO suite_order_write (order_id, product_id, old_status,
            new_status, old_quantity, new_quantity)
        VALUES (NEW.id, NEW.product_id, OLD.status, NEW.status, OLD.quantity,
            NEW.quantity);
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER suite_record_order AFTER INSERT OR UPDATE ON orders_order
    FOR EACH ROW EXECUTE FUNCTION suite_record_order();
"""

ALLOWED_TRANSITIONS = {
    ("pending", "shipped"),
    ("shipped", "delivered"),
    ("pending", "canceled"),
}


def query(url: str, sql: str, params: Any = None) -> list[tuple[Any, ...]]:
    """Run one statement on a fresh connection (the server may have restarted)."""
    connection = psycopg2.connect(url)
    try:
        with connection, connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall() if cursor.description else []
    finally:
        connection.close()


def install(url: str) -> None:
    query(url, INSTALL)


def held(status: str | None, quantity: int | None) -> int:
    """Units an order in this state keeps out of stock."""
    return 0 if status in (None, "canceled") else int(quantity or 0)


@dataclass(frozen=True)
class StaffChange:
    product_id: int
    old_stock: int
    new_stock: int


@dataclass
class Audit:
    problems: list[str]
    supplied: dict[int, int]  # product id -> units staff put in, net
    staff_changes: list[StaffChange]  # createProduct and updateProduct, in order


def audit(url: str) -> Audit:
    """Check every committed transaction and every product; list what is wrong."""
    problems: list[str] = []
    stock_rows = query(
        url,
        "SELECT txid, product_id, old_stock, new_stock FROM suite_stock_change"
        " ORDER BY txid, ctid",
    )
    order_rows = query(
        url,
        "SELECT txid, order_id, product_id, old_status, new_status, old_quantity,"
        " new_quantity FROM suite_order_write ORDER BY txid, ctid",
    )
    order_moves: dict[tuple[int, int], int] = defaultdict(int)
    for txid, order_id, product_id, old_s, new_s, old_q, new_q in order_rows:
        order_moves[txid, product_id] += held(new_s, new_q) - held(old_s, old_q)
        if old_s is None and new_s != "pending":
            problems.append(f"order {order_id} was created {new_s}")
        if (
            old_s is not None
            and old_s != new_s
            and (old_s, new_s) not in ALLOWED_TRANSITIONS
        ):
            problems.append(f"order {order_id} moved {old_s} -> {new_s}")
        if (
            old_q is not None
            and old_q != new_q
            and (old_s, new_s) != ("pending", "pending")
        ):
            problems.append(f"order {order_id} changed quantity while {old_s}")
    stock_moves: dict[tuple[int, int], int] = defaultdict(int)
    supplied: dict[int, int] = defaultdict(int)
    staff_changes = []
    order_txids = {txid for txid, _ in order_moves}
    for txid, product_id, old_stock, new_stock in stock_rows:
        if txid in order_txids:
            stock_moves[txid, product_id] += new_stock - old_stock
        else:
            supplied[product_id] += new_stock - old_stock
            staff_changes.append(StaffChange(product_id, old_stock, new_stock))
    for key in order_moves.keys() | stock_moves.keys():
        if stock_moves.get(key, 0) != -order_moves.get(key, 0):
            txid, product_id = key
            problems.append(
                f"transaction {txid}: orders of product {product_id} took "
                f"{order_moves.get(key, 0)} units but its stock moved by "
                f"{stock_moves.get(key, 0)}"
            )
    problems += _check_products(url, supplied)
    return Audit(problems, dict(supplied), staff_changes)


def _check_products(url: str, supplied: dict[int, int]) -> list[str]:
    rows = query(
        url,
        "SELECT p.id, p.stock_quantity, p.price,"
        " COALESCE(SUM(o.quantity) FILTER (WHERE o.status <> 'canceled'), 0),"
        " COUNT(o.id) FILTER (WHERE o.unit_price <> p.price)"
        " FROM products_product p LEFT JOIN orders_order o ON o.product_id = p.id"
        " GROUP BY p.id",
    )
    problems = []
    for product_id, stock, _price, held_units, mispriced in rows:
        if stock < 0:
            problems.append(f"product {product_id} has stock {stock}")
        if stock + held_units != supplied.get(product_id, 0):
            problems.append(
                f"product {product_id}: stock {stock} + held {held_units} != "
                f"supplied {supplied.get(product_id, 0)}"
            )
        # Prices never change in the suite, so every order keeps today's price.
        if mispriced:
            problems.append(f"product {product_id}: {mispriced} orders mispriced")
    return problems
