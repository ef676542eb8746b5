"""
Always-on accounts in a cluster (L{chatd.core.alwayson}): a starting node
puts back, once it has heard the others, the always-on accounts no node
has, so a restart of the node that had one, or of the whole cluster, loses
nobody's presence; of nodes starting together, one puts each back.
"""

from __future__ import annotations

from twisted.internet.task import Clock
from twisted.trial.unittest import SynchronousTestCase

from chatd.core.alwayson import KEEP_PRESENT_EVERY, alwaysOnOf
from chatd.core.person import Person
from chatd.storage.memory import MemoryChatStore
from tests.support.fakenode import FakeNode
from tests.support.fakeredis import FakeRedis


class ClusterAlwaysOnTests(SynchronousTestCase):
    def setUp(self) -> None:
        self.clock = Clock()
        self.clock.advance(1_700_000_000)
        self.redis = FakeRedis(self.clock)
        self.store = MemoryChatStore()  # the database the nodes share
        self.store.startService()
        self.successResultOf(self.store.saveAccount("ann", "$argon2id$unused", 0))
        self.successResultOf(self.store.setAlwaysOn("ann", True))
        self.successResultOf(self.store.setMembership("ann", "lobby", True))

    def node(self, name: str, start: bool = True) -> FakeNode:
        node = FakeNode(self, self.redis, name, sharedStore=True, store=self.store)
        if start:
            node.start()
        return node

    def settle(self, nodes: list[FakeNode], seconds: int = 3) -> None:
        for _ in range(seconds * 4):
            self.clock.advance(0.25)
            nodes[0].turns()

    def hosts(self, node: FakeNode) -> bool:
        """Whether C{node} has ann itself (a person of its own, not another node's)."""
        return isinstance(node.service.find("ann"), Person)

    def test_nodesStartingTogetherPutBackOnce(self) -> None:
        """
        Two nodes starting together: ann is back, absent, in lobby, hosted
        by exactly one of them and seen by the other.
        """
        a, b = self.node("a", start=False), self.node("b", start=False)
        a.start()
        b.start()
        self.settle([a, b])
        self.assertEqual(sorted([self.hosts(a), self.hosts(b)]), [False, True])
        for node in (a, b):
            self.assertIsNotNone(node.service.find("ann"))
            lobby = node.service.registry.find("lobby")
            assert lobby is not None
            self.assertIn("ann", [member.nick for member in lobby.members.values()])

    def test_hostRestartedPutsBack(self) -> None:
        """
        The only node, which had ann, dies (kill -9); the node that starts
        in its place puts ann back.
        """
        a = self.node("a")
        self.settle([a])
        self.assertTrue(self.hosts(a))
        a.crash()
        c = self.node("c")
        self.settle([c], seconds=8)
        self.assertTrue(self.hosts(c))

    def test_hostDiedSurvivorPutsBack(self) -> None:
        """
        The node that had ann dies for good: another node, as soon as it
        counts it dead, puts ann back by itself (not at its next round,
        L{KEEP_PRESENT_EVERY} seconds later): her rooms see her gone for a
        moment only.
        """
        a = self.node("a")
        self.settle([a])
        b = self.node("b")
        self.settle([a, b])
        self.assertFalse(self.hosts(b))
        a.crash()
        gone: list[float] = []
        while not self.hosts(b):
            self.assertLess(self.clock.seconds(), 1_700_000_000 + KEEP_PRESENT_EVERY)
            if b.service.find("ann") is None:
                gone.append(self.clock.seconds())
            self.settle([b], seconds=1)
        self.assertLessEqual(len(gone), 1)  # a second, at most
        lobby = b.service.registry.find("lobby")
        assert lobby is not None
        self.assertIn("ann", [member.nick for member in lobby.members.values()])

    def test_settingSeenByEveryNode(self) -> None:
        """
        Turned on on node a, the setting holds on node b too (a later
        connection there, or its last close, asks b's copy), and turned off
        on b, on a: the nodes tell each other, as the shared store has it.
        """
        a, b = self.node("a"), self.node("b")
        self.settle([a, b])
        bea = a.user("bea", proven=False)  # then registered, as REGIS does
        self.successResultOf(self.store.saveAccount("bea", "$argon2id$unused", 0))
        a.service.people.accounts.prove(bea, "bea")
        onA, onB = alwaysOnOf(a.service), alwaysOnOf(b.service)
        assert onA is not None and onB is not None
        self.assertTrue(self.successResultOf(onA.set(bea, True)))
        self.settle([a, b])
        self.assertTrue(onB.isOn("bea"))
        onB.adopt("bea", True)  # (what b's own setter does first, then it tells the others)
        b.service.persistence.changed("alwayson", u="bea", on=False)  # type: ignore[union-attr]
        self.settle([a, b])
        self.assertFalse(onA.isOn("bea"))
