"""
Private messages waiting for a registered user, through the real
C{twistd -n chatd} over loopback, with SQLite and with PostgreSQL: a large
inbox reaches a slow reader in full without the output limit cutting it
off, a connection lost mid-inbox leaves the rest for the next login, and
a full inbox refuses more on every front-end.
"""

from __future__ import annotations

import json
import socket
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest_twisted
from twisted.internet import reactor
from twisted.internet.defer import Deferred
from twisted.internet.interfaces import IDelayedCall
from twisted.internet.protocol import Factory
from twisted.internet.task import deferLater
from twisted.python.failure import Failure
from twisted.web.websocket import WebSocketClientEndpoint

from chatd.storage.sqlite import DATABASE_NAME
from tests.support.daemon import Daemon, startDaemon
from tests.support.e2eclients import command, connect, database, talkLogin
from tests.support.lineclient import TIMEOUT, LineClient, connectLines
from tests.support.pgserver import postgresServer
from tests.support.websocketclient import Client as WebClient

__all__ = ["database", "postgresServer"]

#: Messages of about 16 KB: a number, then four lines of 4000 characters.
COUNT = 80
FILLER = "x" * 4000


class SlowClient(LineClient):
    """
    A reader that pauses after each chunk it reads and reads on after
    C{pause} seconds (of the reactor's clock), on a socket with a small
    receive buffer: the daemon's writes back up, as with a slow network.
    """

    def __init__(self, pause: float = 0.002) -> None:
        super().__init__(reactor)
        self.pause = pause
        self._resume: IDelayedCall | None = None

    def dataReceived(self, data: bytes) -> None:
        super().dataReceived(data)
        if self.transport is not None and self._resume is None:
            self.transport.pauseProducing()  # type: ignore[attr-defined]
            self._resume = reactor.callLater(self.pause, self._readOn)

    def _readOn(self) -> None:
        self._resume = None
        self.transport.resumeProducing()  # type: ignore[union-attr]

    def connectionLost(self, reason: Failure | None = None) -> None:
        if self._resume is not None and self._resume.active():
            self._resume.cancel()
        self._resume = None
        super().connectionLost(reason)


class _One(Factory):
    def __init__(self, protocol: LineClient) -> None:
        self.one = protocol

    def buildProtocol(self, addr: Any) -> LineClient:
        return self.one


def connectSlow(port: int) -> SlowClient:
    """
    A L{SlowClient} connected to C{port} on a socket whose receive buffer
    is 4 KiB (the kernel would otherwise take megabytes for it).
    """
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect(("127.0.0.1", port))  # loopback, to a listening socket: at once
    sock.setblocking(False)
    client = SlowClient()
    reactor.adoptStreamConnection(  # type: ignore[attr-defined]
        sock.fileno(), socket.AF_INET, _One(client)
    )
    sock.close()  # the reactor holds its own copy of the descriptor
    return client


def start(tmp_path: Path, database: list[str], *args: str) -> Daemon:
    return startDaemon(
        tmp_path,
        *database,
        "--port",
        "tcp:0:interface=127.0.0.1",
        "--flood-burst",
        "0",
        *args,
        factories=("TchatFactory", "IRCFactory", "TalkFactory", "GuardedSite"),
    )


async def registerAway(daemon: Daemon, nick: str, witness: LineClient) -> None:
    """
    Register C{nick} (which puts them in Général) and disconnect; return
    once C{witness}, put in Général first, saw them leave, i.e. the daemon
    knows they are away.
    """
    assert (await command(witness, "clt: ENTER Général"))[-1] == "srv: OKAY!"
    user = await connect(daemon)
    assert (await command(user, f"clt: LOGIN {nick}"))[-1] == "srv: OKAY!"
    assert (await command(user, "clt: REGIS sesame"))[-1] == "srv: OKAY!"
    await user.close()
    await leftGeneral(witness, nick)


async def leftGeneral(witness: LineClient, nick: str) -> None:
    while not (await witness.line()).startswith(f"srv: LEAVE Général {nick} "):
        pass


async def fillInbox(daemon: Daemon, sender: LineClient, count: int = COUNT) -> None:
    for i in range(count):
        reply = await command(
            sender, "clt: MSGPV bob", f"clt: {i:04}", *[f"clt: {FILLER}"] * 4, "clt: ."
        )
        assert reply[-1] == "srv: OKAY!", (i, reply)


async def nextMessage(client: LineClient) -> str:
    """
    Skip to the next private message and return its first line.
    """
    while not (await client.line()).startswith("srv: MSGPV alice "):
        pass
    number = (await client.line())[len("srv: ") :]
    for _ in range(4):
        assert await client.line() == f"srv: {FILLER}"
    assert await client.line() == "srv: ."
    return number


async def closed(client: LineClient) -> None:
    if not client.closed.called:
        client.transport.abortConnection()  # type: ignore[union-attr]
        d: Deferred[None] = Deferred()
        client.closed.addBoth(d.callback)
        d.addTimeout(TIMEOUT, reactor)
        await d


@pytest_twisted.ensureDeferred
async def test_slowReaderGetsTheWholeInbox(tmp_path: Path, database: list[str]) -> None:
    """
    80 messages of 16 KB (1.3 MB, more than the default 1 MiB
    C{--max-output}) wait for bob; he logs in and reads slowly: he gets
    all 80, in order, and is not disconnected.  (All from alice: no share
    per sender.)
    """
    daemon = start(tmp_path, database, "--max-inbox-per-sender", "0")
    try:
        alice = await connect(daemon)
        assert (await command(alice, "clt: LOGIN alice"))[-1] == "srv: OKAY!"
        await registerAway(daemon, "bob", alice)
        await fillInbox(daemon, alice)
        bob = connectSlow(daemon.ports["TchatFactory"])
        assert await bob.line() == "srv: TCHAT 1"
        bob.send("clt: LOGIN bob sesame")
        assert await bob.line() == "srv: OKAY!"
        got = [await nextMessage(bob) for _ in range(COUNT)]
        assert got == [f"{i:04}" for i in range(COUNT)]
        assert (await command(bob, "clt: ENTER Blabla"))[-1] == "srv: OKAY!"
        assert not bob.closed.called
        await closed(bob)
        await alice.close()
    finally:
        daemon.stop()
    log = daemon.logText()
    assert "Traceback" not in log
    assert "output limit exceeded" not in log


def waitingForBob(database: list[str]) -> int:
    """
    How many messages wait for bob, read from the daemon's database.
    """
    query = "SELECT COUNT(*) FROM messages WHERE recipient_key = 'bob' AND pending = 1"
    if database[0] == "--db":
        import psycopg

        with psycopg.connect(database[1]) as postgres:
            row: Any = postgres.execute(query).fetchone()
            return int(row[0])
    lite = sqlite3.connect(Path(database[1]) / DATABASE_NAME)
    try:
        return int(lite.execute(query).fetchone()[0])
    finally:
        lite.close()


async def until(condition: Callable[[], bool], what: str) -> None:
    for _ in range(int(TIMEOUT / 0.05)):
        if condition():
            return
        await deferLater(reactor, 0.05, lambda: None)
    raise AssertionError(f"timed out waiting for {what}")


def loopbackCapacity() -> int:
    """
    How many bytes this machine's kernel takes for a loopback connection
    whose reader reads nothing (as L{connectSlow}'s): its send buffer
    starts in megabytes, so an inbox must be larger than that to be
    still under way when such a connection drops.
    """
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        with socket.socket() as reader:
            reader.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            reader.connect(listener.getsockname())
            writer, _ = listener.accept()
            with writer:
                writer.setblocking(False)
                total = 0
                try:
                    while True:
                        total += writer.send(b"x" * 65536)
                except BlockingIOError:
                    return total


@pytest_twisted.ensureDeferred
async def test_lostMidInbox(tmp_path: Path, database: list[str]) -> None:
    """
    Bob logs in to more waiting messages than the kernel buffers of a
    loopback connection hold, and stops reading; once some were handed to
    his connection (and marked delivered), it drops.  The messages it had
    not taken still wait: his next login gets them, in order, up to the
    last one, and none of those marked delivered.  (A page the connection
    took just before it dropped is marked a moment later: the next login
    starts after it, never before what was counted waiting.)
    """
    count = loopbackCapacity() // 16000 + 40
    daemon = start(tmp_path, database, "--max-inbox", "0", "--max-inbox-per-sender", "0")
    try:
        alice = await connect(daemon)
        assert (await command(alice, "clt: LOGIN alice"))[-1] == "srv: OKAY!"
        await registerAway(daemon, "bob", alice)
        await fillInbox(daemon, alice, count)
        await until(lambda: waitingForBob(database) == count, "the messages to be written")
        bob = connectSlow(daemon.ports["TchatFactory"])
        assert await bob.line() == "srv: TCHAT 1"
        bob.send("clt: LOGIN bob sesame")
        assert await bob.line() == "srv: OKAY!"
        bob.transport.pauseProducing()  # type: ignore[union-attr]
        await until(lambda: waitingForBob(database) < count, "a page handed to bob")
        await closed(bob)
        await leftGeneral(alice, "bob")
        left = waitingForBob(database)
        assert 0 < left < count  # the connection could not take them all
        again = await connect(daemon)
        assert (await command(again, "clt: LOGIN bob sesame"))[-1] == "srv: OKAY!"
        rest = [await nextMessage(again)]
        while rest[-1] != f"{count - 1:04}":
            rest.append(await nextMessage(again))
        first = int(rest[0])
        assert count - left <= first < count
        assert rest == [f"{i:04}" for i in range(first, count)]
        await again.close()
        await alice.close()
    finally:
        daemon.stop()
    assert "Traceback" not in daemon.logText()


@pytest_twisted.ensureDeferred
async def test_fullInbox(tmp_path: Path, database: list[str]) -> None:
    """
    With C{--max-inbox 2}, two messages wait for bob and more are refused:
    TCHAT C{ERROR 28}, IRC C{404} naming bob, talk a sentence, web an error
    frame of code 28.  Bob then gets the two, and his inbox takes more.
    """
    daemon = start(tmp_path, database, "--max-inbox", "2")
    try:
        alice = await connect(daemon)
        assert (await command(alice, "clt: LOGIN alice"))[-1] == "srv: OKAY!"
        await registerAway(daemon, "bob", alice)
        for text in ("one", "two"):
            reply = await command(alice, "clt: MSGPV bob", f"clt: {text}", "clt: .")
            assert reply[-1] == "srv: OKAY!"
        reply = await command(alice, "clt: MSGPV bob", "clt: three", "clt: .")
        assert reply[-1] == "srv: ERROR 28"

        irc = await connectLines(reactor, daemon.ports["IRCFactory"])
        irc.send("NICK carol", "USER carol 0 * :Carol")
        while " 001 " not in await irc.line():
            pass
        irc.send("PRIVMSG bob :hello")
        line = await irc.line()
        while " 404 " not in line:
            line = await irc.line()
        assert " 404 carol bob :" in line and "inbox is full" in line, line
        await irc.close()

        talk = await talkLogin(daemon.ports["TalkFactory"], "dave")
        talk.send("/pm bob hello")
        line = await talk.line()
        while "bob" not in line:
            line = await talk.line()
        assert "bob's inbox is full" in line, line
        await talk.close()

        url = f"ws://127.0.0.1:{daemon.ports['GuardedSite']}/ws"
        connecting = Deferred.fromCoroutine(
            WebSocketClientEndpoint.new(reactor, url).connect(WebClient())
        )
        connecting.addTimeout(TIMEOUT, reactor)
        web = await connecting
        await web.next("hello")
        assert (await web.request(type="login", nick="erin", id=1))["nick"] == "erin"
        error = await web.request(type="tell", to="bob", text="hello", id=2)
        assert (error["type"], error["code"]) == ("error", 28), json.dumps(error)
        web.transport.loseConnection()
        await web.closed

        bob = await connect(daemon)
        assert (await command(bob, "clt: LOGIN bob sesame"))[-1] == "srv: OKAY!"
        bodies = []
        for _ in range(2):
            while not (await bob.line()).startswith("srv: MSGPV alice "):
                pass
            bodies.append(await bob.line())
        assert bodies == ["srv: one", "srv: two"]
        await bob.close()
        await leftGeneral(alice, "bob")
        reply = await command(alice, "clt: MSGPV bob", "clt: four", "clt: .")
        assert reply[-1] == "srv: OKAY!"
        await alice.close()
    finally:
        daemon.stop()
    assert "Traceback" not in daemon.logText()
