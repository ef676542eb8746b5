"""
Tests for L{chatd.core.creation}: entering a room, made with its creator in
it when it does not exist (C{enterOrCreate}), and creating one without
entering it (C{createRoom}).
"""

from __future__ import annotations

from twisted.internet.defer import Deferred
from twisted.internet.task import Clock
from twisted.trial.unittest import SynchronousTestCase

from chatd.core import errors
from chatd.core.calls import maybeCall
from chatd.core.creation import UNSTORED
from chatd.core.events import Membership
from chatd.core.names import key
from chatd.core.service import ChatService
from chatd.testing import RecordingParticipant, settled
from tests.support.persistencecase import PersistenceTestCase
from tests.support.slowrooms import SlowRoomsCase


class WithoutStoreTests(SynchronousTestCase):
    def setUp(self) -> None:
        self.service = ChatService(Clock(), maxRoomsPerUser=1)

    def user(self, nick: str) -> RecordingParticipant:
        participant = RecordingParticipant()
        self.service.connect(participant)
        self.service.login(participant, nick)
        return participant

    def enter(
        self, participant: RecordingParticipant, room: str, roomKey: str | None = None
    ) -> Deferred[str]:
        return maybeCall(self.service.enterOrCreate, participant, room, roomKey)

    def test_madeWithItsCreator(self) -> None:
        """
        A room that does not exist is made with its creator in it, its
        operator.
        """
        alice = self.user("alice")
        self.assertEqual(self.successResultOf(self.enter(alice, "Den")), "Den")
        room = self.service.registry.get("den")
        self.assertEqual(list(room.members), [key("alice")])
        self.assertEqual(room.ops, {key("alice")})
        self.assertEqual(self.service.roomsOf(alice), ["Den"])

    def test_existingEntered(self) -> None:
        """
        A room that exists is entered as by C{enter}: a plain member, its
        key checked.
        """
        alice, bob = self.user("alice"), self.user("bob")
        self.enter(alice, "den")
        self.service.changeRoomMode(alice, "den", True, "k", "sesame")
        self.failureResultOf(self.enter(bob, "den"), errors.BadRoomKey)
        self.assertEqual(self.successResultOf(self.enter(bob, "den", "sesame")), "den")
        self.assertEqual(self.service.registry.get("den").ops, {key("alice")})
        self.failureResultOf(self.enter(bob, "den"), errors.AlreadyMember)

    def test_limitsRefuse(self) -> None:
        """
        A creation the room limits refuse makes nothing, and the user is
        in no room; an invalid name is refused as by C{createRoom}.
        """
        alice = self.user("alice")
        self.enter(alice, "one")
        self.failureResultOf(self.enter(alice, "two"), errors.TooManyRooms)
        self.assertIsNone(self.service.registry.find("two"))
        self.assertEqual(self.service.roomsOf(alice), ["one"])
        self.failureResultOf(self.enter(alice, "two words"), errors.InvalidGroup)

    def test_createRoomDoesNotEnter(self) -> None:
        """
        C{createRoom} (TCHAT's C{CREAT}) makes the room, run by its
        creator, who is not in it.
        """
        alice = self.user("alice")
        self.assertEqual(self.service.createRoom(alice, "den"), "den")
        self.assertEqual(list(self.service.registry.get("den").members), [])
        self.assertEqual(self.service.roomsOf(alice), [])


class StoredRoomTests(SlowRoomsCase, PersistenceTestCase):
    """
    alice, registered: her new room is made once stored, which the store
    keeps waiting.
    """

    def setUp(self) -> None:
        super().setUp()
        self.slow.store()
        self.registered("alice", "sesame")
        self.alice = self.login("alice", "sesame")
        self.made = settled(self.service.enterOrCreate(self.alice, "Jeux"))

    def test_inItWhileStored(self) -> None:
        """
        While the room is being stored, alice is in it already, its
        operator; bob, entering, is answered once it is made, and finds her
        there.  Her entry is kept for her next login.
        """
        self.assertNoResult(self.made)
        room = self.service.registry.get("jeux")
        self.assertEqual((list(room.members), room.ops), ([key("alice")], {key("alice")}))
        bob, carol = self.login("bob"), self.login("carol")
        entered = settled(self.service.enterOrCreate(bob, "jeux"))
        plain = settled(self.service.enter(carol, "jeux"))  # TCHAT's ENTER
        self.assertNoResult(entered)
        self.assertNoResult(plain)
        self.slow.store()
        self.assertEqual(self.successResultOf(self.made), "Jeux")
        self.assertEqual(self.successResultOf(entered), "Jeux")
        self.assertEqual(self.successResultOf(plain), "Jeux")
        self.assertEqual(
            self.service.memberStatuses(bob, "jeux"), [("alice", "o"), ("bob", ""), ("carol", "")]
        )
        self.service.disconnect(self.alice)
        again = self.login("alice", "sesame")
        self.assertIn("Jeux", self.service.roomsOf(again))

    def test_notStored(self) -> None:
        """
        A room the store could not keep is not made: alice gets the
        store's error, out of it.  bob, who joined meanwhile, makes it
        himself then, and carol's plain entry (after his) enters his room.
        """
        bob, carol = self.login("bob"), self.login("carol")
        entered = settled(self.service.enterOrCreate(bob, "jeux"))
        plain = settled(self.service.enter(carol, "jeux"))
        waiting, self.slow.waiting = self.slow.waiting, []
        waiting[0].errback(errors.StoreUnavailable())
        self.flushLoggedErrors(errors.StoreUnavailable)
        self.failureResultOf(self.made, errors.StoreUnavailable)
        self.assertNotIn("Jeux", self.service.roomsOf(self.alice))
        self.assertEqual(self.successResultOf(entered), "jeux")
        self.assertEqual(self.successResultOf(plain), "jeux")
        self.assertEqual(self.service.registry.get("jeux").ops, {key("bob")})
        self.assertEqual(self.service.memberStatuses(bob, "jeux"), [("bob", "o"), ("carol", "")])

    def test_everyConnectionTold(self) -> None:
        """
        alice's person is in the room while it is stored: a room the
        store could not keep is left by every connection of hers, each
        told why (one may have shown the room meanwhile).
        """
        laptop = self.login("alice", "sesame")
        self.assertIn("Jeux", self.service.roomsOf(laptop))
        waiting, self.slow.waiting = self.slow.waiting, []
        waiting[0].errback(errors.StoreUnavailable())
        self.flushLoggedErrors(errors.StoreUnavailable)
        self.failureResultOf(self.made, errors.StoreUnavailable)
        for connection in (self.alice, laptop):
            left = [
                (e.room, e.reason)
                for e in connection.events
                if isinstance(e, Membership) and not e.joined and e.room == "Jeux"
            ]
            self.assertEqual(left, [("Jeux", UNSTORED)])
