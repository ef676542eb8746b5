# -*- test-case-name: tests.unit.core.test_statusmsg -*-
"""
Messages to a room's operators only (L{chatd.core.statusmsg}).
"""

from __future__ import annotations

from twisted.internet.task import Clock
from twisted.trial.unittest import SynchronousTestCase

from chatd.core import errors
from chatd.core.events import RoomMessage
from chatd.core.service import ChatService
from chatd.core.statusmsg import sayToOperators
from chatd.testing import RecordingParticipant


class StatusMessageTests(SynchronousTestCase):
    def setUp(self) -> None:
        self.service = ChatService(Clock(), rooms=["lobby"], operators=["moder"])
        self.people: dict[str, RecordingParticipant] = {}
        for nick in ("founder", "member", "other", "moder"):
            participant = self.people[nick] = RecordingParticipant()
            self.service.login(participant, nick)
        self.service.createRoom(self.people["founder"], "club")  # its operator
        for nick in ("founder", "member", "other", "moder"):
            self.service.enter(self.people[nick], "club")
        self.service.grantOperator(self.people["moder"])  # a chatd operator
        for participant in self.people.values():
            participant.events.clear()

    def received(self, nick: str) -> list[RoomMessage]:
        return [e for e in self.people[nick].events if isinstance(e, RoomMessage)]

    def test_operatorsOnly(self) -> None:
        """
        The room's operators (its creator, chatd operators) get the
        message, marked C{@}; other members do not; nothing is stored in
        the room's history.
        """
        event = sayToOperators(self.service, self.people["member"], "club", ("psst",))
        self.assertEqual((event.status, event.lines, event.sender), ("@", ("psst",), "member"))
        self.assertEqual(self.received("founder"), [event])
        self.assertEqual(self.received("moder"), [event])
        self.assertEqual(self.received("other"), [])
        self.assertEqual(self.received("member"), [])

    def test_speakingRules(self) -> None:
        """
        The same rules as saying anything in the room: a non-member of a
        C{+n} room is refused.
        """
        outsider = RecordingParticipant()
        self.service.login(outsider, "outsider")
        self.assertRaises(errors.NotMember, sayToOperators, self.service, outsider, "club", ("hi",))
