"""The per-request GraphQL context and the DataLoader registry it carries."""

from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass, field
from typing import Any, TypeVar, cast

import strawberry
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from strawberry.dataloader import DataLoader
from strawberry.django.context import StrawberryDjangoContext

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

BatchFn = Callable[[list[K]], Awaitable[list[V]]]


@dataclass
class Context(StrawberryDjangoContext):
    # One loader per batch function per request: batches and caches never leak
    # between requests (and so between users).
    loaders: dict[Callable[..., Any], DataLoader[Any, Any]] = field(
        default_factory=dict
    )


Info = strawberry.Info[Context, None]


def get_loader(info: strawberry.Info, batch_fn: BatchFn[K, V]) -> DataLoader[K, V]:
    """Return this request's DataLoader for `batch_fn`, creating it on first use."""
    loaders = cast(Context, info.context).loaders
    loader = loaders.get(batch_fn)
    if loader is None:
        loader = DataLoader(load_fn=batch_fn)
        loaders[batch_fn] = loader
    return cast(DataLoader[K, V], loader)


def current_user(info: strawberry.Info) -> AbstractBaseUser | AnonymousUser:
    return cast(Context, info.context).request.user
