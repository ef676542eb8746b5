"""
Tests for L{chatd.outbox}: batching per reactor turn and back-pressure.
"""

from __future__ import annotations

from twisted.internet.task import Clock
from twisted.internet.testing import StringTransport
from twisted.trial.unittest import SynchronousTestCase

from chatd.outbox import FlushScheduler, Outbox


class RecordingTransport(StringTransport):
    def __init__(self) -> None:
        super().__init__()
        self.writes: list[bytes] = []

    def write(self, data: bytes) -> None:
        self.writes.append(data)
        super().write(data)

    def writeSequence(self, data: list[bytes]) -> None:
        raise AssertionError("writeSequence type-checks each chunk in Python: too slow")


class OutboxTests(SynchronousTestCase):
    def setUp(self) -> None:
        self.clock = Clock()
        self.scheduler = FlushScheduler(self.clock)
        self.overflows: list[int] = []

    def outbox(self, limit: int = 100) -> tuple[Outbox, RecordingTransport]:
        transport = RecordingTransport()
        return Outbox(transport, self.scheduler, limit, lambda: self.overflows.append(1)), transport

    def test_oneWritePerTurn(self) -> None:
        """
        Many writes in one turn reach the transport as one joined write (not
        writeSequence, whose per-chunk checks cost more than the copy), and
        one scheduled call flushes every connection.
        """
        (a, ta), (b, tb) = self.outbox(), self.outbox()
        for data in (b"1", b"2", b"3"):
            a.write(data)
            b.write(data)
        self.assertEqual(ta.writes, [])
        self.assertEqual(len(self.clock.getDelayedCalls()), 1)
        self.clock.advance(0)
        self.assertEqual(ta.writes, [b"123"])
        self.assertEqual(tb.writes, [b"123"])

    def test_pausedHoldsThenOverflows(self) -> None:
        """
        While the transport is paused, output waits here; past the limit the
        overflow callback fires once and later writes are dropped.
        """
        box, transport = self.outbox(limit=10)
        self.assertIs(transport.producer, box)
        box.pauseProducing()
        box.write(b"12345")
        self.clock.advance(0)
        self.assertEqual(transport.value(), b"")
        box.resumeProducing()
        self.assertEqual(transport.value(), b"12345")
        box.pauseProducing()
        box.write(b"123456")
        box.write(b"123456")
        box.write(b"x")
        self.assertEqual(self.overflows, [1])
        self.assertEqual(box.pending, 12)
