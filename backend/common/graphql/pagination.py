"""Relay connections over querysets, paginated by keyset (never OFFSET).

A cursor holds the sort-key values of its row, so the next page starts with an
indexed range condition: page 5,000 costs what page 1 costs. Every ordering
ends with the primary key, which makes the order total and cursors exact.
Cursors are signed with SECRET_KEY (django.core.signing, salted with the list
and its ordering), so clients cannot build or alter one.
"""

import binascii
import zlib
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any, Generic, TypeVar, cast

import strawberry
from asgiref.sync import sync_to_async
from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Model, OrderBy, Q, QuerySet
from django.utils.dateparse import parse_datetime
from strawberry import relay
from strawberry.extensions import FieldExtension
from strawberry.extensions.field_extension import (
    AsyncExtensionResolver,
    SyncExtensionResolver,
)
from strawberry.types.nodes import FragmentSpread, InlineFragment, Selection
from strawberry_django.filters import apply as apply_filters
from strawberry_django.ordering import apply_ordering

from backend.common.decimals import parse_decimal
from backend.common.errors import InvalidArgument
from backend.common.text import storable

NodeType = TypeVar("NodeType", bound=relay.Node)
ModelT = TypeVar("ModelT", bound=Model)

CURSOR_SALT = "ordergraph.pagination.cursor"
MAX_BIGINT = 2**63 - 1


@strawberry.type(description="A page of a list, with cursors to walk it.")
class CountedConnection(relay.Connection[NodeType], Generic[NodeType]):
    # Counted only when the client asks for totalCount (see `paginate`).
    total: strawberry.Private[int | None]

    @strawberry.field(description="How many items the whole list has.")
    def total_count(self) -> int:
        assert self.total is not None, "counted whenever totalCount is selected"
        return self.total


ConnectionT = TypeVar("ConnectionT", bound=CountedConnection[Any])


FIRST = strawberry.argument(description="Page size, walking forwards.")
AFTER = strawberry.argument(description="Start after this cursor.")
LAST = strawberry.argument(description="Page size, walking backwards from the end.")
BEFORE = strawberry.argument(description="End before this cursor.")


@dataclass(frozen=True)
class PageArgs:
    first: int | None = None
    after: str | None = None
    last: int | None = None
    before: str | None = None


@dataclass(frozen=True)
class SortKey:
    field: str
    descending: bool


class PageSizeLimit(FieldExtension):
    """Refuse `first`/`last` outside 0..GRAPHQL_MAX_PAGE_SIZE with a clear error."""

    def _check(self, kwargs: dict[str, Any]) -> None:
        cap = settings.GRAPHQL_MAX_PAGE_SIZE
        for argument in ("first", "last"):
            value = kwargs.get(argument)
            if value is not None and not 0 <= value <= cap:
                raise InvalidArgument(
                    f"Argument '{argument}' must be between 0 and {cap}; got {value} "
                    "(GRAPHQL_MAX_PAGE_SIZE)."
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


def _sort_keys(queryset: QuerySet[Any]) -> list[SortKey]:
    ordering = list(queryset.query.order_by) or list(queryset.model._meta.ordering)
    keys: list[SortKey] = []
    for item in ordering:
        if isinstance(item, str):
            keys.append(SortKey(item.lstrip("-"), item.startswith("-")))
        elif isinstance(item, OrderBy) and isinstance(item.expression, F):
            keys.append(SortKey(item.expression.name, item.descending))
        else:  # our order types only produce the two above
            raise TypeError(f"cannot paginate by keyset over {item!r}")
    pk_name = queryset.model._meta.pk.name
    keys = [
        SortKey(pk_name, key.descending) if key.field == "pk" else key for key in keys
    ]
    if all(key.field != pk_name for key in keys):
        keys.append(SortKey(pk_name, keys[-1].descending if keys else False))
    return keys


def _json_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _signature(keys: list[SortKey]) -> str:
    return ",".join(f"-{k.field}" if k.descending else k.field for k in keys)


@lru_cache(maxsize=64)
def _signer(secret_key: str, model_label: str, ordering: str) -> signing.Signer:
    # The list and its ordering are in the salt: a cursor of another list or
    # ordering fails the signature check like a forged one.
    return signing.Signer(
        key=secret_key, salt=f"{CURSOR_SALT}:{model_label}:{ordering}"
    )


def cursor_signer(model_label: str, ordering: str) -> signing.Signer:
    """The signer of cursors over `model_label` ("orders.order") in `ordering`."""
    return _signer(settings.SECRET_KEY, model_label, ordering)


def encode_cursor(keys: list[SortKey], row: Model) -> str:
    """An opaque cursor: the row's sort-key values, signed with SECRET_KEY."""
    values = [_json_value(getattr(row, key.field)) for key in keys]
    return cursor_signer(row._meta.label_lower, _signature(keys)).sign_object(values)


def decode_cursor(
    cursor: str, keys: list[SortKey], model: type[Model], *, argument: str
) -> list[Any]:
    """Return the sort-key values in `cursor`, or refuse a foreign or bad cursor."""
    signer = cursor_signer(model._meta.label_lower, _signature(keys))
    try:
        values = signer.unsign_object(cursor)
        if not isinstance(values, list) or len(values) != len(keys):
            raise ValueError("not one value per sort key")
        return [
            _sort_value(model._meta.get_field(key.field), value)
            for key, value in zip(keys, values, strict=True)
        ]
    # Past the signature only our own cursors get here; the rest is defence
    # against a leaked key or an old format: never a 500 or Django's text.
    except (
        signing.BadSignature,
        ValueError,
        TypeError,
        RecursionError,
        zlib.error,
        binascii.Error,
        ValidationError,
    ) as error:
        raise InvalidArgument(
            f"Invalid cursor in '{argument}': it does not come from this list "
            "with this ordering."
        ) from error


def _sort_value(field: Any, value: Any) -> Any:
    """The value of `field` that a cursor holds, checked as strictly as it was
    written: JSON of the right type, storable, in the column's range."""
    if isinstance(field, models.IntegerField):
        if type(value) is not int or not -MAX_BIGINT - 1 <= value <= MAX_BIGINT:
            raise ValueError("not an integer key")
        return value
    if not isinstance(value, str) or not storable(value):
        raise ValueError("not a storable string")
    if isinstance(field, models.DecimalField):
        return parse_decimal(value)
    if isinstance(field, models.DateTimeField):
        moment = parse_datetime(value)
        if moment is None:
            raise ValueError("not a date and time")
        return moment
    if isinstance(field, models.CharField | models.TextField):
        return value
    raise TypeError(f"no cursor values for {field!r}")


def _after(keys: list[SortKey], values: list[Any]) -> Q:
    """Rows strictly after `values` in the order of `keys`."""
    strictly_after = Q()
    for index, key in enumerate(keys):
        equal = {k.field: v for k, v in zip(keys[:index], values[:index], strict=True)}
        beyond = {f"{key.field}__{'lt' if key.descending else 'gt'}": values[index]}
        strictly_after |= Q(**equal, **beyond)
    # The same bound on the leading key alone is what an index range scan uses.
    leading = keys[0]
    bound = Q(
        **{f"{leading.field}__{'lte' if leading.descending else 'gte'}": values[0]}
    )
    return bound & strictly_after


def _reverse(keys: list[SortKey]) -> list[SortKey]:
    return [SortKey(key.field, not key.descending) for key in keys]


def _page(
    queryset: QuerySet[ModelT],
    ordering_type: type | None,
    ordering: list[Any] | None,
    filters: Any,
    info: Any,
    args: PageArgs,
    count: bool,
) -> tuple[list[ModelT], list[SortKey], bool, int | None]:
    """Return the page's rows, its sort keys, whether more rows lie beyond the
    page in the walking direction, and the list's size when `count`."""
    queryset = apply_filters(filters, queryset, info)
    if ordering_type is not None and ordering:
        queryset = apply_ordering(ordering_type, ordering, info, queryset)
    keys = _sort_keys(queryset)
    total = queryset.count() if count else None

    if args.after is not None:
        values = decode_cursor(args.after, keys, queryset.model, argument="after")
        queryset = queryset.filter(_after(keys, values))
    if args.before is not None:
        values = decode_cursor(args.before, keys, queryset.model, argument="before")
        queryset = queryset.filter(_after(_reverse(keys), values))
    # `last` walks from the end: read in reverse order, then flip the page.
    walk = _reverse(keys) if args.last is not None else keys
    limit = args.last if args.last is not None else args.first
    if limit is None:
        limit = settings.GRAPHQL_DEFAULT_PAGE_SIZE
    queryset = queryset.order_by(
        *(f"-{key.field}" if key.descending else key.field for key in walk)
    )
    rows = list(queryset[: limit + 1])
    has_more = len(rows) > limit
    rows = rows[:limit]
    if args.last is not None:
        rows.reverse()
    return rows, keys, has_more, total


async def paginate(
    queryset: QuerySet[ModelT],
    *,
    info: strawberry.Info,
    connection_type: type[ConnectionT],
    args: PageArgs,
    filters: Any = None,
    ordering: list[Any] | None = None,
    ordering_type: type | None = None,
) -> tuple[ConnectionT, list[ModelT]]:
    """Fetch one page (and the count, if selected) in a single hop to the ORM."""
    if args.first is not None and args.last is not None:
        raise InvalidArgument("Give either 'first' or 'last', not both.")
    rows, keys, has_more, total = await sync_to_async(_page)(
        queryset,
        ordering_type,
        ordering,
        filters,
        info,
        args,
        selects(info, "totalCount"),
    )
    # Edges carry model instances: the node types read their fields directly.
    # Signing costs more than the rest of an edge: only cursors the client
    # asked for are made (an unselected one is never sent).
    with_cursors = selects(info, "edges", "cursor")
    edges: list[relay.Edge[Any]] = [
        relay.Edge(
            cursor=encode_cursor(keys, row) if with_cursors else "",
            node=cast(Any, row),
        )
        for row in rows
    ]
    backwards = args.last is not None
    page_info = relay.PageInfo(
        has_next_page=args.before is not None if backwards else has_more,
        has_previous_page=has_more if backwards else args.after is not None,
        start_cursor=_edge_cursor(edges, 0, keys, rows, with_cursors),
        end_cursor=_edge_cursor(edges, -1, keys, rows, with_cursors),
    )
    connection = connection_type(page_info=page_info, edges=edges, total=total)
    return connection, rows


def _edge_cursor(
    edges: list[relay.Edge[Any]],
    index: int,
    keys: list[SortKey],
    rows: list[Any],
    made: bool,
) -> str | None:
    if not rows:
        return None
    return edges[index].cursor if made else encode_cursor(keys, rows[index])


def selects(info: strawberry.Info, *path: str) -> bool:
    """Whether the client selected the field at `path` below the current field."""
    selections: list[Selection] = [
        child for field in info.selected_fields for child in field.selections
    ]
    for name in path:
        fields = _flatten(selections)
        matching = [field for field in fields if field.name == name]
        if not matching:
            return False
        selections = [s for field in matching for s in field.selections]
    return True


def _flatten(selections: list[Selection]) -> list[Any]:
    fields: list[Any] = []
    for selection in selections:
        if isinstance(selection, FragmentSpread | InlineFragment):
            fields.extend(_flatten(selection.selections))
        else:
            fields.append(selection)
    return fields
