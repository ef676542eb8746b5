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

from chatd.core.errors import StoreUnavailable


class PendingWrites:
    """
    The writes under way; a failed one is counted and never raised to
    whoever waits.  One that failed for a bug or a refused value is logged
    (with C{what}); one the database was unavailable for is not: the store
    logs its outages, the first with its traceback and then at most one
    line every C{--store-log-every}, and a failed write a command awaited
    is said in its reply.  A write done again once the database answers
    (a room's settings: L{chatd.core.storedsettings}) and refused for an
    outage is counted in C{postponed} instead, as not stored yet.
    """

    log = Logger()

    def __init__(self, what: str) -> None:
        self.what = what
        self.failures = 0  # writes failed since start (a command awaiting its own reads this)
        self.postponed = 0  # writes refused for an outage since start, to be done again
        self._underWay: set[Deferred[bool]] = set()

    def keep(self, write: Deferred[Any], doneAgain: bool = False) -> None:
        """
        Track C{write} until it ends; C{doneAgain}: refused for an outage,
        it is done again once the database answers (L{postponed}).
        """
        ended: Deferred[bool] = Deferred()
        self._underWay.add(ended)

        def end(result: object) -> None:
            self._underWay.discard(ended)
            if isinstance(result, Failure) and doneAgain and result.check(StoreUnavailable):
                self.postponed += 1
                ended.callback(True)
                return
            if isinstance(result, Failure):
                self.failures += 1
                if not result.check(StoreUnavailable):
                    self.log.failure(self.what, result)
            ended.callback(not isinstance(result, Failure))

        write.addBoth(end)

    def settled(self) -> Deferred[bool]:
        """
        Fires once every write under way now has ended: C{True} if each
        was stored (or L{postponed}), C{False} if one failed (and was
        logged).
        """
        if not self._underWay:
            return succeed(True)
        waited: Deferred[Any] = DeferredList(list(self._underWay))
        return waited.addCallback(lambda results: all(stored for _, stored in results))
