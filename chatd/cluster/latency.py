# -*- test-case-name: tests.unit.cluster.test_cluster_latency -*-
"""
A Redis slow to answer, told once.

A node's publications go to Redis on one connection, and Redis answers
them in order.  When Redis hangs (C{kill -STOP}, a stalled disk under
C{appendfsync always}) the connection stays up, and nothing is known to be
wrong until the heartbeat's reply times out and the link is dropped
(L{chatd.cluster.redis}: about 5 s).  Meanwhile room messages are
acknowledged and wait, but a private message to another node waits for
Redis's answer (L{chatd.cluster.bus.Bus.sendTo}, at most L{ACK_WAIT}), and
its sender's later lines wait behind it; once the spell is known
(L{Latency.stalled}), a further one is refused at once, so no line waits
more than L{ACK_WAIT} in all.  L{Latency} logs once per such
spell that a publication has waited past L{SLOW_AFTER}, and once more when
Redis answers again (after a reconnection, if the link was dropped).
"""

from __future__ import annotations

from collections import deque
from typing import Any

from twisted.internet.defer import Deferred
from twisted.internet.interfaces import IDelayedCall, IReactorTime
from twisted.logger import Logger
from twisted.python.failure import Failure

#: Seconds a publication waits for Redis's answer before it is logged as slow.
SLOW_AFTER = 1.0

#: Seconds a private message to another node waits for Redis's answer at
#: most: then its sender is refused (and told later if it arrived after
#: all, L{chatd.cluster.receipts}).
ACK_WAIT = 2.0


class Latency:
    """
    Watches the publications waiting for Redis's answer, oldest first.
    """

    log = Logger()

    def __init__(self, clock: IReactorTime, after: float = SLOW_AFTER) -> None:
        self.clock = clock
        self.after = after
        #: When each publication still waiting was sent, oldest first.
        self._sent: deque[float] = deque()
        self._timer: IDelayedCall | None = None
        #: When the oldest publication of a slow spell was sent (None: none).
        self.slowSince: float | None = None

    def watch(self, publishing: Deferred[Any]) -> None:
        """
        Watch C{publishing}, a publication just sent.
        """
        self._sent.append(self.clock.seconds())
        if self._timer is None:
            self._timer = self.clock.callLater(self.after, self._check)
        publishing.addBoth(self._answered)

    def stalled(self) -> bool:
        """
        Whether a publication has waited past L{SLOW_AFTER} and Redis has
        not answered since (it answers in order): a slow spell is known.
        """
        return bool(self._sent) and self.clock.seconds() - self._sent[0] >= self.after

    def _answered(self, result: object) -> object:
        self._sent.popleft()  # answers come in order
        if not self._sent and self._timer is not None:
            self._timer.cancel()  # nothing waits: nothing to check, no timer left behind
            self._timer = None
        if self.slowSince is not None and not isinstance(result, Failure):
            self.log.info(
                "Redis answers again, {seconds:.1f} s after the first publication it was slow to"
                " answer",
                seconds=self.clock.seconds() - self.slowSince,
            )
            self.slowSince = None
        return result

    def _check(self) -> None:
        self._timer = None
        if not self._sent:
            return
        waited = self.clock.seconds() - self._sent[0]
        if waited < self.after:
            self._timer = self.clock.callLater(self.after - waited, self._check)
            return
        if self.slowSince is None:
            self.slowSince = self._sent[0]
            self.log.warn(
                "Redis is slow to answer: a publication has waited {seconds:.1f} s; private"
                " messages to other nodes are refused until it answers",
                seconds=waited,
            )
        self._timer = self.clock.callLater(self.after, self._check)
