# -*- test-case-name: tests.unit.cluster.test_cluster_roomremoval -*-
"""
A room deleted from one node's admin console (L{chatd.core.roomremoval})
is deleted on every node: a C{mod} envelope, each node taking its own
members out and telling them once, each node's store forgetting it (the
origin's alone when the nodes share one).
"""

from __future__ import annotations

from typing import Any

from twisted.internet.task import Clock
from twisted.trial.unittest import SynchronousTestCase

from chatd.admin.commands import AdminConsole
from chatd.core.events import KICK, Membership
from chatd.core.roomremoval import RoomDeleted
from chatd.storage.memory import MemoryChatStore
from chatd.testing import RecordingParticipant
from tests.support.fakenode import FakeNode
from tests.support.fakeredis import FakeRedis

WHY = "room deleted: spam"


def kicks(person: RecordingParticipant) -> list[tuple[str, str, str, str | None]]:
    """The kicks C{person} was told of: who, by whom, why, and the deletion's reason."""
    return [
        (e.nick, e.by, e.reason, e.deletion if isinstance(e, RoomDeleted) else None)
        for e in person.events
        if isinstance(e, Membership) and e.kind == KICK
    ]


class CountingStore(MemoryChatStore):
    """A memory store that counts the rooms it was asked to delete."""

    def __init__(self) -> None:
        super().__init__()
        self.deleted: list[str] = []

    def deleteRoom(self, room: str) -> Any:
        self.deleted.append(room)
        return super().deleteRoom(room)


class RoomRemovalSyncTests(SynchronousTestCase):
    def setUp(self) -> None:
        self.clock = Clock()
        self.clock.advance(1000)
        self.redis = FakeRedis(self.clock)

    def cluster(self, stores: list[CountingStore], sharedStore: bool = False) -> list[FakeNode]:
        nodes = [
            FakeNode(self, self.redis, name, sharedStore, store=store)
            for name, store in zip("abc", stores, strict=True)
        ]
        for node in nodes:
            node.start()
        self.settle()
        return nodes

    def settle(self) -> None:
        for _ in range(10):
            self.clock.advance(0)

    def test_deletedEverywhere(self) -> None:
        """
        Deleted on A while its members are on A, B and C: the reply comes
        once every node has it; each node takes its members out, each
        person is told once by a kick from the administrator, no node
        lists the room, and each node's own store forgets it.
        """
        stores = [CountingStore(), CountingStore(), CountingStore()]
        a, b, c = self.cluster(stores)
        people = [a.user("op", "lobby"), b.user("bob", "lobby"), c.user("carol", "lobby")]
        self.settle()
        before = len(self.redis.published)
        reply = AdminConsole(a.service, "root").execute("delete room LOBBY spam")
        self.assertNoResult(reply)
        self.settle()
        said = self.successResultOf(reply)  # (then: the rooms option makes it again at start)
        self.assertEqual(said.splitlines()[0], "deleted lobby: 3 member(s) removed")
        self.assertIn("mod", self.redis.kinds()[before:])
        for node in (a, b, c):
            self.assertIsNone(node.service.registry.find("lobby"))
            self.assertNotIn("lobby", [name for name, _ in node.service.rooms()])
        for person in people:
            assert person.nick is not None
            mine = [k for k in kicks(person) if k[0] == person.nick]
            self.assertEqual(mine, [(person.nick, "root", WHY, "spam")])
            self.assertEqual(len(set(kicks(person))), len(kicks(person)))
        for store in stores:
            self.assertEqual(store.deleted, ["lobby"])
            rooms = self.successResultOf(store.load()).rooms
            self.assertNotIn("lobby", [room.name for room in rooms])

    def test_sharedStoreWrittenOnce(self) -> None:
        """
        Nodes sharing one store: the origin deletes the room from it, the
        others only from their memory.
        """
        shared = CountingStore()
        a, b, c = self.cluster([shared] * 3, sharedStore=True)
        b.user("bob", "lobby")
        self.settle()
        reply = AdminConsole(a.service, "root").execute("delete room lobby")
        self.settle()
        said = self.successResultOf(reply)  # (then: the rooms option makes it again at start)
        self.assertEqual(said.splitlines()[0], "deleted lobby: 1 member(s) removed")
        self.assertEqual(shared.deleted, ["lobby"])
        for node in (a, b, c):
            self.assertIsNone(node.service.registry.find("lobby"))
