"""
A Redis that restarts from an older snapshot under three real nodes
(C{twistd chatd --cluster}) and a real C{redis-server}: the snapshot holds
envelopes every node has handled, those of a node that died since
included.  Every acknowledged room message reaches every member once, the
dead node's user does not come back, and no node resynchronises again and
again.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest_twisted

from tests.support.clusterlive import (
    DEADLINE,
    ClusterClient,
    login,
    members,
    nodes,
    sleep,
    waitForLog,
    waitForMembers,
)
from tests.support.daemon import Daemon
from tests.support.redis_server import RedisServer, redisServer

__all__ = ["nodes", "redisServer"]

#: TCHAT clients here stay silent: no ALIVE probes.
QUIET = ("--alive-after", "0")


class Transcript:
    """
    Every line a TCHAT client received, kept while waiting for replies.
    """

    def __init__(self, client: ClusterClient) -> None:
        self.client = client
        self.lines: list[str] = []

    async def speak(self, room: str, text: str) -> None:
        """
        Say C{text} in C{room}, and wait until it is acknowledged.
        """
        self.client.send(f"clt: SPEAK {room}", "clt: " + text, "clt: .")
        deadline = time.monotonic() + DEADLINE
        while (line := await self.client.line()) != "srv: OKAY!":
            assert not line.startswith("srv: ERROR"), line
            self.lines.append(line)
            assert time.monotonic() < deadline, "no acknowledgement"

    async def drain(self, seconds: float) -> None:
        """
        Keep what arrives for C{seconds}.
        """
        await sleep(seconds)
        while self.client.lines.pending:
            self.lines.append(await self.client.line())

    async def waitFor(self, count: int) -> list[tuple[str, str]]:
        """
        The room messages heard once there are C{count} of them.
        """
        deadline = time.monotonic() + DEADLINE
        while len(self.spoken()) < count:
            assert time.monotonic() < deadline, f"heard only {self.spoken()}"
            await self.drain(0.1)
        return self.spoken()

    def spoken(self) -> list[tuple[str, str]]:
        """
        The room messages heard, as (sender, text).
        """
        heard = []
        for at, line in enumerate(self.lines):
            if line.startswith("srv: SPEAK ") and at + 1 < len(self.lines):
                heard.append((line.split()[2], self.lines[at + 1].removeprefix("srv: ")))
        return heard


@pytest_twisted.ensureDeferred
async def test_restartFromOlderSnapshot(
    nodes: Callable[..., Daemon], redisServer: RedisServer
) -> None:
    """
    alice (node a), bob (b) and carol (c) talk in lobby; Redis saves a
    snapshot; c is killed and declared dead; alice and bob talk on; Redis
    is killed and restarted at once from the snapshot, and they talk on.
    alice and bob each hear every message of the other once, in order;
    carol does not come back; neither node reports a gap.
    """
    a, b, c = [nodes(name, False, False, False, *QUIET) for name in "abc"]
    for node in (a, b, c):
        await waitForLog(node, "connected to Redis")
    alice = Transcript(await login(a, "alice", "lobby"))
    bob = Transcript(await login(b, "bob", "lobby"))
    carol = Transcript(await login(c, "carol", "lobby"))
    await waitForMembers(alice.client, "lobby", ["alice", "bob", "carol"])
    await waitForMembers(bob.client, "lobby", ["alice", "bob", "carol"])
    await carol.speak("lobby", "carol one")
    await alice.speak("lobby", "alice one")
    await bob.speak("lobby", "bob one")
    await alice.waitFor(2)
    await bob.waitFor(2)
    redisServer.save()  # every node has handled all of it

    c.process.kill()
    await waitForLog(a, "stopped beating")
    await waitForLog(b, "stopped beating")
    await alice.speak("lobby", "alice two")
    await bob.speak("lobby", "bob two")
    await alice.waitFor(3)
    await bob.waitFor(3)

    redisServer.kill()
    redisServer.start()  # from the snapshot
    assert "DB loaded from disk" in (redisServer.workdir / "redis.log").read_text()
    for node in (a, b):
        await waitForLog(node, "no longer holds the last event read")
        await waitForLog(node, "is back; resynchronising")
    await alice.speak("lobby", "alice three")
    await bob.speak("lobby", "bob three")
    await alice.waitFor(4)
    await bob.waitFor(4)
    await alice.drain(3)  # long enough for a replay, a gap or a comeback to show
    await bob.drain(0)

    said = {
        "alice": ["alice one", "alice two", "alice three"],
        "bob": ["bob one", "bob two", "bob three"],
        "carol": ["carol one"],
    }
    for me, other in ((alice, "bob"), (bob, "alice")):
        assert [t for s, t in me.spoken() if s == other] == said[other], me.lines
        assert [t for s, t in me.spoken() if s == "carol"] == said["carol"], me.lines
        assert [line for line in me.lines if line.startswith("srv: ENTER lobby carol")] == []
        assert await members(me.client, "lobby") == ["alice", "bob"]
    for node in (a, b):
        log = node.logText()
        assert log.count("carol logged in from node") == 1, log
        assert "missed" not in log and "spoke in" not in log, log
        assert log.count("resynchronising") == 1, log  # Redis back, once
    for transcript in (alice, bob):
        await transcript.client.close()
