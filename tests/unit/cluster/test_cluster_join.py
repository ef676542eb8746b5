"""
When a node joins its cluster (L{chatd.cluster.node.ClusterNode}): once its
sanctions are loaded, so that the state it gives the others holds them; and
it says which node it is.
"""

from __future__ import annotations

from twisted.internet.defer import Deferred
from twisted.internet.testing import MemoryReactorClock
from twisted.logger import capturedLogs, formatEvent
from twisted.trial.unittest import SynchronousTestCase

from chatd.admin.commands import AdminConsole
from chatd.cluster.node import ClusterNode
from chatd.core.service import ChatService
from chatd.modstore import MemoryModerationStore, Sanction


class SlowModerationStore(MemoryModerationStore):
    """Sanctions that load when the test says."""

    def __init__(self) -> None:
        super().__init__()
        self.loading: Deferred[list[Sanction]] = Deferred()

    def loadSanctions(self) -> Deferred[list[Sanction]]:
        return self.loading


class JoinTests(SynchronousTestCase):
    def test_joinsOnceSanctionsAreLoaded(self) -> None:
        """
        A node whose sanctions are still loading (an import of older ones
        into the shared database, say) does not join yet: it would tell the
        others it has none.  Once they are loaded, it joins.
        """
        reactor = MemoryReactorClock()
        service = ChatService(reactor)
        store = SlowModerationStore()
        restoring = Deferred.fromCoroutine(service.moderation.restore(store))
        node = ClusterNode(service, "redis://127.0.0.1:6379/0", reactor, nodeId="n1")
        node.startService()
        self.addCleanup(node.stopService)
        self.assertIsNone(node.link.parent)
        store.loading.callback([])
        self.successResultOf(restoring)
        self.assertIs(node.link.parent, node)


class NodeIdTests(SynchronousTestCase):
    def test_nodeSaysItsId(self) -> None:
        """
        A node logs its id as it starts, and the console's C{stats} shows
        it: the id other nodes' C{whois} names as their users' address.
        """
        reactor = MemoryReactorClock()
        service = ChatService(reactor)
        node = ClusterNode(service, "redis://127.0.0.1:6379/0", reactor, nodeId="n1")
        with capturedLogs() as events:
            node.startService()
        self.addCleanup(node.stopService)
        self.assertIn("cluster node id n1", [formatEvent(event) for event in events])
        stats = self.successResultOf(AdminConsole(service, "root").execute("stats"))
        self.assertIn("cluster node: n1", stats.splitlines())
