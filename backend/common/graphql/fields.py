"""Connection fields whose order is always total, so cursors never skip or repeat."""

from typing import Any

from django.db.models import QuerySet
from strawberry_django.fields.field import StrawberryDjangoField
from strawberry_django.optimizer import is_optimized_by_prefetching


class StableOrderField(StrawberryDjangoField):
    """Append the primary key to whatever ordering the client or model chose."""

    def get_queryset(
        self, queryset: QuerySet[Any], info: Any, **kwargs: Any
    ) -> QuerySet[Any]:
        queryset = super().get_queryset(queryset, info, **kwargs)
        if is_optimized_by_prefetching(queryset):
            return queryset
        ordering = list(queryset.query.order_by) or list(queryset.model._meta.ordering)
        return queryset.order_by(*ordering, "pk")
