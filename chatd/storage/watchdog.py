# -*- test-case-name: tests.unit.storage.test_watchdog -*-
"""
A bound on how long one database interaction may go unanswered.

A server behind a link that went half-open (a partition, a firewall that
forgot the connection) neither answers nor closes: the driver's thread
waits for the kernel to give up, about a quarter of an hour, and every
login, registration or C{/healthz} check waiting on it hangs with nothing
in the log.  L{QueryWatchdog} fails such an interaction after C{timeout}
seconds as the database being unavailable (L{QueryTimeout}, an outage:
L{chatd.storage.health} logs it and probes until the database answers),
and has the pool interrupt the connection the interaction's thread waits
on, so the thread is free again and the next interaction connects afresh.
An interaction whose turn comes after it timed out, while it waited for a
thread, never starts.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, TypeVar

from twisted.internet.defer import Deferred
from twisted.internet.interfaces import IReactorTime
from twisted.python.failure import Failure

T = TypeVar("T")

#: Seconds one interaction with PostgreSQL may go unanswered.
QUERY_TIMEOUT = 10.0


class QueryTimeout(Exception):
    """
    The database did not answer an interaction in time: it is unavailable
    (L{chatd.storage.health.OUTAGE_ERRORS} names this class).
    """


class _Attempt:
    """
    One interaction as its pool thread and the watchdog share it: the
    thread running it (C{None} while it waits or once it returned), and
    whether the watchdog gave up on it.
    """

    def __init__(self) -> None:
        self.thread: int | None = None
        self.abandoned = False


class QueryWatchdog:
    """
    Runs interactions with a bound (see the module docstring).

    @ivar timeout: seconds an interaction may take, or C{None}: no bound.
    @ivar interrupt: called, in the reactor thread, with the id of the pool
        thread whose interaction timed out, to end the connection it waits
        on (C{None}: the thread is left to its driver's own timeouts).
    """

    def __init__(
        self,
        clock: IReactorTime,
        timeout: float | None,
        interrupt: Callable[[int], None] | None = None,
    ) -> None:
        self.clock = clock
        self.timeout = timeout
        self.interrupt = interrupt

    def run(
        self, start: Callable[..., Deferred[T]], fn: Callable[..., T], *args: Any
    ) -> Deferred[T]:
        """
        C{start(fn, *args)} (the pool's C{runInteraction}), failing with
        L{QueryTimeout} if it has not answered in L{timeout} seconds; its
        late answer, if one comes, is dropped.
        """
        if self.timeout is None:
            return start(fn, *args)
        attempt = _Attempt()
        timeout = self.timeout

        def guarded(txn: Any, *args: Any) -> T:
            # The thread is named before the check: a timeout in between
            # sees it and interrupts it, rather than miss an interaction
            # that then starts on a silent connection.
            attempt.thread = threading.get_ident()
            try:
                if attempt.abandoned:
                    raise QueryTimeout(f"no answer from the database in {timeout:g} s")
                return fn(txn, *args)
            finally:
                attempt.thread = None

        answer: Deferred[T] = Deferred()

        def expire() -> None:
            attempt.abandoned = True
            thread = attempt.thread
            if thread is not None and self.interrupt is not None:
                self.interrupt(thread)
            answer.errback(QueryTimeout(f"no answer from the database in {timeout:g} s"))

        timer = self.clock.callLater(timeout, expire)

        def answered(result: T | Failure) -> None:
            if not timer.active():
                return  # timed out: the caller was told so
            timer.cancel()
            if isinstance(result, Failure):
                answer.errback(result)
            else:
                answer.callback(result)

        start(guarded, *args).addBoth(answered)
        return answer
