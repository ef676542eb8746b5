"""
Tests for L{chatd.core.moments}: each message has a moment of its own, in
order, never more than L{AHEAD} milliseconds ahead of the clock.
"""

from __future__ import annotations

from twisted.internet.task import Clock
from twisted.trial.unittest import SynchronousTestCase

from chatd.core.moments import AHEAD, Moments, latestMarkable


class MomentsTests(SynchronousTestCase):
    def setUp(self) -> None:
        self.clock = Clock()
        self.clock.advance(1_700_000_000.5)
        self.moments = Moments(self.clock)

    def test_ownMillisecondInOrder(self) -> None:
        """
        Messages said within one millisecond get the following ones; once
        the clock passed them, the clock's again.
        """
        self.assertEqual(
            [self.moments.next() for _ in range(3)], [1_700_000_000_500 + i for i in range(3)]
        )
        self.clock.advance(0.01)
        self.assertEqual(self.moments.next(), 1_700_000_000_510)

    def test_burstRunsAheadBoundedly(self) -> None:
        """
        A burst of a thousand messages in one millisecond runs at most
        L{AHEAD} milliseconds ahead of the clock, never back; the moments
        then go on from there, and follow the clock again once it caught up.
        """
        burst = [self.moments.next() for _ in range(1000)]
        self.assertEqual(burst, sorted(burst))
        self.assertEqual(burst[AHEAD], 1_700_000_000_500 + AHEAD)
        self.assertEqual(burst[-1], 1_700_000_000_500 + AHEAD)
        self.clock.advance(0.05)  # the burst's moments are ahead still, by less
        self.assertEqual(self.moments.next(), 1_700_000_000_500 + AHEAD + 1)
        self.clock.advance(0.2)
        self.assertEqual(self.moments.next(), 1_700_000_000_750)

    def test_markableCoversABurst(self) -> None:
        """
        A read marker may name the last moment of a burst even when it ran
        past the clock's second; not further.
        """
        self.clock.advance(0.45)  # .950 s
        self.assertEqual(latestMarkable(self.clock), 1_700_000_000_950 + AHEAD)
        self.clock.advance(-0.9)  # .050 s: the second's end is later
        self.assertEqual(latestMarkable(self.clock), 1_700_000_000_999)
