# -*- test-case-name: tests.unit.lines.test_throttle -*-
"""
The token bucket every rate limit in chatd uses: the line protocols' flood
control (TCHAT, talk, IRC), the WebSocket request limit and the admission
policy's new connections per address.

One class, so that "C{burst} at once, then C{rate} a second" means the same
thing everywhere; and one rule of what text costs (L{textTokens}), so that
the same message costs the same on every front-end.  It reads the
reactor's clock (a L{task.Clock} in tests) and refills lazily, when asked:
it holds no timer of its own.
"""

from __future__ import annotations

from collections.abc import Iterable

from twisted.internet.interfaces import IReactorTime

#: Lines a throttled line client (TCHAT, talk, IRC) may have waiting for the
#: flood limit beyond the lines of one whole message (L{waitingLines}).
WAITING_LINES = 50


def waitingLines(bodyLines: int) -> int:
    """
    Lines a line client may have waiting for its flood limit before its
    connection ends as a flood: L{WAITING_LINES} beyond the C{bodyLines}
    of a whole message (C{--max-body-lines}: a TCHAT body, an IRC
    C{draft/multiline} batch), which may come at once.  On top of the burst
    let through at once, so a paste that fits a message is never cut.
    """
    return WAITING_LINES + bodyLines


def waitingNotice(rate: float) -> str:
    """
    What a line client is told, once, when its lines start to wait for its
    flood limit of C{rate} lines a second.
    """
    lines = "line" if rate == 1 else "lines"
    return (
        f"you are sending faster than {rate:g} {lines} a second:"
        " your lines wait and are sent in turn"
    )


def textTokens(lines: Iterable[str], lineBytes: int) -> int:
    """
    The tokens text costs under a flood limit: one per line, as a line
    protocol (TCHAT, talk) reads it, where a line holds at most C{lineBytes}
    bytes of UTF-8 (C{--max-line-length}); so a longer line, which another
    front-end may send whole, counts as the lines it would take there.  At
    least one.
    """
    sizes = (len(line.encode("utf-8", "surrogatepass")) for line in lines)  # (JSON: lone ones)
    return max(1, sum(max(1, -(-size // lineBytes)) for size in sizes))


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
