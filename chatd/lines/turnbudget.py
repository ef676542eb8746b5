# -*- test-case-name: tests.unit.lines.test_turnbudget -*-
"""
How long one reactor turn may spend handling input.

Under saturation one turn finds many connections readable, each with many
lines, and would handle them all before the reactor looks at its sockets
again: a user whose request arrived meanwhile waits for the whole turn, and
then for every line that arrived before it.  A L{TurnBudget}, shared by every
front-end, bounds that: once a turn has spent C{limit} seconds handling
input, connections keep their unhandled lines, stop reading, and wait.  A
later turn (after the flush of this one's output) serves them in rounds, a
few lines each, those that stopped most recently first and then those still
waiting from earlier rounds, until its own budget is spent; a connection
reads again once it has handled every line it kept.  So an idle user's
request is handled in the next turn, however much others sent before it.

A turn that stays under the limit is not changed at all: a light load never
waits.  The limit is not smaller because every turn ends with one flush (one
C{send} per connection with output): the shorter the turns, the more flushes
the same fan-out costs.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable

from twisted.internet.interfaces import IDelayedCall, IReactorTime

#: Seconds of input handling a turn may spend before the rest waits.
DEFAULT_LIMIT = 0.02

#: Turns output may be held while connections wait (see
#: L{chatd.lines.outbox.FlushScheduler}).
HOLD_TURNS = 8

#: Handles a waiting connection's input while L{TurnBudget.shareSpent} says
#: no (one unit at least); C{True}: more is left, call again.
Share = Callable[[], bool]


class TurnBudget:
    """
    The time one reactor turn may spend handling input, and who waits for
    a later turn.

    A front-end asks L{spent} before each unit of input it handles (a line,
    a request); once it answers C{True}, the front-end keeps the rest, pauses
    its transport's reading, and calls L{wait} with its L{Share}.

    @ivar limit: seconds of handling per turn, from the turn's first
        question (told by C{now}).
    @ivar holdTurns: about how many turns the output of connections that
        wait for no answer may be held while others wait for a later turn:
        short turns each flushing every connection would cost a C{send} per
        connection per turn.
    """

    def __init__(
        self,
        clock: IReactorTime,
        limit: float = DEFAULT_LIMIT,
        now: Callable[[], float] | None = None,
        holdTurns: int = HOLD_TURNS,
    ) -> None:
        """
        @param clock: schedules the end of each turn (C{callLater(0)}).
        @param now: what tells the time; by default C{clock.seconds}.
        """
        self.clock = clock
        self.limit = limit
        self.holdTurns = holdTurns
        self._now = clock.seconds if now is None else now
        # When this turn first asked (None: nobody has yet).
        self._start: float | None = None
        self._turnCall: IDelayedCall | None = None
        self._resumeCall: IDelayedCall | None = None
        # Stopped since the last round, in order; still waiting after it.
        self._fresh: deque[Share] = deque()
        self._rotating: deque[Share] = deque()
        self._serving = False
        self._shareEnd = 0.0

    def spent(self) -> bool:
        """
        Whether this turn has used its budget: ask before handling input.
        """
        now = self._now()
        start = self._start
        if start is None:
            self._start = now
            if self._turnCall is None:
                self._turnCall = self.clock.callLater(0, self._endTurn)
            return False
        return now - start >= self.limit

    def wait(self, share: Share) -> None:
        """
        Call C{share} on later turns until it says it is done.  Only once
        L{spent} said C{True}.
        """
        self._fresh.append(share)
        if self._resumeCall is None:
            # Scheduled after this turn's first output: its flush goes first.
            self._resumeCall = self.clock.callLater(0, self._resume)

    def shareSpent(self) -> bool:
        """
        During a L{Share}: whether it has used its slice of the turn (an
        equal part of the budget among those waiting).
        """
        return self._now() >= self._shareEnd

    def busy(self) -> bool:
        """
        Whether connections wait for a later turn.
        """
        return self._serving or bool(self._fresh or self._rotating)

    @property
    def waiting(self) -> int:
        """
        How many connections wait for a later turn.
        """
        return len(self._fresh) + len(self._rotating)

    def _endTurn(self) -> None:
        self._turnCall = None
        self._start = None

    def _resume(self) -> None:
        """
        Serve those waiting in rounds while this turn has budget, each
        for an equal slice of it.
        """
        self._resumeCall = None
        queue, self._fresh = self._fresh, deque()
        queue.extend(self._rotating)
        self._rotating = queue
        self._serving = True
        try:
            while queue and not self.spent():
                share = queue.popleft()
                assert self._start is not None
                self._shareEnd = min(
                    self._now() + self.limit / (len(queue) + 1), self._start + self.limit
                )
                if share():
                    queue.append(share)
        finally:
            self._serving = False
        if (queue or self._fresh) and self._resumeCall is None:
            self._resumeCall = self.clock.callLater(0, self._resume)

    def cancel(self) -> None:
        """
        Drop the pending calls and forget who waits (shutting down).
        """
        for call in (self._turnCall, self._resumeCall):
            if call is not None and call.active():
                call.cancel()
        self._turnCall = self._resumeCall = None
        self._start = None
        self._fresh.clear()
        self._rotating.clear()
