# -*- test-case-name: tests.unit.core.test_tokenbucket -*-
"""
The token bucket every rate limit in chatd uses: the line protocols' flood
control (TCHAT, talk, IRC), the WebSocket request limit, the admission
policy's new connections per address, the accounts registered per address
and the pace of renames, entries and history answers per person.

One class, so that "C{burst} at once, then C{rate} a second" means the same
thing everywhere.  It reads the reactor's clock (a L{task.Clock} in tests)
and refills lazily, when asked: it holds no timer of its own.
"""

from __future__ import annotations

from twisted.internet.interfaces import IReactorTime


class TokenBucket:
    """
    Up to C{burst} tokens, refilled at C{rate} tokens a second; one token
    per action (a line, a request, a connection), or one per line of a
    message sent at once (L{take}).  It starts full.

    @ivar rate: tokens added per second (positive).
    @ivar burst: the most tokens held, hence the most actions at once.
    """

    # One per connection or per address: slots keep it small.
    __slots__ = ("clock", "rate", "burst", "_tokens", "_stamp")

    def __init__(self, clock: IReactorTime, rate: float, burst: float) -> None:
        self.clock = clock
        self.rate = rate
        self.burst = burst
        self._tokens = float(burst)
        self._stamp = clock.seconds()

    def available(self) -> float:
        """
        The tokens held now (possibly a fraction: less than 1 means an
        action would have to wait).
        """
        now = self.clock.seconds()
        if self._tokens < self.burst:
            self._tokens = min(self.burst, self._tokens + (now - self._stamp) * self.rate)
        self._stamp = now
        return self._tokens

    def ready(self) -> bool:
        """
        Whether L{take} would succeed now, without spending anything: for a
        caller that spends only once its other checks pass.
        """
        return self.available() >= 1.0

    def take(self, tokens: float = 1.0) -> bool:
        """
        Spend C{tokens} (an action that counts as several, a message of that
        many lines) if the bucket holds them.  One costing more than C{burst}
        needs a full bucket and leaves it owing the rest: the next action
        waits until that is refilled too.

        @return: whether the action may go ahead.
        """
        if self.available() < max(1.0, min(tokens, self.burst)):
            return False
        self._tokens -= tokens
        return True

    def charge(self, tokens: float) -> None:
        """
        Spend C{tokens} whatever the bucket holds, for what is counted only
        once it is done (the bytes of an answer): the bucket may be left
        owing, and L{wait} counts the debt.
        """
        self._tokens = self.available() - tokens

    def give(self, tokens: float = 1.0) -> None:
        """
        Give back C{tokens} taken for an action that did not happen after
        all (never beyond C{burst}).
        """
        self._tokens = min(self.burst, self.available() + tokens)

    def full(self) -> bool:
        """
        Whether the bucket is full again: as good as a new one, so a table
        of buckets may forget it.
        """
        return self.available() >= self.burst

    def wait(self) -> float:
        """
        Seconds until one token is there (0 if one is there now).
        """
        return max(0.0, (1.0 - self.available()) / self.rate)
