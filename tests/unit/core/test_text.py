"""
Tests for L{chatd.core.text}: the one rule for the text people send, and what
each wire format's encoder lets through.
"""

from __future__ import annotations

import json
from typing import Any

from hypothesis import example, given
from hypothesis import strategies as st
from twisted.trial.unittest import SynchronousTestCase

from chatd import tchatwire
from chatd.core.bidi import closedBidi
from chatd.core.errors import InvalidArgument
from chatd.core.events import Membership, Notice, PrivateMessage, RoomMessage
from chatd.core.service import ChatService
from chatd.core.text import (
    InvalidText,
    action,
    actionOf,
    checkCtcp,
    checkLines,
    checkText,
    ircSafe,
    ircText,
    isBlank,
    plain,
    plainLine,
    refusedCharacter,
    scrub,
)
from chatd.irc.wire import WireFormat
from chatd.talk import format as talkformat
from chatd.web import wire as webwire

#: Every code point, lone surrogates and controls included.
anyText = st.text(alphabet=st.characters(exclude_categories=()), max_size=60)

#: What no terminal or browser front-end may be sent.
TERMINAL_UNSAFE = {
    chr(c) for c in [*range(0x00, 0x09), *range(0x0A, 0x20), *range(0x7F, 0xA0), 0x2028, 0x2029]
}

#: IRC's formatting codes and CTCP's marker, which the rule keeps.
FORMATTING = "\x01\x02\x03\x04\x0f\x11\x16\x1d\x1e\x1f"


class RuleTests(SynchronousTestCase):
    def test_refused(self) -> None:
        """
        Lone surrogates, NUL, CR, LF, ESC, BEL, backspace, DEL and C1
        controls are refused with an L{InvalidArgument} (TCHAT's 10) that
        names the character by its code point, never the character itself.
        """
        for char in ["\ud800", "\udfff", "\0", "\r", "\n", "\x1b", "\x07", "\x08", "\x7f", "\x85"]:
            with self.assertRaises(InvalidArgument) as caught:
                checkText(f"a{char}b")
            self.assertIsInstance(caught.exception, InvalidText)
            self.assertEqual(caught.exception.code, 10)
            self.assertIn(f"U+{ord(char):04X}", caught.exception.text)
            self.assertNotIn(char, caught.exception.text)
            self.assertEqual(refusedCharacter(f"a{char}b"), char)

    def test_accepted(self) -> None:
        """
        TAB, IRC's formatting codes, CTCP's \\x01, any script, emoji (also
        as a surrogate pair decoded from JSON) and bidi marks are accepted.
        """
        emoji = json.loads('"\\ud83d\\ude00"')
        for text in ["a\tb", FORMATTING, "\x01ACTION waves\x01", "Zoë 日本 مرحبا", emoji, "\u202e"]:
            self.assertEqual(checkText(text), text)
        checkLines(("one", "two\tthree"))
        self.assertRaises(InvalidText, checkLines, ("one", "two\x1b"))

    @given(anyText)
    def test_oneRule(self, text: str) -> None:
        """
        L{checkText} accepts exactly the text L{refusedCharacter} finds
        nothing in, and accepted text is UTF-8 and one line; L{scrub}
        always leaves accepted text.
        """
        bad = refusedCharacter(text)
        if bad is None:
            self.assertEqual(checkText(text), text)
            text.encode("utf-8")
            self.assertNotIn("\n", text)
            self.assertNotIn("\r", text)
        else:
            self.assertRaises(InvalidText, checkText, text)
        self.assertIsNone(refusedCharacter(scrub(text)))

    def test_blank(self) -> None:
        """
        L{isBlank}: whitespace of any kind, default ignorable code points
        (zero-width characters, BOM, bidi marks, variation selectors, Hangul
        fillers, tags), braille blanks and combining marks with no letter
        show nothing; a visible character, or a format character that shows
        (an Arabic number sign), does, with its marks.
        """
        blank = " \t\u00a0\u3000\u200b\u200c\u200d\u2060\ufeff\u200e\u00ad\ufe0f\u3164\U000e0041"
        self.assertTrue(isBlank(blank))
        self.assertTrue(isBlank(""))
        for nothing in ["\u2800", "\u2800\u200b", "\u0301", " \u0308\u0301", "\u2800" + blank]:
            self.assertTrue(isBlank(nothing), ascii(nothing))
            self.assertTrue(isBlank(blank + nothing), ascii(nothing))
        for shows in ["a", "\u200bx", "\u0600", "\u2800x", "e\u0301", "\U0001f600"]:
            self.assertFalse(isBlank(blank + shows), ascii(shows))

    def test_scrub(self) -> None:
        """
        L{scrub} turns line ends into spaces and drops the rest.
        """
        self.assertEqual(scrub("bye\r\nall\x1b[2J\ud800"), "bye all[2J")
        self.assertEqual(scrub("plain"), "plain")


class OutputTests(SynchronousTestCase):
    @given(anyText)
    def test_plainIsSafe(self, text: str) -> None:
        """
        L{plain} text holds no control character but TAB and is UTF-8.
        """
        shown = plain(text)
        self.assertFalse(TERMINAL_UNSAFE & set(shown), repr(shown))
        shown.encode("utf-8")

    @given(anyText)
    @example("\u2066")
    def test_ircText(self, text: str) -> None:
        """
        L{ircText} text cannot end an IRC line, holds nothing the rule
        refuses, and keeps what the rule accepts unchanged but for the bidi
        controls it leaves open, which are closed (a lone U+2066 once
        showed the difference).
        """
        shown = ircText(text)
        self.assertIsNone(refusedCharacter(shown))
        shown.encode("utf-8")
        if refusedCharacter(text) is None:
            self.assertEqual(shown, closedBidi(text))

    def test_ircSafe(self) -> None:
        """
        L{ircSafe} says exactly whether L{ircText} leaves a text as it is,
        for every code point but the bidi controls, which it always leaves
        to L{ircText}.
        """
        for point in [*range(0x10000), 0x1F600, 0xE0041, 0x10FFFF]:
            text = "a" + chr(point)
            if 0x202A <= point <= 0x202E or 0x2066 <= point <= 0x2069:
                self.assertFalse(ircSafe(text), hex(point))
            else:
                self.assertEqual(ircSafe(text), ircText(text) == text, hex(point))

    def test_plainFormatting(self) -> None:
        """
        IRC formatting disappears from plain text, colour numbers included;
        digits that follow a colour's two are kept.
        """
        self.assertEqual(plain("\x02bold\x02 \x0304,12red\x03 \x03123"), "bold red 3")
        self.assertEqual(plain("\x04ff0000hex\x0f \x1ditalic\x1d"), "hex italic")
        self.assertEqual(plain("ring\x07 \x1b[31mred\x1b[0m"), "ring [31mred[0m")
        self.assertEqual(plain("tab\tkept"), "tab\tkept")
        self.assertEqual(plain("one\u2028srv: two\u2029"), "one srv: two ")  # words kept apart
        self.assertEqual(plain("page\x0cbreak\x85next\x0bline"), "page break next line")

    def test_action(self) -> None:
        """
        A CTCP action reads C{* nick words} in plain text.
        """
        self.assertEqual(action("\x01ACTION waves\x01"), "waves")
        self.assertEqual(action("\x01ACTION waves"), "waves")
        self.assertIsNone(action("\x01VERSION\x01"))
        self.assertEqual(plainLine("bob", "\x01ACTION \x02waves\x01"), "* bob waves")
        self.assertEqual(plainLine("bob", "\x01VERSION\x01"), "VERSION")

    def test_ctcpIsAWholeLine(self) -> None:
        """
        A CTCP line is a whole message of one line: C{\\x01} first, maybe
        last, nothing after it; any other C{\\x01}, or a CTCP line with
        other lines, is L{InvalidText}.  An action is such a message, never
        text after a closing C{\\x01}, nor several lines.
        """
        accepted: list[tuple[str, ...]] = [("\x01ACTION waves\x01",), ("\x01ACTION waves",)]
        for lines in [*accepted, ("\x01PING 1\x01",)]:
            checkCtcp(lines)
            checkLines(lines)
        checkCtcp(("plain", "text"))
        for lines in [
            ("mid \x01ACTION x\x01 line",),
            ("\x01ACTION closed\x01 then trailing",),
            ("\x01ACTION x\x01\x01",),
            ("\x01ACTION dances", "all night\x01"),
            ("\x01ACTION dances\x01", "all night"),
            ("text", "\x01VERSION\x01"),
        ]:
            self.assertRaises(InvalidText, checkCtcp, lines)
            self.assertRaises(InvalidText, checkLines, lines)
        self.assertIsNone(action("\x01ACTION closed\x01 then trailing"))
        self.assertEqual(actionOf(("\x01ACTION waves\x01",)), "waves")
        self.assertIsNone(actionOf(("\x01ACTION waves\x01", "\x01ACTION again\x01")))
        self.assertIsNone(actionOf(("* bob waves",)))


def payload(frame: bytes) -> object:
    """
    The JSON in one server frame (see L{chatd.web.wire.frame}).
    """
    size = frame[1]
    start = 2 if size < 126 else 4 if size == 126 else 10
    return json.loads(frame[start:].decode("utf-8"))


HOSTILE = ("hi\x1b[2J\x07\u2028", "\rsrv: MSGPV root 1", ".", "x\ud800y\0z", "\x01ACTION waves\x01")


def _events() -> list[object]:
    return [
        RoomMessage("lobby", "bob", HOSTILE, 5),
        PrivateMessage("bob", "alice", HOSTILE, 5),
        Membership("lobby", "bob", False, 5, "gone\x1b]0;x\x07\r\nsrv: x"),
        Notice("line one\x1b[1m\nline two\x07\rsrv: OKAY!", 5),
    ]


class EncoderTests(SynchronousTestCase):
    """
    Whatever an event holds, each wire format's encoder sends only what its
    clients can show safely.
    """

    def test_separatorsInNotices(self) -> None:
        """
        U+2028 in a server's notice (a topic someone set, an announcement)
        is a space on TCHAT and the web, as in a message, not a line end.
        """
        notice = Notice("topic: alpha\u2028beta\nsecond line", 5)
        lines = tchatwire.encodeNotice(notice).decode().split("\n")
        self.assertEqual(lines[1:3], ["srv: topic: alpha beta", "srv: second line"])
        shown = payload(webwire.encodeNotice(notice))["text"]  # type: ignore[index]
        self.assertEqual(shown, "topic: alpha beta\nsecond line")

    def test_tchat(self) -> None:
        """
        TCHAT lines hold no control character; no body line reads C{.}
        early (it would end the body); every line is a C{srv: } line.
        """
        room, private, membership, notice = _events()
        data = (
            tchatwire.encodeSpeak(room)  # type: ignore[arg-type]
            + tchatwire.encodePrivate(private)  # type: ignore[arg-type]
            + tchatwire.encodeMembership(membership)  # type: ignore[arg-type]
            + tchatwire.encodeNotice(notice)  # type: ignore[arg-type]
        )
        text = data.decode("utf-8")
        self.assertFalse(TERMINAL_UNSAFE - {"\n"} & set(text))
        lines = text.split("\n")[:-1]
        self.assertTrue(all(line.startswith("srv: ") for line in lines))
        self.assertEqual(
            lines[:7],
            [
                "srv: SPEAK bob lobby 5",
                "srv: hi[2J ",
                "srv: srv: MSGPV root 1",
                "srv: ..",
                "srv: xyz",
                "srv: * bob waves",
                "srv: .",
            ],
        )
        self.assertEqual([line for line in lines if line == "srv: ."], ["srv: ."] * 3)
        self.assertIn("srv: line two", lines)

    def test_talk(self) -> None:
        """
        Talk lines hold no control character but their CR LF ends.
        """
        room, private, membership, notice = _events()
        data = b"".join(
            [
                talkformat.encodeRoomMessage(room),  # type: ignore[arg-type]
                talkformat.encodeOldRoomMessage(room, 10),  # type: ignore[arg-type]
                talkformat.encodePrivateMessage(private),  # type: ignore[arg-type]
                talkformat.encodeOldPrivateMessage(private, 10),  # type: ignore[arg-type]
                talkformat.encodeMembership(membership),  # type: ignore[arg-type]
                talkformat.encodeNotice(notice),  # type: ignore[arg-type]
            ]
        )
        lines = data.decode("utf-8").split("\r\n")
        self.assertEqual(lines[-1], "")
        for line in lines:
            self.assertFalse(TERMINAL_UNSAFE & set(line), repr(line))
        self.assertIn("[lobby] <bob> * bob waves", lines)
        self.assertIn("[lobby] <bob> hi[2J ", lines)

    def test_web(self) -> None:
        """
        Web frames are valid UTF-8 JSON whose strings hold no control
        character but the LF between a message's lines.
        """
        room, private, membership, notice = _events()
        frames = [
            webwire.encodeRoomMessage(room),  # type: ignore[arg-type]
            webwire.encodePrivateMessage(private),  # type: ignore[arg-type]
            webwire.encodeMembership(membership),  # type: ignore[arg-type]
            webwire.encodeNotice(notice),  # type: ignore[arg-type]
        ]
        for frame in frames:
            message: Any = payload(frame)
            for value in message.values():
                if isinstance(value, str):
                    self.assertFalse(TERMINAL_UNSAFE - {"\n"} & set(value), repr(value))
        text = payload(frames[0])["text"]  # type: ignore[index]
        self.assertEqual(
            text.split("\n"), ["hi[2J ", "srv: MSGPV root 1", ".", "xyz", "* bob waves"]
        )
        entry = webwire.historyEntry(room)  # type: ignore[arg-type]
        self.assertEqual(entry["text"], text)

    def test_webLoneSurrogateInReply(self) -> None:
        """
        A reply echoing a request's lone surrogate (its C{id}) is still one
        valid UTF-8 frame, the surrogate escaped as JSON allows.
        """
        frame = webwire.errorFrame(InvalidArgument("no"), "x\ud800", "say")
        self.assertEqual(payload(frame)["id"], "x\ud800")  # type: ignore[index]

    def test_webSplitText(self) -> None:
        """
        A web message's lines end at CR LF, CR or LF only: other characters
        that Python counts as line ends (C{\\x1c}-C{\\x1e}, form feed) stay
        in the line, for the service to judge.
        """
        self.assertEqual(webwire.splitText("a\r\nb\rc\nd\n"), ("a", "b", "c", "d"))
        self.assertEqual(webwire.splitText("a\x1eb\x0c"), ("a\x1eb\x0c",))
        self.assertEqual(webwire.splitText(""), ("",))

    def test_irc(self) -> None:
        """
        IRC lines keep IRC's formatting codes and CTCP, and lose what would
        end a line early (U+2028 becomes a space) or what the rule refuses.
        """
        from twisted.internet.task import Clock

        encoder = WireFormat(ChatService(Clock()), tagged=False)
        room, private, membership, notice = _events()
        data = encoder.roomMessage(room) + encoder.membership(membership)  # type: ignore[arg-type]
        lines = data.decode("utf-8").split("\r\n")
        self.assertEqual(lines[-1], "")
        self.assertEqual(
            lines[:-1],
            [
                ":bob!bob@chatd PRIVMSG #lobby :hi[2J ",
                ":bob!bob@chatd PRIVMSG #lobby : srv: MSGPV root 1",
                ":bob!bob@chatd PRIVMSG #lobby :.",
                ":bob!bob@chatd PRIVMSG #lobby :xy z",
                ":bob!bob@chatd PRIVMSG #lobby :\x01ACTION waves\x01",
                ":bob!bob@chatd QUIT :gone]0;x  srv: x",
            ],
        )

    @given(st.lists(anyText, min_size=1, max_size=4))
    def test_anyMessage(self, lines: list[str]) -> None:
        """
        Whatever a message holds, TCHAT shows it as exactly its lines
        between its head and one C{srv: .}; talk as CR LF lines without
        controls; the web as valid JSON; IRC as one PRIVMSG per line.
        """
        from twisted.internet.task import Clock

        event = RoomMessage("lobby", "bob", tuple(lines), 5)
        tchatLines = tchatwire.encodeSpeak(event).decode("utf-8").split("\n")
        self.assertEqual(len(tchatLines), len(lines) + 3)  # head, body, end, ""
        self.assertEqual(tchatLines[-2:], ["srv: .", ""])
        self.assertNotIn("srv: .", tchatLines[:-2])
        self.assertFalse(TERMINAL_UNSAFE & set("".join(tchatLines)))
        talk = talkformat.encodeRoomMessage(event).decode("utf-8")
        self.assertFalse(TERMINAL_UNSAFE & set(talk.replace("\r\n", "")))
        self.assertEqual(talk.count("\r\n"), len(lines))
        web: Any = payload(webwire.encodeRoomMessage(event))
        self.assertEqual(len(web["text"].split("\n")), len(lines))
        irc = WireFormat(ChatService(Clock()), tagged=False).roomMessage(event).decode("utf-8")
        ircLines = irc.split("\r\n")
        self.assertEqual(ircLines[-1], "")
        for line in ircLines[:-1]:
            self.assertTrue(line.startswith(":bob!bob@chatd PRIVMSG #lobby :"), line)
        self.assertNotIn("\r", irc.replace("\r\n", ""))
        self.assertNotIn("\0", irc)
