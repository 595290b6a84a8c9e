"""A light queue for one reader (no Django: uvicorn's protocol imports it)."""

import asyncio
from typing import Generic, TypeVar

T = TypeVar("T")


class Mailbox(Generic[T]):
    """An unbounded queue for one reader: a list and, while it waits, one
    future. An asyncio.Queue weighs several times more (four deques, an Event),
    and a socket process holds a few per open socket. A list, not a deque: an
    empty deque takes a 64-slot block, and these hold an item or two at a time."""

    __slots__ = ("items", "waiter")

    def __init__(self) -> None:
        self.items: list[T] = []
        self.waiter: asyncio.Future[None] | None = None

    def put_nowait(self, item: T) -> None:
        self.items.append(item)
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_result(None)

    def empty(self) -> bool:
        return not self.items

    async def get(self) -> T:
        while not self.items:
            self.waiter = asyncio.get_running_loop().create_future()
            try:
                await self.waiter
            finally:
                self.waiter = None
        return self.items.pop(0)
