"""
Two cluster nodes on one shared database: the set-up of the tests of room
races, takeovers and profiles across nodes (L{SharedNodesCase}), and of a
database outage in a cluster (L{OutageNodesCase}).
"""

from __future__ import annotations

from twisted.internet.task import Clock
from twisted.trial.unittest import SynchronousTestCase

from chatd.irc.factory import IRCFactory
from chatd.irc.protocol import IRCProtocol
from chatd.storage.memory import MemoryChatStore
from tests.support.fakenode import FakeNode, sharedStoreNodes
from tests.support.fakeredis import FakeRedis
from tests.support.helpers import connect, output
from tests.support.persistencecase import OutageStore


class SharedNodesCase(SynchronousTestCase):
    """
    Nodes C{a} and C{b} on C{redis}, started (but those named in
    C{unlinked}: their store read, their link to Redis not up yet),
    sharing the database C{store} (L{makeStore}'s), on C{clock}.
    """

    unlinked = ""

    def makeStore(self) -> MemoryChatStore:
        return MemoryChatStore()

    def makeClock(self) -> Clock:
        """The nodes' clock (a L{MemoryReactorClock} for a web front-end)."""
        return Clock()

    def setUp(self) -> None:
        self.clock = self.makeClock()
        self.clock.advance(1_700_000_000)
        self.redis = FakeRedis(self.clock)
        self.store = self.makeStore()
        self.a, self.b = sharedStoreNodes(self, self.redis, self.store, self.unlinked)

    def settle(self) -> None:
        """Let Redis and both nodes run a few reactor turns."""
        self.a.turns()

    def registerOn(self, node: FakeNode, nick: str, password: str) -> None:
        """
        Register C{nick} on C{node} as its owner does, who then leaves.
        """
        node.turns()
        user = node.user(nick)
        self.successResultOf(node.service.register(user, password))
        node.service.disconnect(user)
        node.turns()


class OutageNodesCase(SharedNodesCase):
    """
    L{SharedNodesCase} whose database is an L{OutageStore}: its C{down}
    says what fails.
    """

    store: OutageStore

    def makeStore(self) -> OutageStore:
        return OutageStore()

    def ircOn(self, node: FakeNode, *lines: str) -> tuple[IRCProtocol, list[str]]:
        """
        A new IRC connection to C{node} that sends C{lines}: it and the
        lines it was told, closed when the test ends.
        """
        factory = IRCFactory(node.service, self.clock, floodBurst=None, accountRegistration=True)
        proto, transport = connect(factory, self.clock)
        assert isinstance(proto, IRCProtocol)
        self.addCleanup(proto.connectionLost, None)
        proto.dataReceived("".join(line + "\r\n" for line in lines).encode())
        node.turns()
        text = output(transport, self.clock).decode()
        return proto, [line for line in text.split("\r\n") if line]
