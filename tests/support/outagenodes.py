"""
Two cluster nodes on one shared database that can go away: the set-up of
the tests of a database outage in a cluster.
"""

from __future__ import annotations

from twisted.internet.task import Clock
from twisted.trial.unittest import SynchronousTestCase

from tests.support.fakenode import FakeNode, sharedStoreNodes
from tests.support.fakeredis import FakeRedis
from tests.support.persistencecase import OutageStore


class OutageNodesCase(SynchronousTestCase):
    """
    Nodes C{a} and C{b} on C{redis}, started, sharing the database C{store}
    (an L{OutageStore}: its C{down} says what fails), on C{clock}.
    """

    def setUp(self) -> None:
        self.clock = Clock()
        self.clock.advance(1_700_000_000)
        self.redis = FakeRedis(self.clock)
        self.store = OutageStore()
        self.a, self.b = sharedStoreNodes(self, self.redis, self.store)

    def registerOn(self, node: FakeNode, nick: str, password: str) -> None:
        """
        Register C{nick} on C{node} as its owner does, who then leaves.
        """
        node.turns()
        user = node.user(nick)
        self.successResultOf(node.service.register(user, password))
        node.service.disconnect(user)
        node.turns()
