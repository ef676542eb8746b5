"""
Tests for L{chatd.core.tokenbucket}: the token bucket behind every rate limit.
"""

from __future__ import annotations

from twisted.internet.task import Clock
from twisted.trial.unittest import SynchronousTestCase

from chatd.core.tokenbucket import TokenBucket


class TokenBucketTests(SynchronousTestCase):
    def setUp(self) -> None:
        self.clock = Clock()
        self.clock.advance(1000)

    def test_burstThenRefused(self) -> None:
        """
        A new bucket is full: C{burst} actions go ahead at once, the next
        one is refused.
        """
        bucket = TokenBucket(self.clock, 2.0, 3)
        self.assertEqual([bucket.take() for _ in range(4)], [True, True, True, False])

    def test_refillsAtRate(self) -> None:
        """
        Once spent, one token comes back every C{1 / rate} seconds.
        """
        bucket = TokenBucket(self.clock, 2.0, 3)
        for _ in range(3):
            bucket.take()
        self.clock.advance(0.4)
        self.assertFalse(bucket.take())
        self.clock.advance(0.1)
        self.assertTrue(bucket.take())
        self.assertFalse(bucket.take())

    def test_neverAboveBurst(self) -> None:
        """
        However long it rests, a bucket holds at most C{burst} tokens.
        """
        bucket = TokenBucket(self.clock, 10.0, 2)
        self.clock.advance(3600)
        self.assertEqual(bucket.available(), 2.0)
        self.assertEqual([bucket.take() for _ in range(3)], [True, True, False])

    def test_refusalSpendsNothing(self) -> None:
        """
        A refused C{take} costs nothing: the refill is not set back.
        """
        bucket = TokenBucket(self.clock, 1.0, 1)
        bucket.take()
        self.clock.advance(0.5)
        self.assertFalse(bucket.take())
        self.clock.advance(0.5)
        self.assertTrue(bucket.take())

    def test_wait(self) -> None:
        """
        L{TokenBucket.wait} tells how long until the next token: 0 while one
        is there, then the time the refill needs.
        """
        bucket = TokenBucket(self.clock, 4.0, 1)
        self.assertEqual(bucket.wait(), 0.0)
        bucket.take()
        self.assertEqual(bucket.wait(), 0.25)
        self.clock.advance(0.125)
        self.assertEqual(bucket.wait(), 0.125)
        self.clock.advance(bucket.wait())
        self.assertTrue(bucket.take())

    def test_readySpendsNothing(self) -> None:
        """
        L{TokenBucket.ready} answers whether C{take} would succeed without
        spending the token.
        """
        bucket = TokenBucket(self.clock, 1.0, 1)
        self.assertTrue(bucket.ready())
        self.assertTrue(bucket.ready())
        self.assertTrue(bucket.take())
        self.assertFalse(bucket.ready())

    def test_full(self) -> None:
        """
        A bucket is full when new, not once spent, and again once refilled.
        """
        bucket = TokenBucket(self.clock, 0.5, 2)
        self.assertTrue(bucket.full())
        bucket.take()
        self.assertFalse(bucket.full())
        self.clock.advance(1.5)
        self.assertFalse(bucket.full())
        self.clock.advance(0.5)
        self.assertTrue(bucket.full())

    def test_slowRate(self) -> None:
        """
        A rate below one a second (the admission's connections per minute)
        refills a fraction of a token at a time.
        """
        bucket = TokenBucket(self.clock, 6 / 60.0, 6)
        self.assertEqual(sum(bucket.take() for _ in range(10)), 6)
        self.clock.advance(9.9)
        self.assertFalse(bucket.take())
        self.clock.advance(0.1)
        self.assertTrue(bucket.take())

    def test_takeSeveral(self) -> None:
        """
        An action costing several tokens (a message's lines) takes them all
        if they are there, and nothing if not.
        """
        bucket = TokenBucket(self.clock, 2.0, 10)
        self.assertTrue(bucket.take(7))
        self.assertFalse(bucket.take(4))
        self.assertEqual(bucket.available(), 3)
        self.assertTrue(bucket.take(3))
        self.assertFalse(bucket.take())

    def test_takeMoreThanTheBurst(self) -> None:
        """
        An action costing more than the burst needs a full bucket and leaves
        it owing the rest, refilled at the rate before anything else goes.
        """
        bucket = TokenBucket(self.clock, 2.0, 10)
        bucket.take()
        self.assertFalse(bucket.take(25))
        self.clock.advance(0.5)
        self.assertTrue(bucket.take(25))
        self.assertEqual(bucket.wait(), 8.0)
        self.clock.advance(7.5)
        self.assertFalse(bucket.take())
        self.clock.advance(0.5)
        self.assertTrue(bucket.take())
