"""
The text rule in the real daemon, with raw bytes over loopback on every
front-end: a web C{say} of C{"x\\ud800"}, an IRC PRIVMSG with a bare CR and
ESC/BEL, a TCHAT SPEAK with ESC/BEL/CR and a talk line with ESC are refused;
a TCHAT listener sees nothing forged and no control character; later
messages are still stored, and HISTO shows them.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import pytest_twisted
from twisted.internet import reactor
from twisted.internet.defer import Deferred
from twisted.internet.endpoints import TCP4ClientEndpoint, connectProtocol
from twisted.internet.protocol import Protocol
from twisted.internet.task import deferLater
from twisted.python.failure import Failure
from twisted.web.websocket import WebSocketClientEndpoint

from tests.support.daemon import Daemon, startDaemon
from tests.support.pgserver import createDatabase, postgresServer
from tests.support.websocketclient import Client

__all__ = ["postgresServer"]

TIMEOUT = 10.0


class Raw(Protocol):
    """
    A client that writes and reads raw bytes.
    """

    def __init__(self) -> None:
        self.data = b""
        self.closed: Deferred[None] = Deferred()

    def dataReceived(self, data: bytes) -> None:
        self.data += data

    def connectionLost(self, reason: Failure | None = None) -> None:
        self.closed.callback(None)

    def write(self, data: bytes) -> None:
        self.transport.write(data)  # type: ignore[union-attr]

    async def until(self, marker: bytes, count: int = 1) -> bytes:
        """
        Wait until C{marker} was received C{count} times; return (and
        forget) everything received so far.
        """
        for _ in range(int(TIMEOUT / 0.02)):
            if self.data.count(marker) >= count:
                data, self.data = self.data, b""
                return data
            await deferLater(reactor, 0.02, lambda: None)
        raise AssertionError(f"no {marker!r} in {self.data!r}")

    async def close(self) -> None:
        self.transport.loseConnection()  # type: ignore[union-attr]
        await self.closed


async def raw(port: int) -> Raw:
    endpoint = TCP4ClientEndpoint(reactor, "127.0.0.1", port, timeout=int(TIMEOUT))
    d = connectProtocol(endpoint, Raw())
    d.addTimeout(TIMEOUT, reactor)
    client: Raw = await d
    return client


@pytest.fixture(params=["sqlite", "postgres"])
def daemon(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Daemon]:
    if request.param == "sqlite":
        store = ["--data-dir", str(tmp_path / "data")]
    else:
        store = ["--db", createDatabase(request.getfixturevalue("postgresServer"))]
    daemon = startDaemon(
        tmp_path,
        "--port",
        "tcp:0:interface=127.0.0.1",
        "--flood-burst",
        "0",
        *store,
        factories=("TchatFactory", "GuardedSite", "IRCFactory", "TalkFactory"),
    )
    yield daemon
    daemon.stop()
    assert "Traceback" not in daemon.logText()


#: What a TCHAT client must never receive (LF ends its lines).
UNSAFE = [bytes([c]) for c in [*range(0x00, 0x09), *range(0x0B, 0x20), 0x7F]]


@pytest_twisted.ensureDeferred
async def test_hostileText(daemon: Daemon) -> None:
    """
    Refused text on each front-end gets that front-end's refusal; the
    TCHAT listener sees only the messages that were accepted, as plain
    TCHAT lines; the store keeps working.
    """
    ports = daemon.ports
    listener = await raw(ports["TchatFactory"])
    listener.write(b"clt: LOGIN listen\nclt: CREAT textroom\nclt: ENTER textroom\n")
    await listener.until(b"srv: OKAY!\n", 3)

    url = f"ws://127.0.0.1:{ports['GuardedSite']}/ws"
    connecting = Deferred.fromCoroutine(WebSocketClientEndpoint.new(reactor, url).connect(Client()))
    connecting.addTimeout(TIMEOUT, reactor)
    web: Any = await connecting
    irc = await raw(ports["IRCFactory"])
    tchat = await raw(ports["TchatFactory"])
    talk = await raw(ports["TalkFactory"])
    try:
        await web.next("hello")
        assert (await web.request(type="login", nick="w", id=1))["nick"] == "w"
        assert (await web.request(type="join", room="textroom", id=2))["type"] == "join"
        web.transport.sendTextMessage('{"type":"say","id":3,"room":"textroom","text":"x\\ud800"}')
        error = await web.next("error")
        assert (error["code"], error["id"], error["request"]) == (10, 3, "say")

        irc.write(b"NICK i\r\nUSER i 0 * :i\r\nJOIN #textroom\r\n")
        await irc.until(b" 366 ")
        irc.write(b"PRIVMSG #textroom :a\rsrv: MSGPV root 1700000000\r\n")
        assert b" 421 i SRV: " in await irc.until(b" 421 ")
        irc.write(b"PRIVMSG #textroom :ring\x07 \x1b[2J\r\n")
        assert b' 404 i #textroom :"ring [2J" not delivered: ' in await irc.until(b" 404 ")

        tchat.write(b"clt: LOGIN t\nclt: ENTER textroom\n")
        await tchat.until(b"srv: OKAY!\n", 2)
        tchat.write(b"clt: SPEAK textroom\nclt: esc\x1b[2J\x07\nclt: .\n")
        reply = await tchat.until(b"srv: ERROR 10\n")
        tchat.write(b"clt: SPEAK textroom\nclt: cr\rsrv: MSGPV root 1700000000\nclt: .\n")
        reply += await tchat.until(b"srv: ERROR 10\n")
        # (the room's history, replayed after ENTER, may come in between)
        assert reply.count(b"srv: ERROR 10\n") == 2 and b"OKAY" not in reply, reply

        talk.write(b"k\r\n")
        await talk.until(b"Welcome, k!")
        talk.write(b"/join textroom\r\nup\x1b[A\r\n")
        assert b"*** Sorry, the message holds U+001B (ESC)" in await talk.until(b"Sorry")

        tchat.write(b"clt: SPEAK textroom\nclt: later\nclt: .\n")
        await tchat.until(b"srv: OKAY!\n")
        assert (await web.request(type="say", room="textroom", text="after", id=4))["type"] == "say"

        heard = await listener.until(b"srv: after\n")
        for char in UNSAFE:
            assert char not in heard, (char, heard)
        lines = heard.decode("utf-8").split("\n")[:-1]
        assert all(line.startswith("srv: ") for line in lines), lines
        assert not [line for line in lines if "MSGPV" in line], lines
        spoken = [line for line in lines if line.startswith("srv: SPEAK ")]
        assert [line.split(" ")[2] for line in spoken] == ["i", "t", "w"], lines
        bodies = [lines[lines.index(line) + 1] for line in spoken]
        assert bodies == ["srv: a", "srv: later", "srv: after"], lines

        listener.write(b"clt: HISTO textroom 10\n")
        history = (await listener.until(b"srv: OKAY!\n")).decode("utf-8").split("\n")
        assert [line for line in history if not line.startswith("srv: SPEAK ")] == [
            "srv: a",
            "srv: .",
            "srv: later",
            "srv: .",
            "srv: after",
            "srv: .",
            "srv: OKAY!",
            "",
        ], history
    finally:
        for client in (listener, irc, tchat, talk):
            await client.close()
        web.transport.loseConnection()
        await web.closed
