# -*- test-case-name: tests.unit.lines.test_idle -*-
"""
Liveness deadlines for many connections behind one timer.

Each connection's keepalive check used to be its own C{DelayedCall}: with its
C{__dict__}, its bound method and its keyword dict, ~460 bytes per idle
connection, the largest thing chatd itself kept for one (docs/dev/BENCHMARKING.md).
L{IdleTimers} keeps every deadline in one heap, a small tuple each, behind a
single C{DelayedCall}, and calls each connection's check at the moment its own
timer would have fired.
"""

from __future__ import annotations

from heapq import heappop, heappush
from itertools import count
from typing import Protocol

from twisted.internet.interfaces import IDelayedCall, IReactorTime
from twisted.logger import Logger


class Watched(Protocol):
    """
    Something with a liveness check, e.g. a L{chatd.lines.lineproto.ChatLineReceiver}.
    """

    def checkIdle(self) -> None:
        """
        Its deadline has come: probe it, close it, or L{IdleTimers.add} a new one.
        """


class IdleTimers:
    """
    One deadline per watched connection, all on one C{DelayedCall}.

    A connection has at most one deadline at a time: L{add} it when the
    connection starts and again from its own C{checkIdle}, L{discard} it when
    the connection goes.  Discarded deadlines stay in the heap until they come
    due (removing them would cost a heap rebuild) but never fire; once nothing
    is watched the heap is emptied and the timer cancelled.
    """

    log = Logger()

    def __init__(self, clock: IReactorTime) -> None:
        self.clock = clock
        self._heap: list[tuple[float, int, Watched]] = []
        self._watched: set[Watched] = set()
        self._order = count()
        self._call: IDelayedCall | None = None
        self._firing = False

    def add(self, watched: Watched, delay: float) -> None:
        """
        Call C{watched.checkIdle()} C{delay} seconds from now.
        """
        heappush(self._heap, (self.clock.seconds() + delay, next(self._order), watched))
        self._watched.add(watched)
        if not self._firing:
            self._arm()

    def discard(self, watched: Watched) -> None:
        """
        Forget C{watched}'s deadline, if it has one.
        """
        self._watched.discard(watched)
        if not self._watched:
            self._heap.clear()
            self.cancel()

    def cancel(self) -> None:
        """
        Stop the timer (for shutting down cleanly); deadlines are kept.
        """
        if self._call is not None and self._call.active():
            self._call.cancel()
        self._call = None

    def _arm(self) -> None:
        """
        Have the timer go off at the earliest deadline.
        """
        if not self._heap:
            self.cancel()
            return
        delay = max(0.0, self._heap[0][0] - self.clock.seconds())
        call = self._call
        if call is None:
            self._call = self.clock.callLater(delay, self._fire)
        elif self._heap[0][0] < call.getTime():
            call.reset(delay)

    def _fire(self) -> None:
        self._call = None
        heap, watched = self._heap, self._watched
        now = self.clock.seconds()
        self._firing = True
        try:
            while heap and heap[0][0] <= now:
                _, _, due = heappop(heap)
                if due in watched:
                    watched.remove(due)
                    try:
                        due.checkIdle()
                    except Exception:  # one broken check must not starve the rest
                        self.log.failure("liveness check failed for {due!r}", due=due)
        finally:
            self._firing = False
            self._arm()
