"""
Tests for ignore lists in a cluster sharing one database
(L{chatd.core.ignores}, L{chatd.core.sharing}): a list changed on one node
holds on the others at once, for private messages left for its owner while
away; one changed while Redis was away holds once the nodes hear each other
again.
"""

from __future__ import annotations

from twisted.internet.task import Clock
from twisted.trial.unittest import SynchronousTestCase

from chatd.core.events import PrivateMessage
from chatd.storage.memory import MemoryChatStore
from chatd.talk.protocol import TalkFactory
from chatd.tchat import TchatFactory
from chatd.testing import RecordingParticipant
from tests.support.fakenode import IRCClient, accountNodes
from tests.support.fakeredis import FakeRedis
from tests.support.helpers import connect, output


class IgnoreAcrossNodesTests(SynchronousTestCase):
    """
    Nodes C{a} and C{b} sharing one database; bob registered, away; mallory
    a guest on C{b} (TCHAT), whose first message for bob made C{b} read
    bob's list (nobody ignored).
    """

    def setUp(self) -> None:
        self.clock = Clock()
        self.clock.advance(1_700_000_000)
        self.redis = FakeRedis(self.clock)
        self.shared = MemoryChatStore()
        self.shared.startService()
        self.a, self.b = accountNodes(self, self.redis, lambda: self.shared)
        self.settle()
        bob = self.a.user("bob")
        self.successResultOf(self.a.service.register(bob, "secret1"))
        self.a.service.disconnect(bob)
        self.settle()
        factory = TchatFactory(self.b.service, self.clock, floodBurst=None, aliveAfter=None)
        self.mallory, self.malloryTransport = connect(factory, self.clock)
        self.addCleanup(self.mallory.connectionLost, None)
        output(self.malloryTransport, self.clock)  # the greeting
        self.mallory.dataReceived(b"clt: LOGIN mallory\n")
        self.settle()
        self.assertEqual(output(self.malloryTransport, self.clock), b"srv: OKAY!\n")
        self.tell("before")
        self.assertEqual(self.waiting(), [("before",)])  # bob's next login on a gets it

    def settle(self) -> None:
        for _ in range(10):
            self.clock.advance(0)

    def tell(self, text: str) -> None:
        """
        mallory, on C{b}, leaves bob a private message; answered as kept
        whether it is or not (an ignored sender is not told).
        """
        self.mallory.dataReceived(f"clt: MSGPV bob\nclt: {text}\nclt: .\n".encode())
        self.settle()
        self.assertEqual(output(self.malloryTransport, self.clock), b"srv: OKAY!\n")

    def bobOnA(self) -> IRCClient:
        """
        bob's IRC client on C{a}, logged in to his account (SASL).
        """
        client = IRCClient(self.a, self.clock, "bob", "Bob", sasl=("bob", "secret1"))
        self.addCleanup(client.proto.connectionLost, None)
        self.assertTrue(self.a.service.people.accounts.signedIn("bob"))
        return client

    def silence(self, client: IRCClient, change: str) -> None:
        client.send(f"SILENCE {change}")
        self.assertIn(f" SILENCE {change}!*@*", client.read())

    def quit(self, client: IRCClient) -> None:
        client.send("QUIT :bye")
        self.settle()
        self.assertIsNone(self.b.service.find("bob"))

    def bobTypesOnA(self, command: str) -> bytes:
        """
        bob logs in to his account in talk mode on C{a}, types C{command}
        and quits; what C{command} showed.
        """
        factory = TalkFactory(self.a.service, self.clock, floodBurst=None)
        bob, terminal = connect(factory, self.clock)
        self.addCleanup(bob.connectionLost, None)
        shown = []
        for line in ("bob", "secret1", command, "/quit"):
            bob.dataReceived(f"{line}\r\n".encode())
            self.settle()
            shown.append(output(terminal, self.clock))
        self.assertIn(b"Welcome, bob!", shown[1])
        self.assertIn(b"Goodbye, bob!", shown[3])
        bob.connectionLost(None)
        self.settle()
        self.assertIsNone(self.b.service.find("bob"))
        return shown[2]

    def waiting(self) -> list[tuple[str, ...]]:
        """
        What waits for bob's next login, on either node.
        """
        kept = self.successResultOf(self.shared.undelivered("bob", 10))
        return [event.lines for _, event in kept]

    def receivedAtLoginOnB(self) -> list[tuple[str, ...]]:
        back = RecordingParticipant()
        self.b.service.connect(back)
        self.successResultOf(self.b.outcome(self.b.service.login, back, "bob", "secret1"))
        self.settle()
        return [e.lines for e in back.events if isinstance(e, PrivateMessage)]

    def test_ignoredOnAnotherNode(self) -> None:
        """
        bob, on C{a}, ignores mallory (IRC C{SILENCE}) and leaves: what
        mallory leaves him on C{b} is not kept, at once.
        """
        bob = self.bobOnA()
        self.silence(bob, "+mallory")
        self.quit(bob)
        self.tell("after")
        self.assertEqual(self.waiting(), [])
        self.assertEqual(self.receivedAtLoginOnB(), [])

    def test_unignoredOnAnotherNode(self) -> None:
        """
        bob, on C{a}, ignores mallory, leaves, comes back and no longer
        ignores her (talk C{/ignore}, C{/unignore}): what mallory leaves him
        on C{b} in between is dropped, what she leaves after is kept.
        """
        self.assertIn(b"You ignore mallory", self.bobTypesOnA("/ignore mallory"))
        self.tell("dropped")  # b reads bob's list again: mallory ignored
        self.assertEqual(self.waiting(), [])
        self.assertIn(b"You no longer ignore mallory", self.bobTypesOnA("/unignore mallory"))
        self.tell("after")
        self.assertEqual(self.waiting(), [("after",)])
        self.assertEqual(self.receivedAtLoginOnB(), [("after",)])

    def test_changedWhileRedisWasAway(self) -> None:
        """
        bob's list changed on C{a} while C{b} heard nothing, and C{a} can
        no longer resend what C{b} missed (a Redis restart forgot it): once
        C{b} learns of the gap (bob still signed in on C{a} then), it reads
        bob's list again, and drops what mallory leaves him.
        """
        bob = self.bobOnA()
        self.b.alive = False  # b hears nothing from here on
        self.silence(bob, "+mallory")
        self.a.bus.sent.forget("b")  # nor can a resend it
        self.b.alive = True
        self.quit(bob)  # b hears of the gap, then of bob leaving
        self.tell("after")
        self.assertEqual(self.waiting(), [])
