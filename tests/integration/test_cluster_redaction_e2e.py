# -*- test-case-name: tests.integration.test_cluster_redaction_e2e -*-
"""
Cluster mode, end to end: two real C{twistd -n chatd} nodes on a real
C{redis-server} and one PostgreSQL database.  A message said on node A and
deleted there with IRC's C{REDACT} disappears for an IRC client on node B
(its own C{REDACT} line), and B's C{CHATHISTORY} no longer has it; a
deletion B's client may not make is refused on B and told to nobody.  B's
history has the message, and finds it to refuse the deletion, at once,
while it still waits in A's write queue: B asks A to write it first.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest_twisted
from twisted.internet import reactor

from chatd.irc.message import Message, parse
from tests.support.clusterlive import nodes, waitForLine
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


async def historyIds(client: LineClient) -> list[str]:
    """
    The msgids of #lobby's messages C{CHATHISTORY LATEST} gives C{client}.
    """
    client.send("CHATHISTORY LATEST #lobby * 10")
    start = await next(client, "BATCH")
    batch: list[Message] = []
    while (message := parse(await client.line())).command != "BATCH":
        batch.append(message)
    assert start.params[1:] == ["chathistory", "#lobby"]
    return [str(m.tags.get("msgid")) for m in batch if m.command == "PRIVMSG"]


@pytest_twisted.ensureDeferred
async def test_redactedOnEveryNode(nodes: Callable[..., Daemon], postgresServer: str) -> None:
    url = createDatabase(postgresServer)
    # Node A writes its messages every 2 s: B must ask it to write them first.
    a = nodes("a", False, False, True, "--db", url, "--flush-interval", "2")
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

        assert msgid in await historyIds(bob)  # at once: node A is asked to write it first
        bob.send(f"REDACT #lobby {msgid}")
        refused = await next(bob, "FAIL")
        assert refused.params[:4] == ["REDACT", "REDACT_FORBIDDEN", "#lobby", msgid]

        alice.send(f"REDACT #lobby {msgid} :wrong day")
        told = await next(bob, "REDACT")  # before it, no REDACT of bob's refused try
        assert told.params == ["#lobby", msgid, "wrong day"]
        assert told.prefix is not None and told.prefix.startswith("alice!")
        mine = await next(alice, "REDACT")
        assert mine.params == ["#lobby", msgid, "wrong day"]

        assert await historyIds(bob) == []
    finally:
        await alice.close()
        await bob.close()
