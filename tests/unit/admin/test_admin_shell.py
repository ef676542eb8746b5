"""
The console's terminal (L{chatd.admin.shell}): UTF-8 typed a byte at a time
becomes characters, and a line with bytes that are not UTF-8 (Latin-1 typed,
a bad paste) is refused whole, without spoiling the lines after it: a name
read without its bad byte could be someone else's.
"""

from __future__ import annotations

from twisted.conch.insults import insults
from twisted.internet.defer import Deferred, succeed
from twisted.internet.testing import StringTransport
from twisted.trial.unittest import SynchronousTestCase

from chatd.admin.shell import (
    GAVE_UP,
    MISMATCH,
    NOT_UTF8,
    SPACES,
    ConsoleLineProtocol,
    ConsoleShell,
)


class RecordingConsole:
    """
    A console that records the command lines it is given.
    """

    who = "root"

    def __init__(self) -> None:
        self.lines: list[str] = []

    def attach(self, hangUp: object, address: str | None = None) -> None:
        pass

    def detach(self) -> None:
        pass

    def execute(self, text: str) -> Deferred[str]:
        self.lines.append(text)
        return succeed("done")


class ShellTests(SynchronousTestCase):
    def setUp(self) -> None:
        self.console = RecordingConsole()
        self.terminal = insults.ServerProtocol(ConsoleShell, self.console)
        self.transport = StringTransport()
        self.terminal.makeConnection(self.transport)

    def typed(self, data: bytes) -> str:
        """
        Type C{data}, a byte at a time as a telnet client sends keys; what
        the terminal showed.
        """
        self.transport.clear()
        for byte in data:
            self.terminal.dataReceived(bytes([byte]))
        shown: bytes = self.transport.value()
        return shown.decode("utf-8", "replace")

    def test_utf8Name(self) -> None:
        self.typed("whois Zoé\r".encode())
        self.assertEqual(self.console.lines, ["whois Zoé"])

    def test_badByteRefusesTheLineOnly(self) -> None:
        """
        A Latin-1 C{é} refuses its line (nothing is run) and the lines
        after it read right, however the bytes fall.
        """
        shown = self.typed(b"kill Zo\xe9 bye\r")
        self.assertIn("kill Zo\ufffd bye", shown)  # the line refused, as typed
        self.assertIn(NOT_UTF8, shown)
        self.assertEqual(self.console.lines, [])
        self.typed("whois Zoé\r".encode())
        self.assertIn(NOT_UTF8, self.typed(b"whois \xe9\xc3\xa9\r"))  # cut short, then whole
        self.typed("kill Zoé bye\r".encode())
        self.assertIn(NOT_UTF8, self.typed(b"whois Zo\xa9\r"))  # a lone continuation byte
        self.assertEqual(self.console.lines, ["whois Zoé", "kill Zoé bye"])

    def test_passwordAskedHidden(self) -> None:
        """
        C{account password <name>} asks the password twice, echoing none of
        it (Backspace erases, UTF-8 is whole), and runs the command with it
        at the end; it stays out of the line history.
        """
        self.assertIn("New password for bob: ", self.typed(b"account password bob --sign-out\r"))
        shown = self.typed("mot-pässX\x7f\r".encode())
        self.assertIn("Again: ", shown)
        shown += self.typed("mot-päss\r".encode())
        self.assertNotIn("mot", shown)
        self.assertEqual(["account password bob --sign-out mot-päss"], self.console.lines)
        shell = self.terminal.terminalProtocol
        assert isinstance(shell, ConsoleShell)
        history = shell.historyLines
        self.assertEqual([b"account password bob --sign-out"], history)

    def test_passwordGivenUp(self) -> None:
        """
        Ctrl-C, an empty password, two that differ or one with a space run
        nothing, each with its reason.
        """
        for answers, reason in (
            (b"\x03", GAVE_UP),
            (b"\r\r", GAVE_UP),
            (b"one1\rtwo2\r", MISMATCH),
            (b"a b c\ra b c\r", SPACES),
        ):
            self.typed(b"account password bob\r")
            self.assertIn(reason, self.typed(answers))
        self.assertEqual([], self.console.lines)


class LineConsoleTests(SynchronousTestCase):
    def test_badBytesRefused(self) -> None:
        """
        The console on standard input refuses a line that is not UTF-8 and
        reads the next one.
        """
        console = RecordingConsole()
        protocol = ConsoleLineProtocol(console)  # type: ignore[arg-type]
        transport = StringTransport()
        protocol.makeConnection(transport)
        protocol.dataReceived(b"kill Zo\xe9 bye\n")
        self.assertIn(NOT_UTF8.encode(), transport.value())
        protocol.dataReceived("whois Zoé\n".encode())
        self.assertEqual(console.lines, ["whois Zoé"])
