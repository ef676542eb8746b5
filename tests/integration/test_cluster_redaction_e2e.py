# -*- test-case-name: tests.integration.test_cluster_redaction_e2e -*-
"""
Cluster mode, end to end: two real C{twistd -n chatd} nodes on a real
C{redis-server} and one PostgreSQL database.  A message said on node A and
deleted there with IRC's C{REDACT} disappears for an IRC client on node B
(its own C{REDACT} line), and B's C{CHATHISTORY} no longer has it; a
deletion B's client may not make is refused on B and told to nobody.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest_twisted
from twisted.internet import reactor

from chatd.irc.message import Message, parse
from tests.support.clusterlive import nodes, sleep, waitForLine
from tests.support.daemon import Daemon
from tests.support.lineclient import LineClient, connectLines
from tests.support.pgserver import createDatabase, postgresServer
from tests.support.redis_server import redisServer

__all__ = ["nodes", "postgresServer", "redisServer"]

CAPS = "draft/message-redaction message-tags batch server-time draft/chathistory"


async def ircUser(daemon: Daemon, nick: str) -> LineClient:
    client = await connectLines(reactor, daemon.ports["IRCFactory"])
    client.send(f"CAP REQ :{CAPS}", f"NICK {nick}", f"USER {nick} 0 * :{nick}", "CAP END")
    await waitForLine(client, lambda line: f" 376 {nick} " in line)
    client.send("JOIN #lobby")
    await waitForLine(client, lambda line: f" 366 {nick} " in line)
    return client


async def next(client: LineClient, command: str) -> Message:
    line = await waitForLine(client, lambda line: parse(line).command == command)
    return parse(line)


@pytest_twisted.ensureDeferred
async def test_redactedOnEveryNode(nodes: Callable[..., Daemon], postgresServer: str) -> None:
    url = createDatabase(postgresServer)
    a = nodes("a", False, False, True, "--db", url)
    b = nodes("b", False, False, True, "--db", url)
    alice = await ircUser(a, "alice")
    bob = await ircUser(b, "bob")
    try:
        joined = await next(alice, "JOIN")  # bob, from node B
        assert joined.prefix is not None and joined.prefix.startswith("bob!")
        alice.send("PRIVMSG #lobby :the picnic is on sunday")
        heard = await next(bob, "PRIVMSG")
        msgid = heard.tags["msgid"]
        assert heard.params == ["#lobby", "the picnic is on sunday"]

        await sleep(0.5)  # A writes it to the database (until then B knows no such msgid)
        bob.send(f"REDACT #lobby {msgid}")
        refused = await next(bob, "FAIL")
        assert refused.params[:4] == ["REDACT", "REDACT_FORBIDDEN", "#lobby", msgid]

        alice.send(f"REDACT #lobby {msgid} :wrong day")
        told = await next(bob, "REDACT")  # before it, no REDACT of bob's refused try
        assert told.params == ["#lobby", msgid, "wrong day"]
        assert told.prefix is not None and told.prefix.startswith("alice!")
        mine = await next(alice, "REDACT")
        assert mine.params == ["#lobby", msgid, "wrong day"]

        bob.send("CHATHISTORY LATEST #lobby * 10")
        start = await next(bob, "BATCH")
        batch: list[Message] = []
        while (message := parse(await bob.line())).command != "BATCH":
            batch.append(message)
        assert start.params[1:] == ["chathistory", "#lobby"]
        assert [m.tags.get("msgid") for m in batch if m.command == "PRIVMSG"] == []
    finally:
        await alice.close()
        await bob.close()
