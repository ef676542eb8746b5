"""
Tests for L{chatd.storage.batch.WriteBehind}, the message write queue, and
L{chatd.storage.health.StoreHealth}.
"""

from __future__ import annotations

from typing import cast

from twisted.internet.defer import Deferred, fail, succeed
from twisted.internet.task import Clock
from twisted.logger import ILogObserver, LogEvent, formatEvent, globalLogPublisher
from twisted.python.failure import Failure
from twisted.trial.unittest import SynchronousTestCase

from chatd.core.errors import StoreUnavailable
from chatd.storage.batch import WriteBehind
from chatd.storage.health import MAX_REASON, StoreHealth, isOutage, isRefusal, oneLine


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


class Refusing:
    """
    A fake database for L{WriteBehind}: a batch holding a row in C{bad}
    fails as a whole with C{ValueError} (as a driver refuses a value), and
    every batch fails with L{StoreUnavailable} while C{down} (or at the
    attempts numbered in C{downAt}); what it stores
    is in C{stored}, in order.
    """

    def __init__(self, bad: set[int]) -> None:
        self.bad = bad
        self.down = False
        self.downAt: set[int] = set()
        self.stored: list[int] = []
        self.attempts: list[list[int]] = []

    def write(self, rows: list[int]) -> Deferred[None]:
        self.attempts.append(list(rows))
        if self.down or len(self.attempts) in self.downAt:
            return fail(StoreUnavailable())
        refused = self.bad.intersection(rows)
        if refused:
            return fail(ValueError(f"cannot store {min(refused)}"))
        self.stored.extend(rows)
        return succeed(None)


def isOutageFailure(failure: Failure) -> bool:
    return failure.check(StoreUnavailable) is not None


class RefusedRowTests(SynchronousTestCase):
    """
    A row the database refuses is skipped; an unavailable database is
    retried with back-off and logged at a bounded rate.
    """

    def setUp(self) -> None:
        self.clock = Clock()
        self.db = Refusing({3, 7})
        self.health = StoreHealth(self.clock, logEvery=60)
        self.queue: WriteBehind[int] = WriteBehind(
            self.clock,
            self.db.write,
            0.1,
            maxBatch=100,
            transient=isOutageFailure,
            health=self.health,
            retryMax=5,
        )
        self.refused: list[tuple[int, Failure]] = []
        self.queue.refused = lambda row, failure: self.refused.append((row, failure))

    def test_badRowsSkippedRestStoredInOrder(self) -> None:
        """
        A batch with refused rows is split until they are alone: every other
        row is stored, in order, each refused row is reported once with its
        error and counted, and C{flush} succeeds.
        """
        for i in range(10):
            self.queue.add(i)
        flushed = self.queue.flush()
        self.successResultOf(flushed)
        self.assertEqual(self.db.stored, [0, 1, 2, 4, 5, 6, 8, 9])
        self.assertEqual([row for row, _ in self.refused], [3, 7])
        self.assertTrue(all(f.check(ValueError) for _, f in self.refused))
        self.assertEqual(self.health.refused, 2)
        self.assertIsNone(self.health.problem)
        self.assertEqual(len(self.queue), 0)
        self.assertEqual(self.clock.getDelayedCalls(), [])
        # the bad rows were not retried: later rows go through at once
        self.queue.add(10)
        self.clock.advance(0.1)
        self.assertEqual(self.db.stored[-1], 10)
        self.assertEqual(self.db.attempts[-1], [10])

    def test_defaultRefusalLogged(self) -> None:
        """
        Without a C{refused} hook, a refused row is logged with its error.
        """
        queue: WriteBehind[int] = WriteBehind(
            self.clock, self.db.write, 0.1, transient=isOutageFailure
        )
        queue.add(3)
        queue.add(4)
        self.successResultOf(queue.flush())
        self.assertEqual(self.db.stored, [4])
        self.assertEqual(len(self.flushLoggedErrors(ValueError)), 1)

    def test_outageRetriedWithBackoff(self) -> None:
        """
        While the database is down, the batch is kept and retried ever less
        often (doubling, up to C{retryMax}); C{flush} fails with the outage;
        the health says why; once the database is back, everything is
        stored in order and the health is good again.
        """
        self.db.down = True
        self.queue.add(1)
        self.clock.advance(0.1)
        flushed = self.queue.flush()
        self.failureResultOf(flushed, StoreUnavailable)
        self.assertIn("cannot write messages", self.health.problem or "")
        attempts = len(self.db.attempts)
        for _ in range(600):  # one minute in 0.1 s steps
            self.clock.advance(0.1)
        # 0.1, 0.2, 0.4, ... 3.2, then every 5 s: about 17 tries, not 600
        self.assertLess(len(self.db.attempts) - attempts, 20)
        self.assertGreater(len(self.db.attempts) - attempts, 10)
        self.queue.add(2)
        self.db.down = False
        self.clock.advance(5)
        self.assertEqual(self.db.stored, [1, 2])
        self.assertIsNone(self.health.problem)
        self.assertGreater(self.health.failures, 10)
        self.flushLoggedErrors(StoreUnavailable)

    def test_outageLoggedAtBoundedRate(self) -> None:
        """
        An outage is logged once with its traceback, then at most once per
        C{logEvery} seconds with a count, and its end once.
        """
        events: list[LogEvent] = []
        observer = cast(ILogObserver, events.append)
        globalLogPublisher.addObserver(observer)
        self.addCleanup(globalLogPublisher.removeObserver, observer)
        self.db.down = True
        self.queue.add(1)
        for _ in range(3000):  # five minutes
            self.clock.advance(0.1)
        self.db.down = False
        self.clock.advance(5)
        mine = [e for e in events if e.get("log_namespace") == "chatd.storage.health.StoreHealth"]
        texts = [formatEvent(e) for e in mine]
        self.assertEqual(len(self.flushLoggedErrors(StoreUnavailable)), 1)
        self.assertIn("unavailable: cannot write messages", texts[0])
        self.assertTrue(5 <= len(texts) <= 7, texts)
        self.assertIn("more failures since the last report", texts[1])
        self.assertIn("works again", texts[-1])
        self.assertEqual(self.db.stored, [1])

    def test_outageDuringSplitKeepsOrder(self) -> None:
        """
        The database going down while a refused batch is being split loses
        nothing and keeps the order.
        """
        self.db.downAt = {2, 3}  # the second and third attempts
        for i in range(10):
            self.queue.add(i)
        self.clock.pump([0.1] * 10)
        self.assertEqual(self.db.stored, [0, 1, 2, 4, 5, 6, 8, 9])
        self.assertEqual([row for row, _ in self.refused], [3, 7])
        self.flushLoggedErrors(StoreUnavailable)


class HealthTests(SynchronousTestCase):
    """
    L{StoreHealth} and the error classification.
    """

    def test_classification(self) -> None:
        """
        Lost connections, locks and corrupt files are outages; refused
        values are refusals; a bug is neither.
        """
        import sqlite3

        from twisted.enterprise.adbapi import ConnectionLost

        self.assertTrue(isOutage(sqlite3.OperationalError("database is locked")))
        self.assertTrue(isOutage(sqlite3.DatabaseError("file is not a database")))
        self.assertTrue(isOutage(ConnectionLost()))
        self.assertFalse(isOutage(sqlite3.IntegrityError("UNIQUE")))
        self.assertFalse(isOutage(UnicodeEncodeError("utf-8", "\ud800", 0, 1, "surrogates")))
        self.assertTrue(isRefusal(ValueError("A string literal cannot contain NUL")))
        self.assertTrue(isRefusal(sqlite3.IntegrityError("UNIQUE")))
        self.assertFalse(isRefusal(AttributeError("bug")))

    def test_problemFromEitherSide(self) -> None:
        """
        The problem is set while writes or queries fail and cleared when
        both work again; it is one line.
        """
        health = StoreHealth(Clock())
        cause = StoreUnavailable()
        cause.__cause__ = OSError("connection refused\nsecond line")
        health.failed("query", Failure(cause))
        health.failed("write messages", Failure(cause))
        refused = "cannot query or write messages: OSError: connection refused"
        self.assertEqual(health.problem, refused)
        other = StoreUnavailable()
        other.__cause__ = OSError("server closed the connection")
        health.failed("query", Failure(other))
        self.assertEqual(
            health.problem,
            "cannot query: OSError: server closed the connection;"
            " cannot write messages: OSError: connection refused",
        )
        health.recovered("query")
        self.assertEqual(health.problem, "cannot write messages: OSError: connection refused")
        health.recovered("write messages")
        self.assertIsNone(health.problem)
        self.assertEqual(len(self.flushLoggedErrors(OSError)), 1)

    def test_firstFailureNamesDriverError(self) -> None:
        """
        The first failure of an outage is logged with the driver's error in
        its line and its traceback, not only the "service unavailable" the
        users get.
        """
        events: list[LogEvent] = []
        observer = cast(ILogObserver, events.append)
        globalLogPublisher.addObserver(observer)
        self.addCleanup(globalLogPublisher.removeObserver, observer)
        try:
            raise OSError('connection to server at "127.0.0.1", port 24650 failed')
        except OSError as error:
            wrapped = StoreUnavailable()
            wrapped.__cause__ = error
        StoreHealth(Clock()).failed("query", Failure(wrapped))
        [logged] = self.flushLoggedErrors(OSError)
        self.assertIn("port 24650 failed", logged.getTraceback())
        [event] = [e for e in events if "log_failure" in e]
        self.assertIn(
            'cannot query: OSError: connection to server at "127.0.0.1", port 24650 failed;',
            formatEvent(event),
        )

    def test_problemWhole(self) -> None:
        """
        PostgreSQL down, the reason /healthz gives is whole: its error once
        for the queries and the writes it stops, and an error too long for
        one line ends after a whole word.
        """
        health = StoreHealth(Clock())

        class OperationalError(Exception):
            pass

        refused = OperationalError(
            'connection failed: connection to server at "127.0.0.1", port 5432 failed:'
            " Connection refused\n\tIs the server running on that host and accepting TCP/IP"
            " connections?"
        )
        health.failed("write messages", Failure(refused))
        health.failed("query", Failure(refused))
        self.assertEqual(
            health.problem,
            "cannot write messages or query: OperationalError: connection failed: connection to"
            ' server at "127.0.0.1", port 5432 failed: Connection refused',
        )
        self.flushLoggedErrors(OperationalError)
        long = oneLine(OperationalError("word " * 100))
        self.assertLessEqual(len(long), MAX_REASON)
        self.assertTrue(long.endswith(" word..."), long)
