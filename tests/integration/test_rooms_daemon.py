"""
The real C{twistd -n chatd} limits room creation (C{--max-rooms},
C{--max-rooms-per-user}) on every front-end, lets guests' rooms vanish when
emptied and keeps registered founders' rooms across a restart, with SQLite
and with PostgreSQL.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import pytest_twisted
from twisted.internet import reactor
from twisted.internet.defer import Deferred, DeferredQueue
from twisted.web.websocket import WebSocketClientEndpoint

from tests.support.daemon import Daemon, startDaemon
from tests.support.lineclient import LineClient, connectLines
from tests.support.pgserver import createDatabase, postgresServer
from tests.support.webclient import JSONClient

__all__ = ["postgresServer"]

TIMEOUT = 10
LIMITS = ("--max-rooms-per-user", "2", "--max-rooms", "12", "--flood-burst", "0")


@pytest.fixture(params=["sqlite", "postgres"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> list[str]:
    if request.param == "sqlite":
        return ["--data-dir", str(tmp_path / "data")]
    return ["--db", createDatabase(request.getfixturevalue("postgresServer"))]


def start(tmp_path: Path, *args: str) -> Daemon:
    if "--db" not in args and "--data-dir" not in args:
        args = ("--data-dir", str(tmp_path / "data"), *args)
    return startDaemon(
        tmp_path,
        "--port",
        "tcp:0:interface=127.0.0.1",
        *LIMITS,
        *args,
        factories=("TchatFactory", "IRCFactory", "TalkFactory", "GuardedSite"),
    )


async def command(client: LineClient, *lines: str) -> str:
    """
    Send one TCHAT command; its final reply (events before it skipped).
    """
    client.send(*lines)
    while True:
        line = await client.line()
        if line == "srv: OKAY!" or line.startswith("srv: ERROR "):
            return line


async def tchat(daemon: Daemon, nick: str, password: str = "") -> LineClient:
    client = await connectLines(reactor, daemon.ports["TchatFactory"])
    assert await client.line() == "srv: TCHAT 1"
    assert await command(client, f"clt: LOGIN {nick} {password}".rstrip()) == "srv: OKAY!"
    return client


async def until(client: LineClient, text: str) -> str:
    """
    The first line received that contains C{text}.
    """
    while True:
        line = await client.line()
        if text in line:
            return line


@pytest_twisted.ensureDeferred
async def test_limitsAndLifetime(tmp_path: Path, database: list[str]) -> None:
    """
    A guest gets ERROR 32 past its limit; its room vanishes with its last
    member and is not restored, while a registered user's room is.
    """
    daemon = start(tmp_path, *database)
    try:
        alice = await tchat(daemon, "alice")
        assert await command(alice, "clt: REGIS sesame") == "srv: OKAY!"
        assert await command(alice, "clt: CREAT Jeux") == "srv: OKAY!"
        gus = await tchat(daemon, "gus")
        assert await command(gus, "clt: CREAT g1") == "srv: OKAY!"
        assert await command(gus, "clt: CREAT g2") == "srv: OKAY!"
        assert await command(gus, "clt: CREAT g3") == "srv: ERROR 32"
        assert await command(gus, "clt: ENTER g1") == "srv: OKAY!"
        assert await command(alice, "clt: ENTER g1") == "srv: OKAY!"
        assert await command(gus, "clt: LEAVE g1") == "srv: OKAY!"
        assert await command(alice, "clt: LEAVE g1") == "srv: OKAY!"
        assert await command(alice, "clt: ENTER g1") == "srv: ERROR 31"
        assert await command(alice, "clt: ENTER g2") == "srv: OKAY!"  # gus is still here
        assert await command(gus, "clt: CREAT g3") == "srv: OKAY!"  # g1 no longer counts
        await alice.close()
        await gus.close()
    finally:
        daemon.stop()
    assert "Traceback" not in daemon.logText()

    daemon = start(tmp_path, *database)
    try:
        bob = await tchat(daemon, "bob")
        assert await command(bob, "clt: ENTER Jeux") == "srv: OKAY!"
        for room in ("g1", "g2", "g3"):
            assert await command(bob, f"clt: ENTER {room}") == "srv: ERROR 31"
        await bob.close()
    finally:
        daemon.stop()
    assert "Traceback" not in daemon.logText()


class WebClient(JSONClient):
    def __init__(self) -> None:
        super().__init__()
        self.frames: DeferredQueue[dict[str, Any]] = DeferredQueue()

    def textMessageReceived(self, message: str) -> None:
        self.frames.put(json.loads(message))

    async def request(self, **request: Any) -> dict[str, Any]:
        self.transport.sendTextMessage(json.dumps(request))
        while True:
            d = self.frames.get()
            d.addTimeout(TIMEOUT, reactor)
            frame = await d
            if frame.get("id") == request["id"]:
                return frame

    def buildProtocol(self, url: str) -> WebClient:
        return self


@pytest_twisted.ensureDeferred
async def test_everyFrontEnd(tmp_path: Path) -> None:
    """
    The total limit: IRC's JOIN of a new channel gets 405
    ERR_TOOMANYCHANNELS, the web's create an error frame with code 32,
    talk mode's /join a sentence; TCHAT's CREAT ERROR 32.
    """
    daemon = start(tmp_path, "--max-rooms", "8")  # lobby + 5 seeded rooms + 2
    try:
        filler = await tchat(daemon, "filler")
        for room in ("f1", "f2"):
            assert await command(filler, f"clt: CREAT {room}") == "srv: OKAY!"
        assert await command(filler, "clt: CREAT f3") == "srv: ERROR 32"

        irc = await connectLines(reactor, daemon.ports["IRCFactory"])
        irc.send("NICK ivy", "USER ivy 0 * :Ivy")
        await until(irc, " 001 ")
        irc.send("JOIN #newroom")
        line = await until(irc, "#newroom")
        assert line.split()[1] == "405", line

        url = f"ws://127.0.0.1:{daemon.ports['GuardedSite']}/ws"
        connecting = Deferred.fromCoroutine(
            WebSocketClientEndpoint.new(reactor, url).connect(WebClient())
        )
        connecting.addTimeout(TIMEOUT, reactor)
        web = await connecting
        assert (await web.request(type="login", nick="wes", id=1))["nick"] == "wes"
        error = await web.request(type="create", room="webroom", id=2)
        assert (error["type"], error["code"]) == ("error", 32), error

        talk = await connectLines(reactor, daemon.ports["TalkFactory"])
        talk.send("tia")
        await until(talk, "Welcome, tia")
        talk.send("/join talkroom")
        line = await until(talk, "Sorry")
        assert "no new room can be created now" in line, line
        for client in (filler, irc, talk):
            await client.close()
        web.transport.loseConnection()
    finally:
        daemon.stop()
    assert "Traceback" not in daemon.logText()
