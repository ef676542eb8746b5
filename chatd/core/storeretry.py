# -*- test-case-name: tests.unit.core.test_storeretry,tests.unit.test_inbox_outage -*-
"""
A store step run again while the store is away.

A call that fails with L{errors.StoreUnavailable} (the database restarting,
unreachable) may succeed in a moment.  L{Retries.until} runs it again on the
service's clock, after 1 s, then twice as long each time, L{LONGEST} apart
at most, for as long as it is still wanted; its first outage is told (to
be logged once, as a warning).  Whoever waits on such work may ask
(L{Retries.wake}) that a step no longer wanted (its connection gone) end
at once rather than at its next try.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import TypeVar

from twisted.internet.defer import Deferred
from twisted.internet.interfaces import IDelayedCall, IReactorTime

from chatd.core import errors

#: Seconds before the first try again, doubled after each failure ...
FIRST = 1.0
#: ... up to this.
LONGEST = 60.0

_T = TypeVar("_T")
#: A step's wait: its timer, and whether it is still wanted.
_Sleep = tuple[IDelayedCall, Callable[[], bool]]


def nextWait(waited: float) -> float:
    """
    How long to wait before the next try, after a wait of C{waited}
    seconds (0: none yet).
    """
    return FIRST if waited <= 0 else min(LONGEST, waited * 2)


class Retries:
    """
    Store steps waiting to be run again, each under a label (such as its
    recipient's key) by which L{wake} finds it.
    """

    def __init__(self, clock: IReactorTime) -> None:
        self.clock = clock
        self._sleeping: dict[Hashable, dict[Deferred[None], _Sleep]] = {}

    async def until(
        self,
        step: Callable[[], Deferred[_T]],
        wanted: Callable[[], bool],
        label: Hashable,
        firstOutage: Callable[[errors.StoreUnavailable], None] = lambda error: None,
    ) -> _T:
        """
        The result of C{step()}, called again after each outage while
        C{wanted()} holds; C{firstOutage} is told the first.

        @raise StoreUnavailable: the store was away, and the step is no
            longer wanted.
        """
        waited = 0.0
        while True:
            try:
                return await step()
            except errors.StoreUnavailable as error:
                if not waited:
                    firstOutage(error)
                if not wanted():
                    raise
            waited = nextWait(waited)
            await self._sleep(label, waited, wanted)
            if not wanted():
                raise errors.StoreUnavailable()

    def wake(self, label: Hashable | None = None) -> None:
        """
        End now the steps under C{label} (C{None}: every step) that wait to
        be run again and are no longer wanted; the others wait on.
        """
        labels = list(self._sleeping) if label is None else [label]
        for each in labels:
            for sleep, (timer, wanted) in list(self._sleeping.get(each, {}).items()):
                if not wanted():
                    timer.cancel()
                    self._woken(each, sleep)

    def waiting(self) -> int:
        """
        How many steps wait to be run again.
        """
        return sum(len(each) for each in self._sleeping.values())

    def _sleep(self, label: Hashable, seconds: float, wanted: Callable[[], bool]) -> Deferred[None]:
        sleep: Deferred[None] = Deferred()
        timer = self.clock.callLater(seconds, self._woken, label, sleep)
        self._sleeping.setdefault(label, {})[sleep] = (timer, wanted)
        return sleep

    def _woken(self, label: Hashable, sleep: Deferred[None]) -> None:
        sleeping = self._sleeping[label]
        del sleeping[sleep]
        if not sleeping:
            del self._sleeping[label]
        sleep.callback(None)
