"""
Tests for L{chatd.irc.message}, L{chatd.irc.numerics} and L{chatd.irc.caps}:
the pure parts of the IRC front-end.
"""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from twisted.trial.unittest import SynchronousTestCase

from chatd.core import errors
from chatd.core.bidi import closedBidi
from chatd.core.text import LINE_SEPARATORS, refusedCharacter
from chatd.irc.caps import SUPPORTED, Capabilities
from chatd.irc.message import (
    MAX_LINE,
    MalformedMessage,
    Message,
    escapeTagValue,
    formatLine,
    parse,
    parseTags,
    splitUTF8,
    textBudget,
    unescapeTagValue,
)
from chatd.irc.numerics import errorNumeric


class ParseTests(SynchronousTestCase):
    def test_plain(self) -> None:
        """
        Command, middle parameters and a trailing parameter with spaces;
        the command is upper-cased.
        """
        self.assertEqual(
            parse("privmsg #lobby :hello there"),
            Message("PRIVMSG", ["#lobby", "hello there"]),
        )

    def test_prefixAndTags(self) -> None:
        """
        IRCv3 tags (escaped values, valueless tags, client-only C{+} tags)
        and a prefix are parsed off the front.
        """
        message = parse(r"@time=2026-01-01T00:00:00.000Z;+draft/x=a\sb\:c;flag :nick!u@h NICK new")
        self.assertEqual(message.command, "NICK")
        self.assertEqual(message.params, ["new"])
        self.assertEqual(message.prefix, "nick!u@h")
        self.assertEqual(
            message.tags,
            {"time": "2026-01-01T00:00:00.000Z", "+draft/x": "a b;c", "flag": ""},
        )

    def test_spacing(self) -> None:
        """
        Runs of spaces separate parameters like one; an empty trailing
        parameter is kept; a colon inside a middle parameter is literal.
        """
        self.assertEqual(
            parse("USER  a  0 *  :Real Name"), Message("USER", ["a", "0", "*", "Real Name"])
        )
        self.assertEqual(parse("TOPIC #a :"), Message("TOPIC", ["#a", ""]))
        self.assertEqual(parse("PRIVMSG a:b :c"), Message("PRIVMSG", ["a:b", "c"]))
        self.assertEqual(parse("QUIT :"), Message("QUIT", [""]))

    def test_malformed(self) -> None:
        """
        A line that is only tags or only a prefix has no command.
        """
        for line in ["@a=b", "@a=b  ", ":prefix", "   "]:
            self.assertRaises(MalformedMessage, parse, line)

    def test_tagEscapes(self) -> None:
        """
        Tag values round-trip through escaping; unknown escapes lose their
        backslash and a trailing lone backslash is dropped.
        """
        for value in ["a b", "x;y", "back\\slash", "cr\rlf\n", ""]:
            self.assertEqual(unescapeTagValue(escapeTagValue(value)), value)
        self.assertEqual(unescapeTagValue(r"\q\\"), "q\\")
        self.assertEqual(unescapeTagValue("end\\"), "end")
        self.assertEqual(parseTags("a=1;a=2;;b"), {"a": "2", "b": ""})

    def test_tagEveryCharacter(self) -> None:
        """
        Every character in a tag value comes back from its escape, but a
        line separator (an escaped space) and a control no escape carries
        (dropped); none leaves a space, C{;}, CR, LF or NUL in the section.
        """
        for point in [*range(0xD800), *range(0xE000, 0x10000), 0x1F600]:
            char = chr(point)
            escaped = escapeTagValue("a" + char + "b")
            self.assertFalse(set(escaped) & set(" ;\r\n\0"), hex(point))
            expected = char
            if char < " " and char not in "\r\n":
                expected = ""
            if point in LINE_SEPARATORS:
                expected = " "
            self.assertEqual(unescapeTagValue(escaped), "a" + expected + "b", hex(point))

    @given(
        st.text(
            alphabet=st.characters(codec="utf-8").filter(
                lambda c: refusedCharacter(c) is None and ord(c) not in LINE_SEPARATORS
            ),
            max_size=200,
        )
    )
    def test_roundTrip(self, text: str) -> None:
        """
        Any text the service accepts, sent as a trailing parameter, parses
        back unchanged (but the line separators, which IRC shows as spaces),
        with any bidi passage it leaves open closed.
        """
        line = formatLine("PRIVMSG", "#lobby", text, prefix="a!b@c", tags={"time": "t;x y"})
        message = parse(line)
        self.assertEqual(message.params, ["#lobby", closedBidi(text)])
        self.assertEqual(message.tags, {"time": "t;x y"})


class FormatTests(SynchronousTestCase):
    def test_trailing(self) -> None:
        """
        The last parameter is sent in trailing form when it must be or when
        asked; others are not.
        """
        self.assertEqual(formatLine("PING", "x", prefix=""), "PING x")
        self.assertEqual(formatLine("PING", "x", trailing=True), "PING :x")
        self.assertEqual(
            formatLine("001", "me", "Welcome home", prefix="srv"), ":srv 001 me :Welcome home"
        )
        self.assertEqual(formatLine("TOPIC", "#a", ""), "TOPIC #a :")
        self.assertEqual(formatLine("X", ":smile"), "X ::smile")
        self.assertEqual(formatLine("X", tags={"a": "b c", "d": ""}), r"@a=b\sc;d X")

    def test_everyPartCleaned(self) -> None:
        """
        A line end or separator in any part of a line, the prefix too,
        becomes a space, and a refused control goes: nothing can end the
        line early.
        """
        self.assertEqual(
            formatLine("PRIVMSG", "#a", "hi", prefix="x\ny!u@h"), ":x y!u@h PRIVMSG #a hi"
        )
        self.assertEqual(formatLine("AWAY", "out\u2028now", prefix="srv"), ":srv AWAY :out now")
        self.assertEqual(formatLine("X", "a\x07b", "c\rd"), "X ab :c d")

    def test_truncatedAscii(self) -> None:
        """
        An ASCII line over 512 bytes (tags aside) is cut to 510 too.
        """
        line = formatLine("432", "me", "n" * 600, "Erroneous nickname", prefix="srv")
        self.assertEqual(len(line.encode()), 510)
        self.assertEqual(parse(line).params[:1], ["me"])

    def test_truncated(self) -> None:
        """
        A line over 512 bytes (tags aside) is cut, never inside a character,
        and still parses.
        """
        line = formatLine(
            "432", "me", "é" * 400, "Erroneous nickname", prefix="srv", tags={"a": "b"}
        )
        tags, body = line.split(" ", 1)
        self.assertEqual(tags, "@a=b")
        self.assertEqual(len(body.encode()), 510)
        self.assertEqual(parse(line).params[:1], ["me"])


class SplitTests(SynchronousTestCase):
    def test_short(self) -> None:
        """
        Text within the limit is one piece; empty text is one empty piece.
        """
        self.assertEqual(splitUTF8("hello", 10), ["hello"])
        self.assertEqual(splitUTF8("", 10), [""])

    def test_multibyte(self) -> None:
        """
        Pieces never cut a character: C{é} (2 bytes) and C{😀} (4 bytes)
        stay whole, and every piece fits.
        """
        text = "é" * 7 + "😀" * 3
        pieces = splitUTF8(text, 5)
        self.assertEqual("".join(pieces), text)
        self.assertTrue(all(len(p.encode()) <= 5 for p in pieces))
        self.assertEqual(pieces[:3], ["éé", "éé", "éé"])

    def test_words(self) -> None:
        """
        A space in the second half of a piece is preferred as the cut, so
        words are not broken when they need not be.
        """
        self.assertEqual(splitUTF8("aaaa bbbb cccc", 10), ["aaaa bbbb ", "cccc"])

    @given(st.text(max_size=2000), st.integers(min_value=4, max_value=600))
    def test_property(self, text: str, limit: int) -> None:
        """
        For any text, the pieces rejoin to it (lone surrogates as C{?}) and
        each fits the limit.
        """
        pieces = splitUTF8(text, limit)
        self.assertEqual("".join(pieces), text.encode("utf-8", "replace").decode())
        self.assertTrue(all(len(p.encode("utf-8")) <= limit for p in pieces))

    def test_budget(self) -> None:
        """
        A full line of budgeted text is exactly 512 bytes with CR LF.
        """
        prefix, target = "alice!alice@tchat.chatd", "#lobby"
        budget = textBudget("PRIVMSG", prefix, target)
        line = formatLine("PRIVMSG", target, "x" * budget, prefix=prefix, trailing=True)
        self.assertEqual(len(line.encode()) + 2, MAX_LINE)


class NumericTests(SynchronousTestCase):
    def test_mapping(self) -> None:
        """
        Each service error becomes its IRC numeric, with the subject where
        the numeric names one and the error's text last.
        """
        cases = [
            (errors.NoSuchGroup(), "#x", ("403", ["#x", "no such room"])),
            (errors.NotMember(), "#x", ("442", ["#x", "you are not in that room"])),
            (errors.NickTaken(), "bob", ("433", ["bob", "that nickname is already taken"])),
            (errors.InvalidNick(), "b!b", ("432", ["b!b", errors.InvalidNick.reason])),
            (errors.NoSuchUser(), "bob", ("401", ["bob", "no such user is connected"])),
            (errors.NotLoggedIn(), "JOIN", ("451", ["log in first"])),
            (errors.GroupFull(), "#x", ("471", ["#x", "that room is full"])),
            (errors.NotPermitted(), "#x", ("482", ["#x", "only operators may do that"])),
            (errors.Banned(), "bob", ("465", ["you are banned from this server"])),
            (
                errors.Kicked("you were kicked, come back later"),
                "bob",
                ("465", ["you were kicked, come back later"]),
            ),
            (errors.InternalError(), "JOIN", ("400", ["JOIN", "internal server error"])),
        ]
        for error, subject, expected in cases:
            self.assertEqual(errorNumeric(error, subject), expected)

    def test_unknownCode(self) -> None:
        """
        A code the table does not know (a newer service) is still answered.
        """

        class Novel(errors.ChatError):
            code, reason = 99, "something new"

        self.assertEqual(errorNumeric(Novel(), "CMD"), ("400", ["CMD", "something new"]))


class CapabilityTests(SynchronousTestCase):
    def test_ls(self) -> None:
        """
        Version 302 clients see values (C{sasl=PLAIN}) and get cap-notify;
        older clients see bare names.
        """
        self.assertEqual(Capabilities().ls(None), [" ".join(sorted(SUPPORTED))])
        caps = Capabilities()
        (line,) = caps.ls("302")
        self.assertEqual(
            line.split(), sorted(n + ("=" + v if v else "") for n, v in SUPPORTED.items())
        )
        self.assertIn(f"sasl={SUPPORTED['sasl']}", line.split())
        self.assertIn("cap-notify", caps)

    def test_reqAtomic(self) -> None:
        """
        A request with one unknown capability changes nothing; a valid one
        applies every change, including removals.
        """
        caps = Capabilities()
        self.assertFalse(caps.request("server-time bogus"))
        self.assertEqual(caps.enabled, set())
        self.assertTrue(caps.request("server-time echo-message"))
        self.assertTrue(caps.request("-echo-message"))
        self.assertEqual(caps.listEnabled(), "server-time")
        self.assertFalse(caps.request(""))

    def test_enabledPerConnection(self) -> None:
        """
        Connections that enabled nothing share one empty set of
        capabilities: what one enables or removes, the others do not get.
        """
        alice, bob = Capabilities(), Capabilities()
        self.assertTrue(alice.request("server-time batch"))
        alice.ls("302")
        self.assertEqual(alice.listEnabled(), "batch cap-notify server-time")
        self.assertEqual(bob.listEnabled(), "")
        self.assertTrue(alice.request("-batch"))
        self.assertEqual(alice.listEnabled(), "cap-notify server-time")
        self.assertNotIn("server-time", Capabilities())

    def test_longList(self) -> None:
        """
        A list too long for one line is split into several.
        """
        caps = Capabilities({f"vendor/cap-{i:03}": "" for i in range(60)})
        lines = caps.ls("302")
        self.assertGreater(len(lines), 1)
        self.assertTrue(all(len(line) <= 400 for line in lines))
        self.assertEqual(" ".join(lines).split(), sorted(caps.supported))
