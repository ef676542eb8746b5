"""
A room ban mask's reach in a cluster: the operator who sets a ban on a
guest cloak is told of the members it holds unseen (signed in to accounts
from an address it matches) on every node, each node naming its own
(L{chatd.core.roomops.RoomOps.tellHeldUnseen}), through the notice relay.
"""

from __future__ import annotations

from twisted.internet.task import Clock
from twisted.trial.unittest import SynchronousTestCase

from chatd.core.events import Notice, RoomChange
from chatd.testing import RecordingParticipant
from tests.support.fakenode import GUEST_HOST, IRCClient, sharedStoreNodes
from tests.support.fakeredis import FakeRedis


class HeldUnseenAcrossNodesTests(SynchronousTestCase):
    """
    Nodes C{a} and C{b} sharing one store; alice runs C{#den} from an IRC
    client of a; carol, signed in to her account, and the guest gus are in
    it on b, from the address every fake client has.
    """

    def setUp(self) -> None:
        self.clock = Clock()
        self.clock.advance(1_700_000_000)
        self.a, self.b = sharedStoreNodes(self, FakeRedis(self.clock))
        self.a.turns()
        self.alice = IRCClient(self.a, self.clock, "alice", "Alice")
        self.addCleanup(self.alice.proto.connectionLost, None)
        self.alice.send("JOIN #den")
        self.carol = self.b.user("carol")
        self.successResultOf(self.b.service.register(self.carol, "Carolpass1"))
        self.gus = self.b.user("gus")
        for each in (self.carol, self.gus):
            self.b.service.enter(each, "den")
        self.b.turns()
        self.alice.read()
        for each in (self.carol, self.gus):
            del each.events[:]

    def notices(self, user: RecordingParticipant) -> list[str]:
        return [
            e.text for e in user.events if isinstance(e, Notice) and not isinstance(e, RoomChange)
        ]

    def test_operatorToldOfAnotherNodesMembers(self) -> None:
        """
        alice's ban on the guest cloak of carol's address is answered, from
        b, with a server notice naming carol (whom the mask holds by that
        address, though she shows as C{user/carol}), not gus (whom it
        matches as shown); b's members are not told of it.
        """
        self.alice.send(f"MODE #den +b *!*@{GUEST_HOST}")
        self.b.turns()
        told = [line for line in self.alice.lines() if " NOTICE alice " in line]
        self.assertEqual(len(told), 1, told)
        self.assertIn(f"*!*@{GUEST_HOST} also holds carol, signed in to accounts", told[0])
        self.assertNotIn("gus", told[0])
        self.assertEqual(self.notices(self.carol) + self.notices(self.gus), [])

    def test_setterNodeNamesNoProxy(self) -> None:
        """
        A ban on the cloak of the address a gives b's users (b's, not
        theirs) names nobody: a does not know their addresses, and b finds
        none of its members from that address.
        """
        proxy = self.a.service.find("carol")
        assert proxy is not None
        cloak = self.a.service.people.hosts.cloak(proxy.address)
        self.assertNotEqual(cloak, GUEST_HOST)
        self.alice.send(f"MODE #den +b *!*@{cloak}")
        self.b.turns()
        self.assertEqual([line for line in self.alice.lines() if " NOTICE " in line], [])
