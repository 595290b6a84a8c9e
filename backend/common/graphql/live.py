"""Subscriptions' plumbing: listening to a channel layer.

A process listens to each group once, whatever its number of subscribers: one
channel of the layer per group in use (a hub), whose messages are handed to
every local subscriber of that group. So a status change seen by 1,000 staff
sockets is one message per process from Redis, one batched session check and
one product read per process, not one of each per subscriber. Each
subscriber has an inbox of its own, so subscriptions sharing a connection never
share a group membership: one completing cannot stop its siblings' events
(strawberry-django#942).

The subscribers of one event in one process also share a memo (`shared`): the
payload their resolvers build from the message, and the executed result of
each (document, variables, visibility) group (schema/execution.py), so 1,000
staff subscriptions execute the selection once. Each subscriber's own checks
(its session, may it see this order) still run for it alone, before anything
is shared with it.
"""

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable, Iterable
from importlib import import_module
from typing import Any, Protocol, TypeVar, cast

import strawberry
from channels.db import database_sync_to_async
from channels.layers import BaseChannelLayer, get_channel_layer
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.utils import timezone
from redis.exceptions import RedisError

from backend.common.errors import PermissionDeniedError
from backend.common.mailbox import Mailbox

# Layers forget a group membership after group_expiry (a day by default); a
# subscription open longer renews its own.
RENEW_GROUPS_SECONDS = 3600.0
# After the layer failed (Redis dropped the connection or restarted), wait
# this long, then join the groups again: Redis may have lost them.
RETRY_SECONDS = 0.5
logger = logging.getLogger("ordergraph.live")
SESSION_ENDED = "Your session has ended; sign in again to receive these events."


class Subscriber(Protocol):
    """Who opened the socket (schema/context.py's SocketRequest)."""

    user: AbstractBaseUser | AnonymousUser
    session_key: str | None


class EventContext(Protocol):
    """What `listen` and `shared` need of the socket's context
    (schema/context.py's SocketContext)."""

    request: Subscriber
    loaders: dict[Any, Any]
    event_memo: dict[Any, Any] | None


T = TypeVar("T")


def shared(info: strawberry.Info, key: Any, build: Callable[[], T]) -> T:
    """One value per event and process for `key`: the first subscriber builds it."""
    memo = cast(EventContext, info.context).event_memo
    if memo is None:
        return build()
    if key not in memo:
        memo[key] = build()
    return cast(T, memo[key])


def _live_sessions(requests: Iterable[Subscriber]) -> set[str]:
    """The session keys among `requests` whose session still signs in its user.

    One query for all of them with a database-backed engine (db, cached_db);
    one load per session with any other.
    """
    wanted = {r.session_key: str(r.user.pk) for r in requests if r.session_key}
    if not wanted:
        return set()
    engine = import_module(settings.SESSION_ENGINE)
    store = engine.SessionStore()
    if not hasattr(store, "get_model_class"):
        # load() answers {} for a session that was deleted (logout) or expired.
        return {
            key
            for key, user in wanted.items()
            if str(engine.SessionStore(key).load().get(SESSION_KEY)) == user
        }
    rows = store.get_model_class().objects.filter(
        session_key__in=wanted, expire_date__gt=timezone.now()
    )
    return {
        row.session_key
        for row in rows.only("session_key", "session_data")
        if str(store.decode(row.session_data).get(SESSION_KEY))
        == wanted[row.session_key]
    }


live_sessions = database_sync_to_async(_live_sessions)


def _layer() -> BaseChannelLayer:
    layer = get_channel_layer()
    if layer is None:
        raise RuntimeError("CHANNEL_LAYERS has no default layer")
    return cast(BaseChannelLayer, layer)


# (message, the event's shared loaders, its shared memo, whether the session is live)
_Delivery = tuple[dict[str, Any], dict[Any, Any], dict[Any, Any], bool]


class _Subscriber:
    __slots__ = ("inbox", "private", "request")

    def __init__(self, request: Subscriber, private: bool) -> None:
        self.request = request
        self.private = private
        self.inbox: Mailbox[_Delivery] = Mailbox()


class _Hub:
    """This process's one listener to a group, and the subscribers it feeds."""

    def __init__(self, group: str) -> None:
        self.group = group
        self.subscribers: set[_Subscriber] = set()
        self.task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self.task = asyncio.create_task(self._run(), name=f"live hub {self.group}")

    async def _run(self) -> None:
        layer = _layer()
        loop = asyncio.get_running_loop()
        channel = await layer.new_channel()
        renew_at = loop.time()
        try:
            while True:
                try:
                    if loop.time() >= renew_at:
                        await layer.group_add(self.group, channel)
                        renew_at = loop.time() + RENEW_GROUPS_SECONDS
                    message = await asyncio.wait_for(
                        layer.receive(channel), timeout=renew_at - loop.time()
                    )
                except TimeoutError:
                    continue
                except (OSError, RedisError):
                    # At-most-once: what was sent meanwhile is lost; clients
                    # refetch. Redis may have restarted and forgotten the
                    # group: join it again.
                    logger.warning("Channel layer unavailable; listening again soon")
                    await asyncio.sleep(RETRY_SECONDS)
                    renew_at = loop.time()
                    continue
                try:
                    await self._deliver(message)
                except Exception:
                    # One bad message must not silence the group for good.
                    logger.exception("Live event not delivered")
        finally:
            with contextlib.suppress(Exception):
                await layer.group_discard(self.group, channel)

    async def _deliver(self, message: dict[str, Any]) -> None:
        subscribers = list(self.subscribers)
        private = [s.request for s in subscribers if s.private]
        try:
            live = await live_sessions(private) if private else set()
        except Exception:
            # The check failed (database down): deliver nothing private rather
            # than deliver to someone signed out.
            logger.exception("Session check failed; private events dropped")
            subscribers = [s for s in subscribers if not s.private]
            live = set()
        # Each event reads fresh rows once for every subscriber here: public
        # data (products) only, whoever asks first.
        loaders: dict[Any, Any] = {}
        memo: dict[Any, Any] = {}
        for subscriber in subscribers:
            alive = not subscriber.private or subscriber.request.session_key in live
            subscriber.inbox.put_nowait((message, loaders, memo, alive))


# One hub per event loop and group (the in-process tests run several loops).
_hubs: dict[tuple[int, str], _Hub] = {}


def _join(group: str, subscriber: _Subscriber) -> tuple[int, str]:
    key = (id(asyncio.get_running_loop()), group)
    hub = _hubs.get(key)
    if hub is None:
        hub = _hubs[key] = _Hub(group)
        hub.start()
    hub.subscribers.add(subscriber)
    return key


def _leave(key: tuple[int, str], subscriber: _Subscriber) -> None:
    hub = _hubs.get(key)
    if hub is None:
        return
    hub.subscribers.discard(subscriber)
    if not hub.subscribers:
        del _hubs[key]
        if hub.task is not None:
            hub.task.cancel()


async def listen(
    info: strawberry.Info, *, groups: tuple[str, ...], private: bool
) -> AsyncIterator[dict[str, Any]]:
    """Yield the messages sent to `groups` from now on, until the client stops.

    Private events are delivered only while the subscriber's session lasts
    (checked for each event): after a logout (or expiry) the subscription
    ends with PERMISSION_DENIED.
    """
    context = cast(EventContext, info.context)
    subscriber = _Subscriber(context.request, private)
    # Plain try/finally rather than a context manager per group: one
    # generator frame fewer per open subscription.
    joined = []
    try:
        for group in groups:
            joined.append(_join(group, subscriber))
        while True:
            message, loaders, memo, alive = await subscriber.inbox.get()
            if not alive:
                raise PermissionDeniedError(SESSION_ENDED)
            context.loaders = loaders
            context.event_memo = memo
            yield message
            context.event_memo = None
    finally:
        for key in joined:
            _leave(key, subscriber)
