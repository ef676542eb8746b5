"""
End-to-end: IRC history over a real C{twistd -n chatd} on SQLite and on
PostgreSQL.  A message has one msgid and one time, live (the echo) and from
C{CHATHISTORY}, even after the daemon restarts; a labelled request's
answer is its labelled chathistory batch.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import pytest_twisted
from twisted.internet import reactor

from chatd.irc.message import Message, parse
from tests.support.daemon import Daemon, startDaemon
from tests.support.e2eclients import untilCommand
from tests.support.lineclient import LineClient, connectLines
from tests.support.pgserver import createDatabase, postgresServer

__all__ = ["postgresServer"]

CAPS = "batch server-time message-tags draft/chathistory labeled-response echo-message"


@pytest.fixture(params=["sqlite", "postgres"])
def storeArgs(request: pytest.FixtureRequest) -> tuple[str, ...]:
    if request.param == "sqlite":
        return ()
    return ("--db", createDatabase(request.getfixturevalue("postgresServer")))


def startChatd(workdir: Path, storeArgs: tuple[str, ...]) -> Daemon:
    return startDaemon(
        workdir,
        "--port",
        "",
        "--irc",
        "tcp:0:interface=127.0.0.1",
        "--web",
        "none",
        "--rooms",
        "lobby",
        *storeArgs,
        factories=("IRCFactory",),
    )


async def register(daemon: Daemon, nick: str) -> LineClient:
    client = await connectLines(reactor, daemon.ports["IRCFactory"])
    client.send(f"CAP REQ :{CAPS}", f"NICK {nick}", f"USER {nick} 0 * :{nick}", "CAP END")
    await untilCommand(client, "376")
    return client


async def history(client: LineClient, line: str) -> list[Message]:
    """
    The PRIVMSGs of the chathistory batch answering C{line}.
    """
    client.send(line)
    start = parse(await client.line())
    assert (start.command, start.params[1:]) == ("BATCH", ["chathistory", "#lobby"])
    inner = await untilCommand(client, "BATCH")
    assert inner[-1].params == ["-" + start.params[0][1:]]
    return inner[:-1]


def seen(messages: list[Message]) -> list[tuple[str, str, str]]:
    return [(m.params[1], m.tags["msgid"], m.tags["time"]) for m in messages]


@pytest_twisted.ensureDeferred
async def test_historyLikeLive(tmp_path: Path, storeArgs: tuple[str, ...]) -> None:
    """
    Five messages, each echoed with its msgid and time: CHATHISTORY gives
    them back identical, before and after a restart; BEFORE a msgid and a
    labelled request work over the wire; a client that negotiated
    draft/chathistory is offered no history on joining.
    """
    daemon = startChatd(tmp_path, storeArgs)
    clients: list[LineClient] = []
    try:
        alice = await register(daemon, "alice")
        clients.append(alice)
        alice.send("JOIN #lobby")
        await untilCommand(alice, "366")
        live = []
        for i in range(5):
            alice.send(f"PRIVMSG #lobby :message {i}")
            echo = (await untilCommand(alice, "PRIVMSG"))[-1]
            live.append(echo)
        assert len({m.tags["msgid"] for m in live}) == 5
        got = await history(alice, "CHATHISTORY LATEST #lobby * 10")
        assert seen(got) == seen(live)
        before = f"CHATHISTORY BEFORE #lobby msgid={live[3].tags['msgid']} 2"
        assert seen(await history(alice, before)) == seen(live[1:3])
        alice.send("@label=x1 CHATHISTORY AFTER #lobby timestamp=" + live[3].tags["time"] + " 5")
        opened = parse(await alice.line())
        assert (opened.command, opened.tags) == ("BATCH", {"label": "x1"})
        later = [m for m in live if m.tags["time"] > live[3].tags["time"]]  # ISO times sort
        assert seen((await untilCommand(alice, "BATCH"))[:-1]) == seen(later)
        await alice.close()
        clients.clear()
        daemon.stop()

        daemon = startChatd(tmp_path, storeArgs)
        bob = await register(daemon, "bob")
        clients.append(bob)
        bob.send("JOIN #lobby", "PING :joined")
        joined = await untilCommand(bob, "PONG")
        assert [m for m in joined if m.command in ("PRIVMSG", "BATCH")] == []
        assert seen(await history(bob, "CHATHISTORY LATEST #lobby * 10")) == seen(live)
    finally:
        for client in clients:
            await client.close()
        daemon.stop()
