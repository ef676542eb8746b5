# -*- test-case-name: tests.unit.cluster.test_cluster_bus,tests.unit.cluster.test_cluster_outage -*-
"""
Filling a gap in one node's envelopes from what its sender remembers,
instead of trading whole states.

Envelopes go missing when Redis restarts before their receiver read them,
when a slow receiver's inbox was trimmed, or when a sender's queue
overflowed.  Each sender keeps the last L{REPLAY_LIMIT} envelopes it
numbered for each receiving node (L{SentLog}); a receiver that sees a jump
in a node's numbers holds what came after it (L{Holds}) and asks that node
to resume from the last one it has.  The sender appends the missing
envelopes again, with their own numbers, and the receiver dispatches them
and then what it held, in order: nothing lost, nothing told out of order.
A request to resume is answered even when it comes past the sender's own
gap from the asker (L{chatd.cluster.receiving}), so two nodes with a gap
each fill both.  Only when the sender no longer has them, or does not
answer within L{HOLD_TIMEOUT}, does the receiver take what it held with
the gap, name the numbers it gave up to the sender (whose node sends the
private messages among them again, L{chatd.cluster.receipts}) and fall
back to a whole state.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import deque
from collections.abc import Callable
from itertools import islice
from typing import Any

from twisted.internet.interfaces import IDelayedCall, IReactorTime
from twisted.python.failure import Failure

#: Envelopes a sender keeps per receiving node (about 200 bytes each): a
#: Redis restart loses only what was not yet read, a few turns' worth.
REPLAY_LIMIT = 5000

#: Seconds a receiver holds envelopes past a gap for the sender's replay.
HOLD_TIMEOUT = 3.0

#: Envelopes held past a gap at most, per sending node.
HOLD_LIMIT = 10000

#: A held envelope: its number, kind and fields.
Held = tuple[int, str, dict[str, Any]]


def _number(held: Held) -> int:
    return held[0]


class SentLog:
    """
    The envelopes this node numbered for each receiving node, the newest
    L{REPLAY_LIMIT}, in order: (number, kind, text).
    """

    def __init__(self, limit: int = REPLAY_LIMIT) -> None:
        self.limit = limit
        self._sent: dict[str, deque[tuple[int, str, str]]] = {}

    def record(self, node: str, seq: int, kind: str, text: str) -> None:
        if (log := self._sent.get(node)) is None:
            log = self._sent[node] = deque(maxlen=self.limit)
        log.append((seq, kind, text))

    def after(self, node: str, seq: int, last: int) -> list[tuple[str, str]] | None:
        """
        The (kind, text) of every envelope for C{node} numbered above
        C{seq}, up to C{last} (the newest), or None if some of them are no
        longer kept.
        """
        if seq >= last:
            return []
        log = self._sent.get(node)
        if not log or log[0][0] > seq + 1:
            return None
        return [(kind, text) for _, kind, text in islice(log, seq + 1 - log[0][0], None)]

    def voided(self, failure: Failure, node: str, seq: int, head: str) -> Failure:
        """
        The envelope numbered C{seq} for C{node} was refused (its sender
        told it was not sent): an envelope that carries nothing (C{head}
        and its number) is resent in its place, if still kept.
        """
        log = self._sent.get(node)
        if log and log[0][0] <= seq <= log[-1][0]:
            log[seq - log[0][0]] = (seq, "void", f'{head}{seq},"k":"void"}}')
        return failure

    def forget(self, node: str) -> None:
        self._sent.pop(node, None)


class Holds:
    """
    Per sending node, the envelopes that came after a gap, until the gap is
    filled or given up on.

    @ivar onExpired: called with a node whose gap was not filled within
        C{timeout} seconds.
    @ivar held: per node waited on, what it sent past the gap, in order
        (empty when no node is: the receiver's hot path checks only that).
    """

    def __init__(
        self,
        clock: IReactorTime,
        onExpired: Callable[[str], None],
        timeout: float = HOLD_TIMEOUT,
        limit: int = HOLD_LIMIT,
    ) -> None:
        self.clock = clock
        self.onExpired = onExpired
        self.timeout = timeout
        self.limit = limit
        self.held: dict[str, list[Held]] = {}
        self._timers: dict[str, IDelayedCall] = {}

    def hold(self, node: str, seq: int, kind: str, fields: dict[str, Any]) -> bool:
        """
        Keep an envelope from C{node} until its gap is settled; true when
        this starts the wait (the caller then asks for the missing ones).
        """
        held = self.held.get(node)
        if held is None:
            self.held[node] = [(seq, kind, fields)]
            self._timers[node] = self.clock.callLater(self.timeout, self.onExpired, node)
            return True
        at = bisect_left(held, seq, key=_number)
        if at == len(held) or held[at][0] != seq:  # else a duplicate
            held.insert(at, (seq, kind, fields))
        return False

    def full(self, node: str) -> bool:
        return len(self.held.get(node, ())) >= self.limit

    def takeRun(self, node: str, last: int) -> list[Held]:
        """
        The held envelopes from C{node} that follow C{last} without a gap,
        taken out (the wait ends with the last of them).
        """
        held = self.held.get(node)
        if held is None:
            return []
        while held and held[0][0] <= last:  # resent meanwhile: dispatched already
            del held[0]
        run = 0
        while run < len(held) and held[run][0] == last + 1 + run:
            run += 1
        taken = held[:run]
        del held[:run]
        if not held:
            self.release(node)
        return taken

    def release(self, node: str) -> list[Held]:
        """
        Stop waiting for C{node}: what was held, in order.
        """
        timer = self._timers.pop(node, None)
        if timer is not None and timer.active():
            timer.cancel()
        return self.held.pop(node, [])
