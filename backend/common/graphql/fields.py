"""Connection fields: capped page sizes and an order that is always total."""

from collections.abc import Sequence
from typing import Any

import strawberry_django
from django.conf import settings
from django.db.models import QuerySet
from strawberry.extensions import FieldExtension
from strawberry.extensions.field_extension import (
    AsyncExtensionResolver,
    SyncExtensionResolver,
)
from strawberry_django.fields.field import StrawberryDjangoField
from strawberry_django.optimizer import is_optimized_by_prefetching

from backend.common.errors import InvalidArgument


class StableOrderField(StrawberryDjangoField):
    """Append the primary key to whatever ordering the client or model chose,
    so that rows with equal sort keys never swap places between pages."""

    def get_queryset(  # type: ignore[override]
        self, queryset: QuerySet[Any], info: Any, **kwargs: Any
    ) -> QuerySet[Any]:
        queryset = super().get_queryset(queryset, info, **kwargs)  # type: ignore[no-untyped-call]
        if is_optimized_by_prefetching(queryset):
            return queryset
        ordering = list(queryset.query.order_by) or list(queryset.model._meta.ordering)
        return queryset.order_by(*ordering, "pk")


class PageSizeLimit(FieldExtension):
    """Refuse `first`/`last` outside 0..GRAPHQL_MAX_PAGE_SIZE with a clear error."""

    def _check(self, kwargs: dict[str, Any]) -> None:
        cap = settings.GRAPHQL_MAX_PAGE_SIZE
        for argument in ("first", "last"):
            value = kwargs.get(argument)
            if value is not None and not 0 <= value <= cap:
                raise InvalidArgument(
                    f"Argument '{argument}' must be between 0 and {cap}; got {value}."
                )

    def resolve(
        self, next_: SyncExtensionResolver, source: Any, info: Any, **kwargs: Any
    ) -> Any:
        self._check(kwargs)
        return next_(source, info, **kwargs)

    async def resolve_async(
        self, next_: AsyncExtensionResolver, source: Any, info: Any, **kwargs: Any
    ) -> Any:
        self._check(kwargs)
        return await next_(source, info, **kwargs)


def connection(*, description: str, extensions: Sequence[FieldExtension] = ()) -> Any:
    """A relay connection field with our page-size cap and stable ordering."""
    field = strawberry_django.connection(
        field_cls=StableOrderField, extensions=extensions, description=description
    )
    # Last means outermost: the connection extension consumes first/last before
    # calling inward, so the cap must look at them before it does.
    field.extensions.append(PageSizeLimit())
    return field
