"""
Which rooms a login or a registration puts people in (L{chatd.core.autojoin},
through L{chatd.core.persistence}), and what a login costs: a guest's touches
no store and tells nobody.
"""

from __future__ import annotations

from typing import Any

from argon2 import PasswordHasher
from twisted.internet.defer import maybeDeferred
from twisted.internet.task import Clock
from twisted.trial.unittest import SynchronousTestCase

from chatd.core.accounts import Accounts, PasswordChecker
from chatd.core.events import Membership, Notice
from chatd.core.service import ChatService
from chatd.storage.memory import MemoryChatStore
from chatd.testing import RecordingParticipant, settled

FAST = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)


class WatchedStore(MemoryChatStore):
    """
    A L{MemoryChatStore} that records the name of every method called on it
    once C{watching} is true.
    """

    watching = False

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[str] = []

    def __getattribute__(self, name: str) -> Any:
        value = super().__getattribute__(name)
        if not name.startswith("_") and callable(value) and super().__getattribute__("watching"):
            super().__getattribute__("calls").append(name)
        return value


class NoHistory(RecordingParticipant):
    """
    A front-end that is offered no history on entering a room (TCHAT).
    """

    historyOnEnter = 0


class AutojoinTests(SynchronousTestCase):
    def setUp(self) -> None:
        self.clock = Clock()
        self.clock.advance(1_700_000_000)
        self.store = WatchedStore()
        self.store.startService()
        self.service = self.makeService()

    def makeService(self, **kw: Any) -> ChatService:
        checker = PasswordChecker(FAST, runInThread=lambda f, *a: maybeDeferred(f, *a))
        service = ChatService(
            self.clock,
            store=self.store,
            accounts=Accounts(self.store, self.clock, checker),
            **kw,
        )
        service.startService()
        return service

    def login(
        self, nick: str, password: str | None = None, kind: type[RecordingParticipant] = NoHistory
    ) -> RecordingParticipant:
        participant = kind()
        self.service.connect(participant)
        self.assertEqual(
            self.successResultOf(settled(self.service.login(participant, nick, password))), nick
        )
        self.clock.advance(0)
        return participant

    def test_guestLoginIsFree(self) -> None:
        """
        A guest's login, with a hundred users online in the room flagged
        autojoin, joins nothing, tells nobody, reads and writes nothing in
        the store, and gives the guest no event.
        """
        others = [self.login(f"user{i}") for i in range(100)]
        for other in others:
            self.successResultOf(settled(self.service.enter(other, "Général")))
        self.clock.advance(0)
        for other in others:
            other.events.clear()
        self.store.watching = True
        guest = self.login("guest", kind=RecordingParticipant)
        self.assertEqual(self.store.calls, [])
        self.assertEqual(self.service.roomsOf(guest), [])
        self.assertEqual(guest.events, [])
        self.assertEqual([event for other in others for event in other.events], [])

    def test_enterWithoutHistoryTakesNoMark(self) -> None:
        """
        A guest on a front-end offered no history (TCHAT) enters a room
        without a store query; one offered history has a mark taken and the
        history replayed.
        """
        self.store.watching = True
        plain = self.login("plain")
        self.successResultOf(settled(self.service.enter(plain, "Général")))
        self.clock.advance(0)
        self.assertEqual(self.store.calls, [])
        self.assertEqual(plain.events, [])
        curious = self.login("curious", kind=RecordingParticipant)
        self.successResultOf(settled(self.service.enter(curious, "Général")))
        self.clock.advance(0)
        self.assertIn("mark", self.store.calls)

    def test_registrationJoinsOnce(self) -> None:
        """
        Registering puts the new account in the rooms flagged autojoin and
        stores the membership, which the next login restores; the members
        see it enter; a registered user who left Général stays out.
        """
        witness = self.login("witness")
        self.successResultOf(settled(self.service.enter(witness, "Général")))
        alice = self.login("alice")
        self.successResultOf(self.service.register(alice, "sesame"))
        self.clock.advance(0)
        self.assertEqual(self.service.roomsOf(alice), ["Général"])
        [entered] = witness.events
        assert isinstance(entered, Membership)
        self.assertEqual((entered.nick, entered.joined), ("alice", True))
        self.assertEqual(self.successResultOf(self.store.memberships("alice")), ["Général"])
        self.service.disconnect(alice)
        again = self.login("alice", "sesame")
        self.assertEqual(self.service.roomsOf(again), ["Général"])
        self.successResultOf(settled(self.service.leave(again, "Général")))
        self.service.disconnect(again)
        self.assertEqual(self.service.roomsOf(self.login("alice", "sesame")), [])

    def test_consoleAccountJoinsOnce(self) -> None:
        """
        An account an administrator made (the console's C{add account}) is
        put in the rooms flagged autojoin at its first login, as a
        registered one is; once: left, it stays out.
        """
        self.assertEqual(
            self.successResultOf(self.service.createAccount("pupil", "sesame")), "pupil"
        )
        self.assertEqual(self.successResultOf(self.store.memberships("pupil")), ["Général"])
        first = self.login("pupil", "sesame")
        self.assertEqual(self.service.roomsOf(first), ["Général"])
        self.successResultOf(settled(self.service.leave(first, "Général")))
        self.service.disconnect(first)
        self.assertEqual(self.service.roomsOf(self.login("pupil", "sesame")), [])

    def test_autojoinOptionWithStoredRooms(self) -> None:
        """
        A registered user's login restores their rooms and adds the
        C{autojoin} rooms, each once, told in one notice; the autojoin room
        is made at start when it does not exist.
        """
        self.service = self.makeService(autojoin=["Général", "Hall"])
        alice = self.login("alice")
        self.assertEqual(self.service.roomsOf(alice), ["Général", "Hall"])
        self.successResultOf(self.service.register(alice, "sesame"))
        self.successResultOf(settled(self.service.enter(alice, "Blabla")))
        self.service.disconnect(alice)
        again = self.login("alice", "sesame")
        self.assertEqual(sorted(self.service.roomsOf(again)), ["Blabla", "Général", "Hall"])
        notices = [event.text for event in again.events if isinstance(event, Notice)]
        self.assertEqual(len(notices), 1)
        self.assertEqual(
            sorted(notices[0].removeprefix("you are in ").split(", ")),
            ["Blabla", "Général", "Hall"],
        )

    def test_fullRoomNotBackIn(self) -> None:
        """
        A registered user whose room is full at their login is told they
        are not back in it, and why; they stay a member, and are back in
        it at a later login once there is room.
        """
        self.service = self.makeService(maxGroupSize=1)
        bob = self.login("bob")
        self.successResultOf(self.service.register(bob, "sesame"))
        self.successResultOf(settled(self.service.enter(bob, "Blabla")))
        self.service.disconnect(bob)
        guest = self.login("guest")
        self.successResultOf(settled(self.service.enter(guest, "Blabla")))
        again = self.login("bob", "sesame")
        self.assertNotIn("Blabla", self.service.roomsOf(again))
        notices = [event.text for event in again.events if isinstance(event, Notice)]
        self.assertIn("not back in Blabla (that room is full): enter it later", notices)
        self.service.disconnect(again)
        self.service.disconnect(guest)
        self.assertIn("Blabla", self.service.roomsOf(self.login("bob", "sesame")))

    def test_bannedWhileAwayNotBackIn(self) -> None:
        """
        A ban set on a registered member while they were away keeps them
        out of the room at their next login (they are told why); their other
        rooms take them back, and so does that one once the ban is lifted.
        """
        bob = self.login("bob")
        self.successResultOf(self.service.register(bob, "sesame"))
        owner = self.login("owner")
        self.successResultOf(settled(self.service.createRoom(owner, "club")))
        self.successResultOf(settled(self.service.enter(owner, "club")))
        for room in ("club", "Blabla"):
            self.successResultOf(settled(self.service.enter(bob, room)))
        self.service.disconnect(bob)
        self.successResultOf(
            settled(self.service.changeRoomMode(owner, "club", True, "b", "bob!*@*"))
        )
        again = self.login("bob", "sesame")
        self.assertEqual(self.service.roomsOf(again), ["Blabla", "Général"])
        notices = [event.text for event in again.events if isinstance(event, Notice)]
        self.assertTrue([n for n in notices if "not back in club (" in n], notices)
        self.service.disconnect(again)
        self.successResultOf(
            settled(self.service.changeRoomMode(owner, "club", False, "b", "bob!*@*"))
        )
        self.assertIn("club", self.service.roomsOf(self.login("bob", "sesame")))
