"""A browser-style GraphQL WebSocket client: gql's graphql-transport-ws transport."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, Protocol

from gql import Client, GraphQLRequest
from gql.client import AsyncClientSession
from gql.transport.websockets import WebsocketsTransport

from tools.contract import operation
from tools.graphql_http import GraphQLHttpClient

EVENT_TIMEOUT = 10.0
# How long "nothing arrives" is waited for.
QUIET_SECONDS = 1.5


class Endpoint(Protocol):
    """Where a socket connects (a Site, or the production front)."""

    @property
    def origin(self) -> str: ...

    @property
    def websocket_url(self) -> str: ...


def transport(
    site: Endpoint,
    user: GraphQLHttpClient | None = None,
    *,
    origin: str | None = "same",
    **options: Any,
) -> WebsocketsTransport:
    headers = {}
    if origin is not None:
        headers["Origin"] = site.origin if origin == "same" else origin
    if user is not None and user.cookies:
        headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in user.cookies.items())
    return WebsocketsTransport(
        url=site.websocket_url,
        headers=headers,
        subprotocols=[WebsocketsTransport.GRAPHQLWS_SUBPROTOCOL],
        **options,
    )


@asynccontextmanager
async def socket(
    site: Endpoint, user: GraphQLHttpClient | None = None, **options: Any
) -> AsyncIterator[AsyncClientSession]:
    async with Client(transport=transport(site, user, **options)) as session:
        yield session


class Subscription:
    """One subscription running in the background, collecting its events."""

    def __init__(
        self, session: AsyncClientSession, name: str, **variables: Any
    ) -> None:
        self.events: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.error: BaseException | None = None
        request = GraphQLRequest(operation(name), variable_values=variables)
        self.task = asyncio.create_task(self._run(session, request))

    async def _run(self, session: AsyncClientSession, request: GraphQLRequest) -> None:
        try:
            async for result in session.subscribe(request):
                self.events.put_nowait(result)
        except Exception as error:
            self.error = error

    async def next(self, timeout: float = EVENT_TIMEOUT) -> dict[str, Any]:
        return await asyncio.wait_for(self.events.get(), timeout)

    async def nothing_for(self, seconds: float = QUIET_SECONDS) -> list[Any]:
        """What arrived within `seconds` (a test expects an empty list)."""
        await asyncio.sleep(seconds)
        arrived = []
        while not self.events.empty():
            arrived.append(self.events.get_nowait())
        return arrived

    async def stop(self) -> None:
        self.task.cancel()
        await asyncio.gather(self.task, return_exceptions=True)


async def settle() -> None:
    """Give the server time to register the subscriptions before acting.

    graphql-transport-ws sends nothing when a subscription starts listening,
    so a client cannot know; a short pause is all there is.
    """
    await asyncio.sleep(0.5)
