"""
Tests for L{chatd.lines.idle}: every connection's liveness deadline on one timer.
"""

from __future__ import annotations

from twisted.internet.task import Clock
from twisted.trial.unittest import SynchronousTestCase

from chatd.lines.idle import IdleTimers


class Recorder:
    """
    A watched connection that records when it was checked and may re-arm.
    """

    def __init__(self, timers: IdleTimers, clock: Clock, name: str, log: list[tuple[str, float]]):
        self.timers, self.clock, self.name, self.log = timers, clock, name, log
        self.again: list[float] = []

    def checkIdle(self) -> None:
        self.log.append((self.name, self.clock.seconds()))
        if self.again:
            self.timers.add(self, self.again.pop(0))


class IdleTimersTests(SynchronousTestCase):
    def setUp(self) -> None:
        self.clock = Clock()
        self.timers = IdleTimers(self.clock)
        self.log: list[tuple[str, float]] = []

    def watched(self, name: str) -> Recorder:
        return Recorder(self.timers, self.clock, name, self.log)

    def test_eachAtItsDeadlineOnOneTimer(self) -> None:
        """
        Each connection is checked when its own deadline comes, in order,
        while only one DelayedCall is ever pending.
        """
        a, b, c = self.watched("a"), self.watched("b"), self.watched("c")
        self.timers.add(a, 15)
        self.clock.advance(2)
        self.timers.add(b, 15)
        self.timers.add(c, 5)  # earlier than the pending timer: it moves
        self.assertEqual(len(self.clock.getDelayedCalls()), 1)
        self.clock.pump([1] * 20)
        self.assertEqual(self.log, [("c", 7), ("a", 15), ("b", 17)])
        self.assertEqual(self.clock.getDelayedCalls(), [])

    def test_rearmFromTheCheck(self) -> None:
        """
        A check may set the next deadline; a later, earlier-due deadline of
        another connection is not delayed by it (the keepalive's probe, then
        close, pattern).
        """
        a, b = self.watched("a"), self.watched("b")
        a.again = [14, 15]
        b.again = [15]
        self.timers.add(a, 15)
        self.timers.add(b, 15)
        self.clock.pump([1] * 50)
        self.assertEqual(self.log, [("a", 15), ("b", 15), ("a", 29), ("b", 30), ("a", 44)])
        self.assertEqual(self.clock.getDelayedCalls(), [])

    def test_discard(self) -> None:
        """
        A discarded connection is never checked; once none is left, the timer
        is cancelled and the heap emptied.
        """
        a, b = self.watched("a"), self.watched("b")
        self.timers.add(a, 10)
        self.timers.add(b, 20)
        self.timers.discard(a)
        self.clock.advance(10)
        self.assertEqual(self.log, [])
        self.timers.discard(b)
        self.assertEqual(self.clock.getDelayedCalls(), [])
        self.clock.advance(20)
        self.assertEqual(self.log, [])

    def test_brokenCheckDoesNotStarveOthers(self) -> None:
        """
        A check that raises is logged; the other due connections still get
        theirs.
        """
        a, b = self.watched("a"), self.watched("b")

        def broken() -> None:
            raise RuntimeError("boom")

        a.checkIdle = broken  # type: ignore[method-assign]
        self.timers.add(a, 5)
        self.timers.add(b, 5)
        self.clock.advance(5)
        self.assertEqual(self.log, [("b", 5)])
        self.assertEqual(len(self.flushLoggedErrors(RuntimeError)), 1)

    def test_withinASecondAfterTheDeadline(self) -> None:
        """
        Deadlines share one-second slots: a check comes at its deadline or
        less than a second after it, never before, and connections due in
        the same second are checked together, in the order they were added.
        """
        a, b, c = self.watched("a"), self.watched("b"), self.watched("c")
        self.clock.advance(0.25)
        self.timers.add(a, 10)  # due at 10.25
        self.clock.advance(0.5)
        self.timers.add(b, 9.4)  # due at 10.15
        self.timers.add(c, 10.25)  # due at 11.0: exactly on a slot
        self.clock.advance(10.15 - self.clock.seconds())
        self.assertEqual(self.log, [])
        self.clock.advance(11 - self.clock.seconds() - 0.01)
        self.assertEqual(self.log, [])
        self.clock.advance(0.01)
        self.assertEqual(self.log, [("a", 11), ("b", 11), ("c", 11)])
        self.assertEqual(self.clock.getDelayedCalls(), [])
