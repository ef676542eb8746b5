"""
Tests for L{chatd.admin.manhole}: what a manhole session shows.
"""

from __future__ import annotations

import io
import re
import sys
from pathlib import Path

from twisted.conch.insults import insults
from twisted.internet.defer import Deferred
from twisted.internet.testing import StringTransport

from chatd.admin.commands import Consoles
from chatd.admin.manhole import BANNER, BannerManhole
from tests.support.admincases import AccountsTestCase

#: A terminal's control sequences (the manhole colours what is typed).
CONTROL = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


class LaterConsole:
    """
    A console whose replies come later, as in the daemon, where a command
    waits for the database.
    """

    def __init__(self) -> None:
        self.replies: list[Deferred[str]] = []

    def execute(self, line: str) -> Deferred[str]:
        self.replies.append(Deferred())
        return self.replies[-1]


class ManholeOutputTests(AccountsTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.console = LaterConsole()
        consoles = Consoles(self.service, passwords=Path(self.mktemp()))
        self.terminal = insults.ServerProtocol(
            BannerManhole, {"service": self.service, "console": self.console}, consoles("root")
        )
        self.transport = StringTransport()
        self.terminal.makeConnection(self.transport)
        self.stdout = io.StringIO()
        self.patch(sys, "stdout", self.stdout)

    def shown(self) -> str:
        """
        What the session showed since last asked, without control sequences.
        """
        text = CONTROL.sub("", self.transport.value().decode("utf-8"))
        self.transport.clear()
        return text

    def test_bannerExampleShowsTheReplyHere(self) -> None:
        """
        The banner's example prints the console's reply in the session when
        it comes, after the prompt came back, and the prompt is drawn again
        below it with what was being typed; nothing goes to the daemon's
        standard output (its log).
        """
        [example] = [line for line in BANNER.splitlines() if "addCallback(print)" in line]
        typed = example.split(": ", 1)[1]
        self.assertEqual(typed, 'console.execute("stats").addCallback(print)')
        self.shown()
        self.terminal.dataReceived(b"print('a', 2, sep='-')\r")  # while a line runs, as before
        self.assertIn("a-2\r\n>>> ", self.shown())
        self.terminal.dataReceived(typed.encode() + b"\r")
        self.assertTrue(self.shown().endswith(">>> "))
        self.terminal.dataReceived(b"serv")
        self.shown()
        [reply] = self.console.replies
        reply.callback("connections: 0\nlogged in: 0")
        shown = self.shown()
        self.assertTrue(shown.startswith("connections: 0\r\nlogged in: 0\r\n>>> "), shown)
        self.assertTrue(shown.endswith(">>> serv"), shown)  # still being typed
        self.assertEqual(self.stdout.getvalue(), "")

    def test_exitEndsTheSession(self) -> None:
        """
        C{exit()} and C{quit()} (any C{SystemExit}) end the session as
        Ctrl-D does, instead of escaping into the daemon as an unhandled
        error.
        """
        consoles = Consoles(self.service, passwords=Path(self.mktemp()))
        for typed in (b"exit()", b"quit()", b"import sys; sys.exit(3)"):
            terminal = insults.ServerProtocol(BannerManhole, {}, consoles("root"))
            transport = StringTransport()
            terminal.makeConnection(transport)
            terminal.dataReceived(typed + b"\r")
            self.assertTrue(transport.disconnecting, typed)
