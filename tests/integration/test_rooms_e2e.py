"""
End-to-end, against the real C{twistd -n chatd} restarted on the same store
(SQLite and PostgreSQL): a room founded by a registered account keeps its
founder, who is made operator on entering after the restart; the topic's
setter and time (IRC 333) and the room's creation time (IRC 329) survive;
LUSERS counts invisible users apart; a server operator gives operator
status in a channel it is not on; talk mode's C{/topic} and C{/join} show
the topic and C{/topic TEXT} follows the same rule as IRC.
"""

from __future__ import annotations

import re
import signal
import socket
from collections.abc import Callable
from pathlib import Path

import pytest
import pytest_twisted
from twisted.internet import reactor
from twisted.internet.threads import deferToThread

from chatd.admin.credentials import setPassword
from chatd.talk.format import GREETING, NICK_PROMPT
from tests.support.blockingclients import addAccount, dataDirOf
from tests.support.daemon import Daemon, startDaemon
from tests.support.lineclient import LineClient, connectLines
from tests.support.pgserver import createDatabase, postgresServer

__all__ = ["postgresServer"]

FACTORIES = ("TchatFactory", "IRCFactory", "TalkFactory", "AdminTelnetFactory")


@pytest.fixture(params=["sqlite", "postgres"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> list[str]:
    if request.param == "sqlite":
        return ["--data-dir", str(tmp_path / "data")]
    return ["--db", createDatabase(request.getfixturevalue("postgresServer"))]


def start(tmp_path: Path, database: list[str]) -> Daemon:
    return startDaemon(
        tmp_path,
        "--port",
        "tcp:0:interface=127.0.0.1",
        "--flood-burst",
        "0",
        "--operators",
        "moder",
        *database,
        factories=FACTORIES,
    )


async def until(client: LineClient, match: Callable[[str], bool]) -> list[str]:
    """Every line up to and including the first that C{match}es."""
    seen = [await client.line()]
    while not match(seen[-1]):
        seen.append(await client.line())
    return seen


def numeric(code: str, channel: str | None = None) -> Callable[[str], bool]:
    """Matches numeric C{code} (about C{channel}, if given)."""
    return lambda line: (
        line.split(" ")[1:2] == [code] and (channel is None or f" {channel} " in line + " ")
    )


def names(lines: list[str], channel: str) -> list[str]:
    """The nicks (with status) the 353 replies in C{lines} give for C{channel}."""
    found = []
    for line in filter(numeric("353", channel), lines):
        found += line.split(f" {channel} ", 1)[1].lstrip(":").split()
    return found


async def irc(daemon: Daemon, nick: str, password: str | None = None) -> LineClient:
    """An IRC client registered as C{nick} (with its account's password)."""
    client = await connectLines(reactor, daemon.ports["IRCFactory"])
    if password is not None:
        client.send(f"PASS {password}")
    client.send(f"NICK {nick}", f"USER {nick} 0 * :{nick}")
    await until(client, lambda line: numeric("376")(line) or numeric("422")(line))
    return client


async def tchatRegister(daemon: Daemon, nick: str, password: str) -> None:
    client = await connectLines(reactor, daemon.ports["TchatFactory"])
    assert await client.line() == "srv: TCHAT 1"
    for command in (f"LOGIN {nick}", f"REGIS {password}"):
        client.send(f"clt: {command}")
        assert (await until(client, lambda line: line.startswith(("srv: OKAY!", "srv: ERR"))))[
            -1
        ] == "srv: OKAY!"
    await client.close()


async def talk(daemon: Daemon, nick: str) -> LineClient:
    client = await connectLines(reactor, daemon.ports["TalkFactory"])
    assert await client.nextLines(2) == list(GREETING)
    client.send(nick)
    assert await client.line() == f"{NICK_PROMPT}*** Welcome, {nick}!"
    return client


async def topicAndCreation(client: LineClient, channel: str) -> tuple[str, str]:
    """The 333 (setter and time) and 329 (creation time) of C{channel}."""
    client.send(f"TOPIC {channel}")
    whoTime = (await until(client, numeric("333")))[-1].split(" ", 4)[4]
    client.send(f"MODE {channel}")
    created = (await until(client, numeric("329")))[-1].split(" ")[4]
    return whoTime, created


def stopped(daemon: Daemon) -> None:
    assert daemon.stop(signal.SIGTERM) in (0, -signal.SIGTERM), daemon.logText()
    assert "Traceback" not in daemon.logText()


@pytest_twisted.ensureDeferred
async def test_foundersTopicsAcrossRestart(tmp_path: Path, database: list[str]) -> None:
    """
    Alice (registered) founds #Kitchen over IRC and sets its topic; after a
    restart, a guest gets the same 333 and 329 and is no operator; Alice,
    back with her password, is made operator, and everyone sees it; talk
    shows the topic and sets it under the same rule; LUSERS counts +i users
    as invisible; a server operator ops a member of a channel it is not on.
    """
    daemon = start(tmp_path, database)
    try:
        await tchatRegister(daemon, "alice", "sesame")
        # The operator's name, which no user may register: the console creates it.
        dataDir = dataDirOf(tmp_path, database)
        await deferToThread(addAccount, daemon, dataDir, "moder", "moderpw")
        alice = await irc(daemon, "alice", "sesame")
        alice.send("JOIN #Kitchen")
        assert names(await until(alice, numeric("366", "#Kitchen")), "#Kitchen") == ["@alice"]
        alice.send("TOPIC #Kitchen :tea at five")
        assert (await until(alice, lambda line: " TOPIC " in line))[-1].endswith(
            "TOPIC #Kitchen :tea at five"
        )
        before = await topicAndCreation(alice, "#Kitchen")
        assert re.fullmatch(r"alice \d+", before[0]) and int(before[1]) > 0, before
        await alice.close()
    finally:
        stopped(daemon)

    daemon = start(tmp_path, database)
    try:
        bob = await irc(daemon, "bob")
        bob.send("JOIN #Kitchen")
        assert names(await until(bob, numeric("366", "#Kitchen")), "#Kitchen") == ["bob"]
        assert await topicAndCreation(bob, "#Kitchen") == before
        bob.send("MODE #Kitchen +i")
        assert numeric("482")((await until(bob, numeric("482")))[-1])

        # The founder, back with her password, is made operator (and bob sees it).
        alice = await irc(daemon, "alice", "sesame")
        opped = await until(bob, lambda line: " MODE " in line)
        assert opped[-1].startswith(":alice!") and opped[-1].endswith("MODE #Kitchen +o alice")

        # A talk user sees the topic on /join and with /topic; +t keeps it.
        dave = await talk(daemon, "dave")
        dave.send("/join Kitchen")
        joined = await until(dave, lambda line: "Topic of Kitchen" in line)
        assert joined[-1].startswith("*** Topic of Kitchen: tea at five (set by alice, ")
        dave.send("/topic")
        assert (await dave.line()).startswith("*** Topic of Kitchen: tea at five (set by alice, ")
        dave.send("/topic mine now")
        assert (await until(dave, lambda line: "Sorry" in line))[-1].startswith("*** Sorry, ")
        alice.send("MODE #Kitchen -t")
        await until(dave, lambda line: "set mode -t" in line)
        dave.send("/topic mine now")
        assert (await until(bob, lambda line: " TOPIC " in line))[-1].startswith(":dave!"), (
            "bob sees dave's topic"
        )
        dave.send("/topic")
        shown = await until(dave, lambda line: line.startswith("*** Topic of"))
        assert shown[-1].startswith("*** Topic of Kitchen: mine now (set by dave, ")

        # LUSERS: bob sets +i and is counted as invisible.
        bob.send("MODE bob +i")
        await until(bob, lambda line: " MODE bob " in line)
        alice.send("LUSERS")
        assert (await until(alice, numeric("251")))[-1].endswith(
            ":There are 2 users and 1 invisible on 1 servers"
        )

        # A server operator not on a channel gives operator status in it.
        moder = await irc(daemon, "moder", "moderpw")
        moder.send("MODE #Kitchen +o bob")
        opped = await until(bob, lambda line: " MODE " in line)
        assert opped[-1].startswith(":moder!") and opped[-1].endswith("MODE #Kitchen +o bob")
        bob.send("MODE #Kitchen +i")
        assert (await until(bob, lambda line: " MODE " in line))[-1].endswith("MODE #Kitchen +i")
        for client in (alice, bob, dave, moder):
            await client.close()
    finally:
        stopped(daemon)


def console(port: int, *commands: str) -> list[str]:
    """
    Log in to the telnet admin console as root (a blocking socket that
    agrees to no telnet option) and run C{commands}; their replies.
    """
    with socket.create_connection(("127.0.0.1", port), timeout=20) as sock:

        def upTo(marker: bytes) -> bytes:
            received = b""
            while marker not in received:
                chunk = sock.recv(4096)
                assert chunk, received
                received += chunk
            return received

        upTo(b"Username: ")
        sock.sendall(b"root\r\n")
        upTo(b"Password: ")
        sock.sendall(b"correct horse\r\n")
        upTo(b"chatd> ")
        replies = []
        for command in commands:
            sock.sendall(command.encode() + b"\r\n")
            reply = upTo(b"chatd> ").decode("utf-8", "replace")
            replies.append(reply[: -len("chatd> ")].strip().splitlines()[-1])  # after the echo
        return replies


@pytest_twisted.ensureDeferred
async def test_consoleTopicAndRoomOperator(tmp_path: Path) -> None:
    """
    The admin console sets a seeded room's topic (IRC members see TOPIC
    from the administrator; 333 names it, also after a restart) and makes a
    member its operator (MODE +o from the administrator).
    """
    data = tmp_path / "data"
    data.mkdir()
    setPassword(data / "admin-passwords", "root", "correct horse")
    database = ["--data-dir", str(data)]
    daemon = start(tmp_path, database)
    try:
        bob = await irc(daemon, "bob")
        bob.send("JOIN #Blabla")
        assert names(await until(bob, numeric("366", "#Blabla")), "#Blabla") == ["bob"]
        port = daemon.ports["AdminTelnetFactory"]
        replies = await deferToThread(
            console, port, "topic Blabla Welcome to Blabla", "roomop Blabla bob"
        )
        assert replies == ["topic of Blabla set", "bob is now an operator of Blabla"], replies
        topic = (await until(bob, lambda line: " TOPIC " in line))[-1]
        assert topic.startswith(":services.chatd ")  # the console, not a user's prefix
        assert topic.endswith("TOPIC #Blabla :Welcome to Blabla")
        opped = (await until(bob, lambda line: " MODE " in line))[-1]
        assert opped.startswith(":services.chatd ") and opped.endswith("MODE #Blabla +o bob")
        bob.send("TOPIC #Blabla :bob's now")
        assert (await until(bob, lambda line: " TOPIC " in line))[-1].endswith(":bob's now")
        await bob.close()
    finally:
        stopped(daemon)
    daemon = start(tmp_path, database)
    try:
        carol = await irc(daemon, "carol")
        carol.send("TOPIC #Blabla")
        assert re.search(r" 333 carol #Blabla bob \d+$", (await until(carol, numeric("333")))[-1])
        await carol.close()
    finally:
        stopped(daemon)
