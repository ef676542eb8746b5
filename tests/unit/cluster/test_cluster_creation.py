"""
Tests for creating a room on two cluster nodes at the same moment: one
creation wins (a claim in Redis, as for a nickname), the other is told the
room exists, and the room has one founder, on every node.
"""

from __future__ import annotations

from twisted.internet.defer import maybeDeferred

from chatd.core import errors
from chatd.core.names import key
from tests.support.fakenode import TwoNodes


class CreationRaceTests(TwoNodes):
    def test_oneCreationWins(self) -> None:
        """
        Two users create one room on two nodes in the same moment: one is
        answered, the other gets L{errors.GroupExists}; the winner alone
        runs the room, on both nodes.
        """
        alice, bob = self.a.user("alice"), self.b.user("bob")
        made = maybeDeferred(self.a.service.createRoom, alice, "spl")
        refused = maybeDeferred(self.b.service.createRoom, bob, "spl")
        self.settle()
        self.assertEqual(self.successResultOf(made), "spl")
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
