"""
Frames a client sends in the same write as its C{/ws} upgrade request, on
real 127.0.0.1 sockets: the server reads them as the kernel hands them over
(the request and the first of them in one read, the rest in later ones),
and the client gets what it would had it sent them after the C{101}: the
C{hello}, the error and the close frame with its code, then the end of the
connection (docs/WEB.md).
"""

from __future__ import annotations

import json
import socket
import struct
from typing import Any

import pytest_twisted
from twisted.internet import reactor
from twisted.internet.threads import deferToThread
from wsproto.connection import Connection, ConnectionType
from wsproto.events import CloseConnection, Ping, Pong, TextMessage

from chatd.core.service import ChatService
from chatd.web.site import makeSite
from tests.support.webclient import handshake

TIMEOUT = 10


def exchange(port: int, together: bool, frames: bytes) -> bytes:
    """
    A blocking client (run in a thread): the upgrade request with C{frames}
    in one write (C{together}), or C{frames} once the C{101} is read; then
    all the server writes until it closes.
    """
    with socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT) as client:
        received = b""
        if together:
            client.sendall(handshake() + frames)
        else:
            client.sendall(handshake())
            while b"\r\n\r\n" not in received:
                received += client.recv(65536)
            client.sendall(frames)
        while chunk := client.recv(65536):
            received += chunk
        return received


def answered(written: bytes) -> list[object]:
    """
    The server's answer after its C{101}: each message, pong or close, as a
    client reads them.
    """
    head, _, rest = written.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 101 "), written[:200]
    client = Connection(ConnectionType.CLIENT)
    client.receive_data(rest)
    got: list[object] = []
    for event in client.events():
        if isinstance(event, TextMessage):
            message = json.loads(event.data)
            got.append(message["type"] if message["type"] == "hello" else message)
        elif isinstance(event, Pong):
            got.append("pong")
        elif isinstance(event, CloseConnection):
            got.append(("close", event.code))
    return got


async def bothWays(frames: bytes) -> list[object]:
    """
    What a fresh site answers C{frames} sent with the upgrade request, which
    must be what it answers them sent after the C{101}.
    """
    service = ChatService(reactor, rooms=["lobby"])
    site = makeSite(service, reactor)
    tcpReactor: Any = reactor
    port = tcpReactor.listenTCP(0, site, interface="127.0.0.1")
    try:
        number = port.getHost().port
        after = answered(await deferToThread(exchange, number, False, frames))
        together = answered(await deferToThread(exchange, number, True, frames))
    finally:
        await port.stopListening()
    assert together == after
    return together


def error(text: str) -> dict[str, object]:
    return {"type": "error", "code": 10, "text": text}


@pytest_twisted.ensureDeferred
async def test_frameAnnouncedPastTheInputLimit() -> None:
    """
    A frame announcing 2,000,000 bytes and 900,000 of them: C{hello}, error
    10 (message too large) and the close 1009, with the request or after.
    """
    frames = b"\x81\xff" + struct.pack("!Q", 2_000_000) + b"\0\0\0\0" + b"x" * 900_000
    got = await bothWays(frames)
    assert got == ["hello", error("message too large (at most 198832 bytes)"), ("close", 1009)]


@pytest_twisted.ensureDeferred
async def test_pingsPastTheFloodLimit() -> None:
    """
    125 pings: C{hello}, 100 pongs, 20 refusals, flooding and the close
    1008, with the request or after.
    """
    client = Connection(ConnectionType.CLIENT)
    pings = b"".join(client.send(Ping(b"p")) for _ in range(125))
    got = await bothWays(pings)
    slowDown, flooding = error("too many messages, slow down"), error("flooding: disconnected")
    assert got == ["hello"] + ["pong"] * 100 + [slowDown] * 20 + [flooding, ("close", 1008)]
