"""
Tests for L{chatd.core.entryreplay} in a cluster: two nodes that share one
store, each writing its own messages in batches, offer a user entering a
room each message said there before once, and none they receive live.
"""

from __future__ import annotations

from typing import Any

from twisted.internet.defer import maybeDeferred
from twisted.trial.unittest import SynchronousTestCase

from chatd.core.entryreplay import EntryReplays
from chatd.core.events import RoomMessage
from chatd.core.msgids import msgidOrigin
from chatd.testing import RecordingParticipant
from tests.support.fakenode import FakeNode
from tests.support.queuedstore import QueuedNodes


class Entrant(RecordingParticipant):
    """
    A participant that tells its room's replay apart from what it receives
    live.
    """

    def __init__(self) -> None:
        super().__init__()
        self.replayed: list[str] = []
        self.live: list[str] = []

    def roomHistory(self, room: str, events: list[RoomMessage]) -> None:
        self.replayed += [event.lines[0] for event in events]

    def roomMessage(self, event: RoomMessage) -> None:
        self.live.append(event.lines[0])


class EntryReplayTests(QueuedNodes):
    def replays(self, node: FakeNode) -> EntryReplays:
        persistence = node.service.persistence
        assert persistence is not None
        return persistence.replays

    def say(self, node: FakeNode, who: RecordingParticipant, text: str) -> None:
        self.clock.advance(0.002)  # each in a millisecond of its own
        self.successResultOf(node.outcome(node.service.say, who, "lobby", (text,)))

    def test_eachMessageOnce(self) -> None:
        """
        A user entering a room on node A is replayed what was said there
        before, on both nodes, node B's still in its queue included, and
        none of what it then receives live: node A's own messages said, and
        node B's received, while the entry waits for node B to hear of it.
        """
        walter, yvonne = self.a.user("walter", "lobby"), self.b.user("yvonne", "lobby")
        self.say(self.a, walter, "w0")
        self.say(self.b, yvonne, "y0")
        self.replays(self.a).persistence.store.flush()  # A's written, B's still queued
        xavier = Entrant()
        self.a.service.connect(xavier)
        self.a.service.login(xavier, "xavier")
        self.a.turns()
        replays = self.replays(self.a)
        cut = replays.cut

        def cutThenHold(*args: Any) -> Any:
            self.b.hold()  # B does not hear of the entry yet: it is not answered
            return cut(*args)

        self.patch(replays, "cut", cutThenHold)
        entered = maybeDeferred(self.a.service.enter, xavier, "lobby")
        self.a.turns()
        self.assertIn("lobby", self.a.service.roomsOf(xavier))
        self.say(self.a, walter, "w1")
        self.b.service.say(yvonne, "lobby", ("y1",))  # relayed at the end of the turn
        self.a.turns()
        self.assertNoResult(entered)
        self.b.release()
        self.a.turns(30)
        self.successResultOf(entered)
        self.assertEqual(xavier.replayed, ["w0", "y0"])
        self.assertEqual(xavier.live, ["w1", "y1"])
        self.assertEqual(replays.underWay(), 0)

    def test_loginRooms(self) -> None:
        """
        The rooms a login puts a user in (here C{--autojoin}) are replayed
        the same way, one round of writes for all of them.
        """
        yvonne = self.b.user("yvonne", "lobby")
        self.say(self.b, yvonne, "y0")
        self.a.service.autojoin = ("lobby",)
        xavier = Entrant()
        self.a.service.connect(xavier)
        self.successResultOf(self.a.outcome(self.a.service.login, xavier, "xavier"))
        self.say(self.b, yvonne, "y1")
        self.a.turns(30)
        self.assertEqual((xavier.replayed, xavier.live), (["y0"], ["y1"]))
        self.assertEqual(self.replays(self.a).underWay(), 0)


class MsgidOriginTests(SynchronousTestCase):
    def test_origin(self) -> None:
        """
        A message id names the process that made it and counts its
        messages; anything else has no origin.
        """
        self.assertEqual(msgidOrigin("0a1b2c3d4e5f-3fff"), ("0a1b2c3d4e5f", 0xFFF))
        for text in ("", "abc", "abc-", "abc-1", "-12", "abc-1zz"):
            self.assertIsNone(msgidOrigin(text), text)
