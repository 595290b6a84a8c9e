"""A PostgreSQL seeded at benchmark scale, kept in .bench-cache/ between runs.

The first run builds the cluster (initdb, migrate, COPY, VACUUM); later runs
only start it, unless a stamp shows the scale, a migration, this file or the
PostgreSQL major version has changed. Every run starts from the seeded data:
what an earlier run wrote is removed before the database is handed out.
"""

from __future__ import annotations

import fcntl
import hashlib
import io
import json
import os
import random
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg2
from psycopg2.extensions import connection as Connection
from psycopg2.extensions import cursor as Cursor
from tqdm import tqdm

from tools.postgres import (
    DATABASE,
    PostgresCluster,
    PostgresUnavailable,
    _server_user_prefix,
    find_bindir,
    free_port,
)

REPO = Path(__file__).resolve().parent.parent
CACHE = REPO / ".bench-cache"
STAMP = "stamp.json"
SEED = 4711
CHUNK_ROWS = 100_000
CUSTOMER_PASSWORD = "bench-customer-password-4711"  # every customer's
STAFF_USERNAME, STAFF_PASSWORD = "bench-staff", "bench-staff-password-4711"
# The stock maximum (backend/products/models.py): PlaceOrder can take one
# each time for years.
WRITE_STOCK = 1_000_000_000
# Products only PlaceOrder buys (the last ids): one per load-generator thread
# over HTTP, so that orders do not all queue for one row lock.
WRITE_PRODUCTS = 8
# A fixed "now" keeps the data identical from build to build.
END = datetime(2025, 6, 1, tzinfo=UTC)
ORDER_SPAN, PRODUCT_SPAN = timedelta(days=730), timedelta(days=1100)
# Only for loading: no checkpoint mid-COPY, index builds and VACUUM in memory.
BUILD_OPTIONS = ("-c max_wal_size=16GB", "-c maintenance_work_mem=512MB")
AXES_TABLES = (
    "axes_accessattempt",
    "axes_accessattemptexpiration",
    "axes_accessfailurelog",
    "axes_accesslog",
)
STATUSES, STATUS_WEIGHTS = ("delivered", "shipped", "pending", "canceled"), (6, 2, 1, 1)
QUANTITIES, QUANTITY_WEIGHTS = (1, 2, 3, 4, 5), (50, 25, 12, 8, 5)
USER_COLUMNS = (
    "id, password, last_login, is_superuser, username, first_name, last_name,"
    " email, is_staff, is_active, date_joined"
)
PRODUCT_COLUMNS = "id, name, description, price, stock_quantity, created_at, updated_at"
ORDER_COLUMNS = (
    "id, product_id, customer_id, quantity, requested_quantity, status, unit_price,"
    " idempotency_key, created_at, updated_at"
)
ADJECTIVES = (
    "Classic", "Compact", "Deluxe", "Rustic", "Modern", "Vintage", "Nordic",
    "Coastal", "Urban", "Minimal", "Royal", "Everyday", "Studio", "Heritage",
    "Alpine", "Pocket", "Grand", "Soft", "Bold", "Quiet", "Bright", "Folding",
    "Woven", "Hammered", "Glazed",
)  # fmt: skip
MATERIALS = (
    "Oak", "Walnut", "Bamboo", "Copper", "Brass", "Steel", "Linen", "Wool",
    "Cotton", "Ceramic", "Stoneware", "Glass", "Marble", "Slate", "Leather",
    "Cork",
)  # fmt: skip
NOUNS = (
    "Lamp", "Vase", "Planter", "Stool", "Bench", "Mirror", "Clock", "Tray",
    "Bowl", "Mug", "Teapot", "Kettle", "Cushion", "Blanket", "Rug", "Basket",
    "Shelf", "Hook", "Candle Holder", "Cutting Board", "Carafe", "Jug",
    "Coaster", "Frame", "Desk Organiser", "Pen Pot", "Spoon", "Ladle", "Grater",
    "Colander", "Pitcher", "Tumbler", "Plate", "Platter", "Box", "Lantern",
    "Doorstop", "Bookend", "Towel", "Apron",
)  # fmt: skip
# The word SearchProducts looks for, in about this share of names; it is in no
# other word, so the share is exact (checked after seeding).
SEARCH_WORD, SEARCH_SHARE = "Samovar", 0.005
Chunks = Iterator[tuple[str, int]]  # rows in COPY's text format, and how many


@dataclass(frozen=True)
class Scale:
    name: str  # "full" or "quick": names the cache directory
    products: int
    customers: int
    orders: int  # all orders, the bench customer's included
    customer_orders: int  # orders of the bench customer (>= 1000: the 1000-item page)


FULL = Scale(
    "full", products=100_000, customers=3_000, orders=1_000_000, customer_orders=1_200
)
QUICK = Scale(
    "quick", products=2_000, customers=200, orders=20_000, customer_orders=1_200
)
SCALES = {scale.name: scale for scale in (FULL, QUICK)}


@dataclass(frozen=True)
class Dataset:
    url: str  # postgres://... of the running cluster (127.0.0.1, its port)
    postmaster_pid: int
    customer: tuple[str, str]  # (username, password): has scale.customer_orders
    staff: tuple[str, str]  # (username, password) of a staff user (is_staff=True)
    write_product_ids: tuple[int, ...]  # ~2e9 stock each, no orders at seed time
    seeded_max_order_id: int
    search_text: str  # a substring matching ~0.1-1% of product names


@dataclass(frozen=True)
class Facts:
    """What the build decided, stored in the stamp: a cached start reads it."""

    customer: tuple[str, str]
    staff: tuple[str, str]
    write_product_ids: tuple[int, ...]
    write_stock: int
    seeded_max_order_id: int
    search_text: str

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Facts:
        return cls(
            customer=(data["customer"][0], data["customer"][1]),
            staff=(data["staff"][0], data["staff"][1]),
            write_product_ids=tuple(int(pk) for pk in data["write_product_ids"]),
            write_stock=int(data["write_stock"]),
            seeded_max_order_id=int(data["seeded_max_order_id"]),
            search_text=str(data["search_text"]),
        )


@contextmanager
def seeded_database(
    scale: Scale,
    *,
    postgres_cpu: int | None = None,
    log: Callable[[str], None] = print,
) -> Iterator[Dataset]:
    """Start the cached cluster for scale (building it first if need be).

    The build runs unpinned (loading uses both cores); postgres_cpu pins the
    server that is handed out, and every backend it forks.
    """
    bindir = find_bindir()
    root = CACHE / scale.name
    CACHE.mkdir(exist_ok=True)
    with _exclusive(CACHE / f"{scale.name}.lock", log):
        key = _cache_key(scale, bindir)
        facts, stale = _cached_facts(root, key)
        if facts is None:
            log(f"dataset: building {scale} in {root} ({stale})")
            _discard(bindir, root)
            facts = _build(scale, key, bindir, root, log)
        started = time.monotonic()
        prefix = _server_user_prefix(root)
        if postgres_cpu is not None:  # an affinity is inherited through fork
            prefix = ["taskset", "-c", str(postgres_cpu), *prefix]
        cluster = PostgresCluster(bindir, root, prefix)
        _stop_leftover(cluster)
        cluster.port = free_port()
        cluster.start()
        try:
            _reset(cluster.url(), facts)
            log(f"dataset: {scale.name} up in {time.monotonic() - started:.1f} s")
            yield Dataset(
                url=cluster.url(),
                postmaster_pid=cluster.postmaster_pid(),
                customer=facts.customer,
                staff=facts.staff,
                write_product_ids=facts.write_product_ids,
                seeded_max_order_id=facts.seeded_max_order_id,
                search_text=facts.search_text,
            )
        finally:
            cluster.stop()


@contextmanager
def _exclusive(path: Path, log: Callable[[str], None]) -> Iterator[None]:
    """Hold path's lock: two runs on one cache would stop or rebuild each other."""
    with path.open("a") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            log(f"dataset: waiting for another run to release {path}")
            fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def _cache_key(scale: Scale, bindir: Path) -> dict[str, Any]:
    inputs = sorted(
        path
        for path in REPO.glob("backend/*/migrations/**/*")
        if path.is_file() and "__pycache__" not in path.parts
    )
    version = subprocess.run(
        [str(bindir / "postgres"), "--version"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return {
        "scale": asdict(scale),
        "files": {
            str(path.relative_to(REPO)): hashlib.sha256(path.read_bytes()).hexdigest()
            for path in [*inputs, Path(__file__).resolve()]
        },
        "postgres_major": int(re.findall(r"\d+", version)[0]),
    }


def _cached_facts(root: Path, key: dict[str, Any]) -> tuple[Facts | None, str]:
    """The stamped facts if the cache is still valid, else why it is not."""
    try:
        stamp = json.loads((root / STAMP).read_text())
    except (OSError, ValueError):
        return None, "no cache"
    changed = [name for name, value in key.items() if stamp.get(name) != value]
    if changed:
        return None, f"changed: {', '.join(changed)}"
    return Facts.from_json(stamp["facts"]), ""


def _stop_leftover(cluster: PostgresCluster) -> None:
    """A killed run can leave its server up; it holds the data directory."""
    if (cluster.data / "postmaster.pid").exists():
        with suppress(PostgresUnavailable):  # a stale lock file: nothing runs
            cluster.stop()


def _discard(bindir: Path, root: Path) -> None:
    if root.exists():
        _stop_leftover(PostgresCluster(bindir, root, _server_user_prefix(root)))
        shutil.rmtree(root)


def _build(
    scale: Scale,
    key: dict[str, Any],
    bindir: Path,
    root: Path,
    log: Callable[[str], None],
) -> Facts:
    started = time.monotonic()
    root.mkdir(parents=True)
    cluster = PostgresCluster(bindir, root, _server_user_prefix(root))
    try:
        cluster.init()
        cluster.start(*BUILD_OPTIONS)
        cluster.create_database(DATABASE)
        hashes = _migrate_and_hash(cluster.url(), [CUSTOMER_PASSWORD, STAFF_PASSWORD])
        log(f"dataset: initdb and migrate in {time.monotonic() - started:.1f} s")
        facts = _seed(cluster.url(), scale, hashes, log)
        cluster.stop()
        seconds = round(time.monotonic() - started, 1)
        stamp = {**key, "facts": asdict(facts), "build_seconds": seconds}
        (root / STAMP).write_text(json.dumps(stamp, indent=2) + "\n")
    except BaseException:
        with suppress(PostgresUnavailable):
            cluster.stop()
        shutil.rmtree(root, ignore_errors=True)
        raise
    log(f"dataset: built {scale.name} in {seconds:.1f} s")
    return facts


def _migrate_and_hash(url: str, passwords: list[str]) -> list[str]:
    """Migrate in production settings; hash the passwords there too.

    Both run in subprocesses: configuring Django here would fix its settings
    before the caller has set DATABASE_URL.
    """
    env = {"DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "bench.settings"}
    hasher = (
        "import sys, django; django.setup()\n"
        "from django.contrib.auth.hashers import make_password\n"
        "print('\\n'.join(make_password(p) for p in sys.argv[1:]))\n"
    )
    steps = [
        [sys.executable, "manage.py", "migrate", "--noinput"],
        [sys.executable, "-c", hasher, *passwords],
    ]
    runs = [
        subprocess.Popen(
            argv,
            cwd=REPO,
            env={**os.environ, **env},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for argv in steps
    ]
    outputs = [run.communicate() for run in runs]
    for argv, run, (out, err) in zip(steps, runs, outputs, strict=True):
        if run.returncode != 0:
            raise RuntimeError(f"`{' '.join(argv[:4])}` failed:\n{out}{err}")
    # Only the hashes: the app's start-up messages go to stderr.
    return outputs[1][0].split()


def _seed(
    url: str, scale: Scale, hashes: list[str], log: Callable[[str], None]
) -> Facts:
    rng = random.Random(SEED)
    facts = Facts(
        customer=(_customer_name(1), CUSTOMER_PASSWORD),
        staff=(STAFF_USERNAME, STAFF_PASSWORD),
        write_product_ids=tuple(
            range(scale.products - WRITE_PRODUCTS + 1, scale.products + 1)
        ),
        write_stock=WRITE_STOCK,
        seeded_max_order_id=scale.orders,
        search_text=SEARCH_WORD.lower(),
    )
    # Shop-like prices, most of them low: log-uniform over 0.50-999.99.
    cents = [int(50 * (99_999 / 50) ** rng.random()) for _ in range(scale.products)]
    prices = [f"{c // 100}.{c % 100:02d}" for c in cents]
    started = time.monotonic()
    conn = _connect(url)
    try:
        with conn, conn.cursor() as cursor:
            rows = _users(scale, hashes)
            _copy(cursor, "auth_user", USER_COLUMNS, scale.customers + 1, rows)
            rows = _products(scale, prices, rng)
            _copy(cursor, "products_product", PRODUCT_COLUMNS, scale.products, rows)
            rows = _orders(scale, prices, rng)
            _copy(cursor, "orders_order", ORDER_COLUMNS, scale.orders, rows)
            for table in ("auth_user", "products_product", "orders_order"):
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'),"
                    f" (SELECT max(id) FROM {table}))"
                )
        log(f"dataset: copied in {time.monotonic() - started:.1f} s")
        started = time.monotonic()
        conn.autocommit = True
        with conn.cursor() as cursor:
            # Frozen, with hint bits and visibility map set: no run pays for it.
            cursor.execute("VACUUM (FREEZE, ANALYZE)")
        log(f"dataset: vacuumed in {time.monotonic() - started:.1f} s")
        _check(conn, scale, facts)
    finally:
        conn.close()
    return facts


def _copy(cursor: Cursor, table: str, columns: str, total: int, rows: Chunks) -> None:
    sql = f"COPY {table} ({columns}) FROM STDIN"
    with tqdm(total=total, desc=table, unit=" rows", unit_scale=True) as bar:
        for text, count in rows:
            cursor.copy_expert(sql, io.StringIO(text))
            bar.update(count)


def _customer_name(number: int) -> str:
    return f"bench-customer-{number:04d}"


def _at(start: datetime, microseconds: int) -> str:
    return (start + timedelta(microseconds=microseconds)).isoformat(" ")


def _users(scale: Scale, hashes: list[str]) -> Chunks:
    customer_hash, staff_hash = hashes
    joined = _at(END - PRODUCT_SPAN, 0)
    lines = [
        f"{n}\t{customer_hash}\t\\N\tf\t{_customer_name(n)}\t\t\t"
        f"{_customer_name(n)}@example.com\tf\tt\t{joined}\n"
        for n in range(1, scale.customers + 1)
    ]
    lines.append(
        f"{scale.customers + 1}\t{staff_hash}\t\\N\tf\t{STAFF_USERNAME}\t\t\t"
        f"{STAFF_USERNAME}@example.com\tt\tt\t{joined}\n"
    )
    yield "".join(lines), len(lines)


def _products(scale: Scale, prices: list[str], rng: random.Random) -> Chunks:
    start, step = END - PRODUCT_SPAN, PRODUCT_SPAN // timedelta(microseconds=1)
    step //= scale.products
    for first in range(0, scale.products, CHUNK_ROWS):
        lines = []
        for index in range(first, min(first + CHUNK_ROWS, scale.products)):
            pk = index + 1
            adjective, material = rng.choice(ADJECTIVES), rng.choice(MATERIALS)
            noun = SEARCH_WORD if rng.random() < SEARCH_SHARE else rng.choice(NOUNS)
            name = f"{adjective} {material} {noun} No. {pk}"
            about = f"A {adjective.lower()} {noun.lower()} made of {material.lower()}."
            stock = 0 if rng.random() < 0.1 else rng.randint(1, 500)
            if pk > scale.products - WRITE_PRODUCTS:
                name, about = f"Bench Write Target No. {pk}", "What PlaceOrder buys."
                stock = WRITE_STOCK
            at = _at(start, index * step + rng.randrange(step))
            lines.append(
                f"{pk}\t{name}\t{about}\t{prices[index]}\t{stock}\t{at}\t{at}\n"
            )
        yield "".join(lines), len(lines)


def _orders(scale: Scale, prices: list[str], rng: random.Random) -> Chunks:
    """Orders in time order (ids grow with created_at, as they would live)."""
    mine = set(rng.sample(range(scale.orders), scale.customer_orders))
    start, step = END - ORDER_SPAN, ORDER_SPAN // timedelta(microseconds=1)
    step //= scale.orders
    # The write products (the last ids) are never picked: they start with no
    # orders.
    product_ids = range(1, scale.products - WRITE_PRODUCTS + 1)
    others = range(2, scale.customers + 1)
    for first in range(0, scale.orders, CHUNK_ROWS):
        count = min(CHUNK_ROWS, scale.orders - first)
        products = rng.choices(product_ids, k=count)
        customers = rng.choices(others, k=count)
        quantities = rng.choices(QUANTITIES, QUANTITY_WEIGHTS, k=count)
        statuses = rng.choices(STATUSES, STATUS_WEIGHTS, k=count)
        lines = []
        for offset in range(count):
            index = first + offset
            product = products[offset]
            customer = 1 if index in mine else customers[offset]
            at = _at(start, index * step + int(rng.random() * step))
            lines.append(
                f"{index + 1}\t{product}\t{customer}\t{quantities[offset]}\t"
                f"{quantities[offset]}\t{statuses[offset]}\t{prices[product - 1]}\t"
                f"\\N\t{at}\t{at}\n"
            )
        yield "".join(lines), count


def _check(conn: Connection, scale: Scale, facts: Facts) -> None:
    """Fail the build (and so discard it) unless the promises hold."""
    with conn.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM products_product WHERE name ILIKE %s",
            [f"%{facts.search_text}%"],
        )
        matches = _one(cursor)
        cursor.execute("SELECT count(*) FROM orders_order WHERE customer_id = 1")
        mine = _one(cursor)
        cursor.execute(
            "SELECT count(*) FROM orders_order WHERE product_id = ANY(%s)",
            [list(facts.write_product_ids)],
        )
        on_write_product = _one(cursor)
    if not 0.001 <= matches / scale.products <= 0.01:
        raise RuntimeError(f"{facts.search_text!r} matches {matches} products")
    if mine != scale.customer_orders or on_write_product:
        raise RuntimeError(f"{mine} customer orders, {on_write_product} on write")


def _connect(url: str) -> Connection:
    # The cluster commits asynchronously, and VACUUM can only mark a page
    # all-visible (for index-only scans) once its rows' commits are flushed.
    return psycopg2.connect(url, options="-c synchronous_commit=on")


def _one(cursor: Cursor) -> int:
    row = cursor.fetchone()
    assert row is not None
    return int(row[0])


def _reset(url: str, facts: Facts) -> None:
    """Undo what earlier runs wrote, so that every run starts from the seed."""
    conn = _connect(url)
    try:
        conn.autocommit = True
        with conn.cursor() as cursor:
            cursor.execute(
                "DELETE FROM orders_order WHERE id > %s", [facts.seeded_max_order_id]
            )
            written = cursor.rowcount
            cursor.execute(
                "UPDATE products_product SET stock_quantity = %s"
                " WHERE id = ANY(%s) AND stock_quantity <> %s",
                [facts.write_stock, list(facts.write_product_ids), facts.write_stock],
            )
            written += cursor.rowcount
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence('orders_order', 'id'), %s)",
                [facts.seeded_max_order_id],
            )
            cursor.execute(
                "SELECT name FROM unnest(%s) AS name"
                " WHERE to_regclass(name) IS NOT NULL",
                [["django_session", *AXES_TABLES]],
            )
            tables = [row[0] for row in cursor.fetchall()]
            if tables:
                cursor.execute(f"TRUNCATE {', '.join(tables)}")
            if written:  # dead rows would slow the first reads of this run only
                cursor.execute("VACUUM (ANALYZE) orders_order, products_product")
    finally:
        conn.close()


def _counts(dataset: Dataset) -> dict[str, int]:
    products = "SELECT count(*) FROM products_product"
    orders = "SELECT count(*) FROM orders_order"
    customer = "(SELECT id FROM auth_user WHERE username = %s)"
    queries: dict[str, tuple[str, list[object]]] = {
        "users": ("SELECT count(*) FROM auth_user", []),
        "staff users": ("SELECT count(*) FROM auth_user WHERE is_staff", []),
        "products": (products, []),
        "products in stock": (f"{products} WHERE stock_quantity > 0", []),
        "search matches": (
            f"{products} WHERE name ILIKE %s",
            [f"%{dataset.search_text}%"],
        ),
        "orders": (orders, []),
        "customer's orders": (
            f"{orders} WHERE customer_id = {customer}",
            [dataset.customer[0]],
        ),
        "orders on write products": (
            f"{orders} WHERE product_id = ANY(%s)",
            [list(dataset.write_product_ids)],
        ),
    }
    conn = psycopg2.connect(dataset.url)
    try:
        with conn.cursor() as cursor:
            counts = {}
            for name, (sql, params) in queries.items():
                cursor.execute(sql, params)
                counts[name] = _one(cursor)
            return counts
    finally:
        conn.close()


def main(argv: list[str]) -> int:
    """Build or start the dataset, show it and its row counts, stop it."""
    if len(argv) != 1 or argv[0] not in SCALES:
        print(f"usage: python -m bench.dataset {'|'.join(SCALES)}", file=sys.stderr)
        return 2
    started = time.monotonic()
    with seeded_database(SCALES[argv[0]]) as dataset:
        print(f"dataset: ready after {time.monotonic() - started:.1f} s")
        print(dataset)
        for name, count in _counts(dataset).items():
            print(f"  {name:<24} {count:>9}")
    print(f"dataset: stopped, {time.monotonic() - started:.1f} s in all")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
