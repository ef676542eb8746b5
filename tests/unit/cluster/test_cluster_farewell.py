"""
Tests for L{chatd.cluster.farewell}: a node stopped cleanly while Redis is
away sends what it had queued once Redis is back (within the shutdown's
grace), before its goodbye, or logs how many events it could not send.
"""

from __future__ import annotations

from typing import Any

from twisted.internet.defer import Deferred, fail, succeed
from twisted.logger import LogLevel, capturedLogs, formatEvent

from chatd.cluster.farewell import Farewell
from chatd.core.errors import StoreUnavailable
from tests.support.fakenode import FakeNode, TwoNodes, said
from tests.support.fakeredis import FakeRedis


class FakeLink:
    """
    The Redis link of one fake node, for its farewell: ready once the fake
    Redis is back (L{back}).
    """

    def __init__(self, redis: FakeRedis, node: FakeNode) -> None:
        self.redis, self.node, self.stream = redis, node, node.inbox
        self.waiters: list[Deferred[None]] = []

    def ready(self) -> Deferred[None]:
        if not self.redis.down:
            return succeed(None)
        waiter: Deferred[None] = Deferred(self.waiters.remove)
        self.waiters.append(waiter)
        return waiter

    def execute(self, *args: object, timeout: bool = True) -> Deferred[Any]:
        return self.redis.execute(*args)

    def back(self) -> None:
        """
        Redis is back: the node's link says so (only what waited goes out).
        """
        self.redis.down = False
        self.node.bus.linkUp()
        waiters, self.waiters = self.waiters, []
        for waiter in waiters:
            waiter.callback(None)


class FarewellTests(TwoNodes):
    """
    alice on node a and bob on node b share lobby; Redis goes away, bob
    speaks, and node b is stopped (SIGTERM).
    """

    def setUp(self) -> None:
        super().setUp()
        self.alice = self.a.user("alice", "lobby")
        self.bob = self.b.user("bob", "lobby")
        self.settle()
        self.down()
        for text in ("one", "two", "three"):
            self.b.service.say(self.bob, "lobby", (text,))
        self.settle()
        self.assertEqual(said(self.alice, "lobby"), [])
        self.link = FakeLink(self.redis, self.b)

    def stopB(self, written: Deferred[None] | None = None) -> Deferred[None]:
        """
        Stop node b; its store has written what it queued once C{written} fired.
        """
        self.b.hold()  # a stopping node reads nothing more (ClusterNode._received)
        done = (lambda: written) if written is not None else (lambda: succeed(None))
        farewell = Farewell(self.b.bus, self.b.presence, self.link, self.clock, 10.0, done)
        return farewell.leave()

    def test_queueSentWhenRedisIsBack(self) -> None:
        """
        Redis back within the grace: the stop waits for it, and node a's
        members get bob's messages, in order, and then see him leave.
        """
        with capturedLogs() as events:
            stopped = self.stopB()
            self.clock.advance(4)
            self.assertNoResult(stopped)
            self.link.back()
            self.settle()
            self.successResultOf(stopped)
            self.a.bridge.linkUp()
            self.settle()
        self.assertEqual(said(self.alice, "lobby"), [("bob", t) for t in ("one", "two", "three")])
        self.assertIsNone(self.a.service.find("bob"))  # the goodbye came after them
        self.assertNotIn("b", self.a.presence.peers)
        self.assertEqual([e for e in events if e["log_level"] >= LogLevel.error], [])

    def test_storeWrittenBeforeGoodbye(self) -> None:
        """
        The goodbye waits until the node's store wrote what it queued: the
        other nodes may read back from it what never reached them.
        """
        written: Deferred[None] = Deferred()
        stopped = self.stopB(written)
        self.link.back()
        self.a.bridge.linkUp()
        self.settle()
        self.assertNoResult(stopped)
        self.assertIsNotNone(self.a.service.find("bob"))  # no goodbye yet
        written.callback(None)
        self.settle()
        self.successResultOf(stopped)
        self.assertIsNone(self.a.service.find("bob"))

    def test_claimsGivenBackAtGoodbye(self) -> None:
        """
        The goodbye gives back the claims of the node's users and a claim
        Redis granted whose answer was still on its way (an always-on
        account being put back as the node stops): node a may take the
        name at once, not only once the claim expires.
        """
        self.link.back()
        self.a.bridge.linkUp()
        self.settle()
        self.redis.holding = True
        claiming = self.b.presence.claim("owl")
        written: Deferred[None] = Deferred()
        stopped = self.stopB(written)
        written.callback(None)
        self.redis.holding = False
        self.redis.answerHeld()
        self.successResultOf(claiming)
        self.settle()
        self.successResultOf(stopped)
        for nick in ("owl", "bob"):
            self.successResultOf(self.a.presence.claim(nick))

    def test_notBackInTime(self) -> None:
        """
        Redis not back within the grace: the stop goes on, and an error
        says how many events were not sent.
        """
        with capturedLogs() as events:
            stopped = self.stopB()
            self.clock.advance(9.9)
            self.assertNoResult(stopped)
            self.clock.advance(0.1)
            self.successResultOf(stopped)
        [error] = [formatEvent(e) for e in events if e["log_level"] == LogLevel.error]
        unsent = self.b.bus.waiting()
        self.assertIn(f"stopped with {unsent} events for the other nodes not sent, 3 of", error)
        self.assertIn("not back within 10 s", error)
        self.assertEqual(self.link.waiters, [])

    def test_databaseAwayWarned(self) -> None:
        """
        A store that cannot write before the goodbye because the database
        is away (it keeps what it holds for the next start, and says so) is
        a warning, without a traceback; the stop goes on.
        """
        with capturedLogs() as events:
            stopped = self.stopB(fail(StoreUnavailable("the chat database is unreachable")))
            self.link.back()
            self.a.bridge.linkUp()
            self.settle()
            self.successResultOf(stopped)
        self.assertIsNone(self.a.service.find("bob"))  # its goodbye was said
        levels = [e["log_level"] for e in events]
        self.assertNotIn(LogLevel.critical, levels)
        [warning] = [formatEvent(e) for e in events if e["log_level"] == LogLevel.warn]
        self.assertIn("stopping while the database is away: the store could not write", warning)

    def test_nothingQueued(self) -> None:
        """
        With nothing queued the stop does not wait, Redis there or not.
        """
        self.link.back()
        self.a.bridge.linkUp()
        self.settle()
        self.down()
        self.successResultOf(self.stopB())
