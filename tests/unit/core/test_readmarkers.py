"""
Read markers (L{chatd.core.readmarkers}): one per registered account and
conversation, forward only, in the store; the account's other connections
are told when one moves it; guests have none; unread counts after it.
"""

from __future__ import annotations

from typing import Any

from chatd.core import errors
from chatd.core.interfaces import IParticipant
from chatd.core.readmarkers import ReadMarkers, readMarkersOf
from chatd.core.service import ChatService
from chatd.testing import RecordingParticipant, settled
from tests.support.persistencecase import PersistenceTestCase


class ReadMarkerTests(PersistenceTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.registered("alice", "sesame")
        self.phone = self.login("alice", "sesame")
        self.laptop = self.login("alice", "sesame")
        self.settle(self.service.enter(self.phone, "Blabla"))
        self.bob = self.login("bob")
        self.settle(self.service.enter(self.bob, "Blabla"))
        markers = readMarkersOf(self.service)
        assert markers is not None
        self.markers: ReadMarkers = markers
        self.told: list[tuple[IParticipant, str, bool, int]] = []

    def settle(self, result: object) -> Any:
        value = self.successResultOf(settled(result))
        self.clock.advance(0)
        return value

    def tell(self, connection: IParticipant, target: str, isRoom: bool, millis: int) -> None:
        self.told.append((connection, target, isRoom, millis))

    def test_noStoreNoMarkers(self) -> None:
        """
        A service without a store keeps no accounts, so no markers.
        """
        self.assertIsNone(readMarkersOf(ChatService(self.clock)))

    def test_markMovesForwardAndIsStored(self) -> None:
        """
        A marker is unknown at first; marking stores it (another connection
        of the account reads it); an earlier moment leaves it where it is.
        """
        self.assertIsNone(self.settle(self.markers.get(self.phone, "Blabla", True)))
        self.assertEqual(self.settle(self.markers.mark(self.phone, "Blabla", True, 5_000)), 5_000)
        self.assertEqual(self.settle(self.markers.mark(self.laptop, "blabla", True, 4_000)), 5_000)
        self.assertEqual(self.settle(self.markers.get(self.laptop, "BLABLA", True)), 5_000)
        self.assertEqual(
            self.successResultOf(self.store.readMarker("alice", "Blabla", True)), 5_000
        )
        self.assertIsNone(self.settle(self.markers.get(self.phone, "Blabla", False)))

    def test_otherConnectionsAreTold(self) -> None:
        """
        When a marker moves, the account's other following connections are
        told (not the one that moved it); a marker that does not move tells
        nobody.
        """
        for connection in (self.phone, self.laptop, self.bob):
            self.markers.follow(connection, self.tell)
        self.settle(self.markers.mark(self.phone, "bob", False, 9_000))
        self.assertEqual(self.told, [(self.laptop, "bob", False, 9_000)])
        self.settle(self.markers.mark(self.laptop, "bob", False, 8_000))
        self.assertEqual(len(self.told), 1)
        self.settle(self.markers.mark(self.laptop, "bob", False, 9_500))
        self.assertEqual(self.told[1], (self.phone, "bob", False, 9_500))

    def test_guestsForTheirSession(self) -> None:
        """
        A guest's markers are kept for its session: set, read back, never
        moved back, and counted from; nothing is stored, the list of all
        markers is refused, and the next session under the name starts with
        none.  A connection not logged in is refused.
        """
        self.assertIsNone(self.settle(self.markers.get(self.bob, "Blabla", True)))
        self.assertEqual(self.settle(self.markers.mark(self.bob, "Blabla", True, 500)), 500)
        self.assertEqual(self.settle(self.markers.mark(self.bob, "blabla", True, 100)), 500)
        self.assertEqual(self.settle(self.markers.get(self.bob, "BLABLA", True)), 500)
        self.assertIsNone(self.settle(self.markers.get(self.bob, "Blabla", False)))
        self.assertEqual(self.settle(self.markers.unread(self.bob, "Blabla", True)), 0)
        self.assertEqual(self.successResultOf(self.store.readMarkers("bob")), [])
        self.assertRaises(errors.NotPermitted, self.markers.all, self.bob)
        self.service.disconnect(self.bob)
        again = self.login("bob")
        self.assertIsNone(self.settle(self.markers.get(again, "Blabla", True)))
        stranger = RecordingParticipant()
        self.assertRaises(errors.NotLoggedIn, self.markers.get, stranger, "Blabla", True)
        self.assertRaises(errors.InvalidArgument, self.markers.mark, self.phone, "Blabla", True, -1)
        self.assertRaises(errors.InvalidArgument, self.markers.mark, again, "Blabla", True, -1)

    def test_unread(self) -> None:
        """
        The unread count is what others said after the marker (the
        account's own words are not counted); no marker, no count.
        """
        self.assertIsNone(self.settle(self.markers.unread(self.phone, "Blabla", True)))
        self.service.say(self.bob, "Blabla", ("one",))
        self.clock.advance(1)
        self.service.say(self.bob, "Blabla", ("two",))
        self.service.say(self.phone, "Blabla", ("mine",))
        self.clock.advance(1)
        self.service.say(self.bob, "Blabla", ("three",))
        self.settle(self.markers.mark(self.phone, "Blabla", True, 1_700_000_000_500))
        self.assertEqual(self.settle(self.markers.unread(self.laptop, "Blabla", True)), 2)
        self.settle(self.markers.mark(self.phone, "Blabla", True, 1_700_000_002_000))
        self.assertEqual(self.settle(self.markers.unread(self.laptop, "Blabla", True)), 0)

    def test_markerAtABurstsLastMessage(self) -> None:
        """
        A burst said at the end of a second runs its moments past it: a
        marker at its last message (its server-time) covers them all.
        """
        self.clock.advance(0.99 - self.clock.seconds() % 1)
        said = [self.service.tell(self.bob, "alice", (f"m{i}",)) for i in range(30)]
        last = said[-1].millis  # type: ignore[union-attr]
        self.assertGreater(last, int(self.clock.seconds()) * 1000 + 999)
        self.settle(self.markers.mark(self.phone, "bob", False, last))
        self.assertEqual(self.settle(self.markers.unread(self.laptop, "bob", False)), 0)

    def test_markerAtAMessageInItsMillisecond(self) -> None:
        """
        Messages said within one millisecond each have their own moment, in
        order: a marker at the first (as IRC's MARKREAD gives it, from its
        server-time) leaves the next ones unread.
        """
        said = [self.service.tell(self.bob, "alice", (text,)) for text in ("zero", "one", "two")]
        moments = [event.millis for event in said]  # type: ignore[union-attr]
        self.assertEqual(moments, sorted(set(moments)))
        self.settle(self.markers.mark(self.phone, "bob", False, moments[0]))
        self.assertEqual(self.settle(self.markers.unread(self.laptop, "bob", False)), 2)

    def test_unmarked(self) -> None:
        """
        The account's private conversations without a marker where others
        wrote, each with all they said there; a marked one is not among
        them, nor one where only the account wrote.
        """
        self.service.tell(self.bob, "alice", ("one",))
        self.service.tell(self.bob, "alice", ("two",))
        self.service.tell(self.phone, "bob", ("mine",))
        carol = self.login("carol")
        self.service.tell(self.phone, "carol", ("only mine",))
        self.assertEqual(self.settle(self.markers.unmarked(self.laptop)), [("bob", 2)])
        self.service.tell(carol, "alice", ("hey",))
        self.settle(self.markers.mark(self.phone, "bob", False, 1))
        self.assertEqual(self.settle(self.markers.unmarked(self.laptop)), [("carol", 1)])
        self.assertRaises(errors.NotPermitted, self.markers.unmarked, self.bob)
