"""
Tests for cluster nodes that share one database: a search finds what
another node's user said a moment ago, still in that node's write queue
(L{chatd.core.search}); a node that starts later learns what the database
does not hold from the others' states (L{chatd.cluster.rooms}).
"""

from __future__ import annotations

from chatd.core.search import search
from tests.support.fakenode import FakeNode
from tests.support.queuedstore import QueuedNodes, QueuedStore


class SharedDatabaseTests(QueuedNodes):
    def test_findsWhatAnotherNodeQueues(self) -> None:
        """
        A search on node B waits for node A to write what it queues, as a
        history request does.
        """
        walter, yvonne = self.a.user("walter", "lobby"), self.b.user("yvonne", "lobby")
        self.successResultOf(self.a.outcome(self.a.service.say, walter, "lobby", ("gooseberry",)))
        found = self.b.outcome(search, self.b.service, yvonne, "gooseberry")
        self.assertEqual(
            [hit.message.lines for hit in self.successResultOf(found)], [("gooseberry",)]
        )

    def test_guestRoomSettingsInStates(self) -> None:
        """
        A guest's room is not stored, so a node that starts later learns
        its topic and capacity from the others' states, as its modes; it is
        a guest's room there too, gone with its last member and never
        stored.
        """
        guest = self.a.user("gop")
        self.successResultOf(self.a.outcome(self.a.service.createRoom, guest, "groom"))
        self.successResultOf(self.a.outcome(self.a.service.enter, guest, "groom"))
        self.a.service.setTopic(guest, "groom", "guest topic")
        self.a.service.changeRoomModes(guest, "groom", [(True, "l", "2"), (True, "m", "")])
        self.a.turns()
        late = FakeNode(self, self.redis, "c", sharedStore=True, store=QueuedStore(self.shared))
        late.start()
        late.turns()
        self.assertEqual(late.service.topic("groom"), "guest topic")
        self.assertEqual(late.service.capacity("groom"), 2)
        self.assertIn("m", late.service.roomModes("groom"))
        # A guest's room there, as here: never stored, gone once empty.
        self.assertTrue(late.service.roomVanishes("groom"))
        self.a.service.disconnect(guest, "bye")
        self.a.turns()
        late.turns()
        self.assertNotIn("groom", [name for name, _ in late.service.rooms()])
        stored = self.successResultOf(self.shared.load()).rooms
        self.assertNotIn("groom", [room.name for room in stored])
