"""
Tests for L{chatd.talk.echo}: what a character-mode terminal is shown for
the keys typed.
"""

from __future__ import annotations

from twisted.trial.unittest import SynchronousTestCase

from chatd.lines.columns import width
from chatd.talk.echo import ServerEcho
from chatd.talk.telnet import editLine


class ServerEchoTests(SynchronousTestCase):
    def setUp(self) -> None:
        self.echo = ServerEcho()

    def shown(self, data: bytes) -> bytes:
        """What the terminal is shown for C{data}, lines ended or not."""
        return b"".join(shown for shown, line in self.echo.feed(data))

    def test_typedAndErased(self) -> None:
        """
        Characters show as typed; a backspace or DEL rubs out the last one,
        C{^U} the whole line, and nothing is rubbed out past its start.
        """
        self.assertEqual(self.shown(b"abc\x08"), b"abc\b \b")
        self.assertEqual(self.shown(b"\x7f\x7f\x7f"), b"\b \b\b \b")
        self.assertEqual(self.shown(b"xy\x15"), b"xy\b \b\b \b")
        self.assertEqual(self.echo.typed(), b"")

    def test_wideCharacters(self) -> None:
        """
        A wide character (Chinese, an emoji) takes two columns to rub out;
        a letter with a combining accent one, both gone with one backspace.
        """
        self.assertEqual(self.shown("中\x7f".encode()), "中".encode() + b"\b \b" * 2)
        self.assertEqual(self.shown("xe\u0301\x7f".encode()), "xe\u0301\b \b".encode())
        self.assertEqual(self.echo.typed(), b"x")
        self.assertEqual(width("a中👍\u200d\u0301"), 5)

    def test_clusters(self) -> None:
        """
        A backspace erases one grapheme cluster, rubbing out the columns it
        takes: a family emoji joined by zero-width joiners, or a thumb with
        a skin tone, is one emoji of two columns; a flag two; a Hangul
        syllable typed as jamo two, as its precomposed form.
        """
        family = "\U0001f468\u200d\U0001f469\u200d\U0001f467"
        for text, columns in [
            (family, 2),
            ("\U0001f44d\U0001f3fd", 2),
            ("\U0001f1eb\U0001f1f7", 2),
            ("e\u0301", 1),
            ("\u1112\u1161\u11ab", 2),
        ]:
            self.assertEqual(width(text), columns, ascii(text))
            self.assertEqual(self.shown(("X" + text).encode()), ("X" + text).encode())
            self.assertEqual(self.shown(b"\x08"), b"\b \b" * columns, ascii(text))
            self.assertEqual(self.echo.typed(), b"X")
            self.shown(b"\x15")

    def test_lineEnd(self) -> None:
        """
        Enter (CR or LF, as the telnet layer delivers them) shows as a line
        end and starts a new line.
        """
        self.assertEqual(self.shown(b"one\rtwo"), b"one\r\ntwo")
        self.assertEqual(self.echo.typed(), b"two")
        self.assertEqual(self.shown(b"\n"), b"\r\n")
        self.assertEqual(self.echo.typed(), b"")

    def test_utf8Split(self) -> None:
        """
        A character whose UTF-8 comes in two reads shows once it is whole.
        """
        data = "é".encode()
        self.assertEqual(self.shown(data[:1]), b"")
        self.assertEqual(self.shown(data[1:]), data)

    def test_controlsNotShown(self) -> None:
        """
        Escape sequences (arrow keys, ctrl-arrows) and other control
        characters show nothing; a TAB shows as one space.
        """
        self.assertEqual(self.shown(b"a\x1b[A\x1b[1;5Cb\x1bOP\x07c\td"), b"abc d")
        self.assertEqual(self.echo.typed(), b"abc d")

    def test_matchesEditing(self) -> None:
        """
        What stays shown after erasing is what L{editLine} makes of the
        line.
        """
        keys = "héllo wörld\x7f\x7f\x08ld 中文\x7f! Cafe\u0301\x7fe \U0001f1eb\U0001f1f7\x7f!"
        self.shown(keys.encode())
        self.assertEqual(self.echo.typed().decode(), editLine(keys))

    def test_linesHandedOn(self) -> None:
        """
        Each line is handed on once it ends, as edited, after what shows
        for it; what shows within a line comes with no line.
        """
        self.assertEqual(
            list(self.echo.feed(b"ab\x7fc\rde")),
            [(b"ab\b \bc\r\n", b"ac\n"), (b"de", None)],
        )

    def test_tooLong(self) -> None:
        """
        A key past C{maxLength} bytes ends the line, handed on with that
        key (too long, to be refused); the rest of it, up to Enter, is
        dropped unshown, however long; what follows starts a new line.
        """
        echo = ServerEcho(maxLength=4)
        self.assertEqual(
            list(echo.feed("ab\u4e2dcd".encode() + b"x" * 1000)),
            [(b"ab\r\n", "ab\u4e2d\n".encode())],
        )
        self.assertEqual(echo.typed(), b"")
        self.assertEqual(list(echo.feed(b"yy\rok")), [(b"ok", None)])
        self.assertEqual(echo.typed(), b"ok")

    def test_take(self) -> None:
        """
        L{ServerEcho.take} gives the line held as typed, with a character
        begun and not complete and a byte that is not UTF-8, and forgets it.
        """
        self.shown(b"a\xe9b\xc3")
        self.assertEqual(self.echo.typed(), "a\ufffdb".encode())
        self.assertEqual(self.echo.take(), b"a\xe9b\xc3")
        self.assertEqual(self.echo.typed(), b"")
        self.assertEqual(self.echo.take(), b"")
