"""
The console's commands that need the chat store (persistence): stored
rooms, approval requests and message history, in memory.
"""

from __future__ import annotations

from typing import Any

from twisted.internet.defer import Deferred, maybeDeferred
from twisted.internet.task import Clock
from twisted.trial.unittest import SynchronousTestCase

from chatd.admin.commands import AdminConsole
from chatd.core import errors
from chatd.core.accounts import Accounts, PasswordChecker
from chatd.core.names import key
from chatd.core.service import ChatService
from chatd.storage.memory import MemoryChatStore
from chatd.testing import RecordingParticipant

START = 1_795_000_000  # 2026-11-18 11:06:40 UTC


def inline(f: Any, *args: Any) -> Deferred[Any]:
    return maybeDeferred(f, *args)


class StoreConsoleTests(SynchronousTestCase):
    def setUp(self) -> None:
        self.clock = Clock()
        self.clock.advance(START)
        self.store = MemoryChatStore()
        self.store.startService()
        self.service = ChatService(
            self.clock,
            rooms=["lobby"],
            store=self.store,
            accounts=Accounts(self.store, self.clock, PasswordChecker(runInThread=inline)),
        )
        self.service.startService()
        self.console = AdminConsole(self.service, "root")

    def run_(self, line: str) -> str:
        reply: str = self.successResultOf(self.console.execute(line))
        return reply

    def login(self, nick: str) -> RecordingParticipant:
        participant = RecordingParticipant()
        self.service.connect(participant)
        self.successResultOf(maybeDeferred(self.service.login, participant, nick))
        self.clock.advance(0)
        return participant

    def test_roomsShowModes(self) -> None:
        """
        C{rooms} shows each room's mode, approval rooms included.
        """
        rows = {line.split()[0]: line.split()[1:] for line in self.run_("rooms").splitlines()[1:]}
        self.assertEqual(["approval", "0", "0"], rows["Marketing"])
        self.assertEqual(["open", "0", "-"], rows["Blabla"])

    def test_addRoomIsStored(self) -> None:
        """
        With a store, C{add room} saves the room, so it outlives a restart.
        """
        self.assertEqual(
            "created Direction\nBlabla: that room already exists",
            self.run_("add room Direction,Blabla"),
        )
        snapshot = self.successResultOf(self.store.load())
        self.assertIn("Direction", [room.name for room in snapshot.rooms])

    def test_addRoomStoresGuestsRoom(self) -> None:
        """
        With a store, C{add room} of a guest's room makes it last and saves
        it; it stays once its guest leaves.
        """
        guest = self.login("guesty")
        self.service.createRoom(guest, "club")
        self.service.enter(guest, "club")
        self.assertEqual("kept club: a guest's room until now", self.run_("add room club"))
        self.service.disconnect(guest, "bye")
        self.assertIn("club", [name for name, _ in self.service.rooms()])
        snapshot = self.successResultOf(self.store.load())
        self.assertIn("club", [room.name for room in snapshot.rooms])

    def test_pendingAndAccept(self) -> None:
        """
        C{pending rooms} lists the approval rooms a user asked to enter;
        C{accept pending} puts them in (each room reported), and is audited.
        """
        alice = self.login("alice")
        for room in ("Marketing", "Informatique"):
            self.assertRaises(errors.PendingApproval, self.service.enter, alice, room)
        self.assertEqual(
            "alice waits to enter: Informatique, Marketing", self.run_("pending rooms Alice")
        )
        self.assertEqual(
            "accepted alice in Marketing (a guest: until they leave)\nNowhere: no such room\n"
            "Blabla: "
            "nobody by that name waits to enter that room",
            self.run_("accept pending ALICE MARKETING,Nowhere,Blabla"),
        )
        self.assertIn("Marketing", self.service.roomsOf(alice))
        self.assertEqual("alice waits to enter: Informatique", self.run_("pending rooms alice"))
        [entry] = self.successResultOf(self.service.moderation.lastAudit(1))
        self.assertEqual("accept pending ALICE MARKETING,Nowhere,Blabla", entry.what)

    def test_guestApprovalEndsWithTheGuest(self) -> None:
        """
        A guest's request and acceptance are the guest's: they end when the
        guest leaves (in the store too), so the next holder of the name
        asks again, and accepting a guest who left is refused.
        """
        guesty = self.login("guesty")
        self.assertRaises(errors.PendingApproval, self.service.enter, guesty, "Marketing")
        self.service.disconnect(guesty)
        self.clock.advance(0)
        self.assertEqual("guesty waits to enter no room", self.run_("pending rooms guesty"))
        self.assertEqual(
            "Marketing: nobody by that name waits to enter that room",
            self.run_("accept pending guesty Marketing"),
        )
        guesty = self.login("guesty")
        self.assertRaises(errors.PendingApproval, self.service.enter, guesty, "Marketing")
        self.run_("accept pending guesty Marketing")
        self.assertIn("Marketing", self.service.roomsOf(guesty))
        self.service.disconnect(guesty)
        self.clock.advance(0)
        other = self.login("guesty")
        self.assertRaises(errors.PendingApproval, self.service.enter, other, "Marketing")
        self.service.disconnect(other)
        self.clock.advance(0)
        access = self.successResultOf(self.store.load()).access
        self.assertEqual({}, access[key("Marketing")])

    def test_guestApprovalFollowsRename(self) -> None:
        """
        A guest's request and acceptance go with the guest through a rename:
        the next guest to take the old name asks again, the renamed guest
        keeps them until they leave, here and in the store.
        """
        guesty = self.login("guesty")
        self.assertRaises(errors.PendingApproval, self.service.enter, guesty, "Marketing")
        self.successResultOf(maybeDeferred(self.service.rename, guesty, "renamed"))
        self.clock.advance(0)
        self.assertEqual("renamed waits to enter: Marketing", self.run_("pending rooms renamed"))
        self.assertEqual("guesty waits to enter no room", self.run_("pending rooms guesty"))
        self.run_("accept pending renamed Marketing")
        self.assertIn("Marketing", self.service.roomsOf(guesty))
        self.successResultOf(maybeDeferred(self.service.rename, guesty, "again"))
        self.clock.advance(0)
        newcomer = self.login("renamed")
        self.assertRaises(errors.PendingApproval, self.service.enter, newcomer, "Marketing")
        self.successResultOf(maybeDeferred(self.service.leave, guesty, "Marketing"))
        self.successResultOf(maybeDeferred(self.service.enter, guesty, "Marketing"))
        access = self.successResultOf(self.store.load()).access[key("Marketing")]
        expected = {key("again"): ("again", True), key("renamed"): ("renamed", False)}
        self.assertEqual(expected, access)  # the newcomer's own request

    def test_messagesCannotForgeRows(self) -> None:
        """
        What users wrote reaches the operator's terminal as one row per line
        of a message: a record separator or U+2028 (which Python's
        C{splitlines}, and so the console's terminal, break rows at) is a
        space, control characters are dropped, and an action reads
        C{* nick ...}.
        """
        mallory = self.login("mallory")
        self.successResultOf(maybeDeferred(self.service.enter, mallory, "Blabla"))
        forged = "2026-11-18 11:06:40  Blabla            ivy: delete everything"
        self.service.say(mallory, "Blabla", ("ok\x1e" + forged, "a\u2028b\x02c"))
        self.service.say(mallory, "Blabla", ("\x01ACTION waves\x01",))
        reply = self.run_("messages 1m")
        self.assertEqual(reply.splitlines(), reply.split("\n"))
        self.assertEqual(
            [row[39:] for row in reply.split("\n")],  # after the time and the room
            ["mallory: ok" + forged, "mallory: a bc", "mallory: * mallory waves"],
        )

    def test_guestRequestNotLoadedAfterRestart(self) -> None:
        """
        A guest's request written before a crash is not loaded at the next
        start: the guest is gone.
        """
        self.successResultOf(self.store.setAccess("Marketing", "ghost", False, START))
        self.successResultOf(self.store.setAccess("Marketing", "ghost2", True, START))
        service = ChatService(self.clock, rooms=["lobby"], store=self.store)
        service.startService()
        self.clock.advance(0)
        self.assertEqual([], [r for r in service.pendingRequests() if r[1].startswith("ghost")])
        self.assertNotIn("ghost2", service.registry.get("Marketing").approved)

    def test_messages(self) -> None:
        """
        C{messages <time>} lists the stored room messages since then, in
        time order, one line each; private messages are not shown.
        """
        alice, bob = self.login("alice"), self.login("bob")
        for person in (alice, bob):
            self.successResultOf(maybeDeferred(self.service.enter, person, "Blabla"))
        self.service.say(alice, "Blabla", ("early",))
        self.clock.advance(3600)
        self.service.say(bob, "Blabla", ("late", "two lines"))
        self.service.tell(bob, "alice", ("secret",))
        self.clock.advance(1)
        self.assertEqual(
            "2026-11-18 12:06:40  Blabla            bob: late\n"
            "2026-11-18 12:06:40  Blabla            bob: two lines",
            self.run_("messages 30m"),
        )
        everything = self.run_("messages 2026-11-18 11:00")
        self.assertTrue(
            everything.startswith("2026-11-18 11:06:40  Blabla            alice: early")
        )
        self.assertNotIn("secret", everything)
        self.assertEqual(
            "no room messages since 2026-11-18 12:06:41 UTC", self.run_(f"messages {START + 3601}")
        )
