"""Subscriptions' plumbing: listening to a channel layer.

Each subscription listens on a channel of its own, so subscriptions sharing a
connection never share a group membership: one completing cannot stop its
siblings' events (strawberry-django#942), and no subscription sees events
meant for another.
"""

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from importlib import import_module
from typing import Any, Protocol, cast

import strawberry
from channels.db import database_sync_to_async
from channels.layers import BaseChannelLayer, get_channel_layer
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from redis.exceptions import RedisError

from backend.common.errors import PermissionDeniedError

from .context import AppContext

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


def _session_is_live(request: Subscriber) -> bool:
    if request.session_key is None:
        return False
    engine = import_module(settings.SESSION_ENGINE)
    # load() answers {} for a session that was deleted (logout) or expired.
    data = engine.SessionStore(request.session_key).load()
    return str(data.get(SESSION_KEY)) == str(request.user.pk)


session_is_live = database_sync_to_async(_session_is_live)


def _layer() -> BaseChannelLayer:
    layer = get_channel_layer()
    if layer is None:
        raise RuntimeError("CHANNEL_LAYERS has no default layer")
    return cast(BaseChannelLayer, layer)


async def listen(
    info: strawberry.Info, *, groups: tuple[str, ...], private: bool
) -> AsyncIterator[dict[str, Any]]:
    """Yield the messages sent to `groups` from now on, until the client stops.

    Private events are delivered only while the subscriber's session lasts:
    after a logout (or expiry) the subscription ends with PERMISSION_DENIED.
    """
    layer = _layer()
    channel = await layer.new_channel()
    context = cast(AppContext, info.context)
    loop = asyncio.get_running_loop()
    try:
        renew_at = loop.time()
        while True:
            try:
                if loop.time() >= renew_at:
                    for group in groups:
                        await layer.group_add(group, channel)
                    renew_at = loop.time() + RENEW_GROUPS_SECONDS
                message = await asyncio.wait_for(
                    layer.receive(channel), timeout=renew_at - loop.time()
                )
            except TimeoutError:
                continue
            except (OSError, RedisError):
                # At-most-once: what was sent meanwhile is lost; clients
                # refetch. The subscription itself carries on.
                logger.warning("Channel layer unavailable; listening again soon")
                await asyncio.sleep(RETRY_SECONDS)
                renew_at = loop.time()
                continue
            if private and not await session_is_live(context.request):
                raise PermissionDeniedError(SESSION_ENDED)
            # Each event reads fresh rows: no loader cache outlives it.
            context.loaders.clear()
            yield message
    finally:
        for group in groups:
            with contextlib.suppress(Exception):
                await layer.group_discard(group, channel)
