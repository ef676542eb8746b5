"""
Routing by interest, end to end: three real C{twistd -n chatd --cluster}
nodes on a real C{redis-server}; a room's messages go only to the nodes
with members in it, as the inboxes in Redis show.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable

import pytest_twisted

from tests.support.clusterlive import login, nodes, waitForLog, waitForMembers
from tests.support.daemon import Daemon
from tests.support.redis_server import RedisServer, redisServer

__all__ = ["nodes", "redisServer"]


def redis(server: RedisServer, *command: str) -> list[str]:
    """
    One command through C{redis-cli} (Debian's C{redis-tools}, beside the
    server), its reply's lines.
    """
    out = subprocess.run(
        ["redis-cli", "-p", str(server.port), "--raw", *command],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return out.splitlines()


def saysPerInbox(server: RedisServer) -> dict[str, list[str]]:
    """
    Per node inbox, the text of every room message in it.
    """
    found = {}
    for inbox in redis(server, "KEYS", "chatd:0:inbox:*"):
        says = []
        for line in redis(server, "XRANGE", inbox, "-", "+"):
            if line.startswith("{"):
                envelope = json.loads(line)
                if envelope["k"] == "says":  # a run: [sender, lines, ...] each
                    says += [message[1][0] for message in envelope["m"]]
        found[inbox.rpartition(":")[2]] = says
    return found


@pytest_twisted.ensureDeferred
async def test_roomMessagesOnlyWhereMembersAre(
    nodes: Callable[..., Daemon], redisServer: RedisServer
) -> None:
    """
    alice (node A) and bob (node B) talk in a room; carol (node C) is in
    none: C's inbox gets none of their messages.  Once carol enters the
    room, the next message goes to B and C, once each, and both hear it.
    """
    a, b, c = nodes("a"), nodes("b"), nodes("c")
    for node in (a, b, c):
        await waitForLog(node, "connected to Redis")
    alice = await login(a, "alice", "lobby")
    bob = await login(b, "bob", "lobby")
    carol = await login(c, "carol")
    await waitForMembers(alice, "lobby", ["alice", "bob"])
    for i in range(30):
        alice.send("clt: SPEAK lobby", f"clt: line {i}", "clt: .")
    assert await alice.nextLines(30) == ["srv: OKAY!"] * 30
    for i in range(30):
        assert (await bob.line()).startswith("srv: SPEAK alice lobby ")
        assert await bob.nextLines(2) == [f"srv: line {i}", "srv: ."]

    inboxes = saysPerInbox(redisServer)
    assert sorted(len(says) for says in inboxes.values()) == [0, 0, 30], inboxes

    carol.send("clt: ENTER lobby")
    assert await carol.line() == "srv: OKAY!"
    await waitForMembers(alice, "lobby", ["alice", "bob", "carol"])
    assert (await bob.line()).startswith("srv: ENTER lobby carol ")
    alice.send("clt: SPEAK lobby", "clt: all three", "clt: .")
    assert await alice.line() == "srv: OKAY!"
    for listener in (bob, carol):
        assert (await listener.line()).startswith("srv: SPEAK alice lobby ")
        assert await listener.nextLines(2) == ["srv: all three", "srv: ."]
    inboxes = saysPerInbox(redisServer)
    assert sorted(says.count("all three") for says in inboxes.values()) == [0, 1, 1], inboxes
    for client in (alice, bob, carol):
        await client.close()
