"""
Tests for rooms' founders and operators (L{chatd.core.founders},
L{chatd.core.roomops}): a registered account's room keeps its founder, who
runs it whenever they enter, also after a restart; a topic's setter and
time and a room's creation time survive a restart; chatd operators give
operator status in any room.  In memory, with a L{Clock} and the
L{MemoryChatStore} kept across the restart.
"""

from __future__ import annotations

from typing import Any

from argon2 import PasswordHasher
from twisted.internet.defer import maybeDeferred
from twisted.internet.task import Clock
from twisted.trial.unittest import SynchronousTestCase

from chatd.core import errors
from chatd.core.accounts import Accounts, PasswordChecker
from chatd.core.events import RoomChange
from chatd.core.founders import isFounder
from chatd.core.names import key
from chatd.core.room import Room
from chatd.core.service import ChatService
from chatd.storage.memory import MemoryChatStore
from chatd.testing import RecordingParticipant, settled

FAST = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
START = 1_700_000_000


class FounderRuleTests(SynchronousTestCase):
    def test_isFounder(self) -> None:
        """
        Only the founder's own proven account, under its own name, founds
        the room; a room without a founder has none.
        """
        room = Room("Kitchen")
        self.assertFalse(isFounder(room, "alice", key("alice")))
        room.settings.founder = "Alice"
        self.assertTrue(isFounder(room, "ALICE", key("alice")))
        self.assertFalse(isFounder(room, "alice", None))
        self.assertFalse(isFounder(room, "alice", key("bob")))
        self.assertFalse(isFounder(room, "bob", key("bob")))


class FounderTests(SynchronousTestCase):
    def setUp(self) -> None:
        self.clock = Clock()
        self.clock.advance(START)
        self.store = MemoryChatStore()
        self.store.startService()
        self.service = self.restart()

    def restart(self) -> ChatService:
        """A new service on the same store, as after a restart."""
        checker = PasswordChecker(FAST, runInThread=lambda f, *a: maybeDeferred(f, *a))
        self.service = ChatService(
            self.clock,
            operators=["root", "moder"],
            store=self.store,
            accounts=Accounts(self.store, self.clock, checker),
        )
        self.service.startService()
        return self.service

    def login(self, nick: str, password: str | None = None) -> RecordingParticipant:
        participant = RecordingParticipant()
        self.service.connect(participant)
        d = settled(self.service.login(participant, nick, password))
        self.assertEqual(self.successResultOf(d), nick)
        self.clock.advance(0)
        return participant

    def register(self, nick: str) -> None:
        user = self.login(nick)
        self.successResultOf(self.service.register(user, "sesame"))
        self.service.disconnect(user)

    def call(self, f: Any, *args: Any) -> Any:
        return self.successResultOf(maybeDeferred(f, *args))

    def test_foundedByRegisteredAccount(self) -> None:
        """
        A registered account's room records it as founder; after a restart,
        the founder entering (after someone else) is made operator, and the
        other members are told; the other member is not made one.
        """
        self.register("alice")
        alice = self.login("alice", "sesame")
        self.call(self.service.createRoom, alice, "Kitchen")
        self.call(self.service.enter, alice, "Kitchen")
        self.service.disconnect(alice)
        rooms = {r.name: r for r in self.successResultOf(self.store.load()).rooms}
        self.assertEqual(rooms["Kitchen"].founder, "alice")
        self.restart()
        bob = self.login("bob")
        self.call(self.service.enter, bob, "Kitchen")
        self.assertEqual(self.service.memberStatus("Kitchen", "bob"), "")
        alice = self.login("alice", "sesame")  # back in her rooms at login
        self.assertIn("Kitchen", self.service.roomsOf(alice))
        self.assertEqual(self.service.memberStatus("Kitchen", "alice"), "o")
        changes = [(e.by, e.modes, e.args) for e in bob.events if isinstance(e, RoomChange)]
        self.assertEqual(changes, [("alice", "+o", ("alice",))])
        # The founder's own connection is not told: what it is shown of the
        # room shows it an operator (TCHAT's login reply comes first).
        self.assertEqual([e for e in alice.events if isinstance(e, RoomChange)], [])
        self.call(self.service.leave, alice, "Kitchen")
        self.call(self.service.enter, alice, "Kitchen")
        self.assertEqual(self.service.memberStatus("Kitchen", "alice"), "o")

    def test_guestRoomHasNoFounder(self) -> None:
        """
        A guest's room has no founder: its creator runs it while it lasts.
        """
        guest = self.login("guest")
        self.call(self.service.createRoom, guest, "Den")
        self.call(self.service.enter, guest, "Den")
        self.assertEqual(self.service.memberStatus("Den", "guest"), "o")
        self.assertEqual(self.service.registry.get("Den").settings.founder, "")

    def test_registeringFoundsGuestRooms(self) -> None:
        """
        A guest who registers becomes the founder of the rooms it created,
        which are stored with it.
        """
        guest = self.login("carol")
        self.call(self.service.createRoom, guest, "Den")
        self.call(self.service.enter, guest, "Den")
        self.successResultOf(self.service.register(guest, "sesame"))
        rooms = {r.name: r for r in self.successResultOf(self.store.load()).rooms}
        self.assertEqual(rooms["Den"].founder, "carol")

    def test_topicAndCreationSurviveRestart(self) -> None:
        """
        Who set a topic and when, and when the room was created, are the
        same after a restart.
        """
        self.register("alice")
        alice = self.login("alice", "sesame")
        self.call(self.service.createRoom, alice, "Kitchen")
        self.call(self.service.enter, alice, "Kitchen")
        self.clock.advance(60)
        self.call(self.service.setTopic, alice, "Kitchen", "tea at five")
        self.service.disconnect(alice)
        self.clock.advance(3600)
        self.restart()
        self.login("bob")
        self.assertEqual(self.service.topic("Kitchen"), "tea at five")
        self.assertEqual(self.service.topicSetter("Kitchen"), ("alice", START + 60))
        self.assertEqual(self.service.roomCreatedAt("Kitchen"), START)

    def test_operatorOpsAnywhere(self) -> None:
        """
        A chatd operator gives operator status in a room it is not in, and
        to itself once in; a member who does not run the room cannot, nor
        can a user outside it.
        """
        self.successResultOf(self.service.createAccount("moder", "sesame"))  # an operator's name
        root = self.login("moder", "sesame")
        bob = self.login("bob")
        eve = self.login("eve")
        self.call(self.service.enter, bob, "Blabla")
        self.call(self.service.enter, eve, "Blabla")
        refused = self.call(self.service.changeRoomModes, root, "Blabla", [(True, "o", "bob")])
        self.assertEqual(refused, [])
        self.assertEqual(self.service.memberStatus("Blabla", "bob"), "o")
        failure = self.failureResultOf(
            maybeDeferred(self.service.changeRoomModes, eve, "Blabla", [(True, "o", "eve")])
        )
        failure.trap(errors.NotRoomOperator)
        mallory = self.login("mallory")
        failure = self.failureResultOf(
            maybeDeferred(self.service.changeRoomModes, mallory, "Blabla", [(True, "o", "x")])
        )
        failure.trap(errors.NotMember)
        self.call(self.service.enter, root, "Blabla")
        self.call(self.service.changeRoomModes, root, "Blabla", [(True, "o", "moder")])
        self.assertIn(key("moder"), self.service.registry.get("Blabla").ops)

    def bannedKitchen(self) -> tuple[RecordingParticipant, RecordingParticipant]:
        """
        Alice's room Kitchen, with guest bob in it, and a ban that matches
        everyone (as a cloak's mask matches everyone behind one address,
        signed in or not): alice, its founder, and bob.
        """
        self.register("alice")
        alice = self.login("alice", "sesame")
        self.call(self.service.createRoom, alice, "Kitchen")
        self.call(self.service.enter, alice, "Kitchen")
        bob = self.login("bob")
        self.call(self.service.enter, bob, "Kitchen")
        self.call(self.service.changeRoomModes, alice, "Kitchen", [(True, "b", "*!*@*")])
        return alice, bob

    def test_bansPassOverFounder(self) -> None:
        """
        A ban that matches a room's founder neither quiets them in it nor
        keeps them out of it (at an entry or back at a login); it does the
        others it matches.
        """
        alice, bob = self.bannedKitchen()
        self.call(self.service.say, alice, "Kitchen", ("still here",))
        failure = self.failureResultOf(maybeDeferred(self.service.say, bob, "Kitchen", ("hello",)))
        failure.trap(errors.BannedFromRoom)
        self.call(self.service.leave, alice, "Kitchen")
        self.call(self.service.enter, alice, "Kitchen")
        self.service.disconnect(alice)
        alice = self.login("alice", "sesame")
        self.assertIn("Kitchen", self.service.roomsOf(alice))
        self.call(self.service.leave, bob, "Kitchen")
        failure = self.failureResultOf(maybeDeferred(self.service.enter, bob, "Kitchen"))
        failure.trap(errors.BannedFromRoom)

    def test_founderRunsRoomFromOutside(self) -> None:
        """
        A room's founder runs it from outside it: they may lift a ban
        there; someone else outside it may not.  In it, they run it while an
        operator: one who took that from them is obeyed until they enter
        again.
        """
        alice, bob = self.bannedKitchen()
        self.call(self.service.changeRoomModes, alice, "Kitchen", [(True, "o", "bob")])
        self.call(self.service.changeRoomModes, bob, "Kitchen", [(False, "o", "alice")])
        self.assertFalse(self.service.isRoomOperator(alice, "Kitchen"))
        self.call(self.service.leave, alice, "Kitchen")
        self.call(self.service.leave, bob, "Kitchen")
        self.assertTrue(self.service.isRoomOperator(alice, "Kitchen"))
        self.assertFalse(self.service.isRoomOperator(bob, "Kitchen"))
        failure = self.failureResultOf(
            maybeDeferred(self.service.changeRoomModes, bob, "Kitchen", [(False, "b", "*!*@*")])
        )
        failure.trap(errors.NotMember)
        refused = self.call(self.service.changeRoomModes, alice, "Kitchen", [(False, "b", "*!*@*")])
        self.assertEqual(refused, [])
        self.assertEqual(self.service.roomBans("Kitchen"), [])
        self.call(self.service.enter, bob, "Kitchen")
