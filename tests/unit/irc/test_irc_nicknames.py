"""
Tests for IRC's nicknames with RFC 2812's special characters
(C{Tom|away}, C{[Tom]}, C{nick^}), as IRC servers and clients have them,
and for the refusal of a nickname saying what a nickname holds.
"""

from __future__ import annotations

from tests.support.irchelpers import IRCTestCase

#: Nicknames IRC users take, each with a special character of RFC 2812.
SPECIAL = ("Tom|away", "[Tom]", "nick^", "{x}", "a\\b", "`q`")


class SpecialNicknameTests(IRCTestCase):
    def test_registerAndRename(self) -> None:
        """
        A client registers with C{Tom|away} (irssi's C{-n 'Tom|away'}) and
        renames to each of the others.
        """
        proto, t = self.connect("Tom|away")
        for old, new in zip(SPECIAL, SPECIAL[1:], strict=False):
            (renamed,) = self.messages(self.send(proto, t, f"NICK {new}"))
            self.assertEqual((renamed.command, (renamed.prefix or "").split("!")[0]), ("NICK", old))
            self.assertEqual(renamed.params, [new])

    def test_messagesAndQueries(self) -> None:
        """
        Others write to them, find them with C{WHOIS}, and a C{WHO} mask
        holding a bracket matches it as itself (not as a set of characters).
        """
        tom, tt = self.connect("[Tom]")
        bob, tb = self.connect("bob")
        self.assertEqual(self.send(bob, tb, "PRIVMSG [Tom] :hi"), "")
        (got,) = self.messages(self.send(tom, tt))
        self.assertEqual((got.command, got.params), ("PRIVMSG", ["[Tom]", "hi"]))
        self.assertEqual(self.numerics(self.send(bob, tb, "WHOIS [tom]"))[0], "311")
        replies = self.messages(self.send(bob, tb, "WHO *[Tom]*"))  # not "t, o or m"
        self.assertEqual([m.params[5] for m in replies if m.command == "352"], ["[Tom]"])

    def test_whowasMask(self) -> None:
        """
        A C{WHOWAS} mask holding brackets matches them as themselves.
        """
        for nick in ("[Tom]", "tim"):
            proto, t = self.connect(nick)
            self.send(proto, t, "QUIT")
        bob, tb = self.connect("bob")
        replies = self.messages(self.send(bob, tb, "WHOWAS [Tom]*"))
        self.assertEqual([m.params[1] for m in replies if m.command == "314"], ["[Tom]"])

    def test_refusalSaysTheRule(self) -> None:
        """
        A nickname with another character is C{432} saying which ones a
        nickname may hold.
        """
        proto, t = self.connect()
        (refused,) = self.messages(self.send(proto, t, "NICK bad!name"))
        self.assertEqual(refused.command, "432")
        self.assertIn("digits or any of _-[]\\`^{|}", refused.params[-1])

    def test_newNameStartsWithLetter(self) -> None:
        """
        A new nickname starting with a digit or C{-} is C{432} saying so,
        at registration (addressed to C{*}: the nickname is not the
        client's) and in a rename.
        """
        proto, t = self.connect()
        self.send(proto, t, "USER u 0 * :U")
        for name in ("-dash", "9lives"):
            (refused,) = self.messages(self.send(proto, t, f"NICK {name}"))
            self.assertEqual(refused.command, "432")
            self.assertEqual(refused.params[:2], ["*", name])
            self.assertIn(f"{name} starts with {name[0]!r}", refused.params[-1])
        proto, t = self.connect("dash")
        (refused,) = self.messages(self.send(proto, t, "NICK -dash"))
        self.assertEqual((refused.command, refused.params[1]), ("432", "-dash"))
