# -*- test-case-name: tests.unit.lines.test_turnbudget -*-
"""
How long one reactor turn may spend handling input.

Under saturation one turn finds many connections readable, each with many
lines, and would handle them all before the reactor looks at its sockets
again: a user whose request arrived meanwhile waits for the whole turn, and
then for every line that arrived before it.  A L{TurnBudget}, shared by the
front-ends (TCHAT, talk, IRC, the JSON WebSocket), bounds that: once a turn
has spent C{limit} seconds handling input, connections keep their unhandled
lines (or requests) and wait (far behind, they
also stop reading).  A later turn, after the flush of this one's output,
serves first those that kept only a few lines (a user's request), then the
others in turn, each for a slice of the turn's budget, until it is spent.
The output a turn's input makes (a room's messages handed to its members,
joined, and written to the sockets: L{chatd.lines.outbox.FlushScheduler})
is work of the same turn: the time the last flush took (L{charge}) counts
against the next turn's budget, so a cheap input line whose output is
large cannot make a long turn.
So a request is handled in the turn after it arrived, however much others
sent before it, and a turn serves a few busy connections at length rather
than every one of them a little: each connection served costs a read and a
C{send} per turn.

A turn that stays under the limit is not changed at all: a light load never
waits.  Shorter turns cost fan-out throughput (what is done once per turn
and per busy connection is done more often); C{--turn-budget} sets the
limit, 20 ms by default, and 0 gives the daemon no budget.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable

from twisted.internet.interfaces import IDelayedCall, IReactorTime

#: Seconds of input handling a turn may spend before the rest waits.
DEFAULT_LIMIT = 0.02

#: A connection that waits with at most this many lines is served first.
LIGHT = 4

#: Slices of a turn's budget: what one busy connection gets in a round.
SLICES = 8

#: Of a turn's budget, what input always gets, whatever output cost.
FLOOR = 1 / SLICES

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
    a request); once it answers C{True}, the front-end keeps the rest (far
    behind, it also pauses its transport's reading) and calls L{wait} with
    its L{Share}.

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
        # Waiting with few lines; stopped since the last round; still waiting.
        self._light: deque[Share] = deque()
        self._fresh: deque[Share] = deque()
        self._rotating: deque[Share] = deque()
        self._serving = False
        self._shareEnd = 0.0
        self._owed = 0.0

    def charge(self, seconds: float) -> None:
        """
        Output took C{seconds} (a flush; each front-end's adds up): the next
        turn has that much less for its input, down to L{FLOOR} of the budget.
        """
        self._owed = min(self._owed + seconds, self.limit * (1 - FLOOR))

    def spent(self) -> bool:
        """
        Whether this turn has used its budget: ask before handling input.
        """
        now = self._now()
        start = self._start
        if start is None:
            self._start = now - self._owed
            self._owed = 0.0
            if self._turnCall is None:
                self._turnCall = self.clock.callLater(0, self._endTurn)
            return False
        return now - start >= self.limit

    def wait(self, share: Share, light: bool = False) -> None:
        """
        Call C{share} on later turns until it says it is done, first if
        C{light} (it kept at most L{LIGHT} lines).  Only once L{spent} said
        C{True}.
        """
        (self._light if light else self._fresh).append(share)
        if self._resumeCall is None:
            # Scheduled after this turn's first output: its flush goes first.
            self._resumeCall = self.clock.callLater(0, self._resume)

    def shareSpent(self) -> bool:
        """
        During a L{Share}: whether it has used its slice of the turn.
        """
        return self._now() >= self._shareEnd

    def busy(self) -> bool:
        """
        Whether connections wait for a later turn.
        """
        return self._serving or bool(self._light or self._fresh or self._rotating)

    @property
    def waiting(self) -> int:
        """
        How many connections wait for a later turn.
        """
        return len(self._light) + len(self._fresh) + len(self._rotating)

    def _endTurn(self) -> None:
        self._turnCall = None
        self._start = None

    def _resume(self) -> None:
        """
        Serve those waiting while this turn has budget: the light ones,
        then the others in rounds, a slice each.
        """
        self._resumeCall = None
        light, self._light = self._light, deque()
        queue, self._fresh = self._fresh, deque()
        queue.extend(self._rotating)
        self._rotating = queue
        self._serving = True
        try:
            while light and not self.spent():
                assert self._start is not None
                self._shareEnd = self._start + self.limit
                share = light.popleft()
                if share():
                    queue.append(share)  # it was not light after all
            light.extend(self._light)
            self._light = light
            while queue and not self.spent():
                assert self._start is not None
                self._shareEnd = min(self._now() + self.limit / SLICES, self._start + self.limit)
                share = queue.popleft()
                if share():
                    queue.append(share)
        finally:
            self._serving = False
        if (light or queue or self._fresh) and self._resumeCall is None:
            self._resumeCall = self.clock.callLater(0, self._resume)
