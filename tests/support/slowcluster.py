"""
An observer standing in for a cluster whose other nodes answer late: what
waits for them (L{chatd.core.calls.afterHeard}) waits for the test.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from twisted.internet.defer import Deferred, succeed


class SlowCluster:
    """
    An observer that tells nothing, and whose C{everyoneHeard} answers at
    once until C{slow} says so; then when the test says, as a cluster's
    round trip does.
    """

    def __init__(self, slow: Callable[[], bool]) -> None:
        self.slow = slow
        self.heard: list[Deferred[None]] = []

    def everyoneHeard(self) -> Deferred[None]:
        if not self.slow():
            return succeed(None)
        self.heard.append(Deferred())
        return self.heard[-1]

    def reachesEveryone(self) -> bool:
        return True

    def absentElsewhere(self, member: object) -> bool:
        return False

    def __getattr__(self, name: str) -> Any:
        return lambda *args, **kwargs: None
