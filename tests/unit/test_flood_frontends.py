"""
Lines sent faster than the flood limit on TCHAT, IRC and talk, with their
default limits (L{chatd.lines.throttle.waitingLines}): the client is told
once that its lines wait; a paste that fits a message waits and goes, a
flood of short lines is cut with the protocol's flood reply once more than
a message's lines and 50 wait, instead of being paced out for minutes.
"""

from __future__ import annotations

from typing import Any

from twisted.internet.testing import StringTransport

from chatd.core.limits import MAX_BODY_LINES
from chatd.irc.factory import IRCFactory
from chatd.lines.throttle import WAITING_LINES
from chatd.talk.protocol import TalkFactory
from chatd.tchat import TchatFactory
from tests.support.helpers import output
from tests.support.protocolcases import FrontEndsTestCase

#: Lines that may wait beyond the burst: a whole message's and 50.
WAITING = MAX_BODY_LINES + WAITING_LINES


class FloodTestCase(FrontEndsTestCase):
    def open(self, factory: Any, login: bytes) -> tuple[Any, StringTransport]:
        proto, t = super().open(factory, login)
        self.clock.advance(60)  # the burst whole again
        output(t, self.clock)
        return proto, t

    def drain(self, t: StringTransport, seconds: int) -> bytes:
        said = b""
        for _ in range(seconds):
            self.clock.advance(1)
            said += output(t, self.clock)
        return said


class IRCTests(FloodTestCase):
    login = b"NICK alice\r\nUSER a 0 * :A\r\nJOIN #lobby\r\n"

    def test_floodCut(self) -> None:
        """
        1800 C{PRIVMSG}s in one write: the flooder's lines wait silently
        (IRC's fake lag), then it gets C{ERROR (Excess Flood)} and is cut;
        the room hears only the burst.
        """
        proto, t = self.open(IRCFactory(self.service, self.clock), self.login)
        bob, tb = self.open(IRCFactory(self.service, self.clock), self.login.replace(b"a", b"b"))
        proto.dataReceived(b"".join(b"PRIVMSG #lobby :s%d\r\n" % i for i in range(1800)))
        said = output(t, self.clock).decode()
        self.assertNotIn("sending faster", said)
        self.assertIn("(Excess Flood)", said.splitlines()[-1])
        self.assertTrue(t.disconnecting)
        self.assertLessEqual(self.drain(tb, 60).count(b"PRIVMSG #lobby"), 40)

    def test_pasteKept(self) -> None:
        """
        The burst (40) and a message's lines and 50 more sent at once wait
        and are all sent in turn, with no notice in between.
        """
        proto, t = self.open(IRCFactory(self.service, self.clock), self.login)
        proto.dataReceived(b"".join(b"PING :p%d\r\n" % i for i in range(40 + WAITING)))
        said = output(t, self.clock) + self.drain(t, 60)
        self.assertFalse(t.disconnecting)
        self.assertEqual(said.count(b"PONG"), 40 + WAITING)
        self.assertEqual(said.count(b"NOTICE"), 0)

    def test_oneMoreCut(self) -> None:
        """
        One line more than that is a flood.
        """
        proto, t = self.open(IRCFactory(self.service, self.clock), self.login)
        proto.dataReceived(b"".join(b"PING :p%d\r\n" % i for i in range(41 + WAITING)))
        self.assertTrue(t.disconnecting)


class TalkTests(FloodTestCase):
    login = b"alice\r\n"

    def test_pasteNotCut(self) -> None:
        """
        A 20-line paste is within the burst: said at once, nothing told.
        """
        proto, t = self.open(TalkFactory(self.service, self.clock), self.login)
        proto.dataReceived(b"".join(b"line %d\r\n" % i for i in range(20)))
        said = output(t, self.clock)
        self.assertNotIn(b"sending faster", said)
        self.assertFalse(t.disconnecting)

    def test_floodCut(self) -> None:
        """
        8000 short lines: told once, then cut with the flood reply.
        """
        proto, t = self.open(TalkFactory(self.service, self.clock), self.login)
        proto.dataReceived(b"".join(b"s%d\r\n" % i for i in range(8000)))
        said = output(t, self.clock)
        self.assertEqual(
            said.count(
                b"Server notice: you are sending faster than 20 lines a second:"
                b" your lines wait and are sent in turn"
            ),
            1,
        )
        self.assertEqual(said.splitlines()[-1], b"*** You are sending too fast: disconnecting.")
        self.assertTrue(t.disconnecting)

    def test_toldAgainAfterAPause(self) -> None:
        """
        Lines waiting again after the burst refilled are told again.
        """
        proto, t = self.open(TalkFactory(self.service, self.clock), self.login)
        for _ in range(2):
            proto.dataReceived(b"".join(b"s%d\r\n" % i for i in range(110)))
            said = output(t, self.clock) + self.drain(t, 60)
            self.assertEqual(said.count(b"sending faster"), 1)
        self.assertFalse(t.disconnecting)


class TchatTests(FloodTestCase):
    login = b"clt: LOGIN alice\n"

    def test_floodCut(self) -> None:
        """
        8000 short lines: a C{NOTICE} once, then C{ERROR 10} and cut.
        """
        proto, t = self.open(TchatFactory(self.service, self.clock), self.login)
        proto.dataReceived(b"clt: PINGS\n" * 8000)
        said = output(t, self.clock)
        self.assertEqual(said.count(b"srv: NOTICE "), 1)
        self.assertIn(b"srv: you are sending faster than 20 lines a second", said)
        self.assertTrue(said.endswith(b"srv: ERROR 10\n"), said[-80:])
        self.assertTrue(t.disconnecting)
