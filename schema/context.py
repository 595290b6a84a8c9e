"""The contexts the gateway builds: one per HTTP request, one per socket.

Apps read them through backend.common.graphql.context (`AppContext`): the
request's user and a DataLoader registry, the same over either transport.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from strawberry.dataloader import DataLoader
from strawberry.django.context import StrawberryDjangoContext

if TYPE_CHECKING:
    from .limits.throttle import BucketState


@dataclass
class RequestContext(StrawberryDjangoContext):
    """The context of one GraphQL request over HTTP."""

    # One loader per batch function per request: batches and caches never
    # leak between requests (and so between users).
    loaders: dict[Any, DataLoader[Any, Any]] = field(default_factory=dict)
    # The client's cost bucket after this request paid (or failed to pay) for
    # it: limits/throttle.py fills these in, extensions.cost reports them.
    cost_charged: bool = False
    cost_bucket: BucketState | None = None


@dataclass
class SocketRequest:
    """Who opened the socket: the session's user and the session key."""

    user: AbstractBaseUser | AnonymousUser
    session_key: str | None

    @property
    def visibility(self) -> tuple[str, Any]:
        """Whose data the results may show: identical for every staff member
        (staff see any order, every field), a person's own otherwise."""
        if getattr(self.user, "is_staff", False):
            return ("staff", None)
        return ("user", self.user.pk)


@dataclass
class SocketContext:
    """The context of operations over a WebSocket (shaped like the HTTP one)."""

    request: SocketRequest
    loaders: dict[Any, DataLoader[Any, Any]] = field(default_factory=dict)
    connection_params: dict[str, Any] = field(default_factory=dict)
    # What this event's subscribers in this process share; None between events
    # (backend/common/graphql/live.py, schema/execution.py).
    event_memo: dict[Any, Any] | None = None
