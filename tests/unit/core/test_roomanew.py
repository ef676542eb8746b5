# -*- test-case-name: tests.unit.core.test_roomanew -*-
"""
A room made anew under the name of one that vanished (a guest's room,
never stored) starts with none of its past: its history is not the new
creator's to read.
"""

from __future__ import annotations

from typing import Any

from chatd.testing import RecordingParticipant, settled
from tests.support.persistencecase import PersistenceTestCase


class RoomMadeAnewTests(PersistenceTestCase):
    def settle(self, result: object) -> Any:
        value = self.successResultOf(settled(result))
        self.clock.advance(0)
        return value

    def guestRoom(self, guest: RecordingParticipant, room: str) -> None:
        self.settle(self.service.createRoom(guest, room))
        self.settle(self.service.enter(guest, room))

    def test_vanishedGuestRoomHistoryNotInherited(self) -> None:
        """
        A guest's room vanishes with its last member; whoever creates the
        name next reads none of what was said there, and what they say is
        their room's history.
        """
        alice = self.login("alice9")
        self.guestRoom(alice, "hush")
        self.service.say(alice, "hush", ("my private plan",))
        self.service.disconnect(alice, "bye")
        self.clock.advance(1)
        mallory = self.login("mallory9")
        self.guestRoom(mallory, "hush")
        self.assertEqual(self.settle(self.service.history(mallory, "hush", 10)), [])
        self.service.say(mallory, "hush", ("hello",))
        said = self.settle(self.service.history(mallory, "hush", 10))
        self.assertEqual([(m.sender, m.lines) for m in said], [("mallory9", ("hello",))])

    def test_livingRoomKeepsItsHistory(self) -> None:
        """
        While the room lives, its history is its members' to read, however
        many come and go.
        """
        alice, bob = self.login("alice9"), self.login("bob9")
        self.guestRoom(alice, "hush")
        self.service.say(alice, "hush", ("first",))
        self.settle(self.service.enter(bob, "hush"))
        self.service.leave(alice, "hush")
        said = self.settle(self.service.history(bob, "hush", 10))
        self.assertEqual([m.lines for m in said], [("first",)])

    def test_madeAnewByAnAdministrator(self) -> None:
        """
        A vanished guest's room made anew from the console (C{add room})
        shows none of its past either.
        """
        alice = self.login("alice9")
        self.guestRoom(alice, "hush")
        self.service.say(alice, "hush", ("my private plan",))
        self.service.disconnect(alice, "bye")
        self.clock.advance(1)
        self.settle(self.service.configureRoom(self.service.addRoom("hush")))
        bob = self.login("bob9")
        self.settle(self.service.enter(bob, "hush"))
        self.assertEqual(self.settle(self.service.history(bob, "hush", 10)), [])

    def test_madeAnewAtStart(self) -> None:
        """
        A room of C{--rooms} the store does not hold, under the name of a
        guest's room that vanished before a restart, starts without its
        past: its messages are forgotten.
        """
        self.store.addMessage("lonely", "alice9", None, ("lonely words",), 1000)
        self.service = self.makeService(rooms=["lonely"])
        self.clock.advance(1)
        bob = self.login("bob9")
        self.settle(self.service.enter(bob, "lonely"))
        self.assertEqual(self.settle(self.service.history(bob, "lonely", 10)), [])
