"""
Tests for L{chatd.cluster.latency}: a Redis slow to answer is logged once
per spell; and for how long a private message to another node waits for
Redis's answer (L{chatd.cluster.bus.Bus.sendTo}).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from twisted.internet.defer import Deferred
from twisted.internet.task import Clock
from twisted.internet.testing import StringTransport
from twisted.logger import LogLevel, capturedLogs
from twisted.trial.unittest import SynchronousTestCase

from chatd.cluster.address import RedisUnavailable
from chatd.cluster.latency import ACK_WAIT, Latency
from chatd.core import errors
from chatd.core.events import Notice
from chatd.tchat import TchatFactory, TchatProtocol
from chatd.testing import settled
from tests.support.fakenode import TwoNodes
from tests.support.helpers import connect, output


def levels(events: Sequence[dict[str, Any]]) -> list[LogLevel]:
    return [event["log_level"] for event in events]


class LatencyTests(SynchronousTestCase):
    def setUp(self) -> None:
        self.clock = Clock()
        self.latency = Latency(self.clock)

    def test_onceASpell(self) -> None:
        """
        A publication that waits past a second is logged once, however long
        it and those after it wait; Redis answering again is logged once;
        a later spell is logged again.
        """
        first: Deferred[None] = Deferred()
        with capturedLogs() as events:
            self.latency.watch(first)
            self.clock.advance(0.9)
            self.assertEqual(events, [])
            self.clock.advance(0.2)
            self.assertEqual(levels(events), [LogLevel.warn])
            self.assertIn("Redis is slow to answer", events[0]["log_format"])
            later: Deferred[None] = Deferred()
            self.latency.watch(later)
            for lost in (first, later):
                lost.addErrback(lambda _: None)
            self.clock.advance(10)
            first.errback(RedisUnavailable("connection lost"))  # the link was dropped
            later.errback(RedisUnavailable("connection lost"))
            self.clock.advance(10)
            self.assertEqual(levels(events), [LogLevel.warn])
            back: Deferred[None] = Deferred()
            self.latency.watch(back)
            back.callback(None)
            self.assertEqual(levels(events), [LogLevel.warn, LogLevel.info])
            again: Deferred[None] = Deferred()
            self.latency.watch(again)
            self.clock.advance(1.5)
            again.callback(None)
        self.assertEqual(levels(events), [LogLevel.warn, LogLevel.info] * 2)

    def test_noTimerWhenNothingWaits(self) -> None:
        """
        Once every publication is answered, no check is left waiting on the
        clock (a stopped node leaves no timer behind); a new one starts it
        again.
        """
        answered: Deferred[None] = Deferred()
        self.latency.watch(answered)
        self.assertEqual(len(self.clock.getDelayedCalls()), 1)
        answered.callback(None)
        self.assertEqual(self.clock.getDelayedCalls(), [])
        slow: Deferred[None] = Deferred()
        with capturedLogs() as events:
            self.latency.watch(slow)
            self.clock.advance(1.5)
        self.assertEqual(levels(events), [LogLevel.warn])
        slow.callback(None)

    def test_answeredInTimeNotLogged(self) -> None:
        """
        Publications answered within a second, one after the other, log
        nothing, and leave no timer behind.
        """
        with capturedLogs() as events:
            for _ in range(3):
                d: Deferred[None] = Deferred()
                self.latency.watch(d)
                self.clock.advance(0.6)
                d.callback(None)
            self.clock.advance(5)
        self.assertEqual(events, [])
        self.assertEqual(self.clock.getDelayedCalls(), [])


class PrivateWaitTests(TwoNodes):
    """
    A Redis that takes commands but does not answer (hung, or slow).
    """

    def test_refusedAfterTwoSeconds(self) -> None:
        """
        A private message to another node waits for Redis's answer
        C{ACK_WAIT} (2) seconds at most: then its sender is refused; the
        answer coming later changes nothing for it.
        """
        alice = self.a.user("alice")
        self.b.user("bob")
        self.b.hold()  # (b reads nothing: nobody says it arrived)
        self.redis.holding = True
        told = settled(self.a.service.tell(alice, "bob", ("hi",)))
        self.settle()
        self.clock.advance(ACK_WAIT - 0.1)
        self.assertNoResult(told)
        self.clock.advance(0.1)
        self.failureResultOf(told, errors.RelayUnavailable)
        held = [d for d, _ in self.redis.held]
        self.redis.answerHeld()
        self.redis.holding = False
        self.settle()
        for publishing in held:
            self.successResultOf(publishing)  # its end went without error
        self.assertEqual(self.flushLoggedErrors(), [])

    def test_refusedThenConnectionLost(self) -> None:
        """
        The connection lost after the message was refused (the link's
        watchdog gave up on a hung Redis) changes nothing for it either.
        """
        alice = self.a.user("alice")
        self.b.user("bob")
        self.b.hold()
        self.redis.holding = True
        told = settled(self.a.service.tell(alice, "bob", ("hi",)))
        self.settle()
        self.clock.advance(ACK_WAIT)
        self.failureResultOf(told, errors.RelayUnavailable)
        held, self.redis.held = [d for d, _ in self.redis.held], []
        for publishing in held:
            publishing.errback(RedisUnavailable("connection lost"))
            self.successResultOf(publishing)  # its end went without error
        self.redis.holding = False
        self.assertEqual(self.flushLoggedErrors(), [])

    def test_bouncedBeforeTheAnswer(self) -> None:
        """
        One that reached nobody on its recipient's node (they had left)
        before Redis's answer came: its sender is refused, and told it
        reached nobody, never that it reached them.
        """
        alice = self.a.user("alice")
        gus = self.b.user("gus")
        self.b.hold()
        self.redis.holding = True
        told = settled(self.a.service.tell(alice, "gus", ("hi",)))
        self.settle()
        self.b.service.disconnect(gus, "gone")
        self.b.release()
        self.settle()
        self.clock.advance(ACK_WAIT)
        self.failureResultOf(told, errors.RelayUnavailable)
        self.settle()
        [notice] = [e.text for e in alice.events if isinstance(e, Notice)]
        self.assertTrue(notice.startswith('gus left before your private message ("hi"'), notice)
        self.redis.answerHeld()
        self.redis.holding = False

    def test_arrivedBeforeTheAnswer(self) -> None:
        """
        One Redis took and its recipient's node handled before Redis's
        answer came (it came too late): its sender is refused, then told
        that it reached them after all.
        """
        alice = self.a.user("alice")
        self.b.user("bob")
        self.redis.holding = True
        told = settled(self.a.service.tell(alice, "bob", ("hi",)))
        self.settle()
        self.clock.advance(ACK_WAIT)
        self.failureResultOf(told, errors.RelayUnavailable)
        self.settle()
        [notice] = [e.text for e in alice.events if isinstance(e, Notice)]
        self.assertIn('your private message ("hi", sent at ', notice)
        self.assertIn("reached them after all, late", notice)
        self.redis.answerHeld()
        self.redis.holding = False
        self.settle()
        self.assertEqual(len([e for e in alice.events if isinstance(e, Notice)]), 1)

    def aliceWhileRedisHangs(self) -> tuple[TchatProtocol, StringTransport]:
        """
        alice over TCHAT on node a and bob on node b, both in lobby; then
        Redis hangs (node b reads nothing, no reply comes).
        """
        self.b.user("bob", "lobby")
        factory = TchatFactory(self.a.service, self.clock, floodBurst=None, aliveAfter=None)
        proto, transport = connect(factory, self.clock)
        assert isinstance(proto, TchatProtocol)
        self.addCleanup(proto.connectionLost, None)
        proto.dataReceived(b"clt: LOGIN alice\r\nclt: ENTER lobby\r\n")
        self.settle()
        output(transport, self.clock)
        self.b.hold()
        self.redis.holding = True
        return proto, transport

    def test_tchatLaterLinesWaitTwoSecondsAtMost(self) -> None:
        """
        Over TCHAT, commands are answered in order: a line after a
        C{MSGPV} to another node waits for it, 2 seconds at most.
        """
        proto, transport = self.aliceWhileRedisHangs()
        proto.dataReceived(b"clt: MSGPV bob\r\nclt: hi\r\nclt: .\r\n")
        proto.dataReceived(b"clt: SPEAK lobby\r\nclt: later\r\nclt: .\r\n")
        self.settle()
        self.clock.advance(ACK_WAIT - 0.1)
        self.assertEqual(output(transport, self.clock), b"")
        self.clock.advance(0.1)
        self.settle()
        self.assertEqual(output(transport, self.clock), b"srv: ERROR 03\nsrv: OKAY!\n")
        self.redis.answerHeld()
        self.redis.holding = False

    def test_tchatPipelinedPrivateMessagesTwoSecondsInAll(self) -> None:
        """
        Three C{MSGPV} to another node, pipelined, while Redis hangs: the
        first waits C{ACK_WAIT} seconds and is refused; Redis being known
        slow by then, the others are refused at once, not sent, so no line
        waits more than C{ACK_WAIT} in all.
        """
        proto, transport = self.aliceWhileRedisHangs()
        proto.dataReceived(b"clt: MSGPV bob\r\nclt: hi\r\nclt: .\r\n" * 3)
        self.settle()
        self.clock.advance(ACK_WAIT - 0.1)
        self.assertEqual(output(transport, self.clock), b"")
        self.clock.advance(0.1)
        self.settle()
        self.assertEqual(output(transport, self.clock), b"srv: ERROR 03\n" * 3)
        tells = [m for e in self.redis.streams.values() for _, m in e if '"k":"tell"' in m]
        self.assertEqual(len(tells), 1)  # the other two were not sent
        self.redis.answerHeld()
        self.redis.holding = False

    def test_slowRedisLoggedOnce(self) -> None:
        """
        A node whose publications Redis is slow to answer logs it once, a
        second after the first, and once more when Redis answers.
        """
        alice = self.a.user("alice", "lobby")
        self.b.user("bob", "lobby")
        with capturedLogs() as events:
            self.redis.holding = True
            for text in ("one", "two", "three"):
                self.a.service.say(alice, "lobby", (text,))
                self.settle()
                self.clock.advance(0.6)
            self.redis.answerHeld()
            self.redis.holding = False
            self.settle()
        mine = [e for e in events if e.get("log_namespace") == "chatd.cluster.latency.Latency"]
        self.assertEqual(levels(mine), [LogLevel.warn, LogLevel.info])
