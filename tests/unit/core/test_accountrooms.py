"""
The rooms a registered account is put back in at its next login
(L{chatd.core.accountrooms}): the stored ones, and the guests' rooms it had
not left while they last; in memory against a service with a store.
"""

from __future__ import annotations

from chatd.testing import RecordingParticipant, settled
from tests.support.persistencecase import PersistenceTestCase


class GuestRoomTests(PersistenceTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.registered("bob", "sesame")
        self.guest = self.login("aa")
        self.successResultOf(settled(self.service.createRoom(self.guest, "rr")))
        self.successResultOf(settled(self.service.enter(self.guest, "rr")))
        self.assertTrue(self.service.roomVanishes("rr"))

    def bobAgain(self) -> RecordingParticipant:
        return self.login("bob", "sesame")

    def test_backWhileItLasts(self) -> None:
        """
        An account that was in a guest's room and did not leave it is back
        in it at its next login, as in a stored room.
        """
        bob = self.bobAgain()
        self.successResultOf(settled(self.service.enter(bob, "rr")))
        self.service.disconnect(bob)
        self.assertIn("rr", self.service.roomsOf(self.bobAgain()))

    def test_notBackAfterLeaving(self) -> None:
        """
        Leaving the room (or being removed) forgets it.
        """
        bob = self.bobAgain()
        self.successResultOf(settled(self.service.enter(bob, "rr")))
        self.successResultOf(settled(self.service.leave(bob, "rr")))
        self.service.disconnect(bob)
        self.assertNotIn("rr", self.service.roomsOf(self.bobAgain()))

    def test_notIntoANewRoomOfTheName(self) -> None:
        """
        Once the guest's room vanished, a new room under its name (someone
        else's) is not the one the account was in.
        """
        bob = self.bobAgain()
        self.successResultOf(settled(self.service.enter(bob, "rr")))
        self.service.disconnect(bob)
        self.service.disconnect(self.guest)
        self.assertNotIn("rr", [name for name, _ in self.service.rooms()])
        other = self.login("cc")
        self.successResultOf(settled(self.service.createRoom(other, "rr")))
        self.successResultOf(settled(self.service.enter(other, "rr")))
        self.assertNotIn("rr", self.service.roomsOf(self.bobAgain()))

    def test_guestRoomAtRegistration(self) -> None:
        """
        A guest in a guest's room who registers is back in it at the next
        login too.
        """
        dave = self.login("dave")
        self.successResultOf(settled(self.service.enter(dave, "rr")))
        self.successResultOf(self.service.register(dave, "sesame"))
        self.service.disconnect(dave)
        self.assertIn("rr", self.service.roomsOf(self.login("dave", "sesame")))
