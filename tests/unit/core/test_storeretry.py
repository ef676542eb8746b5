"""
Tests for L{chatd.core.storeretry}: a store step run again while the store
is away, on a L{Clock}.
"""

from __future__ import annotations

from twisted.internet.defer import Deferred, fail, succeed
from twisted.internet.task import Clock
from twisted.trial.unittest import SynchronousTestCase

from chatd.core.errors import StoreUnavailable
from chatd.core.storeretry import FIRST, LONGEST, Retries, nextWait


class RetriesTests(SynchronousTestCase):
    def setUp(self) -> None:
        self.clock = Clock()
        self.retries = Retries(self.clock)
        self.tries: list[float] = []
        self.down = True
        self.wanted = True

    def step(self) -> Deferred[str]:
        self.tries.append(self.clock.seconds())
        return fail(StoreUnavailable()) if self.down else succeed("done")

    def until(self) -> Deferred[str]:
        return Deferred.fromCoroutine(self.retries.until(self.step, lambda: self.wanted, "bob"))

    def test_backOff(self) -> None:
        """
        Tried again after 1 s, then twice as long each time, at most
        L{LONGEST} apart, until the store takes it.
        """
        self.assertEqual(nextWait(0), FIRST)
        self.assertEqual(nextWait(LONGEST), LONGEST)
        d = self.until()
        for _ in range(300):
            self.clock.advance(1)
        self.assertNoResult(d)
        self.assertEqual(self.tries[:5], [0, 1, 3, 7, 15])
        gaps = [b - a for a, b in zip(self.tries, self.tries[1:], strict=False)]
        self.assertEqual(max(gaps), LONGEST)
        self.down = False
        self.clock.advance(LONGEST)
        self.assertEqual(self.successResultOf(d), "done")
        self.assertEqual(self.retries.waiting(), 0)

    def test_firstOutageTold(self) -> None:
        """
        The first outage of a step is told (to be logged once), not the
        tries after it.
        """
        told: list[StoreUnavailable] = []
        d = Deferred.fromCoroutine(self.retries.until(self.step, lambda: True, "bob", told.append))
        self.clock.advance(FIRST)
        self.clock.advance(FIRST * 2)
        self.assertEqual(len(self.tries), 3)
        self.assertEqual(len(told), 1)
        self.assertIsInstance(told[0], StoreUnavailable)
        self.down = False
        self.clock.advance(FIRST * 4)
        self.assertEqual(self.successResultOf(d), "done")
        self.assertEqual(len(told), 1)

    def test_noLongerWanted(self) -> None:
        """
        A step no longer wanted ends at its next try with the outage, and
        at once when L{Retries.wake} names it.
        """
        d = self.until()
        self.wanted = False
        self.assertEqual(self.retries.waiting(), 1)
        self.retries.wake("alice")
        self.assertNoResult(d)
        self.retries.wake("bob")
        self.failureResultOf(d, StoreUnavailable)
        self.assertEqual(self.tries, [0])
        self.assertEqual(self.retries.waiting(), 0)
        self.assertEqual(self.clock.getDelayedCalls(), [])
