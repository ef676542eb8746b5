# -*- test-case-name: tests.unit.irc.test_irc_bot -*-
"""
IRCv3 bot mode: user mode C{+B}, the C{bot} tag on a bot's messages,
C{335} in WHOIS and C{B} in WHO.
"""

from __future__ import annotations

from twisted.internet.testing import StringTransport

from chatd.irc.protocol import IRCProtocol
from tests.support.irchelpers import IRCTestCase


class BotModeTests(IRCTestCase):
    def bot(self) -> tuple[IRCProtocol, StringTransport]:
        bot, tb = self.connect("botnick", caps="echo-message message-tags")
        self.assertIn("BOT=B", self.send(bot, tb, "VERSION"))
        reply = self.messages(self.send(bot, tb, "MODE botnick +B"))
        self.assertEqual([(m.command, m.params) for m in reply], [("MODE", ["botnick", "+B"])])
        return bot, tb

    def test_tagAndEcho(self) -> None:
        """
        A bot's PRIVMSG, to a person or a channel, carries the C{bot} tag
        for C{message-tags} clients, its own echo included; a client
        without C{message-tags} gets the plain line.
        """
        bot, tb = self.bot()
        user, tu = self.connect("usernick", caps="message-tags")
        plain, tp = self.connect("plainnick")
        self.send(bot, tb, "JOIN #chan")
        self.send(user, tu, "JOIN #chan")
        self.send(plain, tp, "JOIN #chan")
        self.read(tb)
        self.read(tu)
        self.read(tp)
        echo = self.messages(self.send(bot, tb, "PRIVMSG usernick :beep boop"))[0]
        self.assertIn("bot", echo.tags)
        (got,) = self.messages(self.read(tu))
        self.assertEqual((got.params, got.tags.get("bot")), (["usernick", "beep boop"], ""))
        self.send(bot, tb, "PRIVMSG #chan :beep")
        self.assertIn("bot", self.messages(self.read(tu))[0].tags)
        self.assertTrue(self.read(tp).startswith(":botnick!"))
        self.send(bot, tb, "MODE botnick -B", "PRIVMSG usernick :human now")
        self.assertNotIn("bot", self.messages(self.read(tu))[0].tags)

    def test_whoisAndWho(self) -> None:
        """
        WHOIS of a bot has C{335}; WHO shows C{B} in its flags.
        """
        bot, tb = self.bot()
        self.send(bot, tb, "JOIN #chan")
        user, tu = self.connect("usernick")
        whois = self.messages(self.send(user, tu, "WHOIS botnick"))
        self.assertEqual(
            [m.params for m in whois if m.command == "335"], [["usernick", "botnick", "is a bot"]]
        )
        (who, _) = self.messages(self.send(user, tu, "WHO botnick"))
        self.assertIn("B", who.params[6])
        self.assertNotIn("335", self.numerics(self.send(user, tu, "WHOIS usernick")))
