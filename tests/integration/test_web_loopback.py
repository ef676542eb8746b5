"""
The web front-end's output path on real 127.0.0.1 sockets: a fan-out larger
than the kernel's and Twisted's buffers, to a client that stops reading for
a while, goes straight to the socket, is held in the outbox while the
transport is paused, and arrives complete and in order once the client reads
again (docs/dev/BENCHMARKING.md, "A fan-out that runs as one turn").
"""

from __future__ import annotations

import json
import socket
from typing import Any

import pytest_twisted
from twisted.internet import reactor, task
from twisted.internet.defer import Deferred
from twisted.python.failure import Failure
from twisted.web.websocket import WebSocketClientEndpoint

from chatd.core.service import ChatService
from chatd.testing import RecordingParticipant
from chatd.web.guard import GuardProtocol
from chatd.web.site import makeSite
from tests.support.webclient import JSONClient

TIMEOUT = 10
#: At most this many messages are sent before the transport must pause.
MESSAGES = 20000
BATCH = 200


class Reader(JSONClient):
    """
    Counts room messages and fires C{done} at the last one.
    """

    def __init__(self, expected: int) -> None:
        super().__init__()
        self.expected = expected
        self.texts: list[str] = []
        self.done: Deferred[None] = Deferred()
        self.closed: Deferred[None] = Deferred()

    def textMessageReceived(self, message: str) -> None:
        frame = json.loads(message)
        if frame["type"] != "message":
            self.received.append(frame)
            return
        self.texts.append(frame["text"])
        if len(self.texts) == self.expected:
            self.done.callback(None)

    def connectionLost(self, reason: Failure) -> None:
        self.closed.callback(None)

    def buildProtocol(self, url: str) -> Reader:
        return self


async def until(condition: Any, what: str) -> None:
    """
    Let the reactor run until C{condition()}, for at most L{TIMEOUT} seconds.
    """
    for _ in range(TIMEOUT * 100):
        if condition():
            return
        await task.deferLater(reactor, 0.01)
    raise AssertionError(f"timed out waiting for {what}")


@pytest_twisted.ensureDeferred
async def test_pausedFanOutArrivesInOrder() -> None:
    """
    Messages fanned out while the client does not read pile up (the guard
    is paused by the transport), nothing is cut off below C{maxPendingOutput},
    and all of them arrive, in order, once it reads again.
    """
    service = ChatService(reactor, rooms=["lobby"])
    site = makeSite(service, reactor, maxPendingOutput=16 << 20)
    tcpReactor: Any = reactor
    port = tcpReactor.listenTCP(0, site, interface="127.0.0.1")
    url = f"ws://127.0.0.1:{port.getHost().port}/ws"
    client = Reader(MESSAGES)  # expects what is sent, set once known
    connecting = Deferred.fromCoroutine(WebSocketClientEndpoint.new(reactor, url).connect(client))
    connecting.addTimeout(TIMEOUT, reactor)
    await connecting
    sender = RecordingParticipant()
    try:
        await until(lambda: client.received, "hello")
        client.send(type="login", nick="reader")
        client.send(type="join", room="lobby")
        await until(lambda: len(client.received) >= 3, "login and join")
        [guard] = [p for p in site.protocols if isinstance(p, GuardProtocol)]
        assert guard.transport.getTcpNoDelay()  # type: ignore[union-attr]
        service.connect(sender)
        service.login(sender, "writer")
        service.enter(sender, "lobby")
        # Small kernel buffers on both ends: a megabyte cannot hide in them.
        guard.transport.socket.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 65536)  # type: ignore[union-attr]
        tcp = client.transport.transport  # type: ignore[attr-defined]
        tcp.socket.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
        tcp.pauseProducing()  # the client stops reading
        body = "x" * 200
        sent = 0

        async def sendBatch() -> None:
            nonlocal sent
            for i in range(sent, sent + BATCH):
                service.say(sender, "lobby", (f"{i:05d} {body}",))
            sent += BATCH
            await task.deferLater(reactor, 0)

        while not guard.writePaused:  # over several reactor turns
            assert sent < MESSAGES, "the server's transport never paused"
            await sendBatch()
        await sendBatch()  # written while paused: held in the outbox
        assert guard.outbox is not None and guard.outbox.pending > 0
        client.expected = sent
        tcp.resumeProducing()
        client.done.addTimeout(TIMEOUT, reactor)
        await client.done
        assert [text[:5] for text in client.texts] == [f"{i:05d}" for i in range(sent)]
        assert service.find("reader") is not None
    finally:
        client.transport.loseConnection()
        client.closed.addTimeout(TIMEOUT, reactor)
        await client.closed
        await until(lambda: not site.protocols, "the server side to close")
        await port.stopListening()
