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


def get_loader(info: strawberry.Info, batch_fn: BatchFn[K, V]) -> DataLoader[K, V]:
    """Return this request's DataLoader for `batch_fn`, creating it on first use."""
    loaders = cast(Context, info.context).loaders
    loader = loaders.get(batch_fn)
    if loader is None:
        loader = DataLoader(load_fn=batch_fn)
        loaders[batch_fn] = loader
    return cast(DataLoader[K, V], loader)


def load_now_or_later(info: strawberry.Info, batch_fn: BatchFn[K, V], key: K) -> Any:
    """The loaded value itself when this request already has it, else an awaitable.

    A list whose page primed the loader then resolves each item synchronously,
    sparing the executor one awaitable per item.
    """
    loader = get_loader(info, batch_fn)
    future = loader.cache_map.get(key)
    if future is not None and future.done() and not future.exception():
        return future.result()
    return loader.load(key)


def current_user(info: strawberry.Info) -> AbstractBaseUser | AnonymousUser:
    return cast(Context, info.context).request.user
