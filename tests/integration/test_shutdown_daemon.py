"""
Stopping the real C{twistd -n chatd} with SIGTERM: every connected client,
on every front-end, logged in or not, is told why before its connection
closes, and the daemon then exits cleanly.
"""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path
from typing import Any

import pytest_twisted
from twisted.internet import reactor
from twisted.internet.defer import Deferred, DeferredQueue
from twisted.internet.threads import deferToThread
from twisted.python.failure import Failure
from twisted.web.websocket import WebSocketClientEndpoint, WebSocketTransport

from tests.support.daemon import startDaemon
from tests.support.lineclient import LineClient, connectLines
from tests.support.terminal import expect, expectIn, ircClient

TIMEOUT = 10
NOTICE = "Restarting for an upgrade, back in a minute."


class WebClient:
    """
    A WebSocket client on the real reactor that keeps every JSON frame.
    """

    def __init__(self) -> None:
        self.frames: DeferredQueue[dict[str, Any]] = DeferredQueue()
        self.closed: Deferred[None] = Deferred()

    def negotiationStarted(self, transport: WebSocketTransport) -> None:
        self.transport = transport

    def negotiationFinished(self) -> None:
        pass

    def textMessageReceived(self, message: str) -> None:
        self.frames.put(json.loads(message))

    def bytesMessageReceived(self, data: bytes | bytearray) -> None:
        raise AssertionError("the server sent a binary frame")

    def pongReceived(self, payload: bytes) -> None:
        pass

    def connectionLost(self, reason: Failure) -> None:
        self.closed.callback(None)

    def buildProtocol(self, url: str) -> WebClient:
        return self

    async def next(self, kind: str) -> dict[str, Any]:
        while True:
            d = self.frames.get()
            d.addTimeout(TIMEOUT, reactor)
            frame = await d
            if frame["type"] == kind:
                return frame


async def allLines(client: LineClient) -> list[str]:
    """
    Every line received until the server closed the connection.
    """
    closed = client.closed
    closed.addTimeout(TIMEOUT, reactor)
    await closed
    return list(client.lines.pending)


@pytest_twisted.ensureDeferred
async def test_sigtermTellsEveryone(tmp_path: Path) -> None:
    """
    On SIGTERM: TCHAT clients (logged in or not) get a NOTICE block with the
    C{--shutdown-notice} text and then C{ERROR 03}; talk users a
    C{*** Server notice:} line and the reason; IRC clients a C{NOTICE} and
    C{ERROR :Closing Link: ... (Server shutting down)}; web pages a
    C{notice} frame and a C{bye} frame with code 3; each connection then
    closes and the daemon exits on its own.
    """
    daemon = startDaemon(
        tmp_path,
        "--port",
        "tcp:0:interface=127.0.0.1",
        "--rooms",
        "lobby",
        "--shutdown-notice",
        NOTICE,
        factories=("TchatFactory", "IRCFactory", "TalkFactory", "GuardedSite"),
    )
    try:
        carol = await connectLines(reactor, daemon.ports["TchatFactory"])
        assert await carol.line() == "srv: TCHAT 1"
        carol.send("clt: LOGIN carol")
        await expect(carol, "srv: OKAY!")
        anonymous = await connectLines(reactor, daemon.ports["TchatFactory"])
        assert await anonymous.line() == "srv: TCHAT 1"
        tom = await connectLines(reactor, daemon.ports["TalkFactory"])
        tom.send("tom")
        await expectIn(tom, "", "*** Welcome, tom!")
        ivan = await ircClient(daemon.ports["IRCFactory"], "ivan", "#lobby")
        url = f"ws://127.0.0.1:{daemon.ports['GuardedSite']}/ws"
        connecting = Deferred.fromCoroutine(
            WebSocketClientEndpoint.new(reactor, url).connect(WebClient())
        )
        connecting.addTimeout(TIMEOUT, reactor)
        wendy = await connecting
        await wendy.next("hello")
        wendy.transport.sendTextMessage(json.dumps({"type": "login", "nick": "wendy", "id": 1}))
        await wendy.next("login")
        await deferToThread(lambda: None)  # let every login's own output arrive

        os.kill(daemon.process.pid, signal.SIGTERM)

        for client in (carol, anonymous):
            lines = await allLines(client)
            start = max(i for i, line in enumerate(lines) if line.startswith("srv: NOTICE "))
            assert lines[start + 1 :] == [f"srv: {NOTICE}", "srv: .", "srv: ERROR 03"], lines
        lines = await allLines(tom)
        assert lines[-2:] == [
            f"*** Server notice: {NOTICE}",
            "*** You have been disconnected: Server shutting down.",
        ], lines
        lines = await allLines(ivan)
        assert lines[-2:] == [
            f":chatd NOTICE ivan :{NOTICE}",
            "ERROR :Closing Link: 127.0.0.1 (Server shutting down)",
        ], lines
        notice = await wendy.next("notice")
        while notice["text"] != NOTICE:  # the login's notice came first
            notice = await wendy.next("notice")
        bye = await wendy.next("bye")
        assert (bye["code"], bye["text"]) == (3, "Server shutting down")
        wendy.closed.addTimeout(TIMEOUT, reactor)
        await wendy.closed
        status = await deferToThread(daemon.process.wait, TIMEOUT)
        assert status in (0, -signal.SIGTERM)  # twistd ends as the signal asked
        assert "Traceback" not in daemon.logText()
    finally:
        daemon.stop()
