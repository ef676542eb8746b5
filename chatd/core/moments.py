# -*- test-case-name: tests.unit.core.test_moments -*-
"""
The moment of each message, in milliseconds: one of its own, in order.

A read marker names a moment, not a message (IRC's C{MARKREAD} gives the
C{server-time} of the last message read), so two messages said within one
millisecond were both covered by a marker at the first: the second was
never counted unread.  So a message said in a millisecond an earlier one
took gets the next one.  A burst of more than a thousand messages a second
would then run the moments ahead of the clock, and every client would show
them in the future: they run at most L{AHEAD} milliseconds ahead, and
messages beyond that share a moment, as they did before.
"""

from __future__ import annotations

from twisted.internet.interfaces import IReactorTime

#: How far, in milliseconds, a burst's moments may run ahead of the clock.
AHEAD = 100


class Moments:
    """
    Hands out message moments for one process (cluster nodes each have
    theirs: two nodes may still give one millisecond to two messages).
    """

    def __init__(self, clock: IReactorTime) -> None:
        self.clock = clock
        self._last = 0

    def next(self) -> int:
        """
        The clock's millisecond, or the one after the last moment handed
        out while that is not L{AHEAD} ahead of the clock.
        """
        now = int(self.clock.seconds() * 1000)
        if now > self._last:
            self._last = now
        elif self._last - now < AHEAD:
            self._last += 1
        return self._last

    def latest(self) -> int:
        """
        The clock's millisecond, or the last moment handed out if later:
        every message said so far is at it or before.
        """
        return max(int(self.clock.seconds() * 1000), self._last)


def latestMarkable(clock: IReactorTime) -> int:
    """
    The latest moment a read marker may name: the end of the clock's
    second, or a burst's last moment (L{AHEAD}) if later.  A marker further
    ahead would hide every message said until then.
    """
    seconds = clock.seconds()
    return max(int(seconds) * 1000 + 999, int(seconds * 1000) + AHEAD)
