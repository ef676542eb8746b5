"""
Tests for the private messages acknowledged to a user whose node was then
killed (L{chatd.cluster.receipts}, L{chatd.cluster.bridge.Bridge.flushForPeer},
L{chatd.core.storedlogin}): back on another node at once with her password,
she gets every one of them with her welcome (or right after it), once and
in order, over TCHAT, and none is left waiting for a later login; to a
guest, their senders are told they were not delivered.
"""

from __future__ import annotations

from typing import Any

from twisted.internet.defer import Deferred
from twisted.internet.task import Clock, deferLater
from twisted.internet.testing import StringTransport
from twisted.trial.unittest import SynchronousTestCase

from chatd.cluster.receipts import NOT_DELIVERED, which
from chatd.core.events import Notice, PrivateMessage
from chatd.storage.memory import MemoryChatStore
from chatd.tchat import TchatFactory
from chatd.testing import RecordingParticipant, settled
from tests.support.fakenode import FakeNode, namedAccountNodes
from tests.support.fakeredis import FakeRedis
from tests.support.helpers import connect, output


class SlowCounts:
    """
    A node's view of the shared store whose counts of the messages waiting
    take a moment (a query to PostgreSQL), as a keep first reads them.
    """

    def __init__(self, shared: MemoryChatStore, clock: Clock) -> None:
        self.shared, self.clock = shared, clock

    def __getattr__(self, name: str) -> Any:
        return getattr(self.shared, name)

    def waitingCount(self, nick: str) -> Deferred[int]:
        return deferLater(self.clock, 0.01, lambda: self.successOf(self.shared.waitingCount(nick)))

    def waitingFrom(self, nick: str, sender: str) -> Deferred[int]:
        counted = self.shared.waitingFrom(nick, sender)
        return deferLater(self.clock, 0.01, lambda: self.successOf(counted))

    @staticmethod
    def successOf(d: Deferred[int]) -> int:
        got: list[int] = []
        d.addCallback(got.append)
        return got[0]


def received(said: str) -> list[tuple[str, str]]:
    """
    The private messages in TCHAT output C{said}: their senders and texts.
    """
    found, lines = [], said.splitlines()
    for index, line in enumerate(lines):
        if line.startswith("srv: MSGPV "):
            found.append((line.split()[2], lines[index + 1][len("srv: ") :]))
    return found


class DeadNodePrivateTests(SynchronousTestCase):
    """
    Nodes C{a}, C{b} and C{c} (heartbeat every second, TTL 3 s) sharing one
    database, C{a} beating half a second after the others; alice (a guest)
    on C{a}, bob on C{b}, carol registered and signed in on C{c} with her
    password, and gus, a guest, on C{c}.
    """

    #: Whether counting what waits takes a moment on C{b} (L{SlowCounts}).
    slow = False

    def setUp(self) -> None:
        self.clock = Clock()
        self.clock.advance(1_700_000_000)
        self.redis = FakeRedis(self.clock)
        self.store = MemoryChatStore()
        self.store.startService()
        views = iter([self.store, SlowCounts(self.store, self.clock), self.store])
        view = (lambda: next(views)) if self.slow else lambda: self.store
        self.a, self.b, self.c = namedAccountNodes(self, self.redis, view, "abc")
        self.settle()
        carol = self.c.user("carol")
        self.successResultOf(self.c.service.register(carol, "secret1"))
        self.c.service.disconnect(carol)
        self.carol = RecordingParticipant()
        self.c.service.connect(self.carol)
        self.successResultOf(self.c.outcome(self.c.service.login, self.carol, "carol", "secret1"))
        self.gus = self.c.user("gus")
        self.alice = self.a.user("alice")
        self.bob = self.b.user("bob")
        self.a.presence.stop()  # a looks at the others' keys half a second after b
        self.wait(0.5)
        self.a.presence.start()
        self.wait(3)

    def settle(self) -> None:
        for _ in range(10):
            self.clock.advance(0)

    def wait(self, seconds: float) -> None:
        for _ in range(round(seconds * 4)):
            self.clock.advance(0.25)
            self.settle()

    def tell(
        self, node: FakeNode, sender: RecordingParticipant, to: str, text: str
    ) -> PrivateMessage:
        told = settled(node.service.tell(sender, to, (text,)))
        self.settle()
        event = self.successResultOf(told)
        assert isinstance(event, PrivateMessage)  # OKAY!
        return event

    def carolOnB(self) -> StringTransport:
        """
        carol logs in on C{b} with her password over TCHAT.
        """
        factory = TchatFactory(self.b.service, self.clock, floodBurst=None, aliveAfter=None)
        proto, transport = connect(factory, self.clock)
        self.addCleanup(proto.connectionLost, None)
        output(transport, self.clock)
        proto.dataReceived(b"clt: LOGIN carol secret1\r\n")
        self.settle()
        return transport

    def sendToCarol(self, rounds: int = 3) -> list[tuple[str, str]]:
        """
        alice and bob, in turn, send carol C{rounds} messages each, a
        quarter of a second apart: each is acknowledged.
        """
        sent = []
        for i in range(rounds):
            for node, sender, name in ((self.a, self.alice, "alice"), (self.b, self.bob, "bob")):
                self.tell(node, sender, "carol", f"{name} {i}")
                sent.append((name, f"{name} {i}"))
                self.wait(0.25)
        return sent

    def stillWaiting(self) -> list[tuple[str, ...]]:
        waiting = self.successResultOf(self.store.undelivered("carol", 50))
        return [event.lines for _, event in waiting]

    def test_backOnAnotherNode(self) -> None:
        """
        c is killed; carol is back on b at once, and her login waits for c
        to be counted dead; alice (on a, which counts c dead only when b
        asks it to write what it keeps) and bob (on b) were told OKAY for
        messages to her meanwhile: she gets each once, in order, with her
        welcome, and none waits for a later login.
        """
        self.c.crash()
        self.wait(0.5)
        transport = self.carolOnB()
        sent = self.sendToCarol()
        self.assertEqual(output(transport, self.clock), b"")  # still waiting for c
        self.wait(4)
        said = output(transport, self.clock).decode()
        self.assertTrue(said.startswith("srv: OKAY!\n"), said)
        self.assertEqual(received(said), sent)
        self.assertEqual(self.stillWaiting(), [])
        self.wait(5)
        self.assertEqual(received(output(transport, self.clock).decode()), [])

    def test_answerFirstThenInOrder(self) -> None:
        """
        carol, in lobby where bob talks, is back on b while alice and bob
        go on writing to her, before her admission and after it: her
        C{OKAY!} is the first line after her login's wait, then the notice
        of her rooms; then every message to her, those that waited and
        those sent live since, each once and in the order sent.
        """
        self.successResultOf(self.c.outcome(self.c.service.enter, self.carol, "lobby"))
        self.successResultOf(self.b.outcome(self.b.service.enter, self.bob, "lobby"))
        self.c.crash()
        self.wait(0.5)
        transport = self.carolOnB()
        sent, said = [], ""
        for i in range(24):
            for node, sender, name in ((self.a, self.alice, "alice"), (self.b, self.bob, "bob")):
                told = settled(node.service.tell(sender, "carol", (f"{name} {i}",)))
                self.settle()
                self.assertIsNotNone(self.successResultOf(told))  # OKAY! (live or kept)
                sent.append((name, f"{name} {i}"))
                self.b.service.say(self.bob, "lobby", (f"talk {i}",))
                self.clock.advance(0.125)
                self.settle()
                said += output(transport, self.clock).decode()
        self.wait(1)
        said += output(transport, self.clock).decode()
        lines = said.splitlines()
        self.assertEqual(lines[0], "srv: OKAY!", said)
        self.assertTrue(lines[1].startswith("srv: NOTICE"), said)
        self.assertTrue(lines[2].startswith("srv: you are in ") and "lobby" in lines[2], said)
        self.assertEqual(received(said), sent)
        self.assertIn("talk 23", said)
        self.assertEqual(self.stillWaiting(), [])

    def test_answerBeforeLiveTalk(self) -> None:
        """
        carol, signed out, logs in on b, where bob talks in lobby, her room:
        while a hears of her admission (it answers late), bob says
        something in lobby and writes to her; over TCHAT her C{OKAY!} comes
        first, then the notice of her rooms, then the room and the message.
        """
        self.successResultOf(self.c.outcome(self.c.service.enter, self.carol, "lobby"))
        self.successResultOf(self.b.outcome(self.b.service.enter, self.bob, "lobby"))
        self.c.service.disconnect(self.carol)
        self.wait(1)
        factory = TchatFactory(self.b.service, self.clock, floodBurst=None, aliveAfter=None)
        proto, transport = connect(factory, self.clock)
        self.addCleanup(proto.connectionLost, None)
        output(transport, self.clock)
        slow: list[Deferred[None]] = []  # the rounds after her admission: a answers late
        heard = self.b.bridge.everyoneHeard

        def late() -> Deferred[None]:
            if self.b.service.find("carol") is None:
                return heard()
            slow.append(Deferred())
            return slow[-1]

        self.patch(self.b.bridge, "everyoneHeard", late)
        proto.dataReceived(b"clt: LOGIN carol secret1\r\n")
        self.wait(1)
        self.assertTrue(slow)
        self.assertEqual(output(transport, self.clock), b"")  # admitted, not yet answered
        self.b.service.say(self.bob, "lobby", ("in lobby",))
        self.tell(self.b, self.bob, "carol", "hello carol")
        for each in slow:
            each.callback(None)
        self.wait(1)
        lines = output(transport, self.clock).decode().splitlines()
        self.assertEqual(lines[:2], ["srv: OKAY!", lines[1]], lines)
        self.assertEqual(lines[2], "srv: you are in Général, lobby", lines)
        self.assertIn("srv: in lobby", lines[4:])
        self.assertEqual(received("\n".join(lines)), [("bob", "hello carol")])

    def test_countedDeadLaterElsewhere(self) -> None:
        """
        a cannot count c dead yet when carol is welcomed on b (its own link
        came back a moment ago): once it does, what it keeps for her, she
        is handed at once on b, in order, once.
        """
        self.c.crash()
        self.wait(0.5)
        transport = self.carolOnB()
        sent = self.sendToCarol()
        self.a.presence.linkUp()
        self.wait(1.5)
        said = output(transport, self.clock).decode()
        self.assertTrue(said.startswith("srv: OKAY!\n"), said)
        self.assertEqual(received(said), [each for each in sent if each[0] == "bob"])
        self.assertIn("c", self.a.presence.peers)
        self.wait(3)
        self.assertNotIn("c", self.a.presence.peers)
        self.assertEqual(
            received(output(transport, self.clock).decode()),
            [each for each in sent if each[0] == "alice"],
        )
        self.assertEqual(self.stillWaiting(), [])

    def test_guestRecipient(self) -> None:
        """
        Messages acknowledged to gus, a guest, whose node c was then killed,
        reach nobody, even when gus is back on b: alice and bob are told by
        a notice that each was not delivered.
        """
        self.c.crash()
        self.wait(0.5)
        sent = [
            (self.alice, self.tell(self.a, self.alice, "gus", "to gus from alice")),
            (self.bob, self.tell(self.b, self.bob, "gus", "to gus from bob")),
        ]
        self.wait(4)
        back = self.b.user("gus")
        self.wait(2)
        self.assertEqual([e for e in back.events if isinstance(e, PrivateMessage)], [])
        for sender, event in sent:
            notices = [e.text for e in sender.events if isinstance(e, Notice)]
            self.assertIn(NOT_DELIVERED.format(to="gus", what=which(event)), notices)


class SlowCountsTests(DeadNodePrivateTests):
    """
    The same, with b's view of the store slow to count what waits: bob's
    messages, kept on b itself after alice's on a, reach carol's welcome
    there all the same, in their place.
    """

    slow = True
