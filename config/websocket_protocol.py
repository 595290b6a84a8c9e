"""uvicorn's WebSocket protocol (websockets' sans-I/O one), lighter per open socket.

    uvicorn config.asgi:application --ws config.websocket_protocol:WebSocketProtocol

The same protocol, keeping less for the socket's whole life: its receive queue
is a Mailbox rather than an asyncio.Queue, and once the handshake is answered
the handshake request's and response's headers are let go (the application
has its own copy in the ASGI scope).
"""

from typing import Any

from uvicorn.protocols.websockets.websockets_sansio_impl import (
    WebSocketsSansIOProtocol,
)

from backend.common.mailbox import Mailbox


class WebSocketProtocol(WebSocketsSansIOProtocol):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.queue = Mailbox()  # type: ignore[assignment]

    async def send(self, message: Any) -> None:
        accepting = not self.handshake_complete
        await super().send(message)
        if accepting and self.handshake_complete:
            # Read only while the handshake is answered; websockets' parser
            # keeps the request object itself, so empty its headers.
            self.request.headers.clear()
            self.response.headers.clear()
