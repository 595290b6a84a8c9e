from collections.abc import Iterable

from django.db.models import QuerySet

from .models import Product


def get_products_by_name(name_filter: str | None = None) -> QuerySet[Product]:
    products = Product.objects.all()
    if name_filter:
        products = products.filter(name__icontains=name_filter)
    return products


def get_products_by_ids(product_ids: Iterable[int]) -> dict[int, Product]:
    return Product.objects.in_bulk(list(product_ids))
