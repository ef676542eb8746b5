"""
Tests for L{chatd.lines.telnetcommands}: telnet commands taken out of a line
protocol's input, and the answers a server that wants no option sends.
"""

from __future__ import annotations

from twisted.trial.unittest import SynchronousTestCase

from chatd.lines.telnetcommands import TelnetCommands

#: What a telnet client sends when its user presses Ctrl-C.
CTRL_C = b"\xff\xf4\xff\xfd\x06"


class TelnetCommandsTests(SynchronousTestCase):
    def test_plainData(self) -> None:
        """
        Data without C{IAC} comes out as it went in, and nothing is answered.
        """
        data = "clt: LOGIN zoé\r\nclt: ENTER g\r\n".encode()
        self.assertEqual((data, b""), TelnetCommands().feed(data))

    def test_interrupt(self) -> None:
        """
        Ctrl-C's C{IAC IP IAC DO TIMING-MARK} is taken out of the data and
        answered C{IAC WILL TIMING-MARK}, which ends the client's discarding.
        """
        self.assertEqual(
            (b"clt: ENTER g\r\n", b"\xff\xfb\x06"),
            TelnetCommands().feed(b"clt: EN" + CTRL_C + b"TER g\r\n"),
        )

    def test_refusals(self) -> None:
        """
        C{DO x} is answered C{WONT x}, C{WILL x} C{DONT x}; C{WONT} and
        C{DONT} (every option is off) and the other commands (C{AYT},
        C{NOP}, C{EC}...) get no answer.
        """
        commands = TelnetCommands()
        self.assertEqual(
            (b"ab", b"\xff\xfc\x01\xff\xfe\x18"),
            commands.feed(b"\xff\xfd\x01a\xff\xfb\x18\xff\xfc\x03\xff\xfe\x01\xff\xf6\xff\xf1b"),
        )
        self.assertEqual((b"x\xf7", b""), commands.feed(b"\xff\xf7x\xf7"))

    def test_split(self) -> None:
        """
        A command split between reads is recognised all the same, one byte
        at a time included.
        """
        commands = TelnetCommands()
        got = [commands.feed(bytes([byte])) for byte in b"a" + CTRL_C + b"b"]
        self.assertEqual(b"ab", b"".join(data for data, _ in got))
        self.assertEqual(b"\xff\xfb\x06", b"".join(answer for _, answer in got))

    def test_subnegotiation(self) -> None:
        """
        A subnegotiation is dropped up to its C{IAC SE}, an escaped 0xFF in
        it included; C{IAC IAC} outside one is a 0xFF data byte.
        """
        self.assertEqual(
            (b"a\xffb", b""),
            TelnetCommands().feed(b"a\xff\xfa\x18\x00x\xff\xffy\xff\xf0\xff\xffb"),
        )

    def test_noCommandIsData(self) -> None:
        """
        An C{IAC} followed by a byte that names no command is data, both
        bytes (Latin-1's C{ÿ}): the line stays what was sent, not UTF-8.
        """
        data = "clt: LOGIN ÿvan\n".encode("latin-1")
        self.assertEqual((data, b""), TelnetCommands().feed(data))

    def test_lineEndsCommand(self) -> None:
        """
        A line end is never part of a command: it ends a request without its
        option or a subnegotiation that was never closed, and stays data, so
        the lines after it are read.
        """
        commands = TelnetCommands()
        self.assertEqual((b"a\n", b""), commands.feed(b"a\xff\xfd\n"))
        self.assertEqual((b"b", b""), commands.feed(b"b\xff\xfa\x18junk"))
        self.assertEqual((b"\nc\n", b""), commands.feed(b"\nc\n"))
        self.assertEqual((b"\n", b""), commands.feed(b"\xff\xfa\xff\n"))
