# -*- test-case-name: tests.unit.lines.test_turnbudget,tests.integration.test_outbox -*-
"""
When connections' output is handed to their transports.

Each connection appends to its own L{chatd.lines.outbox.Outbox}, and one
L{FlushScheduler} hands every dirty outbox to its transport once per reactor
turn, as one joined C{write}.  While connections wait for a later turn
(L{chatd.lines.turnbudget.TurnBudget}: the daemon is saturated and its turns
are cut short), the scheduler hands on each turn the output of connections
that handled all their input (their answers) and the longest held part of the
rest, so that each connection is flushed about once every C{holdTurns} turns:
short turns then do not cost one C{send} per connection each, and no turn
flushes every connection at once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from twisted.internet.interfaces import IDelayedCall, IReactorTime

from chatd.lines.fanout import RoomFanout

if TYPE_CHECKING:
    from chatd.lines.outbox import Outbox
    from chatd.lines.turnbudget import TurnBudget


class FlushScheduler:
    """
    Flushes every outbox with pending output, once per reactor turn; while
    C{turns} has connections waiting, those L{hurry} names and the longest
    held C{1 / turns.holdTurns} of the others.
    """

    def __init__(self, clock: IReactorTime, turns: TurnBudget | None = None) -> None:
        self.clock = clock
        self.turns = turns
        self._dirty: list[Outbox] = []
        self._call: IDelayedCall | None = None
        self._urgent: list[Outbox] = []
        # Held by earlier flushes, longest held first.
        self._held: list[Outbox] = []
        #: A room's messages to this front-end's connections, a turn's run
        #: at a time (L{chatd.lines.fanout}): settled as the flush begins.
        self.fanout = RoomFanout(self.wake)

    def wake(self) -> None:
        """
        Flush at the end of this reactor turn, though no outbox asked yet.
        """
        if self._call is None:
            self._call = self.clock.callLater(0, self.flush)

    def schedule(self, outbox: Outbox) -> None:
        """
        Flush C{outbox} at the end of this reactor turn.
        """
        self._dirty.append(outbox)
        if self._call is None:
            self._call = self.clock.callLater(0, self.flush)

    def hurry(self, outbox: Outbox) -> None:
        """
        Flush C{outbox} (which holds output: a flush is due) at the end of
        this turn even while others are held: its connection handled input,
        and waits for the answer.
        """
        self._urgent.append(outbox)

    def flush(self) -> None:
        """
        Hand every pending outbox's data to its transport now (while
        connections wait for a later turn, see the class).
        """
        turns = self.turns
        if turns is None:
            self._flush()
            return
        began = self.clock.seconds()
        try:
            self._flush()
        finally:
            turns.charge(self.clock.seconds() - began)

    def _flush(self) -> None:
        self.fanout.settle()  # first: the outboxes it fills join this flush
        call, self._call = self._call, None
        if call is not None and call.active():  # called directly (shutting down)
            call.cancel()
        dirty, self._dirty = self._dirty, []
        urgent, self._urgent = self._urgent, []
        turns = self.turns
        if turns is not None and turns.busy():
            for outbox in urgent:
                outbox.flush()
            held = self._held
            due = -(-len(held) // turns.holdTurns)
            for outbox in held[:due]:
                outbox.flush()
            del held[:due]
            held.extend(dirty)  # an outbox flushed early is only in it twice
            if held and self._call is None:
                self._call = self.clock.callLater(0, self.flush)
            return
        if self._held:  # what is urgent is in one list or the other
            dirty, self._held = self._held + dirty, []
        for outbox in dirty:
            outbox.flush()

    def cancel(self) -> None:
        """
        Drop the pending flush (for shutting down cleanly: L{flush} first);
        held output is handed on now.
        """
        held, self._held = self._held, []
        for outbox in held:
            outbox.flush()
        if self._call is not None and self._call.active():
            self._call.cancel()
        self._call = None
