"""
Talk mode's liveness probe: a silent session is asked C{IAC DO
TIMING-MARK}, which a telnet client answers unseen; one that answered
before and stops answering is closed and its nickname freed, while a live
client reading silently, or a raw client that never answers (nc), stays.
In memory, with L{StringTransport} and a L{Clock}.
"""

from __future__ import annotations

from twisted.conch.telnet import DONT, IAC, WILL, WONT
from twisted.internet.task import Clock
from twisted.internet.testing import StringTransport
from twisted.trial.unittest import SynchronousTestCase

from chatd.core.delivery import connectionsOf
from chatd.core.service import ChatService
from chatd.talk.protocol import TalkFactory, TalkProtocol
from chatd.talk.telnet import PROBE, TIMING_MARK
from tests.support.helpers import connect, output

ANSWER = IAC + WILL + TIMING_MARK
REFUSAL = IAC + WONT + TIMING_MARK


class ProbeTests(SynchronousTestCase):
    def setUp(self) -> None:
        self.clock = Clock()
        self.clock.advance(1_700_000_000)
        self.service = ChatService(self.clock, rooms=["lobby"])
        self.factory = TalkFactory(self.service, self.clock, floodBurst=None, aliveAfter=60)

    def connect(
        self, nick: str, answer: bytes | None = ANSWER
    ) -> tuple[TalkProtocol, StringTransport]:
        proto, transport = connect(self.factory, self.clock)
        assert isinstance(proto, TalkProtocol)
        greeting = output(transport, self.clock)
        self.assertTrue(greeting.startswith(PROBE), greeting)
        self.assertEqual(greeting.count(PROBE), 1)
        if answer is not None:
            proto.dataReceived(answer)
        proto.dataReceived(nick.encode() + b"\r\n")
        self.assertIn(f"Welcome, {nick}!".encode(), output(transport, self.clock))
        return proto, transport

    def test_answeredSilently(self) -> None:
        """
        A telnet client answering every probe (WILL or WONT) is never cut,
        however long it reads without typing; the probe and the answers
        show nothing else (no C{DONT TIMING-MARK} back).
        """
        proto, transport = self.connect("alice")
        for n in range(100):
            self.clock.advance(60)
            self.assertEqual(output(transport, self.clock), PROBE)
            proto.dataReceived(ANSWER if n % 2 else REFUSAL)
            self.assertEqual(output(transport, self.clock), b"")
        self.assertFalse(transport.disconnecting)
        self.assertEqual(list(connectionsOf(self.service.find("alice"))), [proto])

    def test_typingPostponesTheProbe(self) -> None:
        """
        Someone typing is not probed until they are silent long enough.
        """
        proto, transport = self.connect("alice")
        for _ in range(5):
            self.clock.advance(50)
            proto.dataReceived(b"hi\r\n")
        self.assertNotIn(PROBE, output(transport, self.clock))

    def test_halfOpenClosed(self) -> None:
        """
        A session whose client answered before and now answers nothing (a
        dead link) is closed after two silent periods, freeing its name;
        the room is told.
        """
        bob, tb = self.connect("bob")
        proto, transport = self.connect("alice")
        output(tb, self.clock)
        bob.dataReceived(ANSWER)  # bob's client is alive throughout
        self.clock.advance(60)
        self.assertEqual(output(transport, self.clock), PROBE)
        self.assertFalse(transport.disconnecting)
        bob.dataReceived(ANSWER)
        self.clock.advance(60)
        self.assertTrue(transport.disconnecting)
        proto.connectionLost(None)
        self.assertIsNone(self.service.find("alice"))
        self.assertIn(b"alice has left lobby", output(tb, self.clock))
        self.assertFalse(tb.disconnecting)

    def test_rawClientNeverCut(self) -> None:
        """
        A client that never answered a probe (nc) gets only the first one,
        at connect, and is never cut for silence.
        """
        proto, transport = self.connect("nina", answer=None)
        self.clock.advance(3600)
        self.assertNotIn(PROBE, output(transport, self.clock))
        self.assertFalse(transport.disconnecting)

    def test_lateFirstAnswer(self) -> None:
        """
        A first answer that comes after the first silent period still makes
        the session watched from then on.
        """
        proto, transport = self.connect("alice", answer=None)
        self.clock.advance(90)
        proto.dataReceived(ANSWER)
        self.clock.advance(60)
        self.assertEqual(output(transport, self.clock), PROBE)
        self.clock.advance(60)
        self.assertTrue(transport.disconnecting)

    def test_otherOptionsStillRefused(self) -> None:
        """
        Answering TIMING-MARK changes nothing for other options: an offer
        is still refused.
        """
        proto, transport = self.connect("alice")
        proto.dataReceived(IAC + WILL + b"\x1f")
        self.assertEqual(output(transport, self.clock), IAC + DONT + b"\x1f")

    def test_off(self) -> None:
        """
        Without C{aliveAfter} nothing is probed, not even at connect.
        """
        self.factory = TalkFactory(self.service, self.clock, floodBurst=None)
        proto, transport = connect(self.factory, self.clock)
        proto.dataReceived(b"alice\r\n")
        self.assertNotIn(PROBE, output(transport, self.clock))
        self.clock.advance(3600)
        self.assertNotIn(PROBE, output(transport, self.clock))
        self.assertFalse(transport.disconnecting)
