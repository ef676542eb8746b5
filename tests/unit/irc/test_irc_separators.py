"""
Tests for L{chatd.core.text.ircText} as the IRC front-end applies it: no line
an IRC client receives holds a character that a reader takes for a line
end (U+2028, U+2029, NEL, VT, FF), whichever front-end set the text; each
reads as a space, inside the parameter it was in.
"""

from __future__ import annotations

from chatd.core.text import ircText
from chatd.irc.message import Message, formatLine
from tests.support.protocolcases import ChannelTestCase

#: Every separator Python's C{str.splitlines} cuts at besides CR, LF and
#: IRC's formatting codes, between words: what an administrator or an old
#: stored row may hold.
SEPARATED = "one\u2028two\u2029three\x85four\x0bfive\x0csix"
SPACED = "one two three four five six"

#: What the service accepts from a person on any front-end (the web
#: page's topic field, TCHAT, IRC): the Unicode separators.
TYPED = "one\u2028two\u2029three"
TYPED_SPACED = "one two three"


class SeparatorTests(ChannelTestCase):
    def lines(self, text: str) -> list[Message]:
        """
        The messages an IRC client received in C{text}, each line checked
        to be one line for C{str.splitlines} too, as a bot splits them.
        """
        for line in text.split("\r\n"):
            self.assertEqual(line.splitlines(), [line] if line else [], ascii(line))
        return self.messages(text)

    def test_rule(self) -> None:
        """
        L{ircText} makes each separator a space, as CR, LF and NUL; every
        line formatted for IRC gets it, in any parameter (which then takes
        the trailing form its spaces need) and in tag values (an escaped
        space).
        """
        self.assertEqual(ircText(SEPARATED + "\r\n\0x"), SPACED + "   x")
        line = formatLine("301", "a", "b", TYPED, tags={"+x": TYPED})
        self.assertEqual(line, r"@+x=one\stwo\sthree 301 a b :one two three")

    def test_topic(self) -> None:
        """
        A topic set on another front-end (or stored with any separator)
        reaches IRC members as TOPIC, and as 332 and 322 (LIST) and 332 on
        JOIN, with spaces instead.
        """
        alice, ta = self.joined("alice")
        web = self.other("webby")
        self.service.grantOperator(web)
        self.read(ta)
        self.service.setTopic(web, "lobby", TYPED)
        [topic] = self.lines(self.read(ta))
        self.assertEqual((topic.command, topic.params), ("TOPIC", ["#lobby", TYPED_SPACED]))
        self.service.registry.get("lobby").settings.topic = SEPARATED
        for command, numeric in [("TOPIC #lobby", "332"), ("LIST #lobby", "322")]:
            replies = self.lines(self.send(alice, ta, command))
            self.assertIn(SPACED, [m.params[-1] for m in replies if m.command == numeric])
        bob, tb = self.connect("bob")
        joined = self.lines(self.send(bob, tb, "JOIN #lobby"))
        self.assertIn(["bob", "#lobby", SPACED], [m.params for m in joined if m.command == "332"])

    def test_partQuitKick(self) -> None:
        """
        The reason of someone leaving on another front-end (PART), quitting
        there (QUIT), removed from the room by an IRC operator (KICK) or
        from chatd by one of another front-end (QUIT) reaches IRC members
        with spaces.
        """
        alice, ta = self.joined("alice")
        web = self.other("webby")
        self.read(ta)
        self.service.leave(web, "lobby", reason=TYPED)
        self.service.enter(web, "lobby")
        self.service.disconnect(web, reason=TYPED)
        bob, tb = self.joined("bob")
        self.makeOperator("alice")
        received = self.read(ta) + self.send(alice, ta, f"KICK #lobby bob :{TYPED}")
        self.send(bob, tb, "JOIN #lobby")
        operator = self.other("opper")
        self.service.grantOperator(operator)
        self.service.kick(operator, "bob", TYPED)
        seen = [(m.command, m.params) for m in self.lines(received + self.read(ta))]
        for wanted in [
            ("PART", ["#lobby", TYPED_SPACED]),
            ("QUIT", [TYPED_SPACED]),
            ("KICK", ["#lobby", "bob", TYPED_SPACED]),
            ("QUIT", [f"kicked by opper: {TYPED_SPACED}"]),
        ]:
            self.assertIn(wanted, seen)

    def test_away(self) -> None:
        """
        An away message reaches an C{away-notify} member (AWAY) and whoever
        asks (301 in WHOIS, and on a private message) with spaces, whole in
        the trailing parameter.
        """
        alice, ta = self.joined("alice", caps="away-notify")
        carol, tc = self.joined("carol")
        self.read(ta)
        self.send(carol, tc, f"AWAY :{TYPED}")
        [away] = self.lines(self.read(ta))
        self.assertEqual((away.command, away.params), ("AWAY", [TYPED_SPACED]))
        for command in ["WHOIS carol", "PRIVMSG carol :hi"]:
            replies = self.lines(self.send(alice, ta, command))
            self.assertIn(
                ["alice", "carol", TYPED_SPACED], [m.params for m in replies if m.command == "301"]
            )
