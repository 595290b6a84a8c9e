"""The GraphQL WebSocket endpoint: graphql-transport-ws at /graphql/.

Sockets are authenticated by the session cookie, so the handshake's Origin is
checked the way Django checks a cross-site POST: a page on another site must
not open a socket that carries its visitor's cookie.
"""

import datetime
import json
import sys
from importlib import import_module
from typing import Any
from urllib.parse import urlsplit

from channels.auth import get_user
from channels.routing import URLRouter
from channels.security.websocket import WebsocketDenier
from django.conf import settings
from django.http.cookie import parse_cookie
from django.http.request import split_domain_port, validate_host
from django.urls import path
from graphql import GraphQLError
from strawberry.channels import GraphQLWSConsumer
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
)
from strawberry.subscriptions.protocols.graphql_transport_ws.types import (
    ConnectionInitMessage,
    SubscribeMessage,
)

from backend.common.mailbox import Mailbox
from schema.context import SocketContext, SocketRequest
from schema.limits.extensions import limit_error
from schema.observability.extension import over_socket
from schema.observability.metrics import LIVE_SUBSCRIPTIONS

from . import persisted
from .schema import schema

# RFC 6455: the peer sent a message larger than it may.
MESSAGE_TOO_BIG = 1009
SUBSCRIPTIONS_SETTING = "GRAPHQL_MAX_SUBSCRIPTIONS_PER_CONNECTION"

Scope = dict[str, Any]


class SubscriptionCap(BaseGraphQLTransportWSHandler[SocketContext, None]):
    """Refuse a subscription past the per-connection cap, or outside the
    trusted documents (GRAPHQL_TRUSTED_DOCUMENTS=only), with our error code."""

    async def handle_subscribe(self, message: SubscribeMessage) -> None:
        try:
            persisted.resolve(message["payload"].get("query"), None)
        except persisted.DocumentRefused as refused:
            await self._refuse(message, refused.error())
            return
        limit = settings.GRAPHQL_MAX_SUBSCRIPTIONS_PER_CONNECTION
        if (
            self.connection_acknowledged
            and message["id"] not in self.operations
            and len(self.operations) >= limit
        ):
            error = limit_error(
                f"This connection already has {limit} live subscriptions, the most "
                "allowed: complete one first",
                SUBSCRIPTIONS_SETTING,
            )
            await self._refuse(message, error)
            return
        # Many sockets send the same document: one string for all of them.
        payload = message.get("payload")
        if isinstance(payload, dict) and isinstance(payload.get("query"), str):
            payload["query"] = sys.intern(payload["query"])
        known = message["id"] in self.operations
        # The operation's task inherits it (a copy of this context).
        over_socket.set(True)
        await super().handle_subscribe(message)
        if not known and message["id"] in self.operations:
            LIVE_SUBSCRIPTIONS.inc()

    # An operation ends by completing (forget_id) or by being stopped
    # (cleanup_operation: the client's complete, or the socket closing).
    def forget_id(self, id: str) -> None:
        if id in self.operations:
            LIVE_SUBSCRIPTIONS.dec()
        super().forget_id(id)

    async def cleanup_operation(self, operation_id: str) -> None:
        if operation_id in self.operations:
            LIVE_SUBSCRIPTIONS.dec()
        await super().cleanup_operation(operation_id)

    async def _refuse(self, message: SubscribeMessage, error: GraphQLError) -> None:
        await self.send_message(
            {"id": message["id"], "type": "error", "payload": [error.formatted]}
        )

    async def handle_connection_init(self, message: ConnectionInitMessage) -> None:
        await super().handle_connection_init(message)
        # strawberry cancelled the timeout's task but keeps it (and, through
        # its CancelledError, its frames) for the socket's whole life.
        self.connection_init_timeout_task = None


class GraphQLSocketConsumer(GraphQLWSConsumer):
    graphql_transport_ws_handler_class = SubscriptionCap  # type: ignore[assignment]
    # No channel of the connection's own: each subscription listens on one of
    # its own (backend/common/graphql/live.py), which rejoins its groups after
    # a lost Redis connection. Channels' receive loop on a connection channel
    # would instead die with that connection and close the socket.
    channel_layer_alias = "none: subscriptions listen on channels of their own"

    def __init__(self) -> None:
        super().__init__(
            schema,
            # Only the graphql-ws library's protocol (Apollo's GraphQLWsLink,
            # urql): the legacy subscriptions-transport-ws one is not offered.
            subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
            connection_init_wait_timeout=datetime.timedelta(
                seconds=settings.GRAPHQL_CONNECTION_INIT_TIMEOUT_SECONDS
            ),
            max_subscriptions_per_connection=None,  # SubscriptionCap does it
        )
        # The same one-reader queue as strawberry's, lighter (live.py).
        self.message_queue = Mailbox()  # type: ignore[assignment]

    def is_websocket_origin_allowed(self, request: Any, origin: str) -> bool:
        # OriginCheck let this handshake through: the same rule, not strawberry's
        # allowed_origins list.
        return _allowed_origin(origin)

    async def receive(
        self, text_data: str | None = None, bytes_data: bytes | None = None
    ) -> None:
        size = len(text_data.encode()) if text_data else len(bytes_data or b"")
        if size > settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
            await self.close(
                code=MESSAGE_TOO_BIG,
                reason="Message larger than DATA_UPLOAD_MAX_MEMORY_SIZE",
            )
            return
        await super().receive(text_data=text_data, bytes_data=bytes_data)

    def encode_json(self, data: object) -> str:
        # A `next` message carrying only data: the data object is the one its
        # group shares (schema/execution.py), encoded once for all of them.
        if isinstance(data, dict) and data.get("type") == "next":
            payload = data["payload"]
            if payload.keys() == {"data"}:
                return (
                    f'{{"id":{json.dumps(data["id"])},"type":"next",'
                    f'"payload":{{"data":{_encoded_data(payload["data"])}}}}}'
                )
        return json.dumps(data, separators=(",", ":"))

    async def get_context(  # type: ignore[override]
        self, request: GraphQLWSConsumer, response: GraphQLWSConsumer
    ) -> SocketContext:
        return SocketContext(
            request=SocketRequest(
                user=self.scope["user"], session_key=self.scope["session_key"]
            )
        )


# The last data object encoded and its JSON; one per process, held so that
# its identity cannot be reused meanwhile.
_last_encoded: tuple[object, str] = (None, "null")


def _encoded_data(data: object) -> str:
    global _last_encoded
    if _last_encoded[0] is not data:
        _last_encoded = (data, json.dumps(data, separators=(",", ":")))
    return _last_encoded[1]


def _allowed_origin(origin: str) -> bool:
    if origin in settings.CSRF_TRUSTED_ORIGINS:
        return True
    host = urlsplit(origin).netloc
    domain, _port = split_domain_port(host)
    return bool(domain) and validate_host(domain, settings.ALLOWED_HOSTS)


def _headers(scope: Scope, name: bytes) -> list[str]:
    return [
        bytes(value).decode("latin1")
        for key, value in scope.get("headers", ())
        if key == name
    ]


class OriginCheck:
    """Refuse a handshake (HTTP 403) unless its Host is an allowed host and its
    Origin, when it sends one, is an allowed host or a trusted origin.

    Browsers always send Origin with a WebSocket handshake; a client without
    one is not a page acting for a visitor.
    """

    def __init__(self, application: Any) -> None:
        self.application = application
        self.denier = WebsocketDenier.as_asgi()

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> Any:
        hosts, origins = _headers(scope, b"host"), _headers(scope, b"origin")
        # Two of either could make this check and the application read
        # different values: refused.
        allowed = (
            len(hosts) == 1
            and len(origins) <= 1
            and validate_host(split_domain_port(hosts[0])[0], settings.ALLOWED_HOSTS)
            and (not origins or _allowed_origin(origins[0]))
        )
        app = self.application if allowed else self.denier
        return await app(scope, receive, send)


class SessionUser:
    """Put the session cookie's user and session key in the scope, nothing more.

    Channels' AuthMiddlewareStack would keep, for the socket's whole life, the
    parsed cookies, a session object with its data and a lazy user wrapper
    (memory per open socket); the subscriptions need only the user and the
    key, which they check again at each private event (live.py). The user is
    resolved as Channels does it (channels.auth.get_user: the session's
    backend, its auth hash verified, else anonymous).
    """

    def __init__(self, application: Any) -> None:
        self.application = application

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> Any:
        # No locals besides these: this frame lasts as long as the socket.
        user, session_key = await _session_user(scope)
        return await self.application(
            {**scope, "user": user, "session_key": session_key}, receive, send
        )


async def _session_user(scope: Scope) -> tuple[Any, str | None]:
    # The last Cookie header, as Channels' CookieMiddleware reads them.
    cookies = parse_cookie((_headers(scope, b"cookie") or [""])[-1])
    engine = import_module(settings.SESSION_ENGINE)
    store = engine.SessionStore(cookies.get(settings.SESSION_COOKIE_NAME))
    # Loads the session: a key naming no live session becomes None.
    user = await get_user({"session": store})
    return user, store.session_key


def websocket_application() -> Any:
    """The ASGI application for WebSocket connections."""
    return OriginCheck(
        SessionUser(URLRouter([path("graphql/", GraphQLSocketConsumer.as_asgi())]))
    )
