# -*- test-case-name: tests.integration.test_store -*-
"""
L{Database}: the plumbing every SQL store shares.  Queries run in
L{twisted.enterprise.adbapi}'s threads, written once with C{?} placeholders
for both drivers, and a database that does not answer becomes
L{errors.StoreUnavailable} (users see "try again later") and is reported
through L{StoreHealth}, by kind: L{QUERY} for what only reads, L{WRITE}
for what changes the database.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from twisted.enterprise import adbapi
from twisted.internet.defer import Deferred
from twisted.internet.interfaces import IDelayedCall, IReactorTime
from twisted.python.failure import Failure

from chatd.core import errors
from chatd.storage.health import QUERY, WRITE, StoreHealth, isOutage
from chatd.storage.migration import convert
from chatd.storage.watchdog import QueryWatchdog

T = TypeVar("T")
Cursor = Any

#: The longest, in seconds, L{Database.check} waits for the database.
CHECK_WAIT = 1.0

#: The C{settings} row L{Database.probeWrite} writes and removes again.
PROBE_SETTING = "chatd health probe"


class Database:
    """
    One connection pool, its placeholder style and its health.

    @ivar paramstyle: C{"qmark"} (SQLite) or C{"format"} (psycopg); queries
        are written with C{?} and converted once, as Synapse does.
    @ivar health: how the database answers (see L{StoreHealth}).
    @ivar watchdog: the bound on one interaction (see L{QueryWatchdog}).
    """

    def __init__(
        self,
        pool: adbapi.ConnectionPool,
        clock: IReactorTime,
        paramstyle: str = "qmark",
        logEvery: float = 60.0,
        watchdog: QueryWatchdog | None = None,
    ) -> None:
        self.pool = pool
        self.paramstyle = paramstyle
        self.health = StoreHealth(clock, logEvery)
        self.watchdog = watchdog or QueryWatchdog(clock, None)
        self.health.recheck(QUERY, self.probeQuery)
        self.health.recheck(WRITE, self.probeWrite)
        self._probe: Deferred[None] | None = None
        self._checks: list[tuple[Deferred[str | None], IDelayedCall]] = []

    def sql(self, query: str) -> str:
        """
        C{query}, written with C{?} placeholders, in this driver's style.
        """
        return convert(query, self.paramstyle)

    def run(
        self, fn: Callable[..., T], *args: Any, what: str | None, bounded: bool = True
    ) -> Deferred[T]:
        """
        C{fn(cursor, *args)} in one transaction on a pool thread (adbapi is
        unannotated; this is its one typed entry).  If the database is
        unavailable the result fails with L{errors.StoreUnavailable} (the
        driver's error is its C{__cause__}), and L{health} hears that it
        could not C{what}: L{QUERY} if C{fn} only reads, L{WRITE} if it
        changes anything (C{None}: the caller tells L{health} itself).
        An interaction the database leaves unanswered fails the same way
        once L{watchdog}'s bound passed, unless not C{bounded}: the load at
        start and the bulk removals (a room, an account, a member's
        messages), which may rightly take long on a big history; the TCP
        settings still end a dead link under them (L{chatd.storage.postgres}).
        """
        start = self.pool.runInteraction
        d: Deferred[T] = self.watchdog.run(start, fn, *args) if bounded else start(fn, *args)
        return d.addCallbacks(
            self._answered, self._unavailable, callbackArgs=(what,), errbackArgs=(what,)
        )

    def _answered(self, result: T, what: str | None) -> T:
        if what is not None:
            self.health.recovered(what)
        return result

    def _unavailable(self, failure: Failure, what: str | None) -> Failure:
        if not isOutage(failure.value) or failure.check(errors.StoreUnavailable):
            return failure
        if what is not None:
            self.health.failed(what, failure)
        error = errors.StoreUnavailable()
        error.__cause__ = failure.value
        return Failure(error)

    def execute(self, query: str, *args: Any) -> Deferred[None]:
        """
        Run one statement, in its own transaction.
        """

        def run(txn: Cursor) -> None:
            txn.execute(self.sql(query), args)

        return self.run(run, what=WRITE)

    def select(self, query: str, *args: Any) -> Deferred[list[tuple[Any, ...]]]:
        """
        The rows of one query.
        """

        def run(txn: Cursor) -> list[tuple[Any, ...]]:
            txn.execute(self.sql(query), args)
            return list(txn.fetchall())

        return self.run(run, what=QUERY)

    def probeQuery(self, what: str | None = None) -> Deferred[None]:
        """
        Whether the database answers a trivial query now (reported as
        C{what}; L{health} calls this while L{QUERY} fails, and reports it
        itself).
        """

        def probe(txn: Cursor) -> None:
            txn.execute("SELECT 1")

        return self.run(probe, what=what)

    def probeWrite(self) -> Deferred[None]:
        """
        Whether the database takes writes now: one transaction that adds a
        row and removes it again, committed (a transaction rolled back may
        never reach the disk, so a full disk would go unseen).  Reported by
        L{health}, which calls this while L{WRITE} fails.
        """

        def probe(txn: Cursor) -> None:
            txn.execute(self.sql("DELETE FROM settings WHERE name = ?"), (PROBE_SETTING,))
            txn.execute(
                self.sql("INSERT INTO settings (name, value) VALUES (?, ?)"), (PROBE_SETTING, "")
            )
            txn.execute(self.sql("DELETE FROM settings WHERE name = ?"), (PROBE_SETTING,))

        return self.run(probe, what=None)

    def check(self) -> Deferred[str | None]:
        """
        Try the database now with a trivial query (one at a time), for
        C{/healthz}, which must never wait on a database that does not
        answer: fires with L{StoreHealth.problem} once the query answered,
        at once if a problem is known already (the query still runs, so the
        next check sees a recovery), or after L{CHECK_WAIT} seconds at most
        (what is known then: the watchdog tells a silent database later).
        """
        if self._probe is None:
            probe = self._probe = self.probeQuery(QUERY)
            probe.addBoth(self._probed)  # may answer at once, and end it
        d: Deferred[str | None] = Deferred()
        if self._probe is None or self.health.problem is not None:
            d.callback(self.health.problem)
            return d
        timer = self.health.clock.callLater(CHECK_WAIT, self._tell, d)
        self._checks.append((d, timer))
        return d

    def _probed(self, result: object) -> None:
        self._probe = None
        checks, self._checks = self._checks, []
        for d, timer in checks:
            timer.cancel()
            self._tell(d)

    def _tell(self, d: Deferred[str | None]) -> None:
        self._checks = [(waiting, timer) for waiting, timer in self._checks if waiting is not d]
        d.callback(self.health.problem)
