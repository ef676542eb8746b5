# -*- test-case-name: tests.unit.storage.test_batch -*-
"""
A write-behind queue: rows are collected in memory and written in batches,
one transaction per batch, so that storing every chat message costs a list
append on the reactor thread instead of a database round trip.

A batch is written C{interval} seconds after its first row arrives, or at
once when C{maxBatch} rows are waiting.  L{WriteBehind.flush} waits until
everything queued so far is written; the store calls it before reading
messages back and when it stops.  An unavailable database is retried with
back-off; a row the database refuses is skipped (see L{WriteBehind}).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

from twisted.internet.defer import Deferred, succeed
from twisted.internet.interfaces import IDelayedCall, IReactorTime
from twisted.logger import Logger
from twisted.python.failure import Failure

from chatd.storage.health import StoreHealth

Row = TypeVar("Row")


class WriteBehind(Generic[Row]):
    """
    Batches rows for C{write}, which stores a list of rows in one transaction
    and returns a L{Deferred}.  Only one batch is written at a time, so rows
    reach the database in the order they were added.

    A write that fails because the database is unavailable (C{transient})
    keeps its rows at the head of the queue and is retried, C{interval}
    seconds later at first and then less and less often, up to C{retryMax};
    whoever waits in L{flush} gets the failure rather than waiting for a
    database that may be gone, and C{health} hears of it.  Any other failure
    means the database refused something in the batch: the batch is split in
    halves, written one after the other, until the refused rows are alone;
    each is given to C{refused} and skipped, so one bad row never holds back
    the others, and the order of the rest is kept.
    """

    log = Logger()

    def __init__(
        self,
        clock: IReactorTime,
        write: Callable[[list[Row]], Deferred[None]],
        interval: float = 0.1,
        maxBatch: int = 1000,
        transient: Callable[[Failure], bool] = lambda failure: True,
        health: StoreHealth | None = None,
        retryMax: float = 5.0,
    ) -> None:
        self.clock = clock
        self.interval = interval
        self.maxBatch = maxBatch
        self.retryMax = retryMax
        self.transient = transient
        self.health = StoreHealth(clock) if health is None else health
        self._write = write
        self._queue: list[Row] = []
        #: Parts of a refused batch, written before the queue, in order.
        self._parts: list[list[Row]] = []
        self._timer: IDelayedCall | None = None
        self._writing = False
        self._failures = 0
        self._added = 0
        self._written = 0
        self._waiters: list[tuple[int, Deferred[None]]] = []
        self._startedAt = 0.0
        #: Told how many seconds each successful batch write took (metrics).
        self.timed: Callable[[float], None] | None = None
        #: Told of each row the database refused (after C{health}).
        self.refused: Callable[[Row, Failure], None] = self._logRefused

    def __len__(self) -> int:
        return len(self._queue) + sum(map(len, self._parts))

    def add(self, row: Row) -> None:
        """
        Queue C{row}; it is written within C{interval} seconds (plus the time
        the batch before it takes).
        """
        self._queue.append(row)
        self._added += 1
        if self._writing or self._failures:
            return  # the write under way, or the retry timer, comes back for it
        if len(self._queue) >= self.maxBatch:
            self._start()
        elif self._timer is None:
            self._timer = self.clock.callLater(self.interval, self._start)

    def flush(self) -> Deferred[None]:
        """
        @return: a L{Deferred} that fires when every row added before this call
            is written (or refused), or fails with the write's failure.
        """
        if self._written >= self._added:
            return succeed(None)
        waiter: Deferred[None] = Deferred()
        self._waiters.append((self._added, waiter))
        if not self._writing:
            self._start()
        return waiter

    def _cancelTimer(self) -> None:
        if self._timer is not None:
            if self._timer.active():
                self._timer.cancel()
            self._timer = None

    def _start(self) -> None:
        self._cancelTimer()
        if self._writing or not len(self):
            return
        if self._parts:
            batch = self._parts.pop(0)
        else:
            batch = self._queue[: self.maxBatch]
            del self._queue[: self.maxBatch]
        self._writing = True
        self._startedAt = self.clock.seconds()
        d = self._write(batch)
        d.addCallbacks(self._written_, self._failed, callbackArgs=(batch,), errbackArgs=(batch,))

    def _done(self, count: int) -> None:
        """
        C{count} more rows are dealt with (written or refused): start the
        next batch, and fire the flushes that waited for them.
        """
        self._writing = False
        self._written += count
        ready = [w for w in self._waiters if w[0] <= self._written]
        self._waiters = [w for w in self._waiters if w[0] > self._written]
        if self._parts or self._waiters or len(self._queue) >= self.maxBatch:
            self._start()
        elif self._queue:
            self._timer = self.clock.callLater(self.interval, self._start)
        for _, waiter in ready:
            waiter.callback(None)

    def _written_(self, ignored: object, batch: list[Row]) -> None:
        if self.timed is not None:
            self.timed(self.clock.seconds() - self._startedAt)
        self._failures = 0
        self.health.recovered("write messages")
        self._done(len(batch))

    def _failed(self, failure: Failure, batch: list[Row]) -> None:
        self._writing = False
        if not self.transient(failure):
            if len(batch) > 1:
                half = len(batch) // 2
                self._parts[:0] = [batch[:half], batch[half:]]
                self._start()
            else:
                self.health.rowRefused()
                self.refused(batch[0], failure)
                self._done(1)
            return
        self.health.failed("write messages", failure)
        if self._parts:
            self._parts.insert(0, batch)
        else:
            self._queue[:0] = batch
        self._failures += 1
        self._cancelTimer()
        delay = min(self.interval * 2 ** min(self._failures - 1, 30), self.retryMax)
        self._timer = self.clock.callLater(delay, self._start)
        waiters, self._waiters = self._waiters, []
        for _, waiter in waiters:
            waiter.errback(failure)

    def _logRefused(self, row: Row, failure: Failure) -> None:
        self.log.failure("the database refused a row; it is skipped: {row!r}", failure, row=row)

    def take(self) -> list[Row]:
        """
        Every row not yet written, in order, taken out of the queue (what a
        final L{flush} could not write).
        """
        rows = [row for part in self._parts for row in part] + self._queue
        self._parts, self._queue = [], []
        return rows

    def stop(self) -> None:
        """
        Cancel any pending timer (after a final L{flush}).
        """
        self._cancelTimer()
