"""
Tests for L{chatd.core.ctcp}: which messages are CTCP machinery, and what
the service answers for a person without IRC client.
"""

from __future__ import annotations

from twisted.trial.unittest import SynchronousTestCase

from chatd.core.absent import Absent
from chatd.core.ctcp import answer, ctcpOf, hasText, takesCtcp
from chatd.core.events import PrivateMessage, RoomMessage
from chatd.testing import RecordingParticipant


class MachineryTests(SynchronousTestCase):
    def test_ctcpOf(self) -> None:
        """
        A line that starts with C{\\x01} and is not an action makes its
        message CTCP, named by its verb in capitals (the closing
        C{\\x01} may be missing); text and actions are not.  An action is
        C{ACTION} in capitals with words, as every front-end shows one: a
        lowercase or empty one is machinery.
        """
        self.assertEqual(ctcpOf(("\x01VERSION\x01",)), "VERSION")
        self.assertEqual(ctcpOf(("\x01ping 123",)), "PING")
        self.assertEqual(ctcpOf(("hello", "\x01DCC SEND f 1 2 3\x01")), "DCC")
        self.assertEqual(ctcpOf(("\x01\x01",)), "")
        self.assertIsNone(ctcpOf(("\x01ACTION waves\x01",)))
        self.assertEqual(ctcpOf(("\x01action waves",)), "ACTION")
        self.assertEqual(ctcpOf(("\x01ACTION\x01",)), "ACTION")
        self.assertIsNone(ctcpOf(("say \x01VERSION\x01",)))
        self.assertIsNone(ctcpOf(()))

    def test_hasText(self) -> None:
        """
        A front-end without CTCP shows messages with text or an action,
        not CTCP and not tags alone.
        """
        self.assertTrue(hasText(RoomMessage("lobby", "bob", ("hi",), 0)))
        self.assertTrue(hasText(PrivateMessage("bob", "al", ("\x01ACTION waves\x01",), 0)))
        self.assertFalse(hasText(PrivateMessage("bob", "al", ("\x01VERSION\x01",), 0)))
        self.assertFalse(hasText(RoomMessage("lobby", "bob", (), 0, tags=(("+typing", "1"),))))

    def test_takesCtcp(self) -> None:
        """
        Only a connection that says so takes CTCP.
        """
        self.assertFalse(takesCtcp(RecordingParticipant()))
        self.assertFalse(takesCtcp(None))

    def test_answer(self) -> None:
        """
        The answers: C{VERSION} names chatd and what the person uses (or
        that they are not connected), C{PING} echoes, C{TIME} is the
        server's in GMT, C{CLIENTINFO} lists what is answered; nothing
        else is.  Of several lines, the CTCP one is answered, not an action.
        """
        tchat = RecordingParticipant(protocolName="tchat")
        tchat.nick = "bob"
        away = Absent("bob", "10.0.0.1", "web", lambda absent, reason: None)

        def reply(line: str, person: object = tchat) -> str | None:
            event = PrivateMessage("carol", "bob", (line,), 0)
            return answer(event, person, 1_700_000_000)  # type: ignore[arg-type]

        self.assertEqual(
            reply("\x01VERSION\x01"),
            "\x01VERSION chatd (bob uses tchat, not IRC: the server answers for them)\x01",
        )
        self.assertEqual(
            reply("\x01VERSION\x01", away),
            "\x01VERSION chatd (bob is not connected: the server answers for them)\x01",
        )
        self.assertEqual(reply("\x01PING 42 x\x01"), "\x01PING 42 x\x01")
        self.assertEqual(reply("\x01PING\x01"), "\x01PING\x01")
        self.assertEqual(reply("\x01time"), "\x01TIME Tue, 14 Nov 2023 22:13:20 GMT\x01")
        self.assertEqual(
            reply("\x01CLIENTINFO\x01"), "\x01CLIENTINFO ACTION CLIENTINFO PING TIME VERSION\x01"
        )
        self.assertIsNone(reply("\x01FINGER\x01"))
        both = PrivateMessage("carol", "bob", ("\x01ACTION waves\x01", "\x01PING 7\x01"), 0)
        self.assertEqual(answer(both, tchat, 0), "\x01PING 7\x01")
