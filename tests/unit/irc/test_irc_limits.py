"""
Tests for the 512-byte limit on what an IRC client says: a C{PRIVMSG} or
C{NOTICE} that would be relayed as a line longer than 512 bytes is cut to
fit, for everyone, as Solanum and InspIRCd relay it; text from other
protocols is split instead.
"""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from twisted.internet.testing import StringTransport

from chatd.core import errors
from chatd.core.events import PrivateMessage, RoomMessage
from chatd.irc.message import MAX_LINE, fittedToRelay, formatLine, textBudget
from chatd.testing import RecordingParticipant
from tests.support.irchelpers import IRCTestCase

#: What names may hold here: no spaces, controls, separators or surrogates.
NAME_CHARACTERS = st.characters(blacklist_categories=("Cc", "Cs", "Zs", "Zl", "Zp"))

#: Four bytes of UTF-8, to put a multi-byte character at the edge.
EMOJI = "😀"


def untagged(line: bytes) -> bytes:
    """
    C{line} without its tag section, which the 512 bytes do not count.
    """
    return line.split(b" ", 1)[1] if line.startswith(b"@") else line


def overhead(prefix: str, command: str, target: str) -> int:
    """
    The bytes a relayed C{:prefix COMMAND target :text\\r\\n} adds to its
    text, computed independently of the code under test.
    """
    return len(f":{prefix} {command} {target} :\r\n".encode())


class FittedToRelayTests(IRCTestCase):
    """
    L{fittedToRelay} and L{textBudget} agree with the line the relay sends.
    """

    def test_boundary(self) -> None:
        """
        Text that makes the relayed line exactly 512 bytes is kept; one byte
        more is cut off, and a character whose last bytes fall past the
        limit is left out whole.
        """
        prefix, target = f"alice!al@{self.guestHost}", "#lobby"
        budget = MAX_LINE - overhead(prefix, "PRIVMSG", target)
        self.assertEqual(textBudget("PRIVMSG", prefix, target), budget)
        fit = "a" * budget
        self.assertEqual(fittedToRelay("PRIVMSG", prefix, target, fit), fit)
        self.assertEqual(fittedToRelay("PRIVMSG", prefix, target, fit + "a"), fit)
        atEdge = "a" * (budget - 4) + EMOJI
        self.assertEqual(fittedToRelay("PRIVMSG", prefix, target, atEdge), atEdge)
        for missing in (1, 2, 3):  # the emoji's last bytes fall past the limit
            start = "a" * (budget - 4 + missing)
            self.assertEqual(fittedToRelay("PRIVMSG", prefix, target, start + EMOJI), start)

    def test_wideNames(self) -> None:
        """
        Names of characters of several bytes take their bytes, not their
        characters, from the text's room: the text that fills the line is
        kept whole and one byte more is cut.
        """
        prefix, target = "élodie!élodie@user/élodie", "#café☕"
        budget = MAX_LINE - overhead(prefix, "PRIVMSG", target)
        fit = "a" * budget
        self.assertEqual(fittedToRelay("PRIVMSG", prefix, target, fit), fit)
        self.assertEqual(fittedToRelay("PRIVMSG", prefix, target, fit + "a"), fit)

    @given(
        st.text(NAME_CHARACTERS, min_size=1, max_size=40),
        st.text(NAME_CHARACTERS, min_size=1, max_size=30),
        st.text(max_size=520),
    )
    def test_alwaysFits(self, prefix: str, target: str, text: str) -> None:
        """
        Whatever the names and the text, the relayed line fits in 512 bytes
        and the text is cut only when it would not.
        """
        room = MAX_LINE - overhead(prefix, "PRIVMSG", target)
        fitted = fittedToRelay("PRIVMSG", prefix, target, text)
        data = text.encode("utf-8", "replace")
        self.assertLessEqual(len(fitted.encode("utf-8", "replace")), max(room, 0))
        if len(data) <= room:
            self.assertEqual(fitted, text)

    @given(
        st.text(NAME_CHARACTERS, max_size=40),
        st.lists(st.text(NAME_CHARACTERS, min_size=1, max_size=30), max_size=3),
    )
    def test_budgetOfAnyLine(self, prefix: str, targets: list[str]) -> None:
        """
        L{textBudget} is what a line made by the encoder leaves for the
        text, whatever the prefix (none too) and the targets.
        """
        line = formatLine("PRIVMSG", *targets, "x", prefix=prefix, trailing=True)
        self.assertEqual(textBudget("PRIVMSG", prefix, *targets), MAX_LINE - len(line.encode()) - 1)

    def test_notice(self) -> None:
        """
        C{NOTICE} is one byte shorter than C{PRIVMSG}, so its budget is one
        byte larger.
        """
        prefix, target = f"bob!bob@{self.guestHost}", "carol"
        budget = MAX_LINE - overhead(prefix, "NOTICE", target)
        self.assertEqual(textBudget("NOTICE", prefix, target), budget)
        fit = "n" * budget
        self.assertEqual(fittedToRelay("NOTICE", prefix, target, fit + "n"), fit)


class CutTests(IRCTestCase):
    """
    What the sender and the would-be recipients see at and around the limit.
    """

    def setUp(self) -> None:
        super().setUp()
        self.tchat = RecordingParticipant(protocolName="tchat")
        self.service.connect(self.tchat)
        self.service.login(self.tchat, "tom")
        self.service.enter(self.tchat, "lobby")
        self.bob, self.tb = self.connect("bob", caps="message-tags")
        self.send(self.bob, self.tb, "JOIN #lobby")
        # alice's ident differs from her nickname: the prefix must use it.
        self.alice, self.ta = self.connect(None)
        self.send(
            self.alice,
            self.ta,
            "CAP REQ :echo-message message-tags",
            "NICK alice",
            "USER al 0 * :Alice",
            "CAP END",
            "JOIN #lobby",
        )
        self.read(self.tb)
        self.tchat.events.clear()

    def budget(self, command: str = "PRIVMSG", target: str = "#lobby") -> int:
        return MAX_LINE - overhead(f"alice!al@{self.guestHost}", command, target)

    def say(self, line: str, transport: StringTransport | None = None) -> str:
        """
        C{alice} sends C{line}; her replies are returned.
        """
        return self.send(self.alice, transport or self.ta, line)

    def assertCut(self, replies: str, text: str, target: str = "#lobby") -> None:
        """
        C{alice} sees her message as the others got it, C{text} (the
        echo), and so does C{bob}, in one line of at most 512 bytes; TCHAT's
        C{tom} reads the same text in C{#lobby}; nobody was told 417.
        """
        [echo] = self.messages(replies)
        self.assertEqual(echo.params, [target, text])
        raw = self.read(self.tb)
        self.assertEqual(raw.count("\r\n"), 1, raw)
        self.assertLessEqual(len(untagged(raw.encode())), MAX_LINE)
        [relayed] = self.messages(raw)
        self.assertEqual(relayed.params, [target, text])
        if target != "#lobby":
            return
        [event] = self.tchat.events
        assert isinstance(event, RoomMessage)
        self.assertEqual(event.lines, (text,))
        self.tchat.events.clear()

    def test_channelAtLimit(self) -> None:
        """
        A channel message whose relayed line is exactly 512 bytes is relayed
        intact, as one line, to IRC and other protocols, and echoed.
        """
        text = "a" * (self.budget() - 4) + EMOJI
        [echo] = self.messages(self.say("PRIVMSG #lobby :" + text))
        self.assertEqual(echo.params, ["#lobby", text])
        raw = untagged(self.read(self.tb).encode())
        self.assertEqual(len(raw), MAX_LINE)
        self.assertEqual(raw, f":alice!al@{self.guestHost} PRIVMSG #lobby :{text}\r\n".encode())
        [event] = self.tchat.events
        assert isinstance(event, RoomMessage)
        self.assertEqual(event.lines, (text,))

    def test_channelOverLimit(self) -> None:
        """
        One byte more is cut off, for everyone, in one line; a character
        whose last bytes fall past the limit is left out whole.
        """
        fit = "a" * self.budget()
        self.assertCut(self.say("PRIVMSG #lobby :" + fit + "a"), fit)
        for missing in (1, 2, 3):
            start = "a" * (self.budget() - 4 + missing)
            self.assertCut(self.say("PRIVMSG #lobby :" + start + EMOJI), start)

    def test_legacyEncoding(self) -> None:
        """
        A line that is not UTF-8 is read as Latin-1 and relayed as UTF-8,
        where each accented letter takes two bytes: the limit counts the
        relayed bytes, not the bytes received.
        """
        half = self.budget() // 2
        self.alice.dataReceived(b"PRIVMSG #lobby :" + b"\xe9" * half + b"\r\n")
        [fail, echo] = self.messages(self.read(self.ta))
        self.assertEqual(fail.params[:2], ["PRIVMSG", "INVALID_UTF8"])  # UTF8ONLY
        self.assertEqual(echo.params, ["#lobby", "é" * half])
        self.read(self.tb)
        self.tchat.events.clear()
        self.alice.dataReceived(b"PRIVMSG #lobby :" + b"\xe9" * (half + 1) + b"\r\n")
        self.assertCut(self.read(self.ta).split("\r\n", 1)[1], "é" * half)

    def test_brokenUTF8(self) -> None:
        """
        A UTF-8 line with a character cut short is not read as
        Windows-1252 (mojibake for all of it): the broken bytes become
        U+FFFD, the rest is relayed as sent, and the sender is told.
        """
        cut = "語".encode()[:2]
        self.alice.dataReceived("PRIVMSG #lobby :日本".encode() + cut + b"\r\n")
        [fail, echo] = self.messages(self.read(self.ta))
        self.assertEqual(fail.params[:2], ["PRIVMSG", "INVALID_UTF8"])
        self.assertIn("U+FFFD", fail.params[-1])
        self.assertEqual(echo.params, ["#lobby", "日本\ufffd"])
        [event] = self.tchat.events
        assert isinstance(event, RoomMessage)
        self.assertEqual(event.lines, ("日本\ufffd",))

    def test_notACommandShownClean(self) -> None:
        """
        Bytes that are no IRC at all (a TLS hello on the plain port) are
        answered without a control character: the command they would be is
        shown cleaned, in C{FAIL} and C{421} alike.
        """
        hello = b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03 x\x1b[2J\r\n"
        self.alice.dataReceived(hello)
        answered = self.read(self.ta)
        self.assertIn(" 421 ", answered)
        self.assertFalse([ch for ch in answered if ord(ch) < 32 and ch not in "\r\n"], answered)

    def test_colonDoesNotCount(self) -> None:
        """
        A one-word message sent without the trailing colon is relayed with
        one, so its limit is the same as with the colon.
        """
        word = "w" * self.budget()
        [echo] = self.messages(self.say("PRIVMSG #lobby " + word))
        self.assertEqual(echo.params, ["#lobby", word])
        self.tchat.events.clear()
        self.assertEqual(self.messages(self.read(self.tb))[0].params, ["#lobby", word])
        self.assertCut(self.say("PRIVMSG #lobby " + word + "w"), word)

    def test_tagsDoNotCount(self) -> None:
        """
        Client tags ride outside the 512 bytes: a message at the limit with
        a long tag is relayed intact, tags and all; one byte more is cut.
        """
        text = "t" * self.budget()
        tag = "x" * 1000
        self.say(f"@+draft/reply={tag} PRIVMSG #lobby :{text}")
        [relayed] = self.messages(self.read(self.tb))
        self.assertEqual(relayed.params, ["#lobby", text])
        self.assertEqual(relayed.tags["+draft/reply"], tag)
        self.tchat.events.clear()
        self.assertCut(self.say(f"@+draft/reply={tag} PRIVMSG #lobby :{text}t"), text)

    def test_channelNameAsRelayed(self) -> None:
        """
        The limit counts the channel as the relay names it (the room's
        name), not as typed: C{#cafe} + combining accent is one byte longer
        than the room C{#café} it is relayed to.
        """
        self.say("JOIN #café")
        self.send(self.bob, self.tb, "JOIN #café")
        typed = "#cafe\u0301"
        budget = self.budget(target="#café")
        self.assertEqual(self.budget(target=typed), budget - 1)
        text = "c" * budget
        self.say(f"PRIVMSG {typed} :{text}")
        [relayed] = self.messages(self.read(self.tb))
        self.assertEqual(relayed.params, ["#café", text])
        self.assertCut(self.say(f"PRIVMSG {typed} :{text}c"), text, "#café")

    def test_private(self) -> None:
        """
        A private message counts the recipient's nickname as the relay sends
        it: typed decomposed (C{e} + combining accent, one byte longer), it
        is relayed in its composed form, whose budget applies.
        """
        name = "Zoé"
        zoe = RecordingParticipant(protocolName="tchat")
        self.service.connect(zoe)
        self.service.login(zoe, name)
        typed = "Zoe\u0301"
        budget = self.budget(target=name)
        self.assertEqual(self.budget(target=typed), budget - 1)
        text = "p" * budget
        self.say(f"PRIVMSG {typed} :{text}")
        [event] = zoe.events
        assert isinstance(event, PrivateMessage)
        self.assertEqual((event.recipient, event.lines), (name, (text,)))
        zoe.events.clear()
        [echo] = self.messages(self.say(f"PRIVMSG {typed} :{text}p"))
        self.assertEqual(echo.params, [name, text])
        [event] = zoe.events
        assert isinstance(event, PrivateMessage)
        self.assertEqual(event.lines, (text,))

    def test_notice(self) -> None:
        """
        An overlong NOTICE is cut the same way.
        """
        text = "n" * self.budget("NOTICE")
        [echo] = self.messages(self.say("NOTICE #lobby :" + text))
        self.assertEqual((echo.command, echo.params), ("NOTICE", ["#lobby", text]))
        self.read(self.tb)
        self.tchat.events.clear()
        [echo] = self.messages(self.say("NOTICE #lobby :" + text + "n"))
        self.assertEqual((echo.command, echo.params), ("NOTICE", ["#lobby", text]))
        [relayed] = self.messages(self.read(self.tb))
        self.assertEqual(relayed.params, ["#lobby", text])

    def test_severalTargets(self) -> None:
        """
        With several targets, each is cut to its own relayed line: the
        shorter target gets all of it, the longer one a byte less.
        """
        carol, tc = self.connect("carol")
        text = "s" * self.budget(target="carol")
        replies = self.messages(self.say(f"PRIVMSG carol,#lobby :{text}"))
        self.assertEqual([m.command for m in replies], ["PRIVMSG", "PRIVMSG"])
        self.assertEqual(self.messages(self.read(tc))[0].params, ["carol", text])
        self.assertEqual(self.messages(self.read(self.tb))[0].params, ["#lobby", text[:-1]])

    def test_otherProtocolsStillSplit(self) -> None:
        """
        Text from another protocol is not cut: it reaches IRC split into
        lines of at most 512 bytes, no character cut.
        """
        text = "é" * 200 + EMOJI * 60
        self.service.say(self.tchat, "lobby", (text,))
        raw = self.read(self.tb).encode()
        lines = raw.split(b"\r\n")[:-1]
        self.assertGreater(len(lines), 1)
        self.assertTrue(all(len(untagged(line)) + 2 <= MAX_LINE for line in lines))
        self.assertEqual("".join(m.params[1] for m in self.messages(raw.decode())), text)

    def test_longActionSplitAsActions(self) -> None:
        """
        An action from another protocol too long for one IRC line reaches
        a client without C{draft/multiline} as several actions, each
        wrapped whole, none as text with a stray C{\\x01}; their words join
        back to the action's.
        """
        words = "dances " * 150
        self.service.say(self.tchat, "lobby", ("\x01ACTION " + words + "\x01",))
        raw = self.read(self.tb).encode()
        lines = raw.split(b"\r\n")[:-1]
        self.assertGreater(len(lines), 1)
        self.assertTrue(all(len(untagged(line)) + 2 <= MAX_LINE for line in lines))
        texts = [m.params[1] for m in self.messages(raw.decode())]
        for text in texts:
            self.assertTrue(text.startswith("\x01ACTION ") and text.endswith("\x01"), text)
            self.assertEqual(text.count("\x01"), 2, text)
        self.assertEqual("".join(text[8:-1] for text in texts), words)


class ShortTextTests(IRCTestCase):
    """
    Topics, reasons and away texts: at most C{TOPICLEN} (C{KICKLEN},
    C{AWAYLEN}) bytes, which every IRC line that carries one holds whole.
    """

    def test_topicInAnyScript(self) -> None:
        """
        The longest topic chatd takes, in Chinese or emoji, reaches IRC
        clients whole: in the C{TOPIC} relay, C{332} and C{LIST}'s C{322},
        for the longest nickname and channel name; a longer one from IRC is
        cut to the advertised bytes, whole characters, as an away text is.
        """
        nick, channel = "n" * 16, "#" + "c" * 49
        alice, ta = self.connect(nick)
        bob, tb = self.connect("bob")
        self.send(alice, ta, f"JOIN {channel}")
        self.send(bob, tb, f"JOIN {channel}")
        for topic, shown in [("話" * 126, "話" * 126), (EMOJI * 100, EMOJI * 94)]:
            self.send(alice, ta, f"TOPIC {channel} :{topic}")
            [relayed] = self.messages(self.read(tb))
            self.assertEqual((relayed.command, relayed.params[-1]), ("TOPIC", shown))
            [topicReply, _] = self.messages(self.send(bob, tb, f"TOPIC {channel}"))
            self.assertEqual(topicReply.params[-1], shown)
            listed = self.messages(self.send(bob, tb, f"LIST {channel}"))
            self.assertEqual([m.params[-1] for m in listed if m.command == "322"], [shown])
        self.send(alice, ta, "AWAY :" + "話" * 160)  # 480 bytes: the line fits, not the limit
        whois = self.messages(self.send(bob, tb, f"WHOIS {nick}"))
        self.assertEqual([m.params[-1] for m in whois if m.command == "301"], ["話" * 126])

    def test_fromOtherFrontEnds(self) -> None:
        """
        A topic, a kick's reason and a quit's reason from elsewhere reach
        IRC whole, with names as long as they go: the core counts their
        bytes, and cuts a connection's last words to as many.
        """
        room, long = "c" * 49, "話" * 126
        bob, tb = self.connect("b" * 16)
        self.send(bob, tb, "JOIN #" + room)
        tom, zoe = RecordingParticipant(protocolName="tchat"), RecordingParticipant()
        for participant, nick in [(tom, "t" * 16), (zoe, "z" * 16)]:
            self.service.connect(participant)
            self.service.login(participant, nick)
            self.service.enter(participant, room)
        self.service.changeRoomMode(bob, room, True, "o", "t" * 16)
        self.service.setTopic(tom, room, long)
        self.assertRaises(errors.InvalidArgument, self.service.setTopic, tom, room, long + "話")
        self.service.disconnect(zoe, "話" * 200)
        self.service.kickFromRoom(tom, room, "b" * 16, long)
        data = tb.value()
        self.assertTrue(all(len(untagged(line)) <= MAX_LINE - 2 for line in data.split(b"\r\n")))
        told = self.messages(self.read(tb))[-4:]
        self.assertEqual(
            [(m.command, m.params[-1]) for m in told],
            [("MODE", "t" * 16), ("TOPIC", long), ("QUIT", long), ("KICK", long)],
        )
