"""
Tests for approval rooms seen from the admin console
(L{chatd.admin.views}, L{chatd.admin.roomcommands},
L{chatd.core.approvals}): every request waiting, listed with its time and
counted per room; a request logged and told to the room's operators and
founder; an approval room made with C{add room ... approval} or
C{set room ... approval on|off}, stored.
"""

from __future__ import annotations

from twisted.logger import LogLevel, capturedLogs

from chatd.admin.commands import AdminConsole
from chatd.admin.outcome import Refusal
from chatd.core import errors
from chatd.core.events import Notice
from chatd.storage.interfaces import APPROVAL, OPEN
from tests.support.approvalcase import ApprovalTestCase


class ApprovalConsoleTests(ApprovalTestCase):
    def test_pendingRoomsListsEveryRequest(self) -> None:
        """
        C{pending rooms} alone lists every request waiting, the oldest
        first, with who asked, which room and since when; an accepted one
        leaves the list.
        """
        self.assertEqual("nobody waits to enter an approval room", self.run_("pending rooms"))
        pupil1, pupil2 = self.login("pupil1"), self.login("pupil2")
        self.ask(pupil1, "Informatique")
        self.clock.advance(60)
        self.ask(pupil2, "Marketing")
        self.ask(pupil2, "Informatique")
        self.assertEqual(
            [
                "user              room              since (UTC)",
                "pupil1            Informatique      2026-11-18 11:06:40",
                "pupil2            Informatique      2026-11-18 11:07:40",
                "pupil2            Marketing         2026-11-18 11:07:40",
            ],
            self.run_("pending rooms").splitlines(),
        )
        self.run_("accept pending pupil1 Informatique")
        self.assertNotIn("pupil1", self.run_("pending rooms"))
        self.assertEqual(
            "pupil2 waits to enter: Informatique, Marketing", self.run_("pending rooms pupil2")
        )

    def test_whoisShowsRequests(self) -> None:
        """
        C{whois} of someone waiting to enter approval rooms names them.
        """
        pupil = self.login("pupil1")
        self.assertNotIn(
            "waits to enter", self.successResultOf(self.console.execute("whois pupil1"))
        )
        self.ask(pupil, "Informatique")
        self.ask(pupil, "Marketing")
        self.assertIn(
            "waits to enter: Informatique, Marketing (accept pending)",
            self.run_("whois PUPIL1").splitlines(),
        )

    def test_roomsCountsWaiting(self) -> None:
        """
        C{rooms} shows how many requests wait for each approval room (and
        C{-} for an open room, which takes none).
        """
        for nick in ("pupil1", "pupil2"):
            self.ask(self.login(nick), "Informatique")
        rows = {line.split()[0]: line.split()[1:] for line in self.run_("rooms").splitlines()}
        self.assertEqual(["mode", "members", "waiting"], rows["room"])
        self.assertEqual(["approval", "0", "2"], rows["Informatique"])
        self.assertEqual(["approval", "0", "0"], rows["Marketing"])
        self.assertEqual(["open", "0", "-"], rows["Blabla"])

    def test_requestLogged(self) -> None:
        """
        A new request is logged, once, at info level; asking again is not
        a new request.
        """
        pupil = self.login("pupil1")
        with capturedLogs() as events:
            self.ask(pupil, "Informatique")
            self.ask(pupil, "Informatique")
        asked = [e for e in events if "asks to enter" in e.get("log_format", "")]
        self.assertEqual(1, len(asked))
        self.assertEqual(LogLevel.info, asked[0]["log_level"])
        self.assertEqual(("pupil1", "Informatique"), (asked[0]["nick"], asked[0]["room"]))

    def test_roomOperatorsAndFounderTold(self) -> None:
        """
        A request is told to the room's operators among its members and to
        its founder, even outside the room; not to its other members.
        """
        teacher = self.login("teacher")
        self.successResultOf(self.service.register(teacher, "sesame"))
        self.assertEqual("teacher founded Informatique", self.run_("founder Informatique teacher"))
        helper, member = self.login("helper"), self.login("member")
        for who in (helper, member):
            self.ask(who, "Informatique")
            self.run_(f"accept pending {who.nick} Informatique")
        self.run_("roomop Informatique helper")
        for who in (teacher, helper, member):
            who.events.clear()
        self.ask(self.login("pupil1"), "Informatique")
        told = (
            "pupil1 asks to enter Informatique, an approval room: an administrator accepts them"
            " (admin console: accept pending)"
        )
        self.assertEqual([told], self.notices(teacher))
        self.assertEqual([told], self.notices(helper))
        self.assertEqual([], self.notices(member))

    def test_founderEntersUnasked(self) -> None:
        """
        A room's founder, signed in to their account, enters their approval
        room without being accepted; anyone else asks.
        """
        teacher = self.login("teacher")
        self.successResultOf(self.service.register(teacher, "sesame"))
        self.run_("founder Informatique teacher")
        self.service.enter(teacher, "Informatique")
        self.assertIn("Informatique", [room.name for room in self.service.roomsJoined(teacher)])
        self.assertEqual("nobody waits to enter an approval room", self.run_("pending rooms"))
        guest = self.login("Teacher2")
        self.ask(guest, "Informatique")
        self.assertNotIn("Informatique", [room.name for room in self.service.roomsJoined(guest)])

    def test_addApprovalRoom(self) -> None:
        """
        C{add room NAME approval} makes approval rooms, stored; newcomers
        must be accepted.  A room called "approval" may still be added.
        """
        self.assertEqual(
            "created Classe (approval)\ncreated Atelier (approval)",
            self.run_("add room Classe, Atelier approval"),
        )
        self.assertEqual(APPROVAL, self.service.roomMode("Classe"))
        stored = {r.name: r.mode for r in self.successResultOf(self.store.load()).rooms}
        self.assertEqual((APPROVAL, APPROVAL), (stored["Classe"], stored["Atelier"]))
        self.ask(self.login("pupil1"), "Classe")
        self.assertEqual("created approval", self.run_("add room approval"))
        self.assertEqual(OPEN, self.service.roomMode("approval"))

    def test_setRoomApproval(self) -> None:
        """
        C{set room NAME approval on|off} changes a room's mode, stored and
        audited; setting the mode it has is refused, as is a room that does
        not exist.  A room made open ends its requests, telling whoever
        waited they may enter; made an approval room again, none comes
        back (a request is asked anew).
        """
        self.assertEqual(
            "Blabla is now an approval room: whoever enters it needs accepting",
            self.run_("set room Blabla approval on"),
        )
        self.assertEqual("set room Blabla approval on", self.moderation.audit[-1].what)
        pupil = self.login("pupil1")
        self.ask(pupil, "Blabla")
        reply = self.run_("set room blabla approval ON")
        self.assertIsInstance(reply, Refusal)
        self.assertEqual("blabla is already an approval room", reply)
        self.assertEqual("refused: no such room", self.run_("set room Nowhere approval on"))
        self.assertEqual(
            "Blabla is now open: anyone may enter", self.run_("set room #Blabla approval off")
        )
        stored = {r.name: r.mode for r in self.successResultOf(self.store.load()).rooms}
        self.assertEqual(OPEN, stored["Blabla"])
        self.assertEqual("nobody waits to enter an approval room", self.run_("pending rooms"))
        told = [e.text for e in pupil.events if isinstance(e, Notice)]
        opened = "Blabla is open now: your request to enter it is over, enter when you like"
        self.assertIn(opened, told)
        other = self.login("pupil2")
        self.service.enter(other, "Blabla")  # in before it is made an approval room again
        self.run_("set room Blabla approval on")
        self.assertEqual("nobody waits to enter an approval room", self.run_("pending rooms"))
        self.assertRaises(errors.PendingApproval, self.service.enter, pupil, "Blabla")
        self.assertEqual([("Blabla", "pupil1")], self.service.pendingRequests("Blabla"))

    def test_requestTimeOutlivesRestart(self) -> None:
        """
        A registered user's request keeps its time over a restart.
        """
        pupil = self.login("pupil1")
        self.successResultOf(self.service.register(pupil, "sesame"))
        self.ask(pupil, "Marketing")
        self.clock.advance(3600)
        self.service = self.start()
        self.console = AdminConsole(self.service, "root")
        self.assertIn(
            "pupil1            Marketing         2026-11-18 11:06:40", self.run_("pending rooms")
        )
