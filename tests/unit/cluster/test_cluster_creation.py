"""
Tests for creating a room on two cluster nodes at the same moment: one
creation wins (a claim in Redis, as for a nickname), the other is told the
room exists, and the room has one founder, on every node.
"""

from __future__ import annotations

from twisted.internet.defer import Deferred, maybeDeferred

from chatd.cluster import barrier
from chatd.core import errors
from chatd.core.names import key
from tests.support.fakenode import FakeNode, TwoNodes


class CreationRaceTests(TwoNodes):
    def test_oneCreationWins(self) -> None:
        """
        Two users create one room on two nodes in the same moment: one is
        answered, the other gets L{errors.GroupExists} once the room is
        known on its node (its creator, who does not enter it, waited for
        L{barrier.WAIT} seconds at most); the winner alone runs the room,
        on both nodes.
        """
        alice, bob = self.a.user("alice"), self.b.user("bob")
        made = maybeDeferred(self.a.service.createRoom, alice, "spl")
        refused = maybeDeferred(self.b.service.createRoom, bob, "spl")
        self.settle()
        self.assertEqual(self.successResultOf(made), "spl")
        self.assertNoResult(refused)
        self.clock.advance(barrier.WAIT)
        self.failureResultOf(refused, errors.GroupExists)
        for node in (self.a, self.b):
            self.assertEqual(node.service.registry.get("spl").ops, {key("alice")})

    def test_joinsRaceForOneFounder(self) -> None:
        """
        Two IRC users join a new channel on two nodes in the same moment:
        both are in it, and only one is its operator, as both nodes show.
        """
        alice, bob = self.ircClient(self.a, "alice"), self.ircClient(self.b, "bob")
        for client in (alice, bob):  # both read before either node runs a turn
            client.proto.dataReceived(b"JOIN #spl\r\n")
        self.settle()
        alice.read()
        bob.read()
        for client in (alice, bob):
            client.send("NAMES #spl")
            names = [line for line in client.lines() if " 353 " in line]
            self.assertEqual(len(names), 1, names)
            members = sorted(names[0].split(" ", 5)[5].lstrip(":").split())
            self.assertIn(members, (["@alice", "bob"], ["@bob", "alice"]))

    def test_createdAgainOnceGone(self) -> None:
        """
        A guest's room that vanished, its last member gone, can be created
        again on another node at once: the claim lasts only while its
        creation is under way.
        """
        alice, bob = self.a.user("alice"), self.b.user("bob")
        self.successResultOf(self.a.outcome(self.a.service.createRoom, alice, "spl"))
        self.successResultOf(self.a.outcome(self.a.service.enter, alice, "spl"))
        self.successResultOf(self.a.outcome(self.a.service.leave, alice, "spl"))
        self.assertRaises(errors.NoSuchGroup, self.b.service.registry.get, "spl")
        self.settle()
        again = self.b.outcome(self.b.service.createRoom, bob, "spl")
        self.assertEqual(self.successResultOf(again), "spl")


class GuestRoomsPerAddressTests(TwoNodes):
    """
    C{--max-rooms-per-address} holds for the whole cluster: a load
    balancer dealing one address's guests over the nodes gives it no more
    rooms than one node would.
    """

    def setUp(self) -> None:
        super().setUp()
        for node in (self.a, self.b):
            node.service.roomLimits.maxPerAddress = 2

    def create(
        self, node: FakeNode, nick: str, room: str, address: str = "192.0.2.7"
    ) -> Deferred[str]:
        """A new guest from C{address} on C{node} creates C{room} (and stays)."""
        return node.outcome(node.service.createRoom, node.user(nick, address=address), room)

    def test_countedOnEveryNode(self) -> None:
        """
        Two rooms made by guests of one address on node A: a third guest of
        that address is refused on node B; a guest of another address is not.
        """
        self.successResultOf(self.create(self.a, "g1", "r1"))
        self.successResultOf(self.create(self.a, "g2", "r2"))
        refused = self.failureResultOf(self.create(self.b, "g3", "r3"), errors.TooManyRooms)
        self.assertIn("guests from your address already created 2 rooms", str(refused.value))
        self.successResultOf(self.create(self.b, "h1", "r4", address="198.51.100.1"))

    def test_vanishedCountsNoMore(self) -> None:
        """
        Once a room made on node A vanishes (its creator gone, nobody in
        it), node B counts it no more.
        """
        self.successResultOf(self.create(self.a, "g1", "r1"))
        self.successResultOf(self.create(self.a, "g2", "r2"))
        creator = self.a.service.find("g1")
        assert creator is not None
        self.a.service.disconnect(creator)
        self.settle()
        self.assertNotIn("r1", [name for name, _ in self.b.service.rooms()])
        self.successResultOf(self.create(self.b, "g3", "r3"))

    def test_newNodeCountsThem(self) -> None:
        """
        A node that starts after the rooms were made counts them too: the
        state it is given says which address each guest's room counts
        against.
        """
        self.successResultOf(self.create(self.a, "g1", "r1"))
        self.successResultOf(self.create(self.b, "g2", "r2"))
        late = FakeNode(self, self.redis, "c")
        late.service.roomLimits.maxPerAddress = 2
        late.start()
        self.settle()
        self.assertIn("r2", [name for name, _ in late.service.rooms()])
        self.failureResultOf(self.create(late, "g3", "r3"), errors.TooManyRooms)
