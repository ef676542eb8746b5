"""
Tests for the TCHAT port used with C{telnet}: the telnet commands a telnet
client sends are answered and taken out of the lines (L{chatd.tchat},
L{chatd.lines.telnetcommands}).
"""

from __future__ import annotations

from tests.support.protocolcases import TchatTestCase

#: What a telnet client sends when its user presses Ctrl-C.
CTRL_C = b"\xff\xf4\xff\xfd\x06"


class TelnetTests(TchatTestCase):
    def test_interruptAnswered(self) -> None:
        """
        Ctrl-C's C{IAC IP IAC DO TIMING-MARK} is answered C{IAC WILL
        TIMING-MARK} (which ends the telnet client's discarding of what it
        receives), and the next command, which comes glued to it, is
        answered as if it came alone.
        """
        alice, ta = self.connect("alice")
        alice.dataReceived(CTRL_C)
        self.assertEqual(self.read(ta), b"\xff\xfb\x06")
        alice.dataReceived(CTRL_C + b"clt: CREAT g\r\n")
        self.assertEqual(self.read(ta), b"\xff\xfb\x06srv: OKAY!\n")

    def test_commandsInsideLine(self) -> None:
        """
        Telnet commands inside a line, or split between reads, leave the
        line as typed; option requests are refused.
        """
        alice, ta = self.connect("alice")
        alice.dataReceived(b"clt: CR\xff\xf6EAT g\xff")
        alice.dataReceived(b"\xfd\x18\r\nclt: ENTER g\r\n")
        self.assertEqual(self.read(ta), b"\xff\xfc\x18srv: OKAY!\nsrv: OKAY!\n")

    def test_rawClientUnchanged(self) -> None:
        """
        A client that sends no telnet command is sent none, and a line that
        is not UTF-8 is still refused as such.
        """
        alice, ta = self.connect("alice")
        self.assertEqual(self.send(alice, ta, "clt: CREAT g"), b"srv: OKAY!\n")
        alice.dataReceived(b"clt: ENTER G\xe9n\xe9ral\r\n")
        self.assertEqual(self.read(ta), b"srv: ERROR 10\n")
