"""
Tests for logins of registered accounts in a cluster sharing one store
(L{chatd.core.persistence}'s welcome, L{chatd.core.login}'s refusals): a
private message kept on another node for someone who was, at that moment,
logging in here reaches them with the welcome, not at their next login;
what they took on another node a moment before, not yet marked delivered
there, is not handed to them again; an account signed in on another node
is "in use" only while that node can be heard.
"""

from __future__ import annotations

from twisted.internet.defer import Deferred, fail
from twisted.internet.task import Clock, deferLater
from twisted.trial.unittest import SynchronousTestCase

from chatd.core.errors import StoreUnavailable
from chatd.core.events import PrivateMessage
from chatd.core.inbox import Kept
from chatd.irc.factory import IRCFactory
from chatd.storage.memory import MemoryChatStore
from chatd.tchat import TchatFactory
from chatd.testing import RecordingParticipant, settled
from tests.support.fakenode import accountNodes
from tests.support.fakeredis import FakeRedis
from tests.support.helpers import connect, output, refusedElsewhere
from tests.support.queuedstore import QueuedStore


class SlowCountStore(QueuedStore):
    """
    A L{QueuedStore} that takes a second to count the messages waiting for
    someone (a busy database): a message kept meanwhile is queued late.
    """

    def __init__(self, shared: MemoryChatStore, clock: Clock) -> None:
        super().__init__(shared)
        self.clock = clock

    def waitingCount(self, nick: str) -> Deferred[int]:
        return deferLater(self.clock, 1, lambda: None).addCallback(
            lambda _: self.shared.waitingCount(nick)
        )


class HeldMarkStore(SlowCountStore):
    """
    A L{SlowCountStore} whose marks of delivered messages, once
    C{holding}, wait in C{held} until the test lets them through (a busy
    database), and fail while C{away} (the database restarting), counted in
    C{failed}.
    """

    def __init__(self, shared: MemoryChatStore, clock: Clock) -> None:
        super().__init__(shared, clock)
        self.holding = self.away = False
        self.held: list[Deferred[None]] = []
        self.failed = 0

    def markDelivered(self, ids: list[int]) -> Deferred[None]:
        if self.away:
            self.failed += 1
            return fail(StoreUnavailable())
        if not self.holding:
            return self.shared.markDelivered(ids)
        held: Deferred[None] = Deferred()
        self.held.append(held)
        return held.addCallback(lambda _: self.shared.markDelivered(ids))


class LoginWhileToldTests(SynchronousTestCase):
    """
    Nodes C{a} and C{b} sharing one store, each writing what it keeps in
    batches (L{QueuedStore}); bob registered; alice on C{a}.
    """

    def setUp(self) -> None:
        self.clock = Clock()
        self.clock.advance(1_700_000_000)
        self.redis = FakeRedis(self.clock)
        self.shared = MemoryChatStore()
        self.shared.startService()
        self.a, self.b = accountNodes(
            self, self.redis, lambda: HeldMarkStore(self.shared, self.clock)
        )
        self.settle()
        bob = self.b.user("bob")
        self.successResultOf(self.b.service.register(bob, "secret1"))
        self.b.service.leave(bob, "Général")  # (where registering put him): no room at login
        self.b.service.disconnect(bob)
        self.alice = self.a.user("alice")
        self.settle()

    def settle(self) -> None:
        for _ in range(10):
            self.clock.advance(0)

    def test_toldDuringLoginOnAnotherNode(self) -> None:
        """
        alice tells bob something while bob logs in on b and a has not yet
        heard of it: a keeps it for bob's next login (after a slow count of
        what waits for him, in its batch, not yet written).  bob's welcome on
        b waits for every node to write what it kept, counted or not, so bob
        gets it now, once.
        """
        self.a.hold()  # a hears nothing of bob's login yet
        bob = RecordingParticipant()
        self.b.service.connect(bob)
        login = settled(self.b.service.login(bob, "bob", "secret1"))
        told = settled(self.a.service.tell(self.alice, "bob", ("are you there?",)))
        self.a.release()  # a hears of the login, and is asked to write what it queued
        for _ in range(5):
            self.clock.advance(1)
            self.settle()
        self.successResultOf(login)
        self.assertIsInstance(self.successResultOf(told), Kept)  # acknowledged, kept
        received = [e.lines for e in bob.events if isinstance(e, PrivateMessage)]
        self.assertEqual(received, [("are you there?",)])
        self.assertEqual(self.successResultOf(self.shared.undelivered("bob", 10)), [])

    def test_signedOutWhileMarkingNotHandedAgain(self) -> None:
        """
        bob takes what waited for him on b, signs out before b has marked it
        delivered (its store is slow) and in on a: a's welcome waits for b
        to have marked it (the round in which each node writes what it
        holds) and hands him none of it again.
        """
        for text in ("one", "two"):
            told = settled(self.a.service.tell(self.alice, "bob", (text,)))
            self.clock.advance(1)
            self.settle()
            self.assertIsInstance(self.successResultOf(told), Kept)
        assert self.b.service.persistence is not None
        store = self.b.service.persistence.store
        assert isinstance(store, HeldMarkStore)
        store.holding = True
        bob = RecordingParticipant()
        self.b.service.connect(bob)
        self.successResultOf(self.b.outcome(self.b.service.login, bob, "bob", "secret1"))
        self.settle()
        received = [e.lines for e in bob.events if isinstance(e, PrivateMessage)]
        self.assertEqual(received, [("one",), ("two",)])
        self.assertEqual(len(store.held), 1)  # handed over, its mark under way
        self.b.service.disconnect(bob)
        self.settle()
        again = RecordingParticipant()
        self.a.service.connect(again)
        self.successResultOf(self.a.outcome(self.a.service.login, again, "bob", "secret1"))
        self.settle()
        store.held[0].callback(None)
        self.settle()
        self.assertEqual([e for e in again.events if isinstance(e, PrivateMessage)], [])
        self.assertEqual(self.successResultOf(self.shared.undelivered("bob", 10)), [])

    def test_signedOutWhileMarkFailsHandedAgainAtOnce(self) -> None:
        """
        bob takes what waited for him on b while the database is away (b's
        mark fails, and is tried again), then signs out and in on a: b's
        tries end at once, so a hands him, without waiting, what was never
        marked (again: at least once), and marks it.
        """
        for text in ("one", "two"):
            told = settled(self.a.service.tell(self.alice, "bob", (text,)))
            self.clock.advance(1)
            self.settle()
            self.assertIsInstance(self.successResultOf(told), Kept)
        assert self.b.service.persistence is not None
        store = self.b.service.persistence.store
        assert isinstance(store, HeldMarkStore)
        store.away = True
        bob = RecordingParticipant()
        self.b.service.connect(bob)
        self.successResultOf(self.b.outcome(self.b.service.login, bob, "bob", "secret1"))
        for _ in range(30):
            self.clock.advance(1)
            self.settle()
        self.assertEqual(
            [e.lines for e in bob.events if isinstance(e, PrivateMessage)][-1:], [("two",)]
        )
        self.b.service.disconnect(bob)
        self.settle()
        tries = store.failed
        self.assertGreater(tries, 1)  # tried again while bob stayed
        again = RecordingParticipant()
        self.a.service.connect(again)
        self.successResultOf(self.a.outcome(self.a.service.login, again, "bob", "secret1"))
        self.settle()
        received = [e.lines for e in again.events if isinstance(e, PrivateMessage)]
        self.assertEqual(received, [("one",), ("two",)])
        self.assertEqual(self.successResultOf(self.shared.undelivered("bob", 10)), [])
        for _ in range(120):
            self.clock.advance(1)
        self.assertEqual(store.failed, tries)  # b tried no more

    def test_signedInElsewhereWhileRedisIsAway(self) -> None:
        """
        bob is signed in on b.  His password login on a is refused as in use
        there (TCHAT C{ERROR 23}) while a hears b; while Redis is away, a
        cannot know whether b still holds him (b may have stopped
        meanwhile): the chat is briefly unreachable (C{ERROR 02}; IRC's
        C{NICK} gets C{437}, not C{433}), not "sign out there".
        """
        bob = RecordingParticipant()
        self.b.service.connect(bob)
        self.successResultOf(self.b.outcome(self.b.service.login, bob, "bob", "secret1"))
        self.settle()
        factory = TchatFactory(self.a.service, self.clock, floodBurst=None, aliveAfter=None)
        proto, transport = connect(factory, self.clock)
        self.addCleanup(proto.connectionLost, None)
        output(transport, self.clock)  # the greeting
        proto.dataReceived(b"clt: LOGIN bob secret1\r\n")
        self.settle()
        self.assertTrue(refusedElsewhere(output(transport, self.clock)))
        self.redis.down = True
        for node in (self.a, self.b):
            node.bridge.linkDown()
        proto.dataReceived(b"clt: LOGIN bob secret1\r\n")
        self.settle()
        self.assertEqual(output(transport, self.clock), b"srv: ERROR 02\n")
        irc, ircTransport = connect(
            IRCFactory(self.a.service, self.clock, floodBurst=None, aliveAfter=60), self.clock
        )
        self.addCleanup(irc.connectionLost, None)
        irc.dataReceived(b"NICK bob\r\nUSER bob 0 * :Bob\r\n")
        self.settle()
        said = output(ircTransport, self.clock).decode()
        self.assertIn(" 437 * bob :the chat is briefly unreachable", said)  # not 433
