"""
Tests for cluster nodes that share one database: a search finds what
another node's user said a moment ago, still in that node's write queue
(L{chatd.core.search}); a node that starts later learns what the database
does not hold from the others' states (L{chatd.cluster.rooms}).
"""

from __future__ import annotations

from chatd.core.chathistory import HistoryQuery
from chatd.core.events import RoomMessage
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

    def test_guestRoomMadeAnewHasNoPast(self) -> None:
        """
        A guest's room that vanished on node A, made anew on node B a
        moment later, shows none of the old room's messages, though A
        writes them only after B made the room (its write-behind queue):
        not in B's history (HISTO, a history window, the replay on
        entering, a search), nor in A's; what is said in the new room is.
        """
        old = self.a.user("m1")
        self.successResultOf(self.a.outcome(self.a.service.createRoom, old, "tl"))
        self.successResultOf(self.a.outcome(self.a.service.enter, old, "tl"))
        self.successResultOf(self.a.outcome(self.a.service.say, old, "tl", ("secret plan",)))
        self.a.service.disconnect(old, "bye")
        self.a.turns()
        self.clock.advance(0.4)
        guest = self.b.user("g2")
        self.successResultOf(self.b.outcome(self.b.service.createRoom, guest, "tl"))
        self.successResultOf(self.b.outcome(self.b.service.enter, guest, "tl"))
        self.successResultOf(self.b.outcome(self.b.service.say, guest, "tl", ("new start",)))
        self.a.turns()
        other = self.a.user("g3")
        self.successResultOf(self.a.outcome(self.a.service.enter, other, "tl"))
        for node, person in ((self.b, guest), (self.a, other)):
            said = self.successResultOf(node.outcome(node.service.history, person, "tl", 10))
            self.assertEqual([m.lines for m in said], [("new start",)])
            window = node.outcome(
                node.service.historyWindow, person, "tl", True, HistoryQuery("LATEST", None, 10)
            )
            self.assertEqual([m.lines for m in self.successResultOf(window)], [("new start",)])
            found = self.successResultOf(node.outcome(search, node.service, person, "secret"))
            self.assertEqual(found, [])
        replayed = [e.lines for e in other.events if isinstance(e, RoomMessage) and e.room == "tl"]
        self.assertEqual(replayed, [("new start",)])
