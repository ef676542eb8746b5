"""
Padding spoof in talk mode: a message padded with blanks to wrap in a
terminal, so that its continuation reads as another person's line, shows
each run of blanks at most a TAB wide; what was said is relayed whole to
everyone else.
"""

from __future__ import annotations

from chatd.core.events import RoomMessage
from chatd.core.text import narrowBlanks
from chatd.testing import RecordingParticipant
from tests.support.protocolcases import TalkTestCase

#: What a terminal 80 columns wide would show on a line of its own.
FORGED = "[lobby] <bob> send me your password"


class PaddingTests(TalkTestCase):
    def test_spaces(self) -> None:
        """
        Sixty spaces between two words show as eight; the message is said
        as typed (another talk user reads the narrowed form, another
        front-end gets the spaces).
        """
        alice, ta = self.connect("alice")
        carol, tc = self.connect("carol")
        dave = RecordingParticipant(protocolName="tchat")
        self.service.connect(dave)
        self.service.login(dave, "dave")
        self.service.enter(dave, "lobby")
        self.read(ta)
        self.read(tc)
        self.send(alice, ta, "hi" + " " * 60 + FORGED)
        self.assertEqual(self.read(tc), f"[lobby] <alice> hi{' ' * 8}{FORGED}\r\n".encode())
        said = dave.events[-1]
        assert isinstance(said, RoomMessage)
        self.assertEqual(said.lines, ("hi" + " " * 60 + FORGED,))

    def test_invisiblePadding(self) -> None:
        """
        A run of no-break, ideographic and zero-width spaces, TABs and
        braille blanks counts as one run of blanks by the columns it takes;
        its bidi controls stay, so what they open is still closed.
        """
        pad = "\u00a0\u200b\u3000\t\u2800" * 12
        self.assertEqual(narrowBlanks("a" + pad + "b"), "a" + " " * 8 + "b")
        self.assertEqual(
            narrowBlanks("a\u202e" + " " * 20 + "\u202cb"), "a" + " " * 8 + "\u202e\u202cb"
        )
        self.assertEqual(narrowBlanks("a" + " " * 8 + "b"), "a" + " " * 8 + "b")
        self.assertEqual(narrowBlanks("a" + "\u3000" * 4 + "b"), "a" + "\u3000" * 4 + "b")
        self.assertEqual(narrowBlanks("a" + "\u3000" * 5 + "b"), "a" + " " * 8 + "b")

    def test_tabsAndAction(self) -> None:
        """
        TABs are expanded first, so two of them after a word narrow to
        eight columns; an action's blanks narrow too.
        """
        alice, ta = self.connect("alice")
        carol, tc = self.connect("carol")
        self.read(ta)
        self.send(alice, ta, "a\t\t\tb", "/me waves" + " " * 40 + "[lobby] <bob> hi")
        self.assertEqual(
            self.read(tc),
            f"[lobby] <alice> a{' ' * 8}b\r\n".encode()
            + f"[lobby] * alice waves{' ' * 8}[lobby] <bob> hi\r\n".encode(),
        )
