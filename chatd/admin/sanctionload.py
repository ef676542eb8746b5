# -*- test-case-name: tests.unit.admin.test_sanctionload -*-
"""
Loading the stored sanctions at start, and again while their database is
unavailable.

Logins are refused until the sanctions are known (L{Moderation.whenLoaded}:
nobody banned may slip in), so a load that failed because the database was
down must be tried again, on the chat store's schedule (L{LOAD_RETRY}), or
nobody could log in after the database comes back.  Until they load,
L{ChatStats.sanctionsProblem} says why, for C{/healthz}, C{/metrics} and the
console's C{stats}.
"""

from __future__ import annotations

from twisted.internet.defer import Deferred
from twisted.internet.interfaces import IDelayedCall, IReactorTime
from twisted.logger import Logger
from twisted.python.failure import Failure

from chatd.core.metrics import ChatStats
from chatd.core.moderation import Moderation
from chatd.core.persistence import LOAD_RETRY
from chatd.core.sanctionstart import RenamedSource
from chatd.modstore import IModerationStore
from chatd.storage.health import isOutage, oneLine

#: L{ChatStats.sanctionsProblem} while the first load is under way.
LOADING = "the sanctions are not loaded yet"


class SanctionLoading:
    """
    Load C{store}'s sanctions into C{moderation}, retrying every
    L{LOAD_RETRY} seconds while the database is unavailable.

    @ivar failures: failed attempts since the last successful load.
    """

    log = Logger()

    def __init__(
        self,
        moderation: Moderation,
        store: IModerationStore,
        clock: IReactorTime,
        stats: ChatStats,
        renamed: RenamedSource | None = None,
    ) -> None:
        self.moderation = moderation
        self.store = store
        self.renamed = renamed  # the chat database's renamed keys, which sanctions follow
        self.clock = clock
        self.stats = stats
        self.failures = 0
        self._retry: IDelayedCall | None = None

    def start(self) -> None:
        self.stats.sanctionsProblem = LOADING
        self._attempt()

    def stop(self) -> None:
        if self._retry is not None and self._retry.active():
            self._retry.cancel()
        self._retry = None

    def _attempt(self) -> None:
        self._retry = None
        restored = Deferred.fromCoroutine(self.moderation.restore(self.store, self.renamed))
        restored.addCallbacks(self._loaded, self._failed)

    def _loaded(self, count: int) -> None:
        self.stats.sanctionsProblem = None
        if self.failures:
            self.log.info(
                "moderation: the sanctions are loaded after {failures} failed attempts;"
                " logins are accepted again",
                failures=self.failures,
            )
        self.failures = 0
        self.log.info("moderation: {count} sanctions in force", count=count)

    def _failed(self, failure: Failure) -> None:
        self.failures += 1
        self.stats.sanctionsProblem = f"the sanctions could not be loaded: {oneLine(failure.value)}"
        if not isOutage(failure.value):
            self.log.failure("could not load the moderation store; logins are refused", failure)
            return
        if self.failures == 1:
            self.log.failure(
                "could not load the moderation store; trying again every {every} s"
                " (logins are refused until it loads)",
                failure,
                every=LOAD_RETRY,
            )
        self._retry = self.clock.callLater(LOAD_RETRY, self._attempt)
