"""
Lines over C{--max-line-length} on TCHAT, IRC and talk, with their default
limits (L{chatd.lines.overlong}): however long (here many times the 64 KiB
flood backlog, in chunks), one is dropped as it comes, refused once when
its end comes, and the connection stays.
"""

from __future__ import annotations

from typing import Any

from twisted.internet.testing import StringTransport

from chatd.irc.factory import IRCFactory
from chatd.talk.protocol import TalkFactory
from chatd.tchat import TchatFactory
from tests.support.helpers import output
from tests.support.protocolcases import FrontEndsTestCase

#: A pasted line far past the flood backlog (64 KiB) and the line length.
HUGE = 200 * 1024


class OverlongTestCase(FrontEndsTestCase):
    def stream(self, proto: Any, t: StringTransport, start: bytes, end: bytes) -> bytes:
        """
        Send C{start}, L{HUGE} bytes of C{x} in chunks, then C{end}; what
        was answered.
        """
        proto.dataReceived(start)
        for _ in range(HUGE // 1000):
            proto.dataReceived(b"x" * 1000)
        self.assertFalse(t.disconnecting)
        proto.dataReceived(end)
        return output(t, self.clock)


class TchatTests(OverlongTestCase):
    login = b"clt: LOGIN alice\nclt: ENTER lobby\n"

    def setUp(self) -> None:
        super().setUp()
        self.factory = TchatFactory(self.service, self.clock)
        self.bob, self.tb = self.open(self.factory, b"clt: LOGIN bob\nclt: ENTER lobby\n")

    def test_hugeCommandLine(self) -> None:
        """
        A command line far too long gets one C{ERROR 10} when its end comes;
        the next command is answered and nobody sees the user leave.
        """
        proto, t = self.open(self.factory, self.login)
        output(self.tb, self.clock)
        said = self.stream(proto, t, b"clt: LSMEM lobby ", b"\nclt: LSMEM lobby\n")
        answer = b"srv: LSMEM lobby 2\nsrv: bob\nsrv: alice\nsrv: OKAY!\n"
        self.assertEqual(said, b"srv: ERROR 10\n" + answer)
        self.assertFalse(t.disconnecting)
        self.assertEqual(output(self.tb, self.clock), b"")

    def test_hugeBodyLine(self) -> None:
        """
        So does a body line far too long: its body is refused once, at its
        end, and nothing of it is said.
        """
        proto, t = self.open(self.factory, self.login)
        output(self.tb, self.clock)
        said = self.stream(proto, t, b"clt: SPEAK lobby\nclt: ", b"\nclt: .\nclt: PINGS\n")
        self.assertEqual(said.count(b"srv: ERROR 10\n"), 1, said)
        self.assertTrue(said.startswith(b"srv: ERROR 10\n"), said)
        self.assertEqual(said.count(b"\n"), 2, said)  # and PINGS's answer
        self.assertFalse(t.disconnecting)
        self.assertEqual(output(self.tb, self.clock), b"")

    def test_overlongLines(self) -> None:
        """
        Over-long lines one after another, a command between them, are
        each refused once; none cuts the connection.
        """
        proto, t = self.open(self.factory, self.login)
        piece = b"clt: " + b"x" * 5000 + b"\nclt: LSMEM lobby\n"
        for _ in range(30):
            proto.dataReceived(piece)
            self.clock.advance(1)
        said = output(t, self.clock)
        self.assertEqual(said.count(b"srv: ERROR 10\n"), 30)
        self.assertEqual(said.count(b"srv: OKAY!\n"), 30)
        self.assertFalse(t.disconnecting)


class IRCTests(OverlongTestCase):
    login = b"NICK alice\r\nUSER a 0 * :A\r\n"

    def test_hugeLine(self) -> None:
        """
        A line far too long gets one C{417} when its end comes, and the
        connection stays: the next command is answered.
        """
        proto, t = self.open(IRCFactory(self.service, self.clock), self.login)
        said = self.stream(proto, t, b"PRIVMSG #lobby :", b"\r\nPING :here\r\n")
        lines = said.decode().splitlines()
        self.assertEqual(len(lines), 2, lines)
        self.assertIn(" 417 alice :Input line was too long", lines[0])
        self.assertIn("PONG", lines[1])
        self.assertFalse(t.disconnecting)


class TalkTests(OverlongTestCase):
    login = b"alice\r\n"

    def test_hugeLine(self) -> None:
        """
        A line far too long is refused once, saying why, when its end
        comes; the connection stays.
        """
        proto, t = self.open(TalkFactory(self.service, self.clock), self.login)
        said = self.stream(proto, t, b"", b"\r\n/who\r\n")
        self.assertEqual(said.count(b"too long and was ignored"), 1, said[:300])
        self.assertNotIn(b"disconnecting", said)
        self.assertFalse(t.disconnecting)
