"""
Tests for L{chatd.cluster.barrier}: a login, rename or entry is answered
once every other node has heard of it, so that a user there can reach the
newcomer at once.
"""

from __future__ import annotations

from twisted.internet.defer import Deferred

from chatd.admin.commands import AdminConsole
from chatd.admin.outcome import NOT_EVERYWHERE
from chatd.cluster.barrier import WAIT
from chatd.cluster.remote import RemoteParticipant
from chatd.core import errors
from chatd.core.events import PrivateMessage, RoomMessage
from chatd.testing import RecordingParticipant, settled
from tests.support.fakenode import FakeNode, TwoNodes


class BarrierTests(TwoNodes):
    def connected(self, node: FakeNode) -> RecordingParticipant:
        person = RecordingParticipant()
        node.service.connect(person)
        return person

    def test_loginAnsweredOnceHeard(self) -> None:
        """
        A login is answered only once the other node knows the user: a
        private message from there, sent at once, reaches them.
        """
        alice = self.a.user("alice")
        bob = self.connected(self.b)
        login = settled(self.b.service.login(bob, "bob"))
        self.assertNoResult(login)
        self.assertIsNone(self.a.service.find("bob"))
        self.settle()
        self.assertEqual(self.successResultOf(login), "bob")
        self.assertIsInstance(self.a.service.find("bob"), RemoteParticipant)
        told = settled(self.a.service.tell(alice, "bob", ("welcome",)))
        self.settle()
        self.assertIsInstance(self.successResultOf(told), PrivateMessage)
        self.assertEqual(
            [e.lines for e in bob.events if isinstance(e, PrivateMessage)], [("welcome",)]
        )

    def test_entryAnsweredOnceHeard(self) -> None:
        """
        An entry into a room that has no other member on its node is
        answered once the nodes with members there know of it: what is said
        there right after reaches the newcomer.
        """
        self.a.service.registry.create("fresh")
        self.b.service.registry.create("fresh")
        alice = self.a.user("alice", "fresh")
        bob = self.b.user("bob")
        entered = settled(self.b.service.enter(bob, "fresh"))
        self.assertNoResult(entered)
        self.settle()
        self.assertEqual(self.successResultOf(entered), "fresh")
        self.a.service.say(alice, "fresh", ("right after",))
        self.settle()
        said = [e.lines for e in bob.events if isinstance(e, RoomMessage)]
        self.assertEqual(said, [("right after",)])

    def test_keyEnforcedAtOnce(self) -> None:
        """
        A key set on one node holds on the other at once: an entry there
        first catches up with what the other nodes decided, so nobody gets
        in without the key in the moment before that node heard of it.
        """
        op = self.a.user("op", "lobby")
        eve = self.b.user("eve")
        self.a.service.changeRoomModes(op, "lobby", [(True, "k", "sesame")])
        self.failureResultOf(self.b.outcome(self.b.service.enter, eve, "lobby"), errors.BadRoomKey)
        self.assertEqual(
            self.successResultOf(self.b.outcome(self.b.service.enter, eve, "lobby", "sesame")),
            "lobby",
        )

    def test_banEnforcedAtOnce(self) -> None:
        """
        A ban from one node's console holds for a login on another at once.
        """
        self.a.service.moderation.ban("mallory", "spam", "root")
        refused = self.b.outcome(self.b.service.login, self.connected(self.b), "mallory")
        self.failureResultOf(refused, errors.Banned)

    def test_consoleAnswersOnceHeard(self) -> None:
        """
        A console's command is answered once every node has heard of it:
        a user muted from node a's console cannot speak on node b by the
        time the administrator reads "muted".
        """
        bob = self.b.user("bob", "lobby")
        console = AdminConsole(self.a.service, "root")
        reply = console.execute("mute bob 60 shouting")
        self.assertNoResult(reply)
        self.settle()
        self.assertEqual(self.successResultOf(reply), "muted bob for 1m")
        self.assertRaises(errors.Muted, self.b.service.say, bob, "lobby", ("hi",))

    def test_consoleSaysWhenOthersCannotHear(self) -> None:
        """
        While Redis is away, a console's command is answered at once with a
        note that the other nodes apply it once Redis is back, which they do.
        """
        bob = self.b.user("bob", "lobby")
        console = AdminConsole(self.a.service, "root")
        self.redis.down = True
        for node in (self.a, self.b):
            node.bridge.linkDown()
        reply = self.successResultOf(console.execute("mute bob 60 shouting"))
        self.assertEqual(reply, f"muted bob for 1m\n{NOT_EVERYWHERE}")
        self.b.service.say(bob, "lobby", ("not yet muted here",))
        self.redis.down = False
        for node in (self.a, self.b):
            node.bridge.linkUp()
        self.settle()
        self.assertRaises(errors.Muted, self.b.service.say, bob, "lobby", ("hi",))
        unmuted = console.execute("unmute bob")  # Redis back: no note
        self.settle()
        self.assertEqual(self.successResultOf(unmuted), "unmuted bob")

    def test_partAnsweredOnceHeard(self) -> None:
        """
        Leaving a room is answered once the other node knows: it no longer
        counts the one who left among the room's members.
        """
        bob = self.b.user("bob", "lobby")
        left = settled(self.b.service.leave(bob, "lobby"))
        self.assertNoResult(left)
        self.settle()
        self.assertEqual(self.successResultOf(left), "lobby")
        self.assertNotIn("bob", self.a.service.registry.get("lobby").members)

    def test_renameAnsweredOnceHeard(self) -> None:
        """
        A rename is answered once the other node knows the new name.
        """
        bob = self.b.user("bob")
        renamed = settled(self.b.service.rename(bob, "robert"))
        self.assertNoResult(renamed)
        self.settle()
        self.assertEqual(self.successResultOf(renamed), "robert")
        self.assertIsInstance(self.a.service.find("robert"), RemoteParticipant)

    def test_quitClosedOnceHeard(self) -> None:
        """
        A connection that quits is closed once the other node has heard
        of its departure, so a C{WHOWAS} asked there after the close finds
        it; nothing the client sends meanwhile is answered.
        """
        alice = self.ircClient(self.a, "alice")
        bob = self.ircClient(self.b, "bob")
        bob.proto.dataReceived(b"QUIT :bye\r\nPING :early\r\n")
        self.assertFalse(bob.transport.disconnecting)
        bob.proto.dataReceived(b"PING :meanwhile\r\n")
        self.settle()
        self.assertTrue(bob.transport.disconnecting)
        self.assertNotIn("PONG", bob.read())
        alice.send("WHOWAS bob")
        self.assertIn(" 314 alice bob bobx ", alice.read())

    def test_oneRoundPerTurn(self) -> None:
        """
        Arrivals of one reactor turn share their rounds: one to catch up
        with what the other nodes decided (a ban, a key) before checking
        them, one to tell of them; so two C{ping}s to each peer and two
        C{pong}s back for five logins.
        """
        people = [self.connected(self.b) for _ in range(5)]
        logins = [settled(self.b.service.login(p, f"user{i}")) for i, p in enumerate(people)]
        self.settle()
        for login in logins:
            self.successResultOf(login)
        self.assertEqual(self.redis.kinds().count("ping"), 2)
        self.assertEqual(self.redis.kinds().count("pong"), 2)

    def test_silentPeerHoldsUpNoLonger(self) -> None:
        """
        A peer that does not answer (it stalled, or Redis lost the ping)
        holds an arrival up for L{WAIT} seconds at most.
        """
        self.a.alive = False
        bob = self.connected(self.b)
        login = settled(self.b.service.login(bob, "bob"))
        self.settle()
        self.assertNoResult(login)
        self.clock.advance(WAIT)
        self.assertEqual(self.successResultOf(login), "bob")
        carol = self.connected(self.b)
        again = settled(self.b.service.login(carol, "carol"))
        self.settle()
        self.assertEqual(self.successResultOf(again), "carol")  # not waited for again
        self.a.alive = True
        dave = self.connected(self.b)
        later = settled(self.b.service.login(dave, "dave"))
        self.settle()
        self.successResultOf(later)
        erin = self.connected(self.b)
        waits = settled(self.b.service.login(erin, "erin"))
        self.assertNoResult(waits)  # node a answered a ping again: waited for again
        self.settle()
        self.successResultOf(waits)

    def test_deadPeerHoldsUpNobody(self) -> None:
        """
        A peer declared dead while an arrival waits for it is not waited
        for any more.
        """
        self.a.alive = False
        bob = self.connected(self.b)
        login = settled(self.b.service.login(bob, "bob"))
        self.settle()
        self.b.presence.forget("a")  # as its heartbeat check does
        self.b.bridge.nodeLost("a")
        self.settle()
        self.assertEqual(self.successResultOf(login), "bob")

    def test_farewellEndsTheWait(self) -> None:
        """
        A node that shut down cleanly (its farewell state) is no longer
        waited for: the next arrival is answered after one round, not
        after L{WAIT}.
        """
        self.a.bus.publish("state", users=[], rooms=[], r="their server shut down", bye=1)
        self.settle()
        self.a.alive = False
        bob = self.connected(self.b)
        login = settled(self.b.service.login(bob, "bob"))
        self.settle()
        self.assertEqual(self.successResultOf(login), "bob")
        self.assertNotIn("a", self.b.presence.peers)

    def test_redisAway(self) -> None:
        """
        While Redis is away, nobody could answer: an arrival does not wait.
        """
        bob = self.b.user("bob")
        self.redis.down = True
        self.b.bridge.linkDown()
        self.b.service.registry.create("fresh")
        self.assertEqual(self.successResultOf(settled(self.b.service.enter(bob, "fresh"))), "fresh")


class StoreRoundTests(TwoNodes):
    """
    C{everyoneStored}: a round in which each other node first writes what
    its store queues, then answers; a node without a store answers at once.
    """

    def test_waitsForTheOtherNodesWrite(self) -> None:
        writes: list[Deferred[None]] = []

        def flush() -> Deferred[None]:
            writes.append(Deferred())
            return writes[-1]

        self.a.bridge.storeBarrier.prepare = flush  # node A's store, slow to write
        stored = self.b.bridge.everyoneStored()
        self.settle()
        self.assertEqual(len(writes), 1)
        self.assertNoResult(stored)
        writes[0].callback(None)
        self.settle()
        self.successResultOf(stored)

    def test_withoutStoreAtOnce(self) -> None:
        stored = self.b.bridge.everyoneStored()
        self.settle()
        self.successResultOf(stored)

    def test_silentNodeWaitedForBriefly(self) -> None:
        """
        A node whose store never answers holds the round up for L{WAIT}
        seconds at most.
        """
        self.a.bridge.storeBarrier.prepare = Deferred
        stored = self.b.bridge.everyoneStored()
        self.settle()
        self.assertNoResult(stored)
        self.clock.advance(WAIT)
        self.successResultOf(stored)
