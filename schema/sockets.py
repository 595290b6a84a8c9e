"""The GraphQL WebSocket endpoint: graphql-transport-ws at /graphql/.

Sockets are authenticated by the session cookie, so the handshake's Origin is
checked the way Django checks a cross-site POST: a page on another site must
not open a socket that carries its visitor's cookie.
"""

import datetime
from typing import Any
from urllib.parse import urlsplit

from channels.auth import AuthMiddlewareStack
from channels.routing import URLRouter
from channels.security.websocket import WebsocketDenier
from django.conf import settings
from django.http.request import split_domain_port, validate_host
from django.urls import path
from graphql import GraphQLError
from strawberry.channels import GraphQLWSConsumer
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
)
from strawberry.subscriptions.protocols.graphql_transport_ws.types import (
    SubscribeMessage,
)

from schema.context import SocketContext, SocketRequest
from schema.limits.extensions import limit_error
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
        known = message["id"] in self.operations
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

    async def get_context(  # type: ignore[override]
        self, request: GraphQLWSConsumer, response: GraphQLWSConsumer
    ) -> SocketContext:
        session = self.scope.get("session")
        return SocketContext(
            request=SocketRequest(
                user=self.scope["user"],
                session_key=session.session_key if session is not None else None,
            )
        )


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


def websocket_application() -> Any:
    """The ASGI application for WebSocket connections."""
    return OriginCheck(
        AuthMiddlewareStack(
            URLRouter([path("graphql/", GraphQLSocketConsumer.as_asgi())])
        )
    )
