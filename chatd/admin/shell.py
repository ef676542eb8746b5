# -*- test-case-name: tests.unit.admin.test_admin_commands,tests.integration.test_admin_accounts -*-
"""
Carrying console lines in and out: over a plain byte stream (the daemon's
own terminal, via C{StandardIO}) or over a terminal emulation (telnet and
SSH, with line editing and history from C{twisted.conch.recvline}).

Both run one command at a time: input that arrives while a command is
still working (the audit trail is read from the store) waits, so replies
keep the order of the commands.

On a terminal, C{account password <name>} (or C{add account <name>})
without the password asks for
it twice, echoing nothing, and keeps it out of the line history
(L{chatd.admin.accountcommands.askedPassword}); Ctrl-C or Ctrl-D there
gives up.
"""

from __future__ import annotations

from twisted.conch.insults import insults
from twisted.conch.recvline import HistoricRecvLine
from twisted.protocols.basic import LineReceiver

from chatd.admin.accountcommands import askedPassword
from chatd.admin.commands import AdminConsole

BANNER = "chatd admin console; 'help' lists the commands, 'quit' leaves."
QUIT = {"quit", "exit", "logout"}
#: What C{quit} on the daemon's own terminal (C{--console}) says: the
#: terminal takes no more commands, and the daemon goes on.
CLOSED = "console closed; the daemon keeps running: Ctrl+C or SIGTERM stops it"
#: The answers to a password asked on a terminal that was not given.
MISMATCH = "the two passwords differ: nothing was done"
GAVE_UP = "no password given: nothing was done"
SPACES = "refused: a password has no spaces: nothing was done"
#: The keys that erase the last character of a hidden password.
ERASE = (b"\x7f", b"\x08")
#: The answer to a line with bytes that are not UTF-8: a name read without
#: them could be someone else's, so nothing is done.
NOT_UTF8 = "that line was not valid UTF-8: nothing was done (set the terminal to UTF-8)"


class ConsoleLineProtocol(LineReceiver):
    """
    The console over a plain stream of lines (C{twistd -n chatd --console}).
    """

    delimiter = b"\n"
    prompt = b"chatd> "

    def __init__(self, console: AdminConsole) -> None:
        self.console = console

    def connectionMade(self) -> None:
        self.transport.write(BANNER.encode() + b"\n" + self.prompt)  # type: ignore[union-attr]

    def lineReceived(self, line: bytes) -> None:
        try:
            text = line.rstrip(b"\r").decode("utf-8").strip()
        except UnicodeDecodeError:
            self.transport.write(NOT_UTF8.encode() + b"\n" + self.prompt)  # type: ignore[union-attr]
            return
        if text.lower() in QUIT:
            self.transport.write(CLOSED.encode() + b"\n")  # type: ignore[union-attr]
            self.transport.loseConnection()  # type: ignore[union-attr]
            return
        self.pauseProducing()  # later lines wait for this reply
        self.console.execute(text).addCallback(self._reply)

    def _reply(self, text: str) -> None:
        out = (text + "\n" if text else "").encode("utf-8") + self.prompt
        self.transport.write(out)  # type: ignore[union-attr]
        self.resumeProducing()


def peerHost(transport: object) -> str | None:
    """
    The client address behind C{transport} (a telnet or SSH session, or
    what it wraps), if it has one: what C{ban ip} checks the
    administrator's own address against.
    """
    for _ in range(4):
        getPeer = getattr(transport, "getPeer", None)
        if getPeer is not None:
            peer = getPeer()
            peer = getattr(peer, "address", peer)  # SSH wraps the TCP address
            host = getattr(peer, "host", None)
            return host if isinstance(host, str) else None
        transport = getattr(transport, "transport", None)
    return None


class ConsoleShell(HistoricRecvLine):
    """
    The console on a terminal (telnet, SSH): line editing, history, a prompt.
    """

    ps = (b"chatd> ", b"... ")

    def __init__(self, console: AdminConsole) -> None:
        self.console = console

    def connectionMade(self) -> None:
        super().connectionMade()
        self.console.attach(self.hangUp, peerHost(self.terminal.transport))
        self.terminal.write(f"{BANNER} You are {self.console.who}.".encode())
        self.terminal.nextLine()
        self.drawInputLine()

    def connectionLost(self, reason: object = None) -> None:
        self.console.detach()
        super().connectionLost(reason)

    def hangUp(self) -> None:
        """
        Close without the terminal reset Conch sends first (C{ESC c}), which
        would clear what the operator just read; only the insert mode set
        at the start is turned off again.
        """
        self.terminal.resetModes([insults.modes.IRM])
        self.terminal.transport.loseConnection()

    def initializeScreen(self) -> None:
        # No screen reset: leave the operator's scrollback alone.
        self.setInsertMode()

    _utf8 = b""  # the start of a UTF-8 sequence being typed
    _badBytes = False  # the line being typed had bytes that are not UTF-8

    #: While a password is asked: the command to complete, the
    #: passwords typed so far and the one being typed (bytes).
    _asking: tuple[str, list[str], bytearray] | None = None

    def keystrokeReceived(self, keyID: bytes, modifier: object) -> None:
        if self._asking is not None:
            self._hiddenKey(keyID)
            return
        if keyID == b"\x04" and not self.lineBuffer:  # Ctrl-D on an empty line
            self.hangUp()
            return
        if isinstance(keyID, bytes) and len(keyID) == 1 and keyID[0] >= 0x80:
            # Conch's line editor takes ASCII only: gather a UTF-8 sequence
            # into one character, so 'Général' can be typed and erased.
            self._gather(keyID)
            return
        if self._utf8:  # a sequence cut short by another key
            self._notUTF8()
        super().keystrokeReceived(keyID, modifier)

    def _gather(self, byte: bytes) -> None:
        """
        One byte of a UTF-8 character.  A byte that cannot continue the
        sequence (Latin-1 typed, a bad paste) marks the line bad and the
        next character starts anew, so the next line is read right.
        """
        pending = self._utf8 + byte
        try:
            pending.decode("utf-8")
        except UnicodeDecodeError as error:
            if error.end == len(pending) and error.reason == "unexpected end of data":
                self._utf8 = pending  # more bytes to come
                return
            self._notUTF8()
            return
        self._utf8 = b""
        self.characterReceived(pending, False)  # one character of several bytes

    def _notUTF8(self) -> None:
        # Shown where it was typed (U+FFFD), so the echoed line is the one refused.
        self._utf8, self._badBytes = b"", True
        self.characterReceived("\ufffd".encode(), False)

    def terminalSize(self, width: int, height: int) -> None:
        # Conch clears the screen here, which would wipe the banner and the
        # operator's scrollback; this console is not full-screen.
        self.width, self.height = width, height

    def lineReceived(self, line: bytes) -> None:
        text = line.decode("utf-8", "replace").strip()
        if self._badBytes:
            self._badBytes = False
            self._reply(NOT_UTF8)
            return
        if text.lower() in QUIT:
            self.hangUp()
            return
        asked = askedPassword(text)
        if asked is not None:
            self._asking = (asked[1], [], bytearray())
            self.terminal.write(f"New password for {asked[0]}: ".encode())
            return
        self.console.execute(text).addCallback(self._reply)

    def _hiddenKey(self, keyID: bytes) -> None:
        """
        One key of a password being asked: kept, never echoed.
        """
        assert self._asking is not None
        command, typed, current = self._asking
        if keyID in (b"\x03", b"\x04"):  # Ctrl-C, Ctrl-D
            self._asking = None
            self.terminal.nextLine()
            self._reply(GAVE_UP)
        elif keyID in (b"\r", b"\n"):
            self.terminal.nextLine()
            typed.append(current.decode("utf-8", "replace"))
            self._asking = (command, typed, bytearray())
            if len(typed) == 1:
                self.terminal.write(b"Again: ")
                return
            self._asking = None
            if not typed[0]:
                self._reply(GAVE_UP)
            elif typed[0] != typed[1]:
                self._reply(MISMATCH)
            elif any(ch.isspace() for ch in typed[0]):
                self._reply(SPACES)
            else:
                self.console.execute(f"{command} {typed[0]}").addCallback(self._reply)
        elif keyID in ERASE:
            kept = current.decode("utf-8", "ignore")[:-1].encode()
            current[:] = kept
        elif isinstance(keyID, bytes):
            current.extend(keyID)

    def _reply(self, text: str) -> None:
        for line in text.splitlines():
            self.terminal.write(line.encode("utf-8"))
            self.terminal.nextLine()
        self.drawInputLine()
