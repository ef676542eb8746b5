"""
Replies in pieces (L{chatd.lines.paced}) on an L{Outbox}: each piece once
the transport took the previous one, what else is written waiting behind
the reply, and the output limit still cutting off a reader who does not
read; in memory with a L{Clock}.
"""

from __future__ import annotations

from twisted.internet.defer import Deferred
from twisted.internet.task import Clock
from twisted.internet.testing import StringTransport
from twisted.trial.unittest import SynchronousTestCase

from chatd.core.events import RoomMessage
from chatd.lines.outbox import FlushScheduler, Outbox
from chatd.lines.paced import paced, pagesFor
from tests.support.helpers import SlowTransport


class PacedTests(SynchronousTestCase):
    def setUp(self) -> None:
        self.clock = Clock()
        self.overflows: list[int] = []

    def outbox(self, transport: StringTransport, limit: int = 100) -> Outbox:
        return Outbox(
            transport, FlushScheduler(self.clock), limit, lambda: self.overflows.append(1)
        )

    def test_eachPieceOnceTheLastWasTaken(self) -> None:
        """
        Pieces that together pass the limit reach a reader who reads: the
        next piece is queued only once the transport took the last one and
        resumed, so no more than one piece ever waits in the outbox.
        """
        transport = SlowTransport(bufferSize=30)
        box = self.outbox(transport, limit=100)
        pieces = [b"%02d" % i + b"x" * 38 for i in range(10)]  # 400 bytes
        done = paced(box, pieces)
        got = b""
        for _ in range(30):
            self.clock.advance(0)
            self.assertLessEqual(box.pending, 40)
            got += transport.read()
        self.assertIs(self.successResultOf(done), True)
        self.assertEqual(got, b"".join(pieces))
        self.assertEqual(self.overflows, [])

    def test_waitsForTheReader(self) -> None:
        """
        While the transport asks to wait, the next piece is not queued.
        """
        transport = SlowTransport(bufferSize=5)
        box = self.outbox(transport)
        done = paced(box, [b"first\n", b"second\n"])
        self.clock.advance(0)
        self.clock.advance(0)
        self.assertEqual(transport.value(), b"first\n")
        self.assertEqual(box.pending, 0)
        self.assertNoResult(done)
        self.assertEqual(transport.read(), b"first\n")
        self.clock.advance(0)
        self.assertEqual(transport.read(), b"second\n")
        self.assertIs(self.successResultOf(done), True)

    def test_othersWaitBehind(self) -> None:
        """
        What is written while a reply is under way (live output) follows its
        last piece; L{Outbox.whenDrained} counts it, so it fires only once
        that is handed too.
        """
        transport = SlowTransport(bufferSize=2)
        box = self.outbox(transport)
        done = paced(box, [b"one\n", b"two\n", b"end\n"])
        box.write(b"live\n")
        drained = box.whenDrained()
        got = []
        for _ in range(4):
            self.clock.advance(0)
            self.assertNoResult(drained)
            got.append(transport.read())
        self.assertEqual(got, [b"one\n", b"two\n", b"end\n", b"live\n"])
        self.assertIs(self.successResultOf(done), True)
        self.assertIs(self.successResultOf(drained), True)

        plain = StringTransport()
        box = self.outbox(plain)
        done = paced(box, [b"one\n", b"two\n", b"end\n"])
        box.write(b"live\n")
        for _ in range(5):
            self.clock.advance(0)
        self.assertEqual(plain.value(), b"one\ntwo\nend\nlive\n")

    def test_repliesInTurn(self) -> None:
        """
        A second reply begins once the first is over, after what waited
        behind the first.
        """
        transport = StringTransport()
        box = self.outbox(transport)
        first = paced(box, [b"a1\n", b"a2\n"])
        box.write(b"live\n")
        second = paced(box, [b"b1\n", b"b2\n"])
        for _ in range(6):
            self.clock.advance(0)
        self.assertEqual(transport.value(), b"a1\na2\nlive\nb1\nb2\n")
        self.assertIs(self.successResultOf(first), True)
        self.assertIs(self.successResultOf(second), True)
        self.assertIs(self.successResultOf(box.whenDrained()), True)

    def test_readerWhoDoesNotRead(self) -> None:
        """
        A reader who does not read holds the reply back, and what piles up
        behind it passes the limit: cut off, the reply stops (C{False}),
        and a reply waiting for its turn is told C{False} too.
        """
        transport = SlowTransport(bufferSize=5)
        box = self.outbox(transport, limit=50)
        pieces = iter([b"first\n", b"second\n"])
        done = paced(box, pieces)
        waiting = paced(box, [b"never\n"])
        self.clock.advance(0)
        self.assertNoResult(done)
        box.write(b"x" * 51)
        self.assertEqual(self.overflows, [1])
        self.assertIs(self.successResultOf(done), False)
        self.assertIs(self.successResultOf(waiting), False)
        self.assertEqual(list(pieces), [b"second\n"])
        self.assertIs(self.successResultOf(box.whenDrained()), False)

    def test_closedMidReply(self) -> None:
        """
        Closed while a reply waits for its reader: it stops (C{False}), and
        its pieces and what waited behind them are still handed, in order.
        """
        transport = SlowTransport(bufferSize=2)
        box = self.outbox(transport)
        waiter: Deferred[bool] = paced(box, [b"p1\n", b"p2\n"])
        box.write(b"live\n")
        self.clock.advance(0)
        box.close()
        self.assertIs(self.successResultOf(waiter), False)
        self.assertEqual(transport.value(), b"p1\nlive\n")

    def test_pages(self) -> None:
        """
        Pages are a quarter of the outbox's limit (at most 64 KiB), one
        message each at least.
        """
        events = [RoomMessage("lobby", "alice", ("x" * 100,), 0) for _ in range(10)]
        box = self.outbox(StringTransport(), limit=4 * 2 * 228)
        self.assertEqual([len(page) for page in pagesFor(box, events)], [2] * 5)
        box = self.outbox(StringTransport(), limit=4)
        self.assertEqual([len(page) for page in pagesFor(box, events)], [1] * 10)
        box = self.outbox(StringTransport(), limit=1 << 30)
        self.assertEqual([len(page) for page in pagesFor(box, events)], [10])

    def test_writtenBefore(self) -> None:
        """
        What was written before a reply began (this turn, not yet handed)
        goes before it.
        """
        transport = StringTransport()
        box = self.outbox(transport)
        box.write(b"before\n")
        done = paced(box, [b"reply\n"])
        box.write(b"after\n")
        for _ in range(3):
            self.clock.advance(0)
        self.assertEqual(transport.value(), b"before\nreply\nafter\n")
        self.assertIs(self.successResultOf(done), True)
