"""
Tests for L{chatd.storage.batch.WriteBehind}, the message write queue.
"""

from __future__ import annotations

from twisted.internet.defer import Deferred
from twisted.internet.task import Clock
from twisted.trial.unittest import SynchronousTestCase

from chatd.storage.batch import WriteBehind


class WriteBehindTests(SynchronousTestCase):
    def setUp(self) -> None:
        self.clock = Clock()
        self.writes: list[tuple[list[int], Deferred[None]]] = []
        self.queue: WriteBehind[int] = WriteBehind(self.clock, self.write, 0.1, maxBatch=3)

    def write(self, rows: list[int]) -> Deferred[None]:
        d: Deferred[None] = Deferred()
        self.writes.append((list(rows), d))
        return d

    def test_writtenAfterInterval(self) -> None:
        """
        Rows are written together, one batch, C{interval} after the first.
        """
        self.queue.add(1)
        self.clock.advance(0.05)
        self.queue.add(2)
        self.assertEqual(self.writes, [])
        self.clock.advance(0.05)
        self.assertEqual([rows for rows, _ in self.writes], [[1, 2]])
        self.writes[0][1].callback(None)
        self.assertEqual(self.clock.getDelayedCalls(), [])

    def test_writesTimed(self) -> None:
        """
        C{timed} hears how long each successful batch write took, for the
        store-latency metric; C{len} is the queue depth.
        """
        durations: list[float] = []
        self.queue.timed = durations.append
        self.queue.add(1)
        self.queue.add(2)
        self.assertEqual(len(self.queue), 2)
        self.clock.advance(0.1)
        self.assertEqual(len(self.queue), 0)
        self.clock.advance(0.25)
        self.writes[0][1].callback(None)
        [duration] = durations
        self.assertAlmostEqual(duration, 0.25)

    def test_fullBatchWrittenAtOnce(self) -> None:
        """
        C{maxBatch} waiting rows are written without waiting; rows added
        while a batch is written go in the next one, in order.
        """
        for i in range(4):
            self.queue.add(i)
        self.assertEqual([rows for rows, _ in self.writes], [[0, 1, 2]])
        self.queue.add(4)
        self.writes[0][1].callback(None)
        self.clock.advance(0.1)
        self.assertEqual([rows for rows, _ in self.writes], [[0, 1, 2], [3, 4]])

    def test_flushWaitsForEverythingBefore(self) -> None:
        """
        L{WriteBehind.flush} writes at once and fires only when every row
        added before it is stored, even across batches.
        """
        self.assertIsNone(self.successResultOf(self.queue.flush()))
        for i in range(5):
            self.queue.add(i)
        flushed = self.queue.flush()
        self.queue.add(99)
        self.assertNoResult(flushed)
        self.writes[0][1].callback(None)
        self.assertNoResult(flushed)
        self.assertEqual(self.writes[1][0], [3, 4, 99])
        self.writes[1][1].callback(None)
        self.successResultOf(flushed)
        self.assertEqual(len(self.queue), 0)

    def test_failedWriteRetried(self) -> None:
        """
        A failed batch is logged, given to whoever waits in C{flush}, and
        written again later, before newer rows.
        """
        self.queue.add(1)
        flushed = self.queue.flush()
        self.queue.add(2)
        self.writes[0][1].errback(RuntimeError("disk full"))
        self.failureResultOf(flushed, RuntimeError)
        self.assertEqual(len(self.flushLoggedErrors(RuntimeError)), 1)
        self.clock.advance(0.1)
        self.assertEqual(self.writes[1][0], [1, 2])
        self.writes[1][1].callback(None)
        self.assertEqual(len(self.queue), 0)
