"""
L{chatd.cluster.redis}, the bus and presence against a real C{redis-server}:
commands, pub/sub order, claims with the real Lua scripts, and Redis
restarted under a running link.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import pytest_twisted
from twisted.internet import reactor as _reactor
from twisted.internet.defer import Deferred
from twisted.internet.task import deferLater
from twisted.trial.unittest import SynchronousTestCase

from chatd.cluster.bus import Bus
from chatd.cluster.presence import Presence
from chatd.cluster.redis import RedisAddress, RedisLink, RedisUnavailable
from chatd.errors import NickTaken
from tests.redis_server import RedisServer, redisServer

reactor: Any = _reactor
__all__ = ["redisServer"]
CHANNEL = "chatd:0:events"


class AddressTests(SynchronousTestCase):
    def test_parse(self) -> None:
        """
        C{redis://[:password@]host[:port][/db]}, with Redis's defaults.
        """
        a = RedisAddress.fromURL("redis://example.org")
        self.assertEqual((a.host, a.port, a.db, a.password), ("example.org", 6379, 0, None))
        b = RedisAddress.fromURL("redis://:s%40cret@127.0.0.1:7000/3")
        self.assertEqual((b.host, b.port, b.db, b.password), ("127.0.0.1", 7000, 3, "s@cret"))
        self.assertEqual(repr(b), "redis://127.0.0.1:7000/3")

    def test_refused(self) -> None:
        """
        Anything but a redis:// URL with a host is refused.
        """
        for bad in ("http://x", "redis://", "127.0.0.1:6379", "redis://h/notanumber"):
            with self.assertRaises(ValueError):
                RedisAddress.fromURL(bad)


async def waitUntil(predicate: Callable[[], bool], timeout: float = 10.0) -> None:
    """
    Poll C{predicate} on the reactor until it holds, or fail after C{timeout}.
    """
    waited = 0.0
    while not predicate():
        if waited > timeout:
            raise AssertionError("condition not reached in time")
        await deferLater(reactor, 0.02, lambda: None)
        waited += 0.02


class Node:
    """
    A link, a bus and a presence, as one chatd node has them.
    """

    def __init__(self, server: RedisServer, name: str, ttl: float = 1.0) -> None:
        self.received: list[tuple[str, dict[str, Any]]] = []
        self.nicks: list[str] = []
        self.lostNodes: list[str] = []
        self.lostNicks: list[str] = []
        self.ups = 0
        self.downs = 0
        address = RedisAddress.fromURL(server.url)
        self.bus: Bus
        self.link = RedisLink(reactor, address, [CHANNEL], lambda c, m: self.bus.received(c, m))
        self.bus = Bus(name, CHANNEL, self.link.publish, onHeard=lambda n: self.presence.seen(n))
        self.bus.on("say", lambda node, fields: self.received.append((node, fields)))
        self.presence = Presence(
            self.link.execute,
            reactor,
            name,
            lambda: list(self.nicks),
            self.lostNicks.append,
            self.lostNodes.append,
            interval=ttl / 5,
            ttl=ttl,
        )
        self.link.whenUp(self._up)
        self.link.whenDown(self._down)

    def _up(self) -> None:
        self.ups += 1
        self.presence.linkUp()

    def _down(self) -> None:
        self.downs += 1
        self.presence.linkDown()

    async def start(self) -> None:
        self.link.startService()
        self.presence.start()
        await waitUntil(lambda: self.link.up)

    async def stop(self) -> None:
        self.presence.stop()
        await self.link.stopService()


@pytest.fixture
def nodes(redisServer: RedisServer) -> Any:
    made: list[Node] = []

    def make(name: str, ttl: float = 1.0) -> Node:
        node = Node(redisServer, name, ttl)
        made.append(node)
        return node

    yield make
    for node in made:
        pytest_twisted.blockon(Deferred.fromCoroutine(node.stop()))


@pytest_twisted.ensureDeferred
async def test_commandsAndOrder(redisServer: RedisServer, nodes: Any) -> None:
    """
    Commands work, and 300 events from one node reach another in order,
    none lost and none duplicated; a node does not hear itself.
    """
    a, b = nodes("a"), nodes("b")
    await a.start()
    await b.start()
    assert await a.link.execute("SET", "k", "v") == "OK"
    assert await b.link.execute("GET", "k") == "v"
    for i in range(300):
        a.bus.publish("say", i=i, text="é")
    await waitUntil(lambda: len(b.received) == 300)
    assert [f["i"] for _, f in b.received] == list(range(300))
    assert a.received == []
    assert b.bus.lastSeq == {"a": 300}


@pytest_twisted.ensureDeferred
async def test_claimsWithRealScripts(redisServer: RedisServer, nodes: Any) -> None:
    """
    Nickname claims on a real Redis: one winner, release only by the
    holder, renewal by the heartbeat, and a dead node detected.
    """
    a, b = nodes("a"), nodes("b")
    await a.start()
    await b.start()
    await a.presence.claim("Alice")
    a.nicks.append("Alice")
    with pytest.raises(NickTaken):
        await b.presence.claim("alice")
    b.presence.release("alice")
    await deferLater(reactor, 1.5, lambda: None)  # longer than the TTL: renewed meanwhile
    with pytest.raises(NickTaken):
        await b.presence.claim("ALICE")
    b.bus.publish("say", i=0)
    await waitUntil(lambda: len(a.received) == 1)
    assert a.presence.peers == {"b"}
    await b.stop()
    await waitUntil(lambda: a.lostNodes == ["b"], timeout=2.0)


@pytest_twisted.ensureDeferred
async def test_redisRestarted(redisServer: RedisServer, nodes: Any) -> None:
    """
    Redis restarting under running links: both notice, commands fail at
    once with L{RedisUnavailable} meanwhile, the links come back on their
    own with subscriptions restored, and claims are taken again.
    """
    a, b = nodes("a"), nodes("b")
    await a.start()
    await b.start()
    await a.presence.claim("alice")
    a.nicks.append("alice")
    a.bus.publish("say", i=0)
    await waitUntil(lambda: len(b.received) == 1)
    redisServer.stop()
    await waitUntil(lambda: a.downs == 1 and b.downs == 1)
    with pytest.raises(RedisUnavailable):
        await a.link.execute("GET", "k")
    a.bus.publish("say", i=1)  # dropped, not raised
    assert a.bus.dropped == 1
    redisServer.start()
    await waitUntil(lambda: a.ups == 2 and b.ups == 2)
    await deferLater(reactor, 0.1, lambda: None)  # the re-claiming beat
    with pytest.raises(NickTaken):
        await b.presence.claim("alice")
    gaps: list[str] = []
    b.bus.onGap = gaps.append
    a.bus.publish("say", i=2)
    await waitUntil(lambda: len(b.received) == 2)
    assert [f["i"] for _, f in b.received] == [0, 2]
    assert gaps == ["a"]
