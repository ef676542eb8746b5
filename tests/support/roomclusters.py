"""
L{ClusterCase}: nodes on one fake Redis (L{FakeNode}s, a clock of their
own each if asked), with IRC members and the console, for the tests of how
rooms' settings are ranked and merged across nodes; L{setter}, who an IRC
client is told set the topic.
"""

from __future__ import annotations

import re
from typing import Any

from twisted.internet.task import Clock
from twisted.trial.unittest import SynchronousTestCase

from chatd.admin.commands import AdminConsole
from chatd.storage.memory import MemoryChatStore
from tests.support.fakenode import FakeNode, IRCClient
from tests.support.fakeredis import FakeRedis


class ClusterCase(SynchronousTestCase):
    """
    Nodes on one fake Redis, each on the shared clock or one ahead of it;
    node C{a} is the one slow to read its inbox as another restarts
    (L{restart}).
    """

    def setUp(self) -> None:
        self.clock = Clock()
        self.clock.advance(1_700_000_000)
        self.redis = FakeRedis(self.clock)

    #: Whether the nodes share their store (one database).
    shared = False
    #: The node that reads its inbox late while another restarts.
    a: FakeNode

    def node(self, name: str, ahead: float = 0, store: MemoryChatStore | None = None) -> FakeNode:
        """A started node C{name}, with the store C{store} if given."""
        storage: dict[str, Any] = {} if store is None else {"store": store}
        node = FakeNode(self, self.redis, name, self.shared, ahead=ahead, **storage)
        node.start()
        self.settle()
        return node

    def settle(self) -> None:
        for _ in range(10):
            self.clock.advance(0)

    def member(self, node: FakeNode, nick: str, roomKey: str = "") -> IRCClient:
        """
        An IRC user C{nick} of C{node} in C{#lobby} (entered with
        C{roomKey}, if given), what it read so far read.
        """
        client = IRCClient(node, self.clock, nick, nick.capitalize())
        self.addCleanup(client.proto.connectionLost, None)
        client.send(f"JOIN #lobby {roomKey}".rstrip())
        self.settle()
        client.read()
        return client

    def console(self, node: FakeNode, command: str) -> None:
        reply = AdminConsole(node.service, "root").execute(command)
        self.settle()
        self.successResultOf(reply)

    def restart(self, node: FakeNode, name: str, store: MemoryChatStore) -> FakeNode:
        """
        C{node} dies (kill -9) and is counted dead; node C{name} starts in
        its place on its C{store}, its clock right, while node C{a} is slow
        to read its inbox (it has not yet answered the new node's hello).
        """
        node.crash()
        for _ in range(6):  # past the TTL
            self.clock.advance(1)
            self.settle()
        self.a.hold()
        restarted = FakeNode(self, self.redis, name, self.shared, store=store)
        restarted.start()
        restarted.turns()
        return restarted


def setter(read: str) -> str:
    """Who an IRC client's C{333} line in C{read} credits with the topic."""
    found = re.search(r" 333 \S+ #lobby (\S+) \d+\r\n", read)
    assert found is not None, read
    return found.group(1)
