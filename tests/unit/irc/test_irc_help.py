# -*- test-case-name: tests.unit.irc.test_irc_help -*-
"""
IRC C{HELP}/C{HELPOP}: 704, 705, 706 per subject, 524 for an unknown one.
"""

from __future__ import annotations

from chatd.irc.commands import COMMANDS
from chatd.irc.help import TOPICS
from tests.support.irchelpers import IRCTestCase


class HelpTests(IRCTestCase):
    def test_everyCommandHasHelp(self) -> None:
        """
        Every command of the table has a help text, and no text is for a
        command that does not exist.
        """
        self.assertEqual(set(COMMANDS), set(TOPICS) - {"INDEX"})

    def test_help(self) -> None:
        """
        C{HELP} without a subject is the index; C{HELP privmsg} (or
        C{HELPOP}) names the subject in each line; an unknown subject is
        C{524}.
        """
        proto, t = self.connect("nick")
        index = self.messages(self.send(proto, t, "HELP"))
        self.assertEqual([m.command for m in index], ["704", "705", "706"])
        self.assertEqual({m.params[1] for m in index}, {"*"})
        for command in ("HELP", "HELPOP"):
            reply = self.messages(self.send(proto, t, f"{command} privmsg"))
            self.assertEqual([m.command for m in reply], ["704", "706"])
            self.assertEqual([m.params[1] for m in reply], ["privmsg", "privmsg"])
            self.assertIn("PRIVMSG <targets>", reply[0].params[2])
        reply = self.messages(self.send(proto, t, "HELP NOSUCHTHING"))
        self.assertEqual([(m.command, m.params[1]) for m in reply], [("524", "NOSUCHTHING")])
