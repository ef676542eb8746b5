"""
L{chatd.cluster.redis}, the bus and presence against a real C{redis-server}:
commands, pub/sub order, claims with the real Lua scripts, and Redis
restarted under a running link.
"""

from __future__ import annotations

import signal
from collections.abc import Callable
from typing import Any

import pytest
import pytest_twisted
from twisted.internet import reactor as _reactor
from twisted.internet.defer import CancelledError, Deferred, gatherResults, maybeDeferred
from twisted.internet.task import deferLater
from twisted.logger import ILogObserver, LogLevel, globalLogPublisher
from twisted.trial.unittest import SynchronousTestCase
from zope.interface import provider

from chatd.cluster.bus import Bus
from chatd.cluster.connections import REPLY_TIMEOUT
from chatd.cluster.envelopes import ENTRY_LIMIT
from chatd.cluster.node import ClusterNode
from chatd.cluster.presence import Presence
from chatd.cluster.redis import RedisAddress, RedisLink, RedisUnavailable
from chatd.core.errors import NickTaken
from chatd.core.service import ChatService
from chatd.testing import RecordingParticipant
from tests.support.redis_server import RedisServer, redisServer

reactor: Any = _reactor
__all__ = ["redisServer"]
CHANNEL = "chatd:0:inbox:solo"


def inbox(node: str) -> str:
    return f"chatd:0:inbox:{node}"


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
        self.link = RedisLink(reactor, address, inbox(name), lambda c, m: self.bus.received(c, m))
        self.bus = Bus(
            name, inbox, self.link.publish, reactor, onHeard=lambda n: self.presence.seen(n)
        )
        self.bus.peers = lambda: self.presence.peers
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
            inbox=inbox,
        )
        self.link.whenUp(self._up)
        self.link.whenDown(self._down)

    def _up(self) -> None:
        self.ups += 1
        self.bus.linkUp()
        self.presence.linkUp()

    def _down(self) -> None:
        self.downs += 1
        self.bus.linkDown()
        self.presence.linkDown()

    async def start(self) -> None:
        self.link.startService()
        self.presence.start()
        await waitUntil(lambda: self.link.up)
        await self.presence.discover()

    async def stop(self) -> None:
        self.presence.stop()
        await self.link.stopService()


async def startAll(*nodes: Node) -> None:
    """
    Start C{nodes} in turn; then each learns the others (as a chatd node
    learns from their hello).
    """
    for node in nodes:
        await node.start()
    for node in nodes:
        await node.presence.discover()


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
    none lost and none duplicated, in as few stream entries as one turn's
    allow (L{ENTRY_LIMIT} envelopes each); a node does not hear itself.
    """
    a, b = nodes("a"), nodes("b")
    await startAll(a, b)
    assert await a.link.execute("SET", "k", "v") == "OK"
    assert await b.link.execute("GET", "k") == "v"
    for i in range(300):
        a.bus.publish("say", i=i, text="é")
    await waitUntil(lambda: len(b.received) == 300)
    assert [f["i"] for _, f in b.received] == list(range(300))
    assert a.received == []
    assert b.bus.lastSeq == {"a": 300}
    assert await a.link.execute("XLEN", inbox("b")) == -(-300 // ENTRY_LIMIT)


@pytest_twisted.ensureDeferred
async def test_claimsWithRealScripts(redisServer: RedisServer, nodes: Any) -> None:
    """
    Nickname claims on a real Redis: one winner, release only by the
    holder, renewal by the heartbeat, and a dead node detected.
    """
    a, b = nodes("a"), nodes("b")
    await startAll(a, b)
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
    own and read the new stream, claims are taken again, and an event
    published meanwhile waited and arrives, in order, without a gap.
    """
    a, b = nodes("a"), nodes("b")
    await startAll(a, b)
    await a.presence.claim("alice")
    a.nicks.append("alice")
    a.bus.publish("say", i=0)
    await waitUntil(lambda: len(b.received) == 1)
    redisServer.stop()
    await waitUntil(lambda: a.downs == 1 and b.downs == 1)
    with pytest.raises(RedisUnavailable):
        await a.link.execute("GET", "k")
    a.bus.publish("say", i=1)  # queued, not raised
    assert (a.bus.waiting(), a.bus.dropped) == (1, 0)
    with pytest.raises(RedisUnavailable):
        await a.bus.sendTo("b", "tell", i=9)  # a private message is refused, not queued
    redisServer.start()
    await waitUntil(lambda: a.ups == 2 and b.ups == 2)
    await deferLater(reactor, 0.1, lambda: None)  # the re-claiming beat
    with pytest.raises(NickTaken):
        await b.presence.claim("alice")
    gaps: list[str] = []
    b.bus.onGap = gaps.append
    a.bus.publish("say", i=2)
    await waitUntil(lambda: len(b.received) == 3)
    assert [f["i"] for _, f in b.received] == [0, 1, 2]
    assert gaps == []


@pytest_twisted.ensureDeferred
async def test_readerResumes(redisServer: RedisServer, nodes: Any) -> None:
    """
    A node whose reading connection is cut while Redis keeps running
    reconnects and reads on from the last entry it had: the events added
    meanwhile arrive, none lost, none twice.
    """
    # A TTL of seconds: a busy machine stalling a heartbeat must not make b
    # look dead to a (whose events then go to nobody) while b reconnects.
    a, b = nodes("a", 5.0), nodes("b", 5.0)
    await startAll(a, b)
    a.bus.publish("say", i=0)
    await waitUntil(lambda: len(b.received) == 1)
    clients = str(await a.link.execute("CLIENT", "LIST")).splitlines()
    readers = [line.split()[0].partition("=")[2] for line in clients if "cmd=xread" in line]
    assert len(readers) == 2  # a's and b's; kill b's (the later one)
    await a.link.execute("CLIENT", "KILL", "ID", readers[-1])
    for i in range(1, 50):
        a.bus.publish("say", i=i)
    await waitUntil(lambda: len(b.received) == 50)
    assert [f["i"] for _, f in b.received] == list(range(50))
    assert b.downs == 1 and b.ups == 2


@pytest_twisted.ensureDeferred
async def test_newStreamReadWhole(redisServer: RedisServer, nodes: Any) -> None:
    """
    A node that reconnects to a stream ending before the last entry it
    read (Redis lost the stream and began another, whose ids may be lower)
    reads the new stream from its start instead of waiting past its end.
    """
    # A TTL of seconds: a busy machine stalling a heartbeat must not make b
    # look dead to a (whose events then go to nobody) while b reconnects.
    a, b = nodes("a", 5.0), nodes("b", 5.0)
    await startAll(a, b)
    a.bus.publish("say", i=0)
    await waitUntil(lambda: len(b.received) == 1)
    a.bus.publish("say", i=1)
    await waitUntil(lambda: len(b.received) == 2)
    clients = str(await a.link.execute("CLIENT", "LIST")).splitlines()
    readers = [line.split()[0].partition("=")[2] for line in clients if "cmd=xread" in line]
    b.link.lastId = "99999999999999-0"  # as if b had read far along a lost stream
    await a.link.execute("CLIENT", "KILL", "ID", readers[-1])
    await waitUntil(lambda: b.ups == 2)
    a.bus.publish("say", i=2)
    await waitUntil(lambda: len(b.received) == 3)
    assert [f["i"] for _, f in b.received] == [0, 1, 2]  # the old ones dropped as duplicates


@pytest_twisted.ensureDeferred
async def test_readyWaitsForTheLink(redisServer: RedisServer) -> None:
    """
    L{RedisLink.ready} fires once the link is up (at once afterwards); a
    cancelled wait is withdrawn; stopping the link fails the waits left.
    """
    link = RedisLink(reactor, RedisAddress.fromURL(redisServer.url), CHANNEL, lambda c, m: None)
    first, withdrawn, second = link.ready(), link.ready(), link.ready()
    withdrawn.cancel()
    with pytest.raises(CancelledError):
        await withdrawn
    assert not first.called
    link.startService()
    try:
        await first.addTimeout(10, reactor)
        assert link.up
        await second
        assert link.ready().called
    finally:
        await link.stopService()
    neverStarted = RedisLink(reactor, RedisAddress.fromURL(redisServer.url), CHANNEL, print)
    waiting = neverStarted.ready()
    await neverStarted.stopService()
    with pytest.raises(RedisUnavailable):
        await waiting


@pytest_twisted.ensureDeferred
async def test_loginBurstFromStart(redisServer: RedisServer) -> None:
    """
    A burst of 400 logins and room entries reaching a node as it starts,
    before its link to Redis is up, is admitted in full once the link is
    up, and so is a second burst while the heartbeat renews the first;
    every claim is in Redis.  (Before claims waited for the link, such a
    burst was answered "try again" and the benchmark waited forever.)
    """
    service = ChatService(reactor, rooms=["lobby"])
    node = ClusterNode(service, redisServer.url, reactor, nodeId="burst", heartbeat=0.2, ttl=2.0)
    service.startService()
    node.startService()
    users: list[RecordingParticipant] = []
    try:

        def enter(_: object, user: RecordingParticipant) -> Any:
            return service.enter(user, "lobby")

        def burst(prefix: str) -> Deferred[Any]:
            logins = []
            for i in range(400):
                user = RecordingParticipant()
                service.connect(user)
                users.append(user)
                d = maybeDeferred(service.login, user, f"{prefix}{i}")
                logins.append(d.addCallback(enter, user))
            done = gatherResults(logins, consumeErrors=True)
            return done.addTimeout(20, reactor)

        assert not node.link.up
        assert service.stats.clusterUp is not None and not service.stats.clusterUp()
        await burst("early")
        await deferLater(reactor, 0.3, lambda: None)  # a heartbeat or so
        await burst("later")
        assert len(service.members(users[0], "lobby")) == 800
        assert service.stats.clusterUp()  # /healthz and chatd_cluster_up say so
        held = await node.link.execute("KEYS", "chatd:nick:*")
        assert len(held) == 800
    finally:
        for user in users:
            service.disconnect(user, "test over")
        await node.stopService()
        service.stopService()


@pytest_twisted.ensureDeferred
async def test_hungRedisQuietlyRetried(redisServer: RedisServer, nodes: Any) -> None:
    """
    Redis hung (C{SIGSTOP}) long enough for a reconnection to time out
    while it is being prepared: the links notice, try again without a
    critical error in the log (Twisted's C{ClientService} once raised
    C{NoTransition} there), and come back once Redis resumes.
    """
    criticals: list[dict[str, Any]] = []

    @provider(ILogObserver)
    def observe(event: dict[str, Any]) -> None:
        if event.get("log_level") == LogLevel.critical:
            criticals.append(event)

    a, b = nodes("a"), nodes("b")
    await startAll(a, b)
    assert redisServer.process is not None
    globalLogPublisher.addObserver(observe)
    try:
        redisServer.process.send_signal(signal.SIGSTOP)
        await waitUntil(lambda: a.downs == 1 and b.downs == 1, timeout=20.0)
        await deferLater(reactor, 3 * REPLY_TIMEOUT, lambda: None)  # retries time out
        redisServer.process.send_signal(signal.SIGCONT)
        await waitUntil(lambda: a.ups == 2 and b.ups == 2, timeout=20.0)
    finally:
        redisServer.process.send_signal(signal.SIGCONT)
        globalLogPublisher.removeObserver(observe)
    assert [event.get("log_format") for event in criticals] == []


@pytest_twisted.ensureDeferred
async def test_stoppedWhileRedisHangs(redisServer: RedisServer, nodes: Any) -> None:
    """
    A node stopped while Redis is hung, with reconnections being prepared,
    closes every connection it made, without a critical error in the log
    (Twisted's C{ClientService} left the one being prepared open, and
    raised C{NoTransition} when it closed).
    """
    criticals: list[dict[str, Any]] = []
    unprepared: list[dict[str, Any]] = []

    @provider(ILogObserver)
    def observe(event: dict[str, Any]) -> None:
        if event.get("log_level") == LogLevel.critical:
            criticals.append(event)
        if "was not ready" in (event.get("log_format") or ""):
            unprepared.append(event)

    a = nodes("a")
    await startAll(a)
    assert redisServer.process is not None
    globalLogPublisher.addObserver(observe)
    try:
        redisServer.process.send_signal(signal.SIGSTOP)
        await waitUntil(lambda: len(unprepared) == 1, timeout=30.0)
        # The next try (after at most 2 s of back-off) waits REPLY_TIMEOUT
        # for its preparation: stop in the middle of it.
        await deferLater(reactor, 2.0 + REPLY_TIMEOUT / 2, lambda: None)
        await a.stop()
        redisServer.process.send_signal(signal.SIGCONT)
        await deferLater(reactor, 0.5, lambda: None)  # Redis takes what waited for it
        await waitUntil(lambda: redisServer.clients() == 0, timeout=5.0)
    finally:
        redisServer.process.send_signal(signal.SIGCONT)
        globalLogPublisher.removeObserver(observe)
    assert [event.get("log_format") for event in criticals] == []


@pytest_twisted.ensureDeferred
async def test_notBackWhileRedisHangs(redisServer: RedisServer, nodes: Any) -> None:
    """
    While Redis hangs, a new connection the kernel accepts for it is not
    taken for Redis being back: the link stays down (no "is back", no
    second up) until Redis answers again, then comes back once.
    """
    a = nodes("a")
    await startAll(a)
    assert redisServer.process is not None
    try:
        redisServer.process.send_signal(signal.SIGSTOP)
        await waitUntil(lambda: a.downs == 1, timeout=30.0)
        # Two reconnections (back-off at most 2 s, then REPLY_TIMEOUT each).
        await deferLater(reactor, 2 * (2.0 + REPLY_TIMEOUT), lambda: None)
        assert (a.ups, a.link.up) == (1, False)
    finally:
        redisServer.process.send_signal(signal.SIGCONT)
    await waitUntil(lambda: a.link.up, timeout=30.0)
    assert a.ups == 2
    await a.stop()
