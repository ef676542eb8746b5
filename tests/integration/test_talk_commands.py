"""
Tests for L{chatd.talk.commands}: the command table, and what it makes a
person on telnet see (help, usage lines, aliases, unknown commands).
"""

from __future__ import annotations

import subprocess
import sys

from twisted.trial.unittest import SynchronousTestCase

from chatd.talk.commands import COMMANDS, CommandTable, TalkCommand, helpCommand, quitCommand
from tests.support.protocolcases import PROMPT, TalkTestCase


class CommandTableTests(SynchronousTestCase):
    def test_everyNameOnce(self) -> None:
        """
        A table refuses a name or alias given twice, whichever command has
        it, and an upper-case one (typed names are looked up in lower case).
        """
        help_ = TalkCommand("help", helpCommand, "", "this help")
        quit_ = TalkCommand("quit", quitCommand, "", "leave", aliases=("exit",))
        self.assertEqual(len(CommandTable([help_, quit_])), 2)
        for clash in [
            [help_, help_],
            [help_, TalkCommand("assist", helpCommand, "", "help", aliases=("help",))],
            [quit_, TalkCommand("exit", quitCommand, "", "leave")],
            [quit_, TalkCommand("bye", quitCommand, "", "leave", aliases=("exit",))],
            [TalkCommand("Help", helpCommand, "", "this help")],
            [TalkCommand("quit", quitCommand, "", "leave", aliases=("EXIT",))],
        ]:
            self.assertRaises(ValueError, CommandTable, clash)

    def test_namesAndAliases(self) -> None:
        """
        The commands, in help order, and their aliases each find their own
        command.
        """
        self.assertEqual(
            [command.name for command in COMMANDS],
            [
                "pm",
                "me",
                "join",
                "leave",
                "rooms",
                "topic",
                "who",
                "list",
                "name",
                "register",
                "alwayson",
                "history",
                "pmhistory",
                "search",
                "delete",
                "ignore",
                "unignore",
                "kick",
                "kill",
                "help",
                "quit",
            ],
        )
        aliases = {alias: command.name for command in COMMANDS for alias in command.aliases}
        self.assertEqual(aliases, {"msg": "pm", "exit": "quit", "nick": "name", "users": "list"})
        for command in COMMANDS:
            for name in (command.name, *command.aliases):
                self.assertIs(COMMANDS.find(name), command)
        self.assertIsNone(COMMANDS.find("frobnicate"))
        self.assertIsNone(COMMANDS.find("HELP"))

    def test_usage(self) -> None:
        """
        A command's usage line is its name and arguments.
        """
        self.assertEqual(COMMANDS["pm"].usage(), "Usage: /pm <nick> <text>")
        self.assertEqual(COMMANDS["help"].usage(), "Usage: /help")

    def test_noImportCycle(self) -> None:
        """
        The commands do not import the protocol that runs them.
        """
        code = (
            "import sys, chatd.talk.commands\n"
            "assert 'chatd.talk.protocol' not in sys.modules, 'protocol imported'\n"
        )
        subprocess.run([sys.executable, "-c", code], check=True)


class CommandWireTests(TalkTestCase):
    def test_helpListsEveryCommand(self) -> None:
        """
        C{/help} has one row per listed command, in the table's order, with
        its arguments and summary, between a header and the rule for plain
        lines; an unlisted one is named in another's summary.
        """
        alice, ta = self.connect("alice")
        shown = self.send(alice, ta, "/help").decode().split("\r\n")
        self.assertEqual(shown[0], "*** Commands:")
        listed = [command for command in COMMANDS if command.listed]
        rows = shown[1 : 1 + len(listed)]
        for command, row in zip(listed, rows, strict=True):
            self.assertTrue(row.startswith(f"  /{command.name} {command.args}"), row)
            self.assertTrue(row.endswith(command.summary), row)
        self.assertEqual(
            shown[1 + len(listed) :],
            ["*** Other lines are said in your current room (// to say one starting with /).", ""],
        )

    def test_usageLines(self) -> None:
        """
        Each command with a required argument answers its usage line when
        given none, and so do its aliases.
        """
        alice, ta = self.connect("alice")
        needy = [command for command in COMMANDS if command.args.startswith("<")]
        self.assertEqual(
            {command.name for command in needy},
            {"pm", "me", "join", "name", "pmhistory", "search", "unignore", "kick", "kill"},
        )
        for command in needy:
            expected = f"*** Usage: /{command.name} {command.args}\r\n".encode()
            for name in (command.name, *command.aliases):
                self.assertEqual(self.send(alice, ta, f"/{name}"), expected, name)
        self.assertEqual(self.send(alice, ta, "/who"), b"*** In lobby (1): alice\r\n")

    def test_aliases(self) -> None:
        """
        An alias, in any case, runs its command: C{/users} lists who is
        online like C{/list}, C{/EXIT} says goodbye like C{/quit}.
        """
        alice, ta = self.connect("alice")
        listed = self.send(alice, ta, "/list")
        self.assertEqual(listed, b"*** Online (1): alice\r\n")
        self.assertEqual(self.send(alice, ta, "/users"), listed)
        self.assertEqual(self.send(alice, ta, "/Users"), listed)
        self.assertEqual(self.send(alice, ta, "/EXIT"), b"*** Goodbye, alice!\r\n")
        self.assertTrue(ta.disconnecting)

    def test_unknownCommand(self) -> None:
        """
        A name that is neither a command nor an alias, even a prefix of one,
        is named back in lower case with a pointer to C{/help}, and nothing
        else happens.
        """
        alice, ta = self.connect("alice")
        for typed, named in [
            ("/Frobnicate now", "frobnicate"),
            ("/he", "he"),
            ("/cmd_help", "cmd_help"),
        ]:
            self.assertEqual(
                self.send(alice, ta, typed),
                f"*** Unknown command /{named}; type /help for the list.\r\n".encode(),
            )
        self.assertFalse(ta.disconnecting)

    def test_beforeLogin(self) -> None:
        """
        Before a nickname is picked, only the commands that need no login
        (C{/quit} and its alias) run; every other name, known or not, asks
        for a nickname first.
        """
        proto, t = self.connect()
        waiting = [command for command in COMMANDS if command.needsLogin]
        self.assertEqual(len(waiting), len(COMMANDS) - 1)
        for command in waiting:
            for name in (command.name, *command.aliases):
                self.assertEqual(
                    self.send(proto, t, f"/{name} x"),
                    b"*** Pick a nickname first.\r\n" + PROMPT,
                    name,
                )
        self.assertEqual(
            self.send(proto, t, "/frobnicate"), b"*** Pick a nickname first.\r\n" + PROMPT
        )
        self.assertFalse(t.disconnecting)
        self.assertEqual(self.send(proto, t, "/exit now"), b"*** Goodbye!\r\n")
        self.assertTrue(t.disconnecting)
