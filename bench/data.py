"""The data every variant serves: one customer's orders over a catalogue."""

import json
from decimal import Decimal
from typing import Any

from .loadgen import BenchError

USERNAME, PASSWORD = "bench-customer", "bench-password-4711"
PRODUCTS, ORDERS, OTHER_ORDERS, PAGE = 100, 120, 30, 100


def seed() -> list[str]:
    """Create the customer's orders (and someone else's); return the page's
    product names, newest order first."""
    from django.contrib.auth.models import User

    from backend.orders.models import Order, OrderStatus
    from backend.products.models import Product

    customer = User.objects.create_user(USERNAME, password=PASSWORD)
    other = User.objects.create_user("bench-other")
    products = Product.objects.bulk_create(
        Product(
            name=f"Bench product {n:03d}",
            price=Decimal(n) + Decimal("0.99"),
            stock_quantity=1000,
        )
        for n in range(PRODUCTS)
    )
    statuses = list(OrderStatus)
    Order.objects.bulk_create(
        Order(
            customer=customer if n < ORDERS else other,
            product=products[n * 7 % PRODUCTS],
            quantity=1 + n % 3,
            requested_quantity=1 + n % 3,
            status=statuses[n % len(statuses)],
            unit_price=products[n * 7 % PRODUCTS].price,
        )
        for n in range(ORDERS + OTHER_ORDERS)
    )
    return list(
        Order.objects.filter(customer=customer)
        .order_by("-created_at", "-pk")
        .values_list("product__name", flat=True)[:PAGE]
    )


def check_page(key: str, content: bytes, product_names: list[str]) -> Any:
    """Fail unless the response is the customer's first page; return its data.

    Cursors are opaque and extensions (cost reports) are GraphQL's own: the
    baseline need not track either, so neither is returned.
    """
    body = json.loads(content)
    orders = (body.get("data") or {}).get("orders")
    if body.get("errors") or not orders:
        raise BenchError(f"{key}: no orders: {content[:300]!r}")
    names = [edge["node"]["product"]["name"] for edge in orders["edges"]]
    if orders["totalCount"] != ORDERS or names != product_names:
        raise BenchError(
            f"{key}: totalCount {orders['totalCount']}, {len(names)} edges, "
            f"expected {ORDERS} and the seeded products"
        )
    orders["pageInfo"].pop("endCursor")
    return body["data"]
