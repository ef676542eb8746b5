"""
L{AccountNodesCase}: two cluster nodes with accounts on one started shared
store, the set-up of the tests of what nodes sharing a database see of each
other (L{chatd.core.sharing}) and of approval rooms across nodes.
"""

from __future__ import annotations

from twisted.internet.task import Clock
from twisted.trial.unittest import SynchronousTestCase

from chatd.storage.memory import MemoryChatStore
from tests.support.fakenode import accountNodes
from tests.support.fakeredis import FakeRedis


class AccountNodesCase(SynchronousTestCase):
    """
    Nodes C{a} and C{b} on C{redis}, sharing the started C{store}, on
    C{clock} (set to C{start}).
    """

    start = 1_700_000_000

    def setUp(self) -> None:
        self.clock = Clock()
        self.clock.advance(self.start)
        self.redis = FakeRedis(self.clock)
        self.store = MemoryChatStore()
        self.store.startService()
        self.a, self.b = accountNodes(self, self.redis, lambda: self.store)
        self.settle()

    def settle(self) -> None:
        """Let the nodes and Redis run a few reactor turns."""
        for _ in range(10):
            self.clock.advance(0)
