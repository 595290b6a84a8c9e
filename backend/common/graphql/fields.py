"""Fields every app's schema has the same way: one node by ID, and lists.

Every list takes the same arguments (filters, ordering, first/after,
last/before) and pages the same way; an app says what is listed and what the
page needs afterwards.
"""

from collections.abc import Awaitable, Callable
from typing import Annotated, Any

import strawberry
from django.db.models import QuerySet
from strawberry import relay
from strawberry.extensions import FieldExtension

from .node import ModelNode
from .pagination import (
    AFTER,
    BEFORE,
    FIRST,
    LAST,
    CountedConnection,
    PageArgs,
    PageSizeLimit,
    paginate,
)

RowsFn = Callable[[strawberry.Info], QuerySet[Any]]
LoadedFn = Callable[[strawberry.Info, list[Any]], Awaitable[None]]


def connection_field(
    *,
    connection_type: type[CountedConnection[Any]],
    filters_type: type,
    ordering_type: type,
    rows: RowsFn,
    description: str,
    extensions: tuple[FieldExtension, ...] = (),
    loaded: LoadedFn | None = None,
) -> Any:
    """A field listing `rows(info)` a page at a time; `loaded(info, page)`
    runs on the page's rows before they resolve (to batch what they need)."""

    async def resolve(
        info: strawberry.Info,
        filters: Any = None,
        ordering: Any = None,
        first: Annotated[int | None, FIRST] = None,
        after: Annotated[str | None, AFTER] = None,
        last: Annotated[int | None, LAST] = None,
        before: Annotated[str | None, BEFORE] = None,
    ) -> Any:
        connection, page = await paginate(
            rows(info),
            info=info,
            connection_type=connection_type,
            args=PageArgs(first=first, after=after, last=last, before=before),
            filters=filters,
            ordering=ordering,
            ordering_type=ordering_type,
        )
        if loaded is not None:
            await loaded(info, page)
        return connection

    # The argument types are the app's: strawberry reads them from here.
    resolve.__annotations__ = {
        **resolve.__annotations__,
        "filters": filters_type | None,
        "ordering": list[ordering_type] | None,  # type: ignore[valid-type]
        "return": connection_type,
    }
    return strawberry.field(
        resolver=resolve,
        description=description,
        extensions=[*extensions, PageSizeLimit()],
    )


def node_field(
    node_type: type[ModelNode],
    *,
    description: str,
    extensions: tuple[FieldExtension, ...] = (),
) -> Any:
    """A field returning the visible node of `node_type` a global ID names,
    or null (also for an ID of another type)."""

    async def resolve(info: strawberry.Info, id: relay.GlobalID) -> Any:
        return await node_type.by_global_id(info, id)

    resolve.__annotations__["return"] = node_type | None
    return strawberry.field(
        resolver=resolve, description=description, extensions=list(extensions)
    )
