# -*- test-case-name: tests.unit.admin.test_admin_durable -*-
"""
Writes a part of the service starts and does not wait for, and a way to
wait for them when an answer must mean "stored": an operator told
"banned" must find the ban there after a crash a moment later.
"""

from __future__ import annotations

from typing import Any

from twisted.internet.defer import Deferred, DeferredList, succeed
from twisted.logger import Logger
from twisted.python.failure import Failure


class PendingWrites:
    """
    The writes under way; a failed one is logged (with C{what}), never
    raised to whoever waits.
    """

    log = Logger()

    def __init__(self, what: str) -> None:
        self.what = what
        self.failures = 0  # writes failed since start (a command awaiting its own reads this)
        self._underWay: set[Deferred[bool]] = set()

    def keep(self, write: Deferred[Any]) -> None:
        """
        Track C{write} until it ends.
        """
        ended: Deferred[bool] = Deferred()
        self._underWay.add(ended)

        def end(result: object) -> None:
            self._underWay.discard(ended)
            if isinstance(result, Failure):
                self.failures += 1
                self.log.failure(self.what, result)
            ended.callback(not isinstance(result, Failure))

        write.addBoth(end)

    def settled(self) -> Deferred[bool]:
        """
        Fires once every write under way now has ended: C{True} if each
        was stored, C{False} if one failed (and was logged).
        """
        if not self._underWay:
            return succeed(True)
        waited: Deferred[Any] = DeferredList(list(self._underWay))
        return waited.addCallback(lambda results: all(stored for _, stored in results))
