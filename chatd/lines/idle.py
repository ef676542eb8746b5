"""
Liveness deadlines for many connections behind one timer.

Each connection's keepalive check used to be its own C{DelayedCall}: with its
C{__dict__}, its bound method and its keyword dict, ~460 bytes per idle
connection, the largest thing chatd itself kept for one (docs/dev/BENCHMARKING.md).
L{IdleTimers} keeps the deadlines on a wheel of one-second slots behind a
single C{DelayedCall}: a connection costs one list entry in its slot (a heap
of exact times cost a tuple, a float and an int each, ~120 bytes), and is
checked at most a second after its own deadline, which a keepalive of
minutes does not notice.
"""

from __future__ import annotations

from heapq import heappop, heappush
from math import ceil
from typing import TYPE_CHECKING, Protocol

from twisted.internet.interfaces import IDelayedCall, IReactorTime
from twisted.logger import Logger

if TYPE_CHECKING:
    from chatd.lines.factory import ChatFactory

#: Deadlines are rounded up to a whole number of these seconds.
RESOLUTION = 1.0


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
    the connection goes.  Discarded deadlines stay in their slot until it
    comes due (finding them would cost a scan) but never fire; once nothing
    is watched the slots are emptied and the timer cancelled.
    """

    log = Logger()

    def __init__(self, clock: IReactorTime) -> None:
        self.clock = clock
        self._slots: dict[int, list[Watched]] = {}
        self._due: list[int] = []  # the slots' numbers, a heap
        self._watched: set[Watched] = set()
        self._call: IDelayedCall | None = None
        self._firing = False

    def add(self, watched: Watched, delay: float) -> None:
        """
        Call C{watched.checkIdle()} C{delay} seconds from now, or within a
        second after that (L{RESOLUTION}).
        """
        slot = ceil((self.clock.seconds() + delay) / RESOLUTION)
        waiting = self._slots.get(slot)
        if waiting is None:
            waiting = self._slots[slot] = []
            heappush(self._due, slot)
        waiting.append(watched)
        self._watched.add(watched)
        if not self._firing:
            self._arm()

    def discard(self, watched: Watched) -> None:
        """
        Forget C{watched}'s deadline, if it has one.
        """
        self._watched.discard(watched)
        if not self._watched:
            self._slots.clear()
            self._due.clear()
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
        Have the timer go off at the earliest slot.
        """
        if not self._due:
            self.cancel()
            return
        when = self._due[0] * RESOLUTION
        delay = max(0.0, when - self.clock.seconds())
        call = self._call
        if call is None:
            self._call = self.clock.callLater(delay, self._fire)
        elif when < call.getTime():
            call.reset(delay)

    def _fire(self) -> None:
        self._call = None
        due, slots, watched = self._due, self._slots, self._watched
        now = self.clock.seconds()
        self._firing = True
        try:
            while due and due[0] * RESOLUTION <= now:
                for each in slots.pop(heappop(due)):
                    if each not in watched:
                        continue
                    watched.remove(each)
                    try:
                        each.checkIdle()
                    except Exception:  # one broken check must not starve the rest
                        self.log.failure("liveness check failed for {due!r}", due=each)
        finally:
            self._firing = False
            self._arm()


class Liveness:
    """
    A line connection's side of its deadline (L{chatd.lines.lineproto}):
    restarted by whatever the peer sends, probed once when it comes, and
    the connection closed if the peer stays silent as long again.

    @ivar lastHeard: when the peer last sent something (the factory's
        clock), which the service reads too (L{chatd.core.activity}).
    """

    factory: ChatFactory
    lastHeard: float
    _probed: bool

    def closeWith(self, reason: str) -> None:
        raise NotImplementedError()

    def heard(self) -> None:
        """
        The peer sent something (a line, or a protocol's own sign of life
        such as a telnet answer): it is alive, its liveness deadline restarts.
        """
        self.lastHeard = self.factory.clock.seconds()
        self._probed = False

    def checkIdle(self) -> None:
        """
        The liveness deadline has come (see L{IdleTimers}): if the
        peer spoke meanwhile, wait for the new deadline; else probe it once,
        and close it if it stays silent as long again.
        """
        factory = self.factory
        after = factory.aliveAfter
        assert after is not None
        idle = factory.clock.seconds() - self.lastHeard
        if idle < after:
            factory.idleTimers.add(self, after - idle)
        elif not self._probed:
            self._probed = True
            self.probeIdle()
            factory.idleTimers.add(self, after)
        else:
            self.timedOut()

    def timedOut(self) -> None:
        """
        The peer did not answer the probe: close.  A protocol may say why
        first, for a peer that reads but does not answer.
        """
        self.closeWith("timed out")

    def probeIdle(self) -> None:
        """
        The peer has been silent C{aliveAfter} seconds: ask it to answer.
        """
