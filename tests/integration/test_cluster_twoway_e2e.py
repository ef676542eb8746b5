"""
Cluster mode end to end: Redis restarted empty while users on both of two
real nodes send each other private messages and one node is stalled
(C{SIGSTOP}) for less than the dead-node limit.  Both nodes then miss
envelopes from the other at once; every acknowledged private message must
still arrive, or its sender be told it was not delivered.
"""

from __future__ import annotations

import signal
import time
from collections.abc import Callable

import pytest_twisted
from twisted.internet.defer import CancelledError, Deferred

from tests.support.clusterlive import ClusterClient, login, nodes, sleep, waitForLog
from tests.support.daemon import Daemon
from tests.support.lineclient import LineClient
from tests.support.redis_server import RedisServer, redisServer

__all__ = ["nodes", "redisServer"]


class Correspondent:
    """
    A TCHAT user who sends numbered private messages to C{to} and reads
    everything that comes: the answers to its own (in order), the private
    messages it gets and the server notices.
    """

    def __init__(self, client: ClusterClient, name: str, to: str) -> None:
        self.client, self.name, self.to = client, name, to
        self.unanswered: list[str] = []
        self.acknowledged: list[str] = []
        self.got: list[str] = []
        self.notices: list[str] = []
        self.count = 0
        self.reading = Deferred.fromCoroutine(self._read())
        self.reading.addErrback(lambda f: f.trap(CancelledError))

    def send(self) -> None:
        self.count += 1
        text = f"{self.name} to {self.to} {self.count}"
        self.unanswered.append(text)
        self.client.send(f"clt: MSGPV {self.to}", f"clt: {text}", "clt: .")

    async def _block(self) -> list[str]:
        lines = []
        while (line := await self.client.lines.get()) != "srv: .":
            lines.append(line.removeprefix("srv: "))
        return lines

    async def _read(self) -> None:
        while True:
            line = await self.client.lines.get()
            if line == "srv: OKAY!":
                self.acknowledged.append(self.unanswered.pop(0))
            elif line.startswith("srv: ERROR "):  # refused while Redis is away
                self.unanswered.pop(0)
            elif line.startswith("srv: MSGPV "):
                self.got.extend(await self._block())
            elif line.startswith("srv: NOTICE "):
                self.notices.append(" ".join(await self._block()))

    def unaccounted(self, recipient: Correspondent) -> list[str]:
        """
        What this user was answered C{OKAY!} for that C{recipient} did not
        get and this user was not told of.
        """
        return [
            text
            for text in self.acknowledged
            if text not in recipient.got
            and not any(f'"{text}"' in notice for notice in self.notices)
        ]


@pytest_twisted.ensureDeferred
async def test_privateMessagesBothWaysSurviveRestart(
    nodes: Callable[..., Daemon], redisServer: RedisServer
) -> None:
    """
    Alice on node a and bob on node b each send the other a private
    message every 0.2 s; b stalls for about 4 s, during which Redis is
    killed and started again empty.  Both nodes then miss envelopes from
    the other: each one's request to resend is answered although it comes
    after a gap, so no gap is given up, and every acknowledged private
    message arrives (or its sender is told): none is lost silently.
    """
    a, b = nodes("a"), nodes("b")
    await waitForLog(a, "connected to Redis")
    await waitForLog(b, "connected to Redis")
    alice = Correspondent(await login(a, "alice"), "alice", "bob")
    bob = Correspondent(await login(b, "bob"), "bob", "alice")
    pair = (alice, bob)

    async def talk(seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            for each in pair:
                each.send()
            await sleep(0.2)

    await talk(1)
    b.process.send_signal(signal.SIGSTOP)
    try:
        await talk(1)
        redisServer.kill()
        await talk(1)
        redisServer.start()
        await talk(2)
    finally:
        b.process.send_signal(signal.SIGCONT)
    await talk(2)
    deadline = time.monotonic() + 15
    while any(each.unanswered for each in pair) or alice.unaccounted(bob) or bob.unaccounted(alice):
        if time.monotonic() > deadline:
            break
        await sleep(0.2)
    assert alice.acknowledged and bob.acknowledged
    assert (alice.unaccounted(bob), bob.unaccounted(alice)) == ([], [])
    for node in (a, b):  # both gaps were filled: none was given up
        assert "events from node" not in node.logText(), node.logText()
    for each in pair:
        each.reading.cancel()
        await LineClient.close(each.client)
