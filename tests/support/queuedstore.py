"""
A store that queues its room messages as PostgreSQL's writer does, for
cluster tests whose nodes share one database.
"""

from __future__ import annotations

from typing import Any

from twisted.internet.defer import Deferred, succeed
from twisted.internet.task import Clock
from twisted.trial.unittest import SynchronousTestCase

from chatd.storage.memory import MemoryChatStore
from tests.support.fakenode import FakeNode
from tests.support.fakeredis import FakeRedis


class QueuedStore:
    """
    One node's view of the shared store: its room messages wait in a queue
    until L{flush} (the node's write-behind batch), as on PostgreSQL.
    """

    def __init__(self, shared: MemoryChatStore) -> None:
        self.shared = shared
        self.queue: list[tuple[Any, ...]] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self.shared, name)

    def addMessage(self, *args: Any, **kwargs: Any) -> None:
        self.queue.append((args, kwargs))

    def queueDepth(self) -> int:
        return len(self.queue)

    def flush(self) -> Deferred[None]:
        queue, self.queue = self.queue, []
        for args, kwargs in queue:
            self.shared.addMessage(*args, **kwargs)
        return succeed(None)

    def history(self, room: str, count: int, before: int | None = None) -> Any:
        self.flush()  # what this node queued, as the SQL store does
        return self.shared.history(room, count, before)

    def storedMsgids(self, msgids: list[str]) -> Any:
        self.flush()
        return self.shared.storedMsgids(msgids)

    def findMessage(self, msgid: str) -> Any:
        self.flush()  # what this node queued, as the SQL store does
        return self.shared.findMessage(msgid)

    def latestBy(self, room: str, sender: str) -> Any:
        self.flush()
        return self.shared.latestBy(room, sender)

    def deleteMessage(self, msgid: str) -> Any:
        self.flush()
        return self.shared.deleteMessage(msgid)

    def search(self, *args: Any) -> Any:
        self.flush()
        return self.shared.search(*args)


class QueuedNodes(SynchronousTestCase):
    """
    Nodes C{a} and C{b} on one fake Redis, sharing one store through a
    L{QueuedStore} each.
    """

    def setUp(self) -> None:
        self.clock = Clock()
        self.clock.advance(1_700_000_000)
        self.redis = FakeRedis(self.clock)
        self.shared = MemoryChatStore()
        self.shared.startService()
        self.a, self.b = (
            FakeNode(self, self.redis, name, sharedStore=True, store=QueuedStore(self.shared))
            for name in "ab"
        )
        for node in (self.a, self.b):
            node.start()
        self.a.turns()
