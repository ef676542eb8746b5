"""
L{SkewedClock}: a node's clock set ahead of (or behind) the others', for
the tests of how the cluster ranks room changes made on nodes whose clocks
differ.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from twisted.internet.interfaces import IDelayedCall, IReactorTime
from twisted.internet.task import Clock
from zope.interface import implementer


@implementer(IReactorTime)
class SkewedClock:
    """
    C{clock}, read C{ahead} seconds ahead (behind, if negative); its calls
    are the clock's, so they run as the other nodes' do.
    """

    def __init__(self, clock: Clock, ahead: float) -> None:
        self.clock, self.ahead = clock, ahead

    def seconds(self) -> float:
        return self.clock.seconds() + self.ahead

    def callLater(
        self, delay: float, callable: Callable[..., Any], *args: object, **kw: object
    ) -> IDelayedCall:
        return self.clock.callLater(delay, callable, *args, **kw)

    def getDelayedCalls(self) -> Sequence[IDelayedCall]:
        return self.clock.getDelayedCalls()
