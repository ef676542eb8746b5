"""
Tests for L{chatd.core.speaking.BodyRule}: every rule a message's lines
pass, printable ASCII (which the rule settles at once) or not.
"""

from __future__ import annotations

from twisted.trial.unittest import SynchronousTestCase

from chatd.core import errors
from chatd.core.speaking import BodyRule
from chatd.testing import RecordingParticipant


class BodyRuleTests(SynchronousTestCase):
    def setUp(self) -> None:
        self.rule = BodyRule(maxLines=3, maxSize=12)
        self.participant = RecordingParticipant()

    def refused(self, lines: tuple[str, ...]) -> str:
        error = self.assertRaises(errors.InvalidArgument, self.rule.check, self.participant, lines)
        return str(error.text)

    def test_accepted(self) -> None:
        """
        Lines that show something and fit are accepted: printable ASCII up
        to the size (line breaks not counted), a blank line among others,
        a TAB, formatting around words, an action.
        """
        for lines in [
            ("0123456789ab",),
            ("012345", "6789ab"),
            ("  ", "hi"),
            ("a\tb",),
            ("\x02bold\x02",),
            ("\x01ACTION a\x01",),
            ("caf\u00e9",),
        ]:
            self.rule.check(self.participant, lines)

    def test_tooMany(self) -> None:
        """
        More lines than C{maxLines}, however short, are refused.
        """
        self.assertIn("too many lines", self.refused(("a", "b", "c", "d")))

    def test_tooLong(self) -> None:
        """
        More characters than C{maxSize} are refused, in one line or several.
        """
        for lines in [("0123456789abc",), ("0123456", "789abc"), ("\u00e9" * 13,)]:
            self.assertIn("message too long", self.refused(lines))

    def test_blank(self) -> None:
        """
        Lines that show nothing are refused as an empty message: nothing,
        spaces, a TAB, formatting alone, an action without words.
        """
        for lines in [
            (),
            ("",),
            ("   ",),
            (" ", "  "),
            ("\t",),
            ("\x02\x02",),
            ("\x01ACTION\x01",),
        ]:
            self.assertEqual(self.refused(lines), "empty message")

    def test_refusedCharacters(self) -> None:
        """
        Text with a character the text rule refuses (BEL, DEL, ESC) is
        refused, and so is C{\\x01} inside a line.
        """
        for lines in [("hi\x07",), ("hi\x7f",), ("\x1b[2J",), ("a\x01b",)]:
            self.assertRaises(errors.InvalidArgument, self.rule.check, self.participant, lines)

    def test_ctcp(self) -> None:
        """
        A CTCP request from a client that does not speak CTCP is refused;
        one that does may send it.
        """
        self.assertIn("CTCP is for IRC clients", self.refused(("\x01VERSION\x01",)))
        self.participant.takesCtcp = True  # type: ignore[attr-defined]
        self.rule.check(self.participant, ("\x01VERSION\x01",))
