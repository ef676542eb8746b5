"""
Lines over C{--max-line-length} on TCHAT, IRC and talk, with their default
limits (L{chatd.lines.overlong}): one is refused and the connection stays;
a peer that streams a line without end, or one over-long line after
another, is told why and cut once 64 KiB and a line of them came at once.
"""

from __future__ import annotations

from typing import Any

from twisted.internet.task import Clock
from twisted.internet.testing import StringTransport
from twisted.trial.unittest import SynchronousTestCase

from chatd.core.service import ChatService
from chatd.irc.factory import IRCFactory
from chatd.talk.protocol import TalkFactory
from chatd.tchat import TchatFactory
from tests.support.helpers import connect, output

#: What the defaults let through at once: the flood backlog (64 KiB) and a line.
BACKLOG = 64 * 1024


class OverlongTestCase(SynchronousTestCase):
    def setUp(self) -> None:
        self.clock = Clock()
        self.service = ChatService(self.clock, rooms=["lobby"])

    def open(self, factory: Any, login: bytes) -> tuple[Any, StringTransport]:
        proto, t = connect(factory, self.clock)
        proto.dataReceived(login)
        output(t, self.clock)
        return proto, t

    def stream(self, proto: Any, t: StringTransport, piece: bytes, most: int) -> tuple[int, bytes]:
        """
        Send C{piece} again and again until the connection closes (at most
        C{most} bytes); how many bytes were sent, and what was answered.
        """
        sent, said = 0, b""
        while not t.disconnecting and sent < most:
            proto.dataReceived(piece)
            sent += len(piece)
            said += output(t, self.clock)
        return sent, said

    def assertCut(self, sent: int, limit: int, piece: bytes) -> None:
        """
        It was cut once past what the defaults let through, not before.
        """
        self.assertGreater(sent, BACKLOG + limit)
        self.assertLessEqual(sent, BACKLOG + limit + len(piece))


class TchatTests(OverlongTestCase):
    login = b"clt: LOGIN alice\n"

    def test_endlessLine(self) -> None:
        """
        A line without end gets C{ERROR 10} as it passes the line length,
        and C{ERROR 10} again as the connection is cut.
        """
        proto, t = self.open(TchatFactory(self.service, self.clock), self.login)
        piece = b"x" * 1000
        sent, said = self.stream(proto, t, piece, 10 * BACKLOG)
        self.assertTrue(t.disconnecting)
        self.assertCut(sent, 4096, piece)
        self.assertEqual(said, b"srv: ERROR 10\n" * 2)

    def test_overlongLines(self) -> None:
        """
        Over-long lines one after another, a command between them or not,
        are cut the same way; a few are only refused.
        """
        proto, t = self.open(TchatFactory(self.service, self.clock), self.login)
        piece = b"clt: " + b"x" * 5000 + b"\nclt: PINGS\n"
        proto.dataReceived(piece * 3)
        self.assertEqual(output(t, self.clock).count(b"srv: ERROR 10\n"), 3)
        self.assertFalse(t.disconnecting)
        self.clock.advance(60)
        sent, said = self.stream(proto, t, piece, 10 * BACKLOG)
        self.assertTrue(t.disconnecting)
        self.assertLessEqual(sent, BACKLOG + 4096 + len(piece))
        self.assertTrue(said.endswith(b"srv: ERROR 10\n"), said[-100:])


class IRCTests(OverlongTestCase):
    login = b"NICK alice\r\nUSER a 0 * :A\r\n"

    def test_endlessLine(self) -> None:
        """
        A line without end gets C{417} as it passes the line length, and
        C{ERROR (Excess Flood)} as the connection is cut.
        """
        factory = IRCFactory(self.service, self.clock)
        proto, t = self.open(factory, self.login)
        piece = b"x" * 1000
        sent, said = self.stream(proto, t, piece, 10 * BACKLOG)
        self.assertTrue(t.disconnecting)
        self.assertCut(sent, factory.maxLineLength, piece)
        lines = said.decode().splitlines()
        self.assertEqual(len(lines), 2, lines)
        self.assertIn(" 417 alice :Input line was too long", lines[0])
        self.assertTrue(lines[1].startswith("ERROR :Closing Link: "), lines)
        self.assertTrue(lines[1].endswith("(Excess Flood)"), lines)


class TalkTests(OverlongTestCase):
    login = b"alice\r\n"

    def test_overlongLines(self) -> None:
        """
        Over-long lines one after another, each with its end, are cut as a
        line without end is, saying why.
        """
        proto, t = self.open(TalkFactory(self.service, self.clock), self.login)
        piece = b"x" * 5000 + b"\r\nhi\r\n"
        sent, said = self.stream(proto, t, piece, 10 * BACKLOG)
        self.assertTrue(t.disconnecting)
        self.assertLessEqual(sent, BACKLOG + 4096 + len(piece))
        self.assertTrue(
            said.endswith(b"*** You sent a line far too long, without end: disconnecting.\r\n"),
            said[-200:],
        )
