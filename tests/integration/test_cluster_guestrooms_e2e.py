"""
A guest's room across real cluster nodes: two C{twistd -n chatd --cluster}
processes on one real C{redis-server}, driven over IRC.  The room a guest
creates on node A is known on node B, and disappears on both once its last
members (one per node) have left.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest_twisted

from tests.support.clusterlive import DEADLINE, ircUser, nodes, waitForLine, waitForLog
from tests.support.daemon import Daemon
from tests.support.lineclient import LineClient
from tests.support.redis_server import redisServer

__all__ = ["nodes", "redisServer"]


async def channels(client: LineClient, nick: str) -> list[str]:
    """
    The channels C{LIST} shows C{nick} (read up to its end, 323).
    """
    client.send("LIST")
    listed: list[str] = []
    while True:
        line = await waitForLine(client, lambda line: f" 322 {nick} " in line or " 323 " in line)
        if " 323 " in line:
            return listed
        listed.append(line.split()[3])


@pytest_twisted.ensureDeferred
async def test_guestRoomVanishesOnEveryNode(nodes: Callable[..., Daemon]) -> None:
    """
    ivy (a guest, node A) creates #den; bob (node B) joins it; once both
    parted, neither node lists #den any more.
    """
    a, b = nodes("a", irc=True), nodes("b", irc=True)
    await waitForLog(a, "connected to Redis")
    await waitForLog(b, "connected to Redis")
    ivy = await ircUser(a, "ivy")
    bob = await ircUser(b, "bob")
    try:
        ivy.send("JOIN #den")
        await waitForLine(ivy, lambda line: " 366 ivy #den " in line)
        deadline = time.monotonic() + DEADLINE
        while "#den" not in await channels(bob, "bob"):
            assert time.monotonic() < deadline, "node B never saw #den"
        bob.send("JOIN #den")
        await waitForLine(ivy, lambda line: line.startswith(":bob!") and " JOIN #den" in line)
        ivy.send("PART #den")
        await waitForLine(bob, lambda line: line.startswith(":ivy!") and " PART " in line)
        assert "#den" in await channels(ivy, "ivy")  # bob is still in it
        bob.send("PART #den")
        await waitForLine(bob, lambda line: line.startswith(":bob!") and " PART " in line)
        for client, nick in ((bob, "bob"), (ivy, "ivy")):
            deadline = time.monotonic() + DEADLINE
            while "#den" in await channels(client, nick):
                assert time.monotonic() < deadline, f"#den stayed for {nick}"
    finally:
        await ivy.close()
        await bob.close()
    for node in (a, b):
        assert "Traceback" not in node.logText()
