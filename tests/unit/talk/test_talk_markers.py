"""
Read markers in talk mode (L{chatd.talk.reading}): a message shown in the
terminal moves the account's marker; C{/join} says how many came since the
account last read the room; guests have neither.
"""

from __future__ import annotations

from chatd.core.readmarkers import ReadMarkers, readMarkersOf
from chatd.testing import settled
from tests.support.helpers import output
from tests.support.talkstorecase import TalkStoreTestCase


class TalkMarkerTests(TalkStoreTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.registered("alice", "sesame")
        markers = readMarkersOf(self.service)
        assert markers is not None
        self.markers: ReadMarkers = markers
        self.bob = self.login("bob")
        self.service.enter(self.bob, "Blabla")

    def marker(self) -> int | None:
        return self.successResultOf(self.store.readMarker("alice", "Blabla", True))

    def test_readingMovesTheMarker(self) -> None:
        """
        A message shown in alice's terminal moves her account's marker to
        its time, to the millisecond.
        """
        alice, t = self.talk("alice", "sesame")
        self.type(alice, t, "/join Blabla")
        self.clock.advance(2.5)
        self.service.say(self.bob, "Blabla", ("hello",))
        self.assertIn(b"hello", output(t, self.clock))
        self.assertEqual(self.marker(), 1_700_000_002_500)

    def test_newSinceLastRead(self) -> None:
        """
        With a marker in the room and three messages from others since,
        C{/join} says so; with none since, it says nothing of it.
        """
        phone, _ = self.talk("alice", "sesame")
        self.assertEqual(self.successResultOf(self.markers.mark(phone, "Blabla", True, 1)), 1)
        for text in ("one", "two", "three"):
            self.service.say(self.bob, "Blabla", (text,))
        alice, t = self.talk("alice", "sesame")
        seen = self.type(alice, t, "/join Blabla")
        self.assertIn(b"*** 3 new messages in Blabla since you last read.\r\n", seen)
        self.successResultOf(self.markers.mark(phone, "Blabla", True, 1_800_000_000_000))
        self.assertNotIn(b"since you last read", self.type(alice, t, "/join Blabla"))

    def test_neverReadCountedFromEntering(self) -> None:
        """
        A room the account never marked read is counted as on every
        front-end: from when it entered the room (here, after it was last
        connected); a room entered by this C{/join} has nothing new yet.
        """
        self.service.say(self.bob, "Blabla", ("before alice came",))
        self.clock.advance(1)
        device = self.login("alice", "sesame")  # (marks nothing it receives)
        self.successResultOf(settled(self.service.enter(device, "Blabla")))
        self.clock.advance(1)
        for text in ("one", "two"):
            self.service.say(self.bob, "Blabla", (text,))
        alice, t = self.talk("alice", "sesame")
        seen = self.type(alice, t, "/join Blabla")
        self.assertIn(b"*** 2 new messages in Blabla since you last read.\r\n", seen)
        self.successResultOf(self.service.configureRoom("Den"))
        self.successResultOf(settled(self.service.enter(self.bob, "Den")))
        self.service.say(self.bob, "Den", ("before alice came",))
        self.clock.advance(1)
        self.assertNotIn(b"since you last read", self.type(alice, t, "/join Den"))

    def test_guestsHaveNone(self) -> None:
        """
        A guest's terminal shows messages without any marker, and C{/join}
        says nothing of unread messages.
        """
        carol, t = self.talk("carol")
        seen = self.type(carol, t, "/join Blabla")
        self.service.say(self.bob, "Blabla", ("hello",))
        self.assertNotIn(b"since you last read", seen)
        self.assertIn(b"hello", output(t, self.clock))
        self.assertIsNone(self.successResultOf(self.store.readMarker("carol", "Blabla", True)))
