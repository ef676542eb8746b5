"""
Tests for refusing a request to enter an approval room (the console's
C{refuse pending}, L{chatd.admin.roomcommands}, L{chatd.core.approvals})
and for withdrawing one's own by leaving the room one waits for: the
request ends here and in the store, is logged and audited once, and the
person and the room's operators are told; the person may ask again.
"""

from __future__ import annotations

from twisted.internet.defer import maybeDeferred
from twisted.logger import LogLevel, capturedLogs

from chatd.admin.outcome import Refusal
from chatd.core import errors
from chatd.core.names import key
from chatd.core.refusal import RequestRefused
from chatd.testing import RecordingParticipant
from tests.support.approvalcase import ApprovalTestCase


class RefusalConsoleTests(ApprovalTestCase):
    def stored(self, room: str) -> list[str]:
        """Who the store keeps a request or an acceptance of, for C{room}."""
        access = self.successResultOf(self.store.load()).access.get(key(room), {})
        return [nick for nick, _ in access.values()]

    def refusals(self, who: RecordingParticipant) -> list[RequestRefused]:
        return [event for event in who.events if isinstance(event, RequestRefused)]

    def test_refusePending(self) -> None:
        """
        C{refuse pending} ends a registered user's request in each room
        named (the names as stored in the reply), here and in the store;
        the user is told on every connection, with the room and the reason.
        It is audited once, and logged once per request.
        """
        pupil = self.login("pupil1")
        self.successResultOf(self.service.register(pupil, "sesame"))
        other = self.login("pupil1", "sesame")  # a second connection of the account
        self.ask(pupil, "Informatique")
        self.ask(pupil, "Marketing")
        self.assertIn("pupil1", self.stored("Informatique"))
        with capturedLogs() as events:
            reply = self.run_("refuse pending PUPIL1 informatique,Marketing not this term")
        self.assertEqual(
            "refused pupil1's request to enter Informatique\n"
            "refused pupil1's request to enter Marketing",
            reply,
        )
        self.assertEqual("pupil1 waits to enter no room", self.run_("pending rooms pupil1"))
        self.assertEqual([], self.stored("Informatique"))
        self.assertEqual([], self.stored("Marketing"))
        for who in (pupil, other):
            told = self.refusals(who)
            self.assertEqual(
                [("Informatique", "not this term"), ("Marketing", "not this term")],
                [(event.room, event.reason) for event in told],
            )
            self.assertEqual(
                "an operator refused your request to enter Informatique: not this term",
                told[0].text,
            )
        logged = [e for e in events if "was refused" in e.get("log_format", "")]
        self.assertEqual(
            [("pupil1", "Informatique"), ("pupil1", "Marketing")],
            [(e["nick"], e["room"]) for e in logged],
        )
        self.assertEqual(LogLevel.info, logged[0]["log_level"])
        audit = [entry.what for entry in self.moderation.audit]
        self.assertEqual(["refuse pending PUPIL1 informatique,Marketing not this term"], audit)

    def test_refuseGuestWithoutReason(self) -> None:
        """
        A guest's request is refused under the guest's name; without a
        reason the notice names the room alone.
        """
        guest = self.login("guesty")
        self.ask(guest, "Marketing")
        self.assertEqual(
            "refused guesty's request to enter Marketing",
            self.run_("refuse pending guesty Marketing"),
        )
        self.assertEqual(
            ["an operator refused your request to enter Marketing"],
            [event.text for event in self.refusals(guest)],
        )
        self.assertEqual("nobody waits to enter an approval room", self.run_("pending rooms"))

    def test_refuseNobody(self) -> None:
        """
        Refusing a request nobody made answers as C{accept pending} does,
        room by room, and is a refusal when no room had one; a room that
        does not exist says so.
        """
        self.ask(self.login("pupil1"), "Informatique")
        reply = self.run_("refuse pending bob Informatique")
        self.assertIsInstance(reply, Refusal)
        self.assertEqual("Informatique: nobody by that name waits to enter that room", reply)
        reply = self.run_("refuse pending pupil1 Nowhere,Informatique")
        self.assertNotIsInstance(reply, Refusal)
        self.assertEqual(
            "Nowhere: no such room\nrefused pupil1's request to enter Informatique", reply
        )
        reply = self.run_("refuse pending pupil1 Informatique")
        self.assertEqual("Informatique: nobody by that name waits to enter that room", reply)

    def test_askAgainAfterRefusal(self) -> None:
        """
        Refused, a person may ask again: a new request, listed, logged and
        told to the room's operators as the first was; accepting it lets
        them in.
        """
        pupil = self.login("pupil1")
        self.ask(pupil, "Informatique")
        self.run_("refuse pending pupil1 Informatique")
        self.clock.advance(60)
        with capturedLogs() as events:
            self.ask(pupil, "Informatique")
        self.assertEqual(1, len([e for e in events if "asks to enter" in e["log_format"]]))
        self.assertIn(
            "pupil1            Informatique      2026-11-18 11:07:40", self.run_("pending rooms")
        )
        self.assertEqual(
            "accepted pupil1 in Informatique (a guest: until they leave)",
            self.run_("accept pending pupil1 Informatique"),
        )
        self.assertIn("Informatique", [room.name for room in self.service.roomsJoined(pupil)])

    def test_operatorsToldOfRefusal(self) -> None:
        """
        The room's operators among its members and its founder, told of
        each request, are told of its refusal too, with the reason.
        """
        teacher = self.login("teacher")
        self.successResultOf(self.service.register(teacher, "sesame"))
        self.run_("founder Informatique teacher")
        helper = self.login("helper")
        self.ask(helper, "Informatique")
        self.run_("accept pending helper Informatique")
        self.run_("roomop Informatique helper")
        self.ask(self.login("pupil1"), "Informatique")
        teacher.events.clear()
        helper.events.clear()
        self.run_("refuse pending pupil1 Informatique full")
        told = "an operator refused pupil1's request to enter Informatique: full"
        self.assertEqual([told], self.notices(teacher))
        self.assertEqual([told], self.notices(helper))

    def test_reasonTooLong(self) -> None:
        """
        A reason longer than a topic may be is refused, and the request
        stays.
        """
        self.ask(self.login("pupil1"), "Informatique")
        reply = self.run_("refuse pending pupil1 Informatique " + "x" * 400)
        self.assertIsInstance(reply, Refusal)
        self.assertEqual("pupil1 waits to enter: Informatique", self.run_("pending rooms pupil1"))

    def test_withdrawByLeaving(self) -> None:
        """
        Leaving the room one waits for withdraws the request (here, in the
        store, logged once, the room's operators told), answered as leaving
        a room one is not in, in words that say so; leaving it again is a
        plain "not in that room".
        """
        teacher = self.login("teacher")
        self.successResultOf(self.service.register(teacher, "sesame"))
        self.run_("founder Informatique teacher")
        pupil = self.login("pupil1")
        self.successResultOf(self.service.register(pupil, "sesame"))
        self.ask(pupil, "Informatique")
        teacher.events.clear()
        with capturedLogs() as events:
            leaving = maybeDeferred(self.service.leave, pupil, "informatique")
            self.clock.advance(0)
        withdrawn = self.failureResultOf(leaving, errors.NotMember).value
        self.assertEqual(
            "you are not in Informatique: your request to enter it is withdrawn", withdrawn.text
        )
        self.assertEqual("pupil1 waits to enter no room", self.run_("pending rooms pupil1"))
        self.assertEqual([], self.stored("Informatique"))
        logged = [e for e in events if "withdrew" in e.get("log_format", "")]
        self.assertEqual([("pupil1", "Informatique")], [(e["nick"], e["room"]) for e in logged])
        self.assertEqual(
            ["pupil1 no longer asks to enter Informatique: they withdrew their request"],
            self.notices(teacher),
        )
        again = self.assertRaises(errors.NotMember, self.service.leave, pupil, "Informatique")
        self.assertEqual("you are not in that room", again.text)
        self.assertEqual([], self.refusals(pupil))

    def test_guestLeavesWhileWaiting(self) -> None:
        """
        A guest who leaves the chat while waiting ends its request (here,
        in the store, logged once), and the room's operators are told it
        no longer waits; an accepted guest's leaving tells them nothing.
        """
        teacher = self.login("teacher")
        self.successResultOf(self.service.register(teacher, "sesame"))
        self.run_("founder Informatique teacher")
        kid, accepted = self.login("kid2"), self.login("kid3")
        self.ask(kid, "Informatique")
        self.ask(accepted, "Informatique")
        self.run_("accept pending kid3 Informatique")
        teacher.events.clear()
        with capturedLogs() as events:
            self.service.disconnect(kid)
            self.service.disconnect(accepted)
        self.clock.advance(0)
        self.assertEqual("nobody waits to enter an approval room", self.run_("pending rooms"))
        self.assertEqual([], self.stored("Informatique"))
        logged = [e for e in events if "left: their request" in e.get("log_format", "")]
        self.assertEqual([("kid2", "Informatique")], [(e["nick"], e["room"]) for e in logged])
        self.assertEqual(
            [
                "kid2 no longer asks to enter Informatique: they left the chat"
                " (a guest's request ends with them)"
            ],
            self.notices(teacher),
        )
