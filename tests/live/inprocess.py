"""Subscriptions run in-process through schema.subscribe, as the socket runs them.

For the rules (who receives what, when), without a server: the context is the
one the WebSocket consumer builds, events travel through the in-memory layer.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

from asgiref.sync import sync_to_async
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from strawberry.types import ExecutionResult

from schema.context import SocketContext, SocketRequest
from schema.schema import schema
from tests.graphql_client import GraphQLClient
from tools.contract import operation

EVENT_TIMEOUT = 5.0
QUIET_SECONDS = 0.3


def socket_context(
    user: AbstractBaseUser | None = None, client: GraphQLClient | None = None
) -> SocketContext:
    """What the consumer builds for a socket opened with `client`'s cookie."""
    session_key = client.client.session.session_key if client is not None else None
    return SocketContext(
        request=SocketRequest(user=user or AnonymousUser(), session_key=session_key)
    )


class Live:
    """One subscription, its events gathered in the background."""

    def __init__(self, context: SocketContext, query: str, **variables: Any):
        self.events: asyncio.Queue[ExecutionResult] = asyncio.Queue()
        self.task = asyncio.create_task(self._run(context, query, variables))

    @classmethod
    def of(cls, context: SocketContext, name: str, **variables: Any) -> Live:
        return cls(context, operation(name), **variables)

    async def _run(
        self, context: SocketContext, query: str, variables: dict[str, Any]
    ) -> None:
        stream: AsyncIterator[ExecutionResult] = await schema.subscribe(
            query, variable_values=variables, context_value=context
        )
        async for result in stream:
            self.events.put_nowait(result)

    async def next(self) -> ExecutionResult:
        return await asyncio.wait_for(self.events.get(), EVENT_TIMEOUT)

    async def quiet(self) -> list[ExecutionResult]:
        await asyncio.sleep(QUIET_SECONDS)
        return [self.events.get_nowait() for _ in range(self.events.qsize())]

    async def stop(self) -> None:
        self.task.cancel()
        await asyncio.gather(self.task, return_exceptions=True)

    @property
    def done(self) -> bool:
        return self.task.done()


async def listening() -> None:
    """Let started subscriptions reach their channel layer before acting."""
    await asyncio.sleep(0.05)


def in_thread(function: Any) -> Any:
    """A service call from async code, committed in its own transaction."""
    return sync_to_async(function)
