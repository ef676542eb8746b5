"""
Tests for the admin console's room commands (L{chatd.admin.roomcommands},
L{chatd.core.roomadmin}): a seeded room's topic, a member made operator,
a room's founder, a room deleted; through the console's line protocol.
"""

from __future__ import annotations

from argon2 import PasswordHasher
from twisted.internet.defer import Deferred, maybeDeferred
from twisted.internet.task import Clock
from twisted.internet.testing import StringTransport
from twisted.trial.unittest import SynchronousTestCase

from chatd.admin.commands import AdminConsole
from chatd.admin.outcome import NOT_STORED
from chatd.admin.shell import ConsoleLineProtocol
from chatd.core.accounts import Accounts, PasswordChecker
from chatd.core.errors import StoreUnavailable
from chatd.core.events import KICK, Membership, RoomChange
from chatd.core.service import ChatService
from chatd.live import reloadRooms
from chatd.modstore import MemoryModerationStore
from chatd.storage.memory import MemoryChatStore
from chatd.testing import RecordingParticipant, settled

PROMPT = "chatd> "
START = 1_795_000_000
FAST = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)


class RoomCommandTests(SynchronousTestCase):
    def setUp(self) -> None:
        self.clock = Clock()
        self.clock.advance(START)
        self.store = MemoryChatStore()
        self.store.startService()
        checker = PasswordChecker(FAST, runInThread=lambda f, *a: maybeDeferred(f, *a))
        self.service = ChatService(
            self.clock, store=self.store, accounts=Accounts(self.store, self.clock, checker)
        )
        self.service.startService()
        self.moderation = MemoryModerationStore()
        self.service.moderation.store = self.moderation
        self.protocol = ConsoleLineProtocol(AdminConsole(self.service, "root"))
        self.transport = StringTransport()
        self.protocol.makeConnection(self.transport)
        self.transport.clear()

    def run_(self, line: str) -> str:
        self.protocol.dataReceived(line.encode("utf-8") + b"\r\n")
        text: str = self.transport.value().decode("utf-8")
        self.transport.clear()
        self.assertTrue(text.endswith(PROMPT), text)
        return text[: -len(PROMPT)].rstrip("\n")

    def login(self, nick: str, password: str | None = None) -> RecordingParticipant:
        participant = RecordingParticipant()
        self.service.connect(participant)
        self.successResultOf(settled(self.service.login(participant, nick, password)))
        self.clock.advance(0)
        return participant

    def test_topic(self) -> None:
        """
        C{topic} sets a seeded room's topic: its members are told, the
        setter is the administrator, it is stored and audited.
        """
        bob = self.login("bob")
        self.service.enter(bob, "Blabla")
        self.assertEqual(self.run_("topic blabla Welcome to Blabla"), "topic of Blabla set")
        self.assertEqual(self.service.topic("Blabla"), "Welcome to Blabla")
        self.assertEqual(self.service.topicSetter("Blabla"), ("root", START))
        told = [e for e in bob.events if isinstance(e, RoomChange)]
        self.assertEqual([(e.by, e.topic) for e in told], [("root", "Welcome to Blabla")])
        stored = {r.name: r for r in self.successResultOf(self.store.load()).rooms}
        self.assertEqual(
            (stored["Blabla"].topic, stored["Blabla"].topicBy), ("Welcome to Blabla", "root")
        )
        self.assertEqual(self.moderation.audit[-1].what, "topic Blabla Welcome to Blabla")
        self.assertEqual(self.run_("topic nowhere hi"), "refused: no such room")
        self.assertEqual(
            self.run_("topic blabla " + "x" * 380),
            "refused: a topic is at most 379 bytes of UTF-8"
            " (379 ASCII characters, 126 Chinese or Japanese ones)",
        )

    def test_channelNames(self) -> None:
        """
        Each room command reads C{#blabla} as the room C{Blabla}, as IRC
        and talk mode do.
        """
        bob = self.login("bob")
        self.service.enter(bob, "Blabla")
        self.assertEqual(self.run_("topic #blabla Hello"), "topic of Blabla set")
        self.assertEqual(self.run_("roomop #Blabla bob"), "bob is now an operator of Blabla")
        self.assertEqual(self.run_("add room #den"), "created den")
        self.assertTrue(self.run_("delete room #den").startswith("deleted den"))
        self.assertTrue(self.run_("topic # Hello").startswith("refused: a room name is 1 to 49"))

    def test_roomop(self) -> None:
        """
        C{roomop} makes a member an operator (told to the members), says so
        when it already is, and refuses someone not in the room.
        """
        bob = self.login("bob")
        self.service.enter(bob, "Blabla")
        self.assertEqual(self.run_("roomop Blabla bob"), "bob is now an operator of Blabla")
        self.assertEqual(self.service.memberStatus("Blabla", "bob"), "o")
        modes = [(e.by, e.modes, e.args) for e in bob.events if isinstance(e, RoomChange)]
        self.assertEqual(modes, [("root", "+o", ("bob",))])
        self.assertEqual(self.run_("roomop Blabla bob"), "bob is already an operator of Blabla")
        self.assertTrue(self.run_("roomop Blabla eve").startswith("refused: "))

    def test_founder(self) -> None:
        """
        C{founder} names a registered account as a room's founder (stored;
        it is then made operator on entering); an unregistered name is
        refused; C{-} leaves the room without one.
        """
        carol = self.login("carol")
        self.successResultOf(self.service.register(carol, "sesame"))
        self.service.disconnect(carol)
        self.assertTrue(self.run_("founder Blabla eve").startswith("refused: eve is not"))
        self.assertEqual(self.run_("founder Blabla carol"), "carol founded Blabla")
        stored = {r.name: r for r in self.successResultOf(self.store.load()).rooms}
        self.assertEqual(stored["Blabla"].founder, "carol")
        carol = self.login("carol", "sesame")
        self.service.enter(carol, "Blabla")
        self.assertEqual(self.service.memberStatus("Blabla", "carol"), "o")
        self.assertEqual(self.run_("founder Blabla -"), "Blabla has no founder")
        stored = {r.name: r for r in self.successResultOf(self.store.load()).rooms}
        self.assertEqual(stored["Blabla"].founder, "")

    def test_addedRoomCreationTime(self) -> None:
        """
        A room the console adds has its creation time at once (as stored);
        a seeded room has none, and setting its topic gives it none.
        """
        self.clock.advance(10)
        self.assertEqual(self.run_("add room Den"), "created Den")
        self.assertEqual(self.service.roomCreatedAt("Den"), START + 10)
        stored = {r.name: r for r in self.successResultOf(self.store.load()).rooms}
        self.assertEqual(stored["Den"].created, START + 10)
        self.run_("topic Blabla hello")
        self.assertEqual(self.service.roomCreatedAt("Blabla"), 0)

    def test_deleteRoom(self) -> None:
        """
        C{delete room} takes every member out, telling them why, and the
        room out of C{rooms} and the store; it is audited.
        """
        bob = self.login("bob")
        self.service.enter(bob, "Blabla")
        reply = self.run_("delete room BLABLA too noisy")
        self.assertEqual(reply, "deleted Blabla: 1 member(s) removed")
        [told] = [e for e in bob.events if isinstance(e, Membership) and not e.joined]
        self.assertEqual(
            (told.kind, told.by, told.reason), (KICK, "root", "room deleted: too noisy")
        )
        self.assertNotIn("Blabla", self.run_("rooms"))
        stored = {r.name for r in self.successResultOf(self.store.load()).rooms}
        self.assertNotIn("Blabla", stored)
        self.assertEqual(self.moderation.audit[-1].what, "delete room Blabla too noisy")
        self.assertEqual(
            self.run_("delete room marketing"), "deleted Marketing: 0 member(s) removed"
        )
        self.assertEqual(self.moderation.audit[-1].what, "delete room Marketing")

    def test_deleteConfiguredRoom(self) -> None:
        """
        Deleting a room the C{rooms} or C{autojoin} option names, which
        makes it again at the next start, adds a note naming the options;
        again after C{add room} made it anew, until a reload takes it out of
        C{rooms}.
        """
        self.service.stopService()
        self.service = ChatService(
            self.clock, store=self.store, rooms=["Training", "Both"], autojoin=["Jeux", "both"]
        )
        self.service.startService()
        self.protocol = ConsoleLineProtocol(AdminConsole(self.service, "root"))
        self.protocol.makeConnection(self.transport)
        self.transport.clear()
        note = (
            "\nnote: the {} {}: it is made again at the next start"
            " unless you take it out of the configuration"
        )
        for room, options in [
            ("Training", "rooms option names"),
            ("Jeux", "autojoin option names"),
            ("Both", "rooms and autojoin options name"),
        ]:
            deleted = f"deleted {room}: 0 member(s) removed"
            self.assertEqual(
                self.run_(f"delete room {room.lower()}"),
                deleted + note.format(options, room),
            )
            self.assertEqual(self.run_(f"add room {room}"), f"created {room}")
            self.assertEqual(self.run_(f"delete room {room}"), deleted + note.format(options, room))
        reloadRooms(self.service, ["Both"])
        self.run_("add room Training")
        self.assertEqual(self.run_("delete room Training"), "deleted Training: 0 member(s) removed")

    def test_deleteRoomRefused(self) -> None:
        """
        An unknown room and a name no room may have are refused, unaudited.
        """
        self.assertEqual(self.run_("delete room nowhere spam"), "refused: no such room")
        self.assertTrue(self.run_("delete room bad!name").startswith("refused: a room name is "))
        self.assertEqual(self.moderation.audit, [])

    def test_deleteRoomNotStored(self) -> None:
        """
        The reply waits for the store: if it could not delete the room,
        the reply says it holds only until the daemon restarts.
        """
        written: Deferred[bool] = Deferred()
        self.patch(self.store, "deleteRoom", lambda room: written)
        self.protocol.dataReceived(b"delete room Blabla\r\n")
        self.assertEqual(self.transport.value(), b"")
        written.errback(StoreUnavailable())
        self.assertEqual(
            self.transport.value().decode("utf-8"),
            f"deleted Blabla: 0 member(s) removed\n{NOT_STORED}\n{PROMPT}",
        )
        self.flushLoggedErrors(StoreUnavailable)
