"""
The real C{twistd -n chatd}, started with a default fresh data directory,
speaks exactly the TCHAT of the protocol's specification to a strict client
(L{tests.support.tchatstrict}): LOGIN and ENTER are answered with C{OKAY!} alone,
events come only from what other members do, history only when asked
(HISTO).  Accounts (a chatd extension) and C{--autojoin} are checked over
the wire too, on SQLite and PostgreSQL, and a guest on IRC joins nothing.
"""

from __future__ import annotations

import signal
from pathlib import Path

import pytest
import pytest_twisted
from twisted.internet import reactor

from tests.support.daemon import Daemon, startDaemon
from tests.support.lineclient import LineClient, connectLines
from tests.support.pgserver import createDatabase, postgresServer
from tests.support.tchatstrict import StrictTchat, Unexpected

__all__ = ["postgresServer"]


def start(workdir: Path, *args: str) -> Daemon:
    # No storage option unless given: the default data directory, fresh.
    return startDaemon(workdir, "--port", "tcp:0:interface=127.0.0.1", *args)


def stopped(daemon: Daemon) -> None:
    status = daemon.stop(signal.SIGTERM)
    assert status in (0, -signal.SIGTERM), daemon.logText()
    assert "Traceback" not in daemon.logText()


async def strict(daemon: Daemon, nick: str | None = None) -> StrictTchat:
    client = await StrictTchat.connect(reactor, daemon.ports["TchatFactory"])
    if nick is not None:
        await client.login(nick)
    return client


@pytest.fixture(params=["sqlite", "postgres"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> list[str]:
    """
    The default data directory, or a fresh database on the tests' server.
    """
    if request.param == "sqlite":
        return []
    return ["--db", createDatabase(request.getfixturevalue("postgresServer"))]


@pytest_twisted.ensureDeferred
async def test_strictConversation(tmp_path: Path) -> None:
    """
    Three strict clients on a fresh daemon: every command gets exactly its
    reply, every event is one another member caused, nothing else ever
    arrives, down to the daemon's documented goodbye.
    """
    daemon = start(tmp_path)
    try:
        alice, bob, carol = [await strict(daemon, nick) for nick in ("alice", "bob", "carol")]
        await alice.ok("clt: CREAT Jeux")
        await alice.ok("clt: ENTER Jeux")
        await alice.speak("Jeux", "before bob")
        await bob.ok("clt: ENTER Jeux")  # no replay of "before bob"
        assert (await alice.event())[:3] == ("ENTER", "Jeux", "bob")
        assert await bob.command("clt: ENTER Jeux") == "ERROR 35"
        await bob.ok("clt: ENTER Général")  # a seeded room: nobody was put in it
        assert await bob.lsmem("Général") == ["bob"]
        await bob.speak("Jeux", "hello", "two lines")
        event = await alice.event()
        assert (event[:3], event[4]) == (("SPEAK", "bob", "Jeux"), ["hello", "two lines"])
        assert await alice.lsmem("Jeux") == ["alice", "bob"]
        history = await alice.histo("Jeux")
        assert [(sender, text) for sender, _, _, text in history] == [
            ("alice", ["before bob"]),
            ("bob", ["hello", "two lines"]),
        ]
        assert [h[2] for h in await bob.histo("Jeux", 1)] == [history[-1][2]]
        await carol.msgpv("alice", "psst")
        event = await alice.event()
        assert (event[:2], event[3]) == (("MSGPV", "carol"), ["psst"])
        await bob.ok("clt: LEAVE Jeux")
        assert (await alice.event())[:3] == ("LEAVE", "Jeux", "bob")
        await carol.close()  # in no group: nobody is told
        await bob.ok("clt: LEAVE Général")
        assert await alice.lsmem("Jeux") == ["alice"]
    finally:
        stopped(daemon)
    for client in (alice, bob):
        await client.goodbye()


@pytest_twisted.ensureDeferred
async def test_strictClientCatchesExtras(tmp_path: Path) -> None:
    """
    The strict client is not lenient: a line nobody asked for (here an
    operator's announcement, which chatd adds to TCHAT) fails it.
    """
    daemon = start(tmp_path, "--autojoin", "Accueil")
    try:
        alice = await strict(daemon)
        await alice.login("alice")
        with pytest.raises(Unexpected, match="NOTICE"):
            await alice.lsmem("Accueil")  # the NOTICE naming Accueil comes first
    finally:
        stopped(daemon)


@pytest_twisted.ensureDeferred
async def test_accountJoinsGeneralOnce(tmp_path: Path, database: list[str]) -> None:
    """
    Registering puts the new account in Général (flagged autojoin in a
    fresh store), with a NOTICE after REGIS's OKAY!; its members see it
    enter.  The membership survives a restart (LOGIN: OKAY!, then the NOTICE
    naming it); once left, it stays left.
    """
    daemon = start(tmp_path, *database)
    try:
        bob = await strict(daemon, "bob")
        await bob.ok("clt: ENTER Général")
        alice = await strict(daemon, "alice")
        await alice.ok("clt: REGIS sesame")
        for line in ("srv: NOTICE", "srv: you are in Général", "srv: ."):
            assert (await alice.client.line()).startswith(line)
        assert (await bob.event())[:3] == ("ENTER", "Général", "alice")
        assert await alice.lsmem("Général") == ["bob", "alice"]
    finally:
        stopped(daemon)
    daemon = start(tmp_path, *database)
    try:
        alice = await strict(daemon)
        await alice.login("alice", "sesame")
        for line in ("srv: NOTICE", "srv: you are in Général", "srv: ."):
            assert (await alice.client.line()).startswith(line)
        assert await alice.lsmem("Général") == ["alice"]
        await alice.ok("clt: LEAVE Général")
        await alice.close()
        again = await strict(daemon)
        await again.login("alice", "sesame")
        assert await again.command("clt: LSMEM Général") == "ERROR 34"
    finally:
        stopped(daemon)
    await again.goodbye()


async def ircLogin(port: int, nick: str) -> tuple[LineClient, list[str]]:
    """
    Register C{nick} on IRC; the lines up to the answer of a PING sent
    after registration (the whole welcome, and anything the login caused).
    """
    client = await connectLines(reactor, port)
    client.send(f"NICK {nick}", f"USER {nick} 0 * :{nick}", "PING :sync")
    seen = [await client.line()]
    while " PONG " not in seen[-1]:
        seen.append(await client.line())
    return client, seen


@pytest_twisted.ensureDeferred
async def test_guestsJoinNothingAutojoinOption(tmp_path: Path, database: list[str]) -> None:
    """
    On a fresh store a guest joins nothing, on TCHAT and IRC.  With
    C{--autojoin Accueil,Général}, every login (TCHAT or IRC) is put in
    both: TCHAT says so in one NOTICE after OKAY!, IRC with JOINs; the
    members see each newcomer enter.
    """
    daemon = start(tmp_path, *database)
    try:
        irc, seen = await ircLogin(daemon.ports["IRCFactory"], "ircguest")
        assert not [line for line in seen if " JOIN " in line], seen
        tchat = await strict(daemon, "guest")
        assert await tchat.command("clt: LSMEM Général") == "ERROR 34"
        await irc.close()
        await tchat.close()
    finally:
        stopped(daemon)
    daemon = start(tmp_path, "--autojoin", "Accueil,Général", *database)
    try:
        alice = await strict(daemon)
        await alice.login("alice")
        for line in ("srv: NOTICE", "srv: you are in Accueil, Général", "srv: ."):
            assert (await alice.client.line()).startswith(line)
        irc, seen = await ircLogin(daemon.ports["IRCFactory"], "ircuser")
        joins = [line.split()[-1].lstrip(":") for line in seen if " JOIN " in line]
        assert joins == ["#Accueil", "#Général"], seen
        assert (await alice.event())[:3] == ("ENTER", "Accueil", "ircuser")
        assert (await alice.event())[:3] == ("ENTER", "Général", "ircuser")
        assert await alice.lsmem("Accueil") == ["alice", "ircuser"]
        await irc.close()
    finally:
        stopped(daemon)
