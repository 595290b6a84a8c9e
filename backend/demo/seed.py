"""Demo data for local use: two known logins, a catalogue and its order history.

Everything is generated from the seed (random.Random), and every step tops up to
its target instead of adding to what is there, so a second run creates nothing.
"""

import random
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from itertools import islice
from typing import TypeVar

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import User
from django.db import connection, models, transaction
from django.db.models import Count
from django.utils import timezone

from backend.accounts import services as accounts
from backend.orders.models import Order, OrderStatus
from backend.products.models import Product

STAFF_USERNAME = "staff"
# Public on purpose: the command refuses to run unless DEBUG is on.
STAFF_PASSWORD = "staff-demo-password"
CUSTOMER_USERNAME = "customer"
CUSTOMER_PASSWORD = "customer-demo-password"
EXTRA_CUSTOMERS = 20
DEFAULT_PRODUCTS = 300
DEFAULT_ORDERS = 3000
DEFAULT_SEED = 42
HISTORY_DAYS = 90
BATCH_SIZE = 500

Progress = Callable[[int], object]
T = TypeVar("T")

WOOD = ("Walnut", "Oak", "Ash", "Birch", "Teak", "Pine", "Acacia", "Bamboo")
METAL = ("Copper", "Brass", "Steel", "Cast Iron", "Matte Black", "Brushed Nickel")
TEXTILE = ("Linen", "Wool", "Cotton", "Velvet", "Jute", "Bouclé", "Felt")
CERAMIC = ("Ceramic", "Stoneware", "Porcelain", "Terracotta", "Speckled")
GLASS = ("Glass", "Frosted Glass", "Smoked Glass", "Amber Glass")
STONE = ("Marble", "Slate", "Concrete", "Travertine")

# (noun, materials it comes in, lowest and highest price in euros)
ITEMS: tuple[tuple[str, tuple[str, ...], int, int], ...] = (
    ("Desk Lamp", WOOD + METAL + CERAMIC, 25, 140),
    ("Floor Lamp", WOOD + METAL, 60, 320),
    ("Pendant Light", METAL + GLASS + CERAMIC, 40, 260),
    ("Candle Holder", METAL + GLASS + CERAMIC + STONE, 4, 35),
    ("Tea Light", GLASS, 1, 4),
    ("Vase", CERAMIC + GLASS + STONE, 8, 90),
    ("Planter", CERAMIC + STONE + METAL, 6, 75),
    ("Side Table", WOOD + METAL + STONE, 70, 380),
    ("Coffee Table", WOOD + STONE, 120, 500),
    ("Bookshelf", WOOD + METAL, 90, 480),
    ("Stool", WOOD + METAL, 35, 180),
    ("Armchair", WOOD + TEXTILE, 180, 500),
    ("Dining Chair", WOOD + METAL, 60, 260),
    ("Cushion Cover", TEXTILE, 9, 45),
    ("Throw Blanket", TEXTILE, 25, 150),
    ("Rug", TEXTILE, 40, 420),
    ("Wall Clock", WOOD + METAL, 18, 120),
    ("Mirror", WOOD + METAL, 30, 260),
    ("Picture Frame", WOOD + METAL, 6, 60),
    ("Coat Hook", WOOD + METAL, 3, 25),
    ("Serving Bowl", WOOD + CERAMIC + GLASS, 12, 80),
    ("Mug", CERAMIC + GLASS, 5, 28),
    ("Teapot", CERAMIC + METAL + GLASS, 15, 95),
    ("Cutting Board", WOOD + STONE, 12, 85),
    ("Water Carafe", GLASS + CERAMIC, 10, 55),
    ("Coaster Set", WOOD + STONE + CERAMIC, 6, 30),
    ("Napkin Ring", WOOD + METAL + TEXTILE, 1, 6),
    ("Bottle Opener", WOOD + METAL, 2, 18),
    ("Pen Holder", WOOD + METAL + CERAMIC, 4, 30),
    ("Bookend", WOOD + METAL + STONE, 8, 45),
    ("Laptop Stand", WOOD + METAL, 25, 120),
    ("Storage Basket", TEXTILE, 12, 70),
    ("Key Tray", WOOD + CERAMIC + STONE + METAL, 4, 30),
    ("Soap Dish", CERAMIC + STONE + WOOD, 2, 20),
    ("Bath Mat", TEXTILE, 10, 55),
    ("Towel Rail", WOOD + METAL, 25, 140),
    ("Watering Can", METAL, 8, 55),
    ("Plant Stand", WOOD + METAL, 20, 140),
)
EDITIONS = ("", " II", " III", " IV", " V")
OPENINGS = (
    "A {material} {noun} made for everyday use.",
    "Our {noun} in {material}, {finish}.",
    "A quietly handsome {noun} in {material}.",
    "The {material} {noun}, {finish}.",
)
FINISHES = ("finished by hand", "made in small batches", "sturdy and simple")
CLOSINGS = (
    "Each piece varies slightly, which is rather the point.",
    "Ships in plastic-free packaging.",
    "Two-year guarantee.",
    "Wipe clean with a damp cloth.",
    "Designed to last for years, not seasons.",
)
# Status weights, and how many days ago an order in that status was placed.
STATUS_WEIGHTS = {
    OrderStatus.PENDING: 15,
    OrderStatus.SHIPPED: 15,
    OrderStatus.DELIVERED: 60,
    OrderStatus.CANCELED: 10,
}
STATUS_AGE_DAYS = {
    OrderStatus.PENDING: (0, 7),
    OrderStatus.SHIPPED: (1, 14),
    OrderStatus.DELIVERED: (5, HISTORY_DAYS),
    OrderStatus.CANCELED: (0, HISTORY_DAYS),
}
QUANTITY_WEIGHTS = {1: 60, 2: 20, 3: 10, 4: 6, 5: 4}


@dataclass(frozen=True)
class ProductSpec:
    name: str
    description: str
    price: Decimal
    stock_quantity: int


@dataclass(frozen=True)
class SeedResult:
    users_created: int
    users_kept: int
    products_created: int
    orders_created: int
    customers: int
    products: int
    orders: int
    orders_by_status: dict[str, int]

    @property
    def created_anything(self) -> bool:
        return bool(self.users_created or self.products_created or self.orders_created)


def _no_progress(_: int) -> object:
    return None


def _batches(items: Sequence[T]) -> Iterator[Sequence[T]]:
    iterator = iter(items)
    while batch := list(islice(iterator, BATCH_SIZE)):
        yield batch


def _backdate(
    model: type[Product | Order], stamps: Iterable[tuple[int, datetime, datetime]]
) -> None:
    """Set (pk, created_at, updated_at) over what auto_now(_add) stamped on insert.

    bulk_update would do it, but its CASE expressions take seconds for thousands
    of rows; one prepared UPDATE run per row takes milliseconds.
    """
    meta = model._meta
    quote = connection.ops.quote_name
    created, updated = (meta.get_field(name) for name in ("created_at", "updated_at"))
    assert isinstance(created, models.DateTimeField)
    assert isinstance(updated, models.DateTimeField)
    with connection.cursor() as cursor:
        cursor.executemany(
            f"UPDATE {quote(meta.db_table)} SET {quote(created.column)} = %s, "
            f"{quote(updated.column)} = %s WHERE {quote(meta.pk.column)} = %s",
            [
                (
                    created.get_db_prep_value(created_at, connection),
                    updated.get_db_prep_value(updated_at, connection),
                    pk,
                )
                for pk, created_at, updated_at in stamps
            ],
        )


def demo_customer_usernames() -> list[str]:
    extras = [f"{CUSTOMER_USERNAME}{n:02d}" for n in range(1, EXTRA_CUSTOMERS + 1)]
    return [CUSTOMER_USERNAME, *extras]


def _price(rng: random.Random, low: int, high: int) -> Decimal:
    cents = rng.randint(low * 100, high * 100)
    if cents >= 1000:  # shop prices end in .00, .50, .95 or .99 from 10 up
        cents = cents // 100 * 100 + rng.choice((0, 50, 95, 99))
    return Decimal(min(max(cents, 50), 50_000)) / 100


def product_specs(*, count: int, seed: int) -> list[ProductSpec]:
    """Return the first `count` demo products; a larger count extends a smaller."""
    rng = random.Random(f"ordergraph-demo:{seed}:products")
    kinds = [
        (noun, material) for noun, materials, *_ in ITEMS for material in materials
    ]
    rng.shuffle(kinds)
    bands = {noun: (low, high) for noun, _, low, high in ITEMS}
    specs = []
    for index in range(count):
        noun, material = kinds[index % len(kinds)]
        edition = EDITIONS[index // len(kinds) % len(EDITIONS)]
        series = index // (len(kinds) * len(EDITIONS))
        name = f"{material} {noun}{edition}" + (f" No. {series + 1}" if series else "")
        opening = rng.choice(OPENINGS).format(
            material=material.lower(),
            noun=noun.lower(),
            finish=rng.choice(FINISHES),
        )
        specs.append(
            ProductSpec(
                name=name,
                description=f"{opening} {rng.choice(CLOSINGS)}",
                price=_price(rng, *bands[noun]),
                stock_quantity=0 if rng.random() < 0.1 else rng.randint(1, 200),
            )
        )
    return specs


def _seed_users() -> tuple[int, int, list[User]]:
    customer_names = demo_customer_usernames()
    existing = set(
        User.objects.filter(username__in=[STAFF_USERNAME, *customer_names]).values_list(
            "username", flat=True
        )
    )
    new_users = []
    if STAFF_USERNAME not in existing:
        new_users.append(
            User(
                username=STAFF_USERNAME,
                email=f"{STAFF_USERNAME}@example.com",
                password=make_password(STAFF_PASSWORD),
                is_staff=True,
                is_superuser=True,
            )
        )
    missing = [name for name in customer_names if name not in existing]
    if missing:
        # One hash for all: hashing is deliberately slow, and 21 of them add seconds.
        password = make_password(CUSTOMER_PASSWORD)
        new_users += [
            User(username=name, email=f"{name}@example.com", password=password)
            for name in missing
        ]
    accounts.index_usernames(User.objects.bulk_create(new_users))
    customers = list(User.objects.filter(username__in=customer_names).order_by("pk"))
    return len(new_users), len(existing), customers


def _seed_products(
    specs: list[ProductSpec], rng: random.Random, now: datetime, progress: Progress
) -> tuple[int, list[Product]]:
    names = [spec.name for spec in specs]
    existing: set[str] = set()
    for batch in _batches(names):
        existing.update(
            Product.objects.filter(name__in=batch).values_list("name", flat=True)
        )
    progress(len(existing))
    missing = [spec for spec in specs if spec.name not in existing]
    for spec_batch in _batches(missing):
        products = Product.objects.bulk_create(
            Product(
                name=spec.name,
                description=spec.description,
                price=spec.price,
                stock_quantity=spec.stock_quantity,
            )
            for spec in spec_batch
        )
        # The catalogue predates its orders.
        stamps = []
        for product in products:
            added = now - timedelta(
                days=rng.uniform(HISTORY_DAYS + 1, 2 * HISTORY_DAYS)
            )
            stamps.append((product.pk, added, added))
        _backdate(Product, stamps)
        progress(len(spec_batch))
    catalogue: list[Product] = []
    for batch in _batches(names):
        catalogue += Product.objects.filter(name__in=batch)
    return len(missing), sorted(catalogue, key=lambda product: product.pk)


def _statuses(rng: random.Random, count: int) -> list[OrderStatus]:
    """Weighted statuses, with each status at least once when there is room."""
    statuses = list(STATUS_WEIGHTS)
    chosen = statuses[:count] + rng.choices(
        statuses, weights=list(STATUS_WEIGHTS.values()), k=max(0, count - len(statuses))
    )
    rng.shuffle(chosen)
    return chosen


def _new_order(
    rng: random.Random,
    now: datetime,
    status: OrderStatus,
    customer: User,
    product: Product,
) -> Order:
    low, high = STATUS_AGE_DAYS[status]
    created_at = now - timedelta(days=rng.uniform(low, high))
    updated_at = created_at
    if status != OrderStatus.PENDING:
        updated_at += rng.random() * min(now - created_at, timedelta(days=10))
    [quantity] = rng.choices(list(QUANTITY_WEIGHTS), list(QUANTITY_WEIGHTS.values()))
    # Demo history, not reservations: each product's stock is what these orders
    # left behind, so no stock moves here and none can go negative.
    return Order(
        customer=customer,
        product=product,
        quantity=quantity,
        requested_quantity=quantity,
        status=status,
        unit_price=product.price,
        created_at=created_at,
        updated_at=updated_at,
    )


def _seed_orders(
    *,
    target: int,
    seed: int,
    customers: list[User],
    catalogue: list[Product],
    now: datetime,
    progress: Progress,
) -> tuple[int, int]:
    existing = Order.objects.filter(customer__in=customers).count()
    progress(min(existing, target))
    missing = max(0, target - existing)
    if missing and not catalogue:
        raise ValueError("Orders need products: ask for at least one product.")
    rng = random.Random(f"ordergraph-demo:{seed}:orders:{existing}")
    orders = [
        _new_order(rng, now, status, rng.choice(customers), rng.choice(catalogue))
        for status in _statuses(rng, missing)
    ]
    for batch in _batches(orders):
        history = [(order.created_at, order.updated_at) for order in batch]
        # auto_now(_add) overwrite both stamps on insert; put the history back.
        rows = zip(Order.objects.bulk_create(batch), history, strict=True)
        _backdate(Order, [(order.pk, *stamps) for order, stamps in rows])
        progress(len(batch))
    return missing, existing + missing


def seed_demo(
    *,
    products: int = DEFAULT_PRODUCTS,
    orders: int = DEFAULT_ORDERS,
    seed: int = DEFAULT_SEED,
    progress: Progress = _no_progress,
) -> SeedResult:
    """Top the demo users, products and orders up to the targets, in one transaction.

    Progress is reported in units of products and orders, `products + orders` in all.
    """
    if products < 0 or orders < 0:
        raise ValueError("Counts cannot be negative.")
    now = timezone.now()
    specs = product_specs(count=products, seed=seed)
    rng = random.Random(f"ordergraph-demo:{seed}:dates")
    with transaction.atomic():
        users_created, users_kept, customers = _seed_users()
        products_created, catalogue = _seed_products(specs, rng, now, progress)
        orders_created, orders_total = _seed_orders(
            target=orders,
            seed=seed,
            customers=customers,
            catalogue=catalogue,
            now=now,
            progress=progress,
        )
        counts = (
            Order.objects.filter(customer__in=customers)
            .values_list("status")
            .annotate(count=Count("pk"))
            .order_by()
        )
        by_status = dict.fromkeys(OrderStatus.values, 0) | dict(counts)
    return SeedResult(
        users_created=users_created,
        users_kept=users_kept,
        products_created=products_created,
        orders_created=orders_created,
        customers=len(customers),
        products=len(catalogue),
        orders=orders_total,
        orders_by_status=by_status,
    )
