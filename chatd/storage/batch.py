# -*- test-case-name: tests.test_batch -*-
"""
A write-behind queue: rows are collected in memory and written in batches,
one transaction per batch, so that storing every chat message costs a list
append on the reactor thread instead of a database round trip.

A batch is written C{interval} seconds after its first row arrives, or at
once when C{maxBatch} rows are waiting.  L{WriteBehind.flush} waits until
everything queued so far is written; the store calls it before reading
messages back and when it stops.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

from twisted.internet.defer import Deferred, succeed
from twisted.internet.interfaces import IDelayedCall, IReactorTime
from twisted.logger import Logger
from twisted.python.failure import Failure

Row = TypeVar("Row")


class WriteBehind(Generic[Row]):
    """
    Batches rows for C{write}, which stores a list of rows in one transaction
    and returns a L{Deferred}.  Only one batch is written at a time, so rows
    reach the database in the order they were added.

    A failed write is logged and its rows are put back at the head of the
    queue and retried C{interval} seconds later; whoever waits in L{flush}
    gets the failure rather than waiting for a database that may be gone.
    """

    log = Logger()

    def __init__(
        self,
        clock: IReactorTime,
        write: Callable[[list[Row]], Deferred[None]],
        interval: float = 0.1,
        maxBatch: int = 1000,
    ) -> None:
        self.clock = clock
        self.interval = interval
        self.maxBatch = maxBatch
        self._write = write
        self._queue: list[Row] = []
        self._timer: IDelayedCall | None = None
        self._writing = False
        self._added = 0
        self._written = 0
        self._waiters: list[tuple[int, Deferred[None]]] = []
        self._startedAt = 0.0
        #: Told how many seconds each successful batch write took (metrics).
        self.timed: Callable[[float], None] | None = None

    def __len__(self) -> int:
        return len(self._queue)

    def add(self, row: Row) -> None:
        """
        Queue C{row}; it is written within C{interval} seconds (plus the time
        the batch before it takes).
        """
        self._queue.append(row)
        self._added += 1
        if self._writing:
            return
        if len(self._queue) >= self.maxBatch:
            self._start()
        elif self._timer is None:
            self._timer = self.clock.callLater(self.interval, self._start)

    def flush(self) -> Deferred[None]:
        """
        @return: a L{Deferred} that fires when every row added before this call
            is written, or fails with the write's failure.
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
        if self._writing or not self._queue:
            return
        batch = self._queue[: self.maxBatch]
        del self._queue[: self.maxBatch]
        self._writing = True
        self._startedAt = self.clock.seconds()
        d = self._write(batch)
        d.addCallbacks(self._written_, self._failed, callbackArgs=(batch,), errbackArgs=(batch,))

    def _written_(self, ignored: object, batch: list[Row]) -> None:
        self._writing = False
        if self.timed is not None:
            self.timed(self.clock.seconds() - self._startedAt)
        self._written += len(batch)
        ready = [w for w in self._waiters if w[0] <= self._written]
        self._waiters = [w for w in self._waiters if w[0] > self._written]
        if self._queue:
            if self._waiters or len(self._queue) >= self.maxBatch:
                self._start()
            else:
                self._timer = self.clock.callLater(self.interval, self._start)
        for _, waiter in ready:
            waiter.callback(None)

    def _failed(self, failure: Failure, batch: list[Row]) -> None:
        self._writing = False
        self.log.failure("writing {count} queued rows failed; retrying", failure, count=len(batch))
        self._queue[:0] = batch
        self._cancelTimer()
        self._timer = self.clock.callLater(self.interval, self._start)
        waiters, self._waiters = self._waiters, []
        for _, waiter in waiters:
            waiter.errback(failure)

    def stop(self) -> None:
        """
        Cancel any pending timer (after a final L{flush}).
        """
        self._cancelTimer()
