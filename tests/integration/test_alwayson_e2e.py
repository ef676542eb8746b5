"""
Always-on through the real C{twistd -n chatd}, with SQLite and with
PostgreSQL: alice, signed in over TCHAT, IRC and the web at once, turns it
on from IRC (the web page reads it back) and closes everything; she stays in
her room, away, across a restart of the daemon; what was said meanwhile is
offered when she comes back, over talk mode (a summary line and the private
message) and IRC (her channel, with C{chathistory} since her marker).  An
operator's C{KILL} ends that presence until her next login, restarts too.
"""

from __future__ import annotations

from pathlib import Path

import pytest_twisted
from twisted.internet import reactor
from twisted.internet.threads import deferToThread

from chatd.talk.format import NICK_PROMPT, PASSWORD_PROMPT
from tests.support.blockingclients import addAccount, dataDirOf
from tests.support.daemon import Daemon, startDaemon
from tests.support.e2eclients import command, connect, database, until, webLogin
from tests.support.lineclient import LineClient, connectLines
from tests.support.pgserver import postgresServer

__all__ = ["database", "postgresServer"]


def start(tmp_path: Path, storage: list[str]) -> Daemon:
    return startDaemon(
        tmp_path,
        "--port",
        "tcp:0:interface=127.0.0.1",
        *storage,
        factories=("TchatFactory",),
    )


async def irc(daemon: Daemon, nick: str, password: str | None = None) -> LineClient:
    client = await connectLines(reactor, daemon.ports["IRCFactory"])
    client.send("CAP LS 302", "CAP REQ :server-time message-tags batch draft/chathistory")
    if password is not None:
        client.send(f"PASS {password}")
    client.send(f"NICK {nick}", f"USER {nick} 0 * :{nick}", "CAP END")
    await until(client, " 001 ")
    return client


async def whois(client: LineClient, nick: str) -> list[str]:
    client.send(f"WHOIS {nick}")
    return await until(client, " 318 ")


@pytest_twisted.ensureDeferred
async def test_presentAcrossRestartAndCaughtUp(tmp_path: Path, database: list[str]) -> None:
    daemon = start(tmp_path, database)
    try:
        tchat = await connect(daemon)
        assert (await command(tchat, "clt: LOGIN alice"))[-1] == "srv: OKAY!"
        assert (await command(tchat, "clt: REGIS sesame"))[-1] == "srv: OKAY!"
        assert (await command(tchat, "clt: ENTER lobby"))[-1] == "srv: OKAY!"
        bob = await connect(daemon)
        assert (await command(bob, "clt: LOGIN bob"))[-1] == "srv: OKAY!"
        assert (await command(bob, "clt: ENTER lobby"))[-1] == "srv: OKAY!"

        alice = await irc(daemon, "alice", "sesame")
        alice.send("ALWAYSON ON")
        assert (await until(alice, "NOTE ALWAYSON"))[-1].split()[1:4] == ["NOTE", "ALWAYSON", "ON"]
        page = await webLogin(daemon, "alice", "sesame")
        assert (await page.request(type="alwayson", id=2))["on"] is True
        await command(bob, "clt: SPEAK lobby", "clt: seen by alice", "clt: .")
        said = await page.next("message")
        await page.request(type="markread", room="lobby", millis=said["millis"], id=3)

        # alice closes every connection: nobody sees her leave; she is away.
        page.transport.loseConnection()
        await page.closed
        alice.send("QUIT :bye")
        await alice.closed
        await tchat.close()
        carol = await irc(daemon, "carol")
        away = await whois(carol, "alice")
        assert any(" 301 carol alice " in line for line in away), away
        spoke = await command(bob, "clt: SPEAK lobby", "clt: missed one", "clt: .")
        assert not any("LEAVE lobby alice" in line for line in spoke), spoke
        told = await command(bob, "clt: MSGPV alice", "clt: call me", "clt: .")
        assert told[-1] == "srv: OKAY!"
        carol.send("QUIT")
        await carol.closed
        await bob.close()
    finally:
        daemon.stop()
    assert "Traceback" not in daemon.logText()

    daemon = start(tmp_path, database)
    try:
        carol = await irc(daemon, "carol")
        carol.send("JOIN #lobby")
        names = await until(carol, " 366 ")
        [listed] = [line for line in names if " 353 " in line]
        assert "alice" in listed.split(":")[-1].split(), listed
        assert any(" 301 carol alice " in line for line in await whois(carol, "alice"))
        bob = await connect(daemon)
        assert (await command(bob, "clt: LOGIN bob"))[-1] == "srv: OKAY!"
        assert (await command(bob, "clt: ENTER lobby"))[-1] == "srv: OKAY!"
        await command(bob, "clt: SPEAK lobby", "clt: missed two", "clt: .")

        talk = await connectLines(reactor, daemon.ports["TalkFactory"])
        await talk.nextLines(2)
        talk.send("alice")
        assert (await talk.line()).startswith(NICK_PROMPT)
        talk.send("sesame")
        caught = await until(talk, "call me")
        assert any(PASSWORD_PROMPT in line for line in caught), caught
        assert any(
            "while you were away: 2 in lobby new since you last read" in line for line in caught
        ), caught
        carol.send("WHOIS alice")
        back = await until(carol, " 318 ")
        assert not any(" 301 " in line for line in back), back

        alice = await irc(daemon, "alice", "sesame")
        joined = await until(alice, "JOIN #lobby")
        assert joined[-1].endswith("JOIN #lobby") or " JOIN #lobby" in joined[-1]
        alice.send("CHATHISTORY LATEST #lobby * 10")
        history = await until(alice, "BATCH -")
        texts = [line.rsplit(" :", 1)[-1] for line in history if " PRIVMSG #lobby " in line]
        assert texts[-3:] == ["seen by alice", "missed one", "missed two"], history
        alice.send("QUIT")
        await alice.closed
        await talk.close()
        await bob.close()
        carol.send("QUIT")
        await carol.closed
    finally:
        daemon.stop()
    assert "Traceback" not in daemon.logText()


def startWithOperator(tmp_path: Path, storage: list[str]) -> Daemon:
    return startDaemon(
        tmp_path,
        "--port",
        "tcp:0:interface=127.0.0.1",
        "--operators",
        "moder",
        *storage,
        factories=("TchatFactory",),
    )


async def inLobby(daemon: Daemon) -> list[str]:
    """Who an IRC client joining #lobby is shown there."""
    carol = await irc(daemon, "carol")
    carol.send("JOIN #lobby")
    [listed] = [line for line in await until(carol, " 366 ") if " 353 " in line]
    carol.send("QUIT")
    await carol.closed
    return listed.split(":")[-1].split()


@pytest_twisted.ensureDeferred
async def test_killedPresenceStaysEndedAcrossRestart(tmp_path: Path, database: list[str]) -> None:
    """
    An operator's KILL of always-on alice, absent, ends her presence for
    good: a restart does not bring her back; once she has signed in and
    out again, the next restart does.
    """
    daemon = startWithOperator(tmp_path, database)
    try:
        # The operator's name, which no user may register: the console creates it.
        dataDir = dataDirOf(tmp_path, database)
        await deferToThread(addAccount, daemon, dataDir, "moder", "moderpass")
        tchat = await connect(daemon)
        assert (await command(tchat, "clt: LOGIN alice"))[-1] == "srv: OKAY!"
        assert (await command(tchat, "clt: REGIS sesame"))[-1] == "srv: OKAY!"
        await tchat.close()
        alice = await irc(daemon, "alice", "sesame")
        alice.send("JOIN #lobby", "ALWAYSON ON")
        await until(alice, "NOTE ALWAYSON")
        alice.send("QUIT :bye")
        await alice.closed
        assert "alice" in await inLobby(daemon)
        moder = await irc(daemon, "moder", "moderpass")
        moder.send("KILL alice :enough")
        await until(moder, "enough")
        assert "alice" not in await inLobby(daemon)
        moder.send("QUIT")
        await moder.closed
    finally:
        daemon.stop()
    daemon = startWithOperator(tmp_path, database)
    try:
        assert "alice" not in await inLobby(daemon)
        alice = await irc(daemon, "alice", "sesame")
        await until(alice, "JOIN #lobby")
        alice.send("QUIT :bye")
        await alice.closed
    finally:
        daemon.stop()
    daemon = startWithOperator(tmp_path, database)
    try:
        assert "alice" in await inLobby(daemon)
    finally:
        daemon.stop()
    assert "Traceback" not in daemon.logText()
