"""
Tests for talk mode's line editor in character mode (L{chatd.talk.echo}
inside L{chatd.talk.protocol}): what the screen shows is what is said.
"""

from __future__ import annotations

from twisted.conch import telnet

from tests.support.protocolcases import TalkTestCase

CHARACTER_MODE = telnet.IAC + telnet.DO + telnet.SGA + telnet.IAC + telnet.DO + telnet.ECHO
RUB_OUT = b"\b \b"


class CharacterModeEditingTests(TalkTestCase):
    """
    In character mode chatd edits the line: the line said is the line the
    screen shows.  (The factory's lines hold at most 100 bytes.)
    """

    def setUp(self) -> None:
        super().setUp()
        self.alice, self.ta = self.connect()
        self.alice.dataReceived(CHARACTER_MODE + b"alice\r\0")
        self.bob, self.tb = self.connect("bob")
        self.read(self.ta)

    def typed(self, keys: bytes) -> tuple[bytes, bytes]:
        """
        Type C{keys} as alice: what her screen shows, and what bob sees.
        """
        self.alice.dataReceived(keys)
        return self.read(self.ta), self.read(self.tb)

    def test_tooLongDroppedToItsEnd(self) -> None:
        """
        A line typed past the length limit ends there: the notice says it
        was ignored on a line of its own (the key past the limit is part
        of it), once, however much more of it comes; the rest of it, up to
        Enter, is dropped unshown (keys that erase too), and what is typed
        after that is a new line, said at Enter.
        """
        shown, heard = self.typed(b"Z" * 150)
        notice = b"*** Your line was too long and was ignored: a line is at most 100 bytes"
        before, found, after = shown.partition(notice)
        self.assertEqual(before, b"Z" * 100 + b"\r\n")
        self.assertTrue(found, shown)
        self.assertTrue(after.endswith(b"Japanese ones).\r\n"), after)
        self.assertEqual(heard, b"")
        shown, heard = self.typed(b"Z" * 5000 + b"\x7f" * 140 + b"\r\0")
        self.assertEqual((shown, heard), (b"", b""))
        shown, heard = self.typed(b"typed after\r\0")
        self.assertEqual(shown, b"typed after\r\n")
        self.assertEqual(heard, b"[lobby] <alice> typed after\r\n")

    def test_limitChangedLive(self) -> None:
        """
        The limit is the factory's as it is now (C{--max-line-length}
        changed on a reload): a connection open before takes it at once.
        """
        self.factory.maxLineLength = 10
        shown, heard = self.typed(b"Z" * 11)
        self.assertIn(b"a line is at most 10 bytes", shown)

    def test_erasingDoesNotCount(self) -> None:
        """
        Keys that erase are not part of the line: a line typed and erased
        many times over is said if what stays fits.
        """
        shown, heard = self.typed((b"x" * 60 + b"\x15") * 5 + b"kept\r")
        self.assertNotIn(b"***", shown)
        self.assertEqual(heard, b"[lobby] <alice> kept\r\n")

    def test_badByteErased(self) -> None:
        """
        A byte that is not UTF-8 (a Latin-1 terminal's C{é}) shows as
        U+FFFD; erased, it leaves the line too, and the rest is said.
        """
        shown, heard = self.typed(b"ab\xe9")
        self.assertEqual(shown, b"ab")
        shown, heard = self.typed(b"\x7f")
        self.assertEqual(shown, "\ufffd".encode() + RUB_OUT)
        shown, heard = self.typed(b"c\r\0")
        self.assertEqual(shown, b"c\r\n")
        self.assertEqual(heard, b"[lobby] <alice> abc\r\n")

    def test_badByteKept(self) -> None:
        """
        A byte that is not UTF-8 left in the line shows as U+FFFD, and the
        line is refused at Enter as not UTF-8.
        """
        shown, heard = self.typed(b"ab\xe9c\r\0")
        self.assertTrue(shown.startswith("ab\ufffdc\r\n".encode()), shown)
        self.assertIn(b"*** Your line was not valid UTF-8 and was ignored", shown)
        self.assertEqual(heard, b"")

    def test_escapeSequencesIgnored(self) -> None:
        """
        Cursor and function keys (CSI and SS3 sequences) show nothing and
        leave nothing in the line.
        """
        shown, heard = self.typed(b"hel\x1b[A\x1b[D\x1b[3~\x1bOP\x1b[1;5Clo\r\0")
        self.assertEqual(shown, b"hello\r\n")
        self.assertEqual(heard, b"[lobby] <alice> hello\r\n")

    def test_otherControlsIgnored(self) -> None:
        """
        Other control keys (^B, ^G) show nothing and leave nothing in the
        line.
        """
        shown, heard = self.typed(b"a\x02b\x07c\r\0")
        self.assertEqual(shown, b"abc\r\n")
        self.assertEqual(heard, b"[lobby] <alice> abc\r\n")

    def test_eraseWord(self) -> None:
        """
        ^W erases the word before the cursor and the spaces after it, on
        the screen and in the line.
        """
        shown, heard = self.typed(b"one two  ")
        shown, heard = self.typed(b"\x17")
        self.assertEqual(shown, RUB_OUT * 5)
        shown, heard = self.typed(b"three\x17\x17\x17four\r\0")
        self.assertEqual(shown, b"three" + RUB_OUT * 5 + RUB_OUT * 4 + b"four\r\n")
        self.assertEqual(heard, b"[lobby] <alice> four\r\n")

    def test_eraseLine(self) -> None:
        """
        ^U erases the whole line, on the screen and in the line.
        """
        shown, heard = self.typed("abc\u4e2d\x15def\r\0".encode())
        self.assertEqual(shown, "abc\u4e2d".encode() + RUB_OUT * 5 + b"def\r\n")
        self.assertEqual(heard, b"[lobby] <alice> def\r\n")

    def test_echoGivenUpMidLine(self) -> None:
        """
        A client that leaves character mode (C{DONT ECHO}) halfway through a
        line loses nothing of it: what it typed before is said with the
        rest.
        """
        self.typed(b"hel\x7fl")
        shown, heard = self.typed(telnet.IAC + telnet.DONT + telnet.ECHO + b"lo\r\n")
        self.assertEqual(heard, b"[lobby] <alice> hello\r\n")


class LineModeControlsTests(TalkTestCase):
    """
    In line mode the client edits: a control character in a line is
    refused, as before.
    """

    def test_escapeRefused(self) -> None:
        """
        An escape sequence sent in a line is refused, naming ESC.
        """
        alice, ta = self.connect("alice")
        bob, tb = self.connect("bob")
        self.read(ta)
        answer = self.send(alice, ta, "hel\x1b[Alo")
        self.assertIn(b"U+001B", answer)
        self.assertEqual(self.read(tb), b"")
