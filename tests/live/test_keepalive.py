"""Keep-alive: the socket server pings every open WebSocket and drops a peer
that stops answering (uvicorn's protocol pings; production's interval is 20 s,
1 s here). Driven with a plain TCP socket, so the test sees each frame."""

from __future__ import annotations

import base64
import os
import socket
import struct
from collections.abc import Iterator

import pytest

from tests.live.site import Site, running_site
from tools.graphql_http import HOST

PING, PONG, CLOSE = 0x9, 0xA, 0x8
INTERVAL_SECONDS = 1
# Long enough for several pings; the test never waits this long when all is well.
READ_TIMEOUT_SECONDS = 15.0


@pytest.fixture(scope="module")
def site() -> Iterator[Site]:
    with running_site(
        server_options=(
            "--ws-ping-interval",
            str(INTERVAL_SECONDS),
            "--ws-ping-timeout",
            str(INTERVAL_SECONDS),
        ),
        # connection_init never comes; its timeout must not close the socket first.
        GRAPHQL_CONNECTION_INIT_TIMEOUT_SECONDS="60",
    ) as running:
        yield running


def open_socket(site: Site) -> socket.socket:
    """A WebSocket handshake for /graphql/ over a plain TCP connection."""
    sock = socket.create_connection((HOST, site.server.port), READ_TIMEOUT_SECONDS)
    key = base64.b64encode(os.urandom(16)).decode()
    sock.sendall(
        (
            "GET /graphql/ HTTP/1.1\r\n"
            f"Host: {HOST}:{site.server.port}\r\n"
            "Upgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
            "Sec-WebSocket-Protocol: graphql-transport-ws\r\n\r\n"
        ).encode()
    )
    response = b""
    while b"\r\n\r\n" not in response:
        chunk = sock.recv(4096)
        assert chunk, response
        response += chunk
    assert response.startswith(b"HTTP/1.1 101"), response
    return sock


def read_exactly(sock: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = sock.recv(size - len(data))
        if not chunk:
            raise ConnectionError("closed")
        data += chunk
    return data


def read_frame(sock: socket.socket) -> tuple[int, bytes]:
    """(opcode, payload) of the next frame from the server (never masked)."""
    first, second = read_exactly(sock, 2)
    length = second & 0x7F
    if length == 126:
        (length,) = struct.unpack("!H", read_exactly(sock, 2))
    elif length == 127:
        (length,) = struct.unpack("!Q", read_exactly(sock, 8))
    return first & 0x0F, read_exactly(sock, length)


def send_pong(sock: socket.socket, payload: bytes) -> None:
    mask = os.urandom(4)
    masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
    sock.sendall(bytes([0x80 | PONG, 0x80 | len(payload)]) + mask + masked)


def test_an_open_socket_that_answers_pings_stays_open(site):
    sock = open_socket(site)
    try:
        pings = 0
        while pings < 3:
            opcode, payload = read_frame(sock)
            assert opcode == PING, (opcode, payload)
            send_pong(sock, payload)
            pings += 1
    finally:
        sock.close()

    assert pings == 3


def test_a_peer_that_stops_answering_pings_is_closed_with_1011(site):
    sock = open_socket(site)
    try:
        first = read_frame(sock)
        opcode, payload = read_frame(sock)
    finally:
        sock.close()

    assert first[0] == PING
    assert opcode == CLOSE
    assert struct.unpack("!H", payload[:2]) == (1011,)
