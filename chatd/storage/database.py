# -*- test-case-name: tests.integration.test_store -*-
"""
L{Database}: the plumbing every SQL store shares.  Queries run in
L{twisted.enterprise.adbapi}'s threads, written once with C{?} placeholders
for both drivers, and a database that does not answer becomes
L{errors.StoreUnavailable} (users see "try again later") and is reported
through L{StoreHealth}.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from twisted.enterprise import adbapi
from twisted.internet.defer import Deferred
from twisted.internet.interfaces import IReactorTime
from twisted.python.failure import Failure

from chatd.core import errors
from chatd.storage.health import StoreHealth, isOutage
from chatd.storage.migration import convert

T = TypeVar("T")
Cursor = Any


class Database:
    """
    One connection pool, its placeholder style and its health.

    @ivar paramstyle: C{"qmark"} (SQLite) or C{"format"} (psycopg); queries
        are written with C{?} and converted once, as Synapse does.
    @ivar health: how the database answers (see L{StoreHealth}).
    """

    def __init__(
        self,
        pool: adbapi.ConnectionPool,
        clock: IReactorTime,
        paramstyle: str = "qmark",
        logEvery: float = 60.0,
    ) -> None:
        self.pool = pool
        self.paramstyle = paramstyle
        self.health = StoreHealth(clock, logEvery)
        self._probe: Deferred[str | None] | None = None

    def sql(self, query: str) -> str:
        """
        C{query}, written with C{?} placeholders, in this driver's style.
        """
        return convert(query, self.paramstyle)

    def run(self, fn: Callable[..., T], *args: Any, what: str | None = "query") -> Deferred[T]:
        """
        C{fn(cursor, *args)} in one transaction on a pool thread (adbapi is
        unannotated; this is its one typed entry).  If the database is
        unavailable the result fails with L{errors.StoreUnavailable} (the
        driver's error is its C{__cause__}), and L{health} hears that it
        could not C{what} (unless C{None}: the message writer tells it).
        """
        d: Deferred[T] = self.pool.runInteraction(fn, *args)
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

        return self.run(run)

    def select(self, query: str, *args: Any) -> Deferred[list[tuple[Any, ...]]]:
        """
        The rows of one query.
        """

        def run(txn: Cursor) -> list[tuple[Any, ...]]:
            txn.execute(self.sql(query), args)
            return list(txn.fetchall())

        return self.run(run)

    def check(self) -> Deferred[str | None]:
        """
        Try the database now with a trivial query (one at a time); fires
        with L{StoreHealth.problem} afterwards.
        """
        if self._probe is None:

            def probe(txn: Cursor) -> None:
                txn.execute("SELECT 1")

            def done(result: object) -> str | None:
                self._probe = None
                return self.health.problem

            self._probe = self.run(probe).addBoth(done)
        d: Deferred[str | None] = Deferred()

        def share(problem: str | None) -> str | None:
            d.callback(problem)
            return problem

        self._probe.addCallback(share)
        return d
