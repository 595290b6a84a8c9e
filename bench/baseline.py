"""MyOrders as a plain Django JSON view: the yardstick the GraphQL stack is timed by.

Benchmarks only (routed by bench.urls, never in production). It sends the SQL the
GraphQL operation sends (a COUNT of the customer's orders, the page of orders
newest first, one query for their products) and returns the same JSON, value for
value, cursors included.
"""

import base64
import json
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_POST
from strawberry.relay import to_base64

from backend.orders.models import Order, OrderStatus
from backend.products.models import Product

ORDER_COLUMNS = tuple(field.attname for field in Order._meta.concrete_fields)
PRODUCT_COLUMNS = tuple(field.attname for field in Product._meta.concrete_fields)


def _json(payload: dict[str, Any], status: int = 200) -> HttpResponse:
    return HttpResponse(
        json.dumps(payload, cls=DjangoJSONEncoder),
        status=status,
        content_type="application/json",
    )


def _page_size(request: HttpRequest) -> int:
    """`variables.first` from a GraphQL-shaped body, capped like the API caps it."""
    body = json.loads(request.body or b"{}")
    first = (body.get("variables") or {}).get("first") or 20
    return max(0, min(int(first), settings.GRAPHQL_MAX_PAGE_SIZE))


def _cursor(row: dict[str, Any]) -> str:
    """A keyset cursor as the API encodes it: the ordering and the row's keys."""
    keys = ["-created_at,-id", [row["created_at"].isoformat(), row["id"]]]
    payload = json.dumps(keys, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(payload).decode()


@require_POST
def my_orders(request: HttpRequest) -> HttpResponse:
    """Return the signed-in user's newest orders with their products."""
    if not request.user.is_authenticated:
        return _json({"errors": [{"message": "You must be signed in."}]}, status=403)
    first = _page_size(request)

    orders = Order.objects.filter(customer_id=request.user.pk)
    total_count = orders.count()
    # One row more than the page tells whether there is a next page.
    rows = list(
        orders.order_by("-created_at", "-pk").values(*ORDER_COLUMNS)[: first + 1]
    )
    has_next_page, rows = len(rows) > first, rows[:first]
    product_ids = list(dict.fromkeys(row["product_id"] for row in rows))
    products = {
        product["id"]: product
        for product in Product.objects.filter(pk__in=product_ids).values(
            *PRODUCT_COLUMNS
        )
    }

    edges = []
    for row in rows:
        product = products[row["product_id"]]
        node = {
            "id": to_base64("Order", row["id"]),
            "quantity": row["quantity"],
            "status": OrderStatus(row["status"]).name,
            "unitPrice": row["unit_price"],
            "total": row["unit_price"] * row["quantity"],
            # isoformat(), not DjangoJSONEncoder's millisecond "Z" form: the
            # GraphQL DateTime scalar keeps microseconds and the offset.
            "createdAt": row["created_at"].isoformat(),
            "updatedAt": row["updated_at"].isoformat(),
            "product": {
                "id": to_base64("Product", product["id"]),
                "name": product["name"],
                "price": product["price"],
            },
        }
        edges.append({"node": node})
    connection = {
        "totalCount": total_count,
        "pageInfo": {
            "hasNextPage": has_next_page,
            "endCursor": _cursor(rows[-1]) if rows else None,
        },
        "edges": edges,
    }
    return _json({"data": {"orders": connection}})
