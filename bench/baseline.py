"""The contract operations as plain Django JSON views: the yardstick.

Benchmarks only (routed by bench.urls, never in production). Each view sends
the SQL its GraphQL operation sends (a COUNT where the operation asks for
totalCount, one page of rows one longer than the page, one query for the
products of a page of orders; for PlaceOrder the guarded stock UPDATE, the
product read and the INSERT in one transaction), encodes with orjson, and
returns the same JSON value for value, cursors included. What it leaves out
is GraphQL itself: parsing, validation, limits, per-field resolution.
"""

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import orjson
from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_POST
from strawberry.relay import from_base64, to_base64

from backend.common.graphql.pagination import cursor_signer
from backend.orders.models import Order, OrderStatus
from backend.products.models import Product

ORDER_COLUMNS = tuple(field.attname for field in Order._meta.concrete_fields)
PRODUCT_COLUMNS = tuple(field.attname for field in Product._meta.concrete_fields)
SEARCH_PAGE = 50  # SearchProducts asks for first: 50

View = Callable[[HttpRequest], HttpResponse]


def _json(payload: dict[str, Any], status: int = 200) -> HttpResponse:
    return HttpResponse(
        orjson.dumps(payload, default=str),
        status=status,
        content_type="application/json",
    )


def _variables(request: HttpRequest) -> dict[str, Any]:
    body = orjson.loads(request.body or b"{}")
    return body.get("variables") or {}


def _page_size(variables: dict[str, Any], default: int = 20) -> int:
    """`first`, capped like the API caps it."""
    first = variables.get("first") or default
    return max(0, min(int(first), settings.GRAPHQL_MAX_PAGE_SIZE))


def _cursor(model_label: str, ordering: str, values: list[Any]) -> str:
    """A keyset cursor as the API encodes it: the row's keys, signed."""
    return cursor_signer(model_label, ordering).sign_object(values)


def _time(value: Any) -> str:
    # isoformat(), not orjson's own form: the GraphQL DateTime scalar keeps
    # microseconds and writes the UTC offset as +00:00.
    return str(value.isoformat())


def _signed_in(view: View) -> View:
    def wrapper(request: HttpRequest) -> HttpResponse:
        if not request.user.is_authenticated:
            return _json({"errors": [{"message": "You must be signed in."}]}, 403)
        return view(request)

    return wrapper


@require_POST
@_signed_in
def my_orders(request: HttpRequest) -> HttpResponse:
    """The signed-in user's newest orders with their products (staff: all)."""
    variables = _variables(request)
    first = _page_size(variables)
    orders = Order.objects.all()
    if not request.user.is_staff:
        orders = orders.filter(customer_id=request.user.pk)
    total_count = orders.count()
    if after := variables.get("after"):
        signer = cursor_signer("orders.order", "-created_at,-id")
        created_at, pk = signer.unsign_object(after)
        orders = orders.filter(created_at__lte=created_at).exclude(
            created_at=created_at, pk__gte=pk
        )
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
            "createdAt": _time(row["created_at"]),
            "updatedAt": _time(row["updated_at"]),
            "product": {
                "id": to_base64("Product", product["id"]),
                "name": product["name"],
                "price": product["price"],
            },
        }
        edges.append({"node": node})
    end_cursor = (
        _cursor(
            "orders.order",
            "-created_at,-id",
            [_time(rows[-1]["created_at"]), rows[-1]["id"]],
        )
        if rows
        else None
    )
    connection = {
        "totalCount": total_count,
        "pageInfo": {"hasNextPage": has_next_page, "endCursor": end_cursor},
        "edges": edges,
    }
    return _json({"data": {"orders": connection}})


@require_POST
def catalog_page(request: HttpRequest) -> HttpResponse:
    """In-stock products, cheapest first."""
    first = _page_size(_variables(request))
    products = Product.objects.filter(stock_quantity__gt=0)
    total_count = products.count()
    rows = list(products.order_by("price", "pk").values(*PRODUCT_COLUMNS)[: first + 1])
    has_next_page, rows = len(rows) > first, rows[:first]
    edges = [
        {
            "cursor": _cursor(
                "products.product", "price,id", [str(row["price"]), row["id"]]
            ),
            "node": {
                "id": to_base64("Product", row["id"]),
                "name": row["name"],
                "price": row["price"],
                "stockQuantity": row["stock_quantity"],
                "inStock": row["stock_quantity"] > 0,
            },
        }
        for row in rows
    ]
    connection = {
        "totalCount": total_count,
        "pageInfo": {
            "hasNextPage": has_next_page,
            "endCursor": edges[-1]["cursor"] if edges else None,
        },
        "edges": edges,
    }
    return _json({"data": {"products": connection}})


@require_POST
def search_products(request: HttpRequest) -> HttpResponse:
    """Products whose name contains the text, ignoring case, in catalogue order."""
    text = str(_variables(request).get("text", ""))
    products = Product.objects.filter(name__icontains=text)
    total_count = products.count()
    rows = products.order_by("name", "pk").values(*PRODUCT_COLUMNS)[:SEARCH_PAGE]
    edges = [
        {
            "node": {
                "id": to_base64("Product", row["id"]),
                "name": row["name"],
                "description": row["description"],
                "price": row["price"],
            }
        }
        for row in rows
    ]
    return _json({"data": {"products": {"totalCount": total_count, "edges": edges}}})


def _product_node(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": to_base64("Product", row["id"]),
        "name": row["name"],
        "description": row["description"],
        "price": row["price"],
        "stockQuantity": row["stock_quantity"],
        "inStock": row["stock_quantity"] > 0,
        "createdAt": _time(row["created_at"]),
        "updatedAt": _time(row["updated_at"]),
    }


@require_POST
def product_detail(request: HttpRequest) -> HttpResponse:
    """One product by its global ID, or null."""
    type_name, key = from_base64(str(_variables(request).get("id", "")))
    row = (
        Product.objects.filter(pk=int(key)).values(*PRODUCT_COLUMNS).first()
        if type_name == "Product" and key.isdigit()
        else None
    )
    return _json({"data": {"product": _product_node(row) if row else None}})


@require_POST
@_signed_in
def place_order(request: HttpRequest) -> HttpResponse:
    """Reserve stock and write the order in one transaction."""
    fields = _variables(request)["input"]
    _, key = from_base64(fields["productId"])
    product_id, quantity = int(key), int(fields["quantity"])
    with transaction.atomic():
        taken = Product.objects.filter(
            pk=product_id, stock_quantity__gte=quantity
        ).update(stock_quantity=F("stock_quantity") - quantity)
        product = Product.objects.filter(pk=product_id).values(*PRODUCT_COLUMNS).get()
        if not taken:
            return _json({"errors": [{"message": "Not enough stock."}]}, 409)
        price: Decimal = product["price"]
        order = Order.objects.create(
            product_id=product_id,
            customer_id=request.user.pk,  # type: ignore[misc]  # signed in
            quantity=quantity,
            requested_quantity=quantity,
            unit_price=price,
        )
    node = {
        "__typename": "Order",
        "id": to_base64("Order", order.pk),
        "quantity": quantity,
        "status": OrderStatus(order.status).name,
        "unitPrice": price,
        "total": price * quantity,
        "createdAt": _time(order.created_at),
        "product": {
            "id": to_base64("Product", product_id),
            "name": product["name"],
            "price": price,
            "stockQuantity": product["stock_quantity"],
        },
    }
    return _json({"data": {"createOrder": node}})
