"""What apps read from the GraphQL context, over HTTP or the WebSocket.

The gateway builds the contexts (schema/context.py); apps see only this: the
request with its user, and the request's DataLoader registry.
"""

from collections.abc import Awaitable, Callable, Hashable
from typing import Any, Protocol, TypeVar, cast

import strawberry
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.http import HttpRequest
from strawberry.dataloader import DataLoader

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

BatchFn = Callable[[list[K]], Awaitable[list[V]]]


class AppContext(Protocol):
    # An HttpRequest over HTTP; over the socket, who opened it (`user`,
    # `session_key`).
    request: Any
    # One loader per batch function per request: batches and caches never
    # leak between requests (and so between users).
    loaders: dict[Any, DataLoader[Any, Any]]


def _context(info: strawberry.Info) -> AppContext:
    return cast(AppContext, info.context)


def get_loader(info: strawberry.Info, batch_fn: BatchFn[K, V]) -> DataLoader[K, V]:
    """Return this request's DataLoader for `batch_fn`, creating it on first use."""
    loaders = _context(info).loaders
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
    user: AbstractBaseUser | AnonymousUser = _context(info).request.user
    return user


def http_request(info: strawberry.Info) -> HttpRequest:
    """The HTTP request (to sign in or out): mutations run over HTTP only."""
    request = _context(info).request
    assert isinstance(request, HttpRequest)
    return request
