# -*- test-case-name: tests.unit.storage.test_batch,tests.unit.storage.test_health -*-
"""
How the store is doing, for the operator: whether its database answers,
how many messages it refused, and a log that says so at a bounded rate.

A database that is down makes every retry and every query fail; logging each
would grow the log by kilobytes a second and bury the first, useful error.
L{StoreHealth} logs the first failure of an outage with its traceback, then
at most one line every C{logEvery} seconds with a count, and one line when
the store works again.  C{/healthz} and C{/metrics} read L{StoreHealth.problem};
what waits for the store to answer again waits for L{StoreHealth.whenWorks}.

Each kind of use (L{QUERY}, L{WRITE}, writing messages, keeping them in the
journal) fails and recovers on its own: a full disk stops writes while
reads go on, and a read that works says nothing of writes.  A kind that
failed and has a probe (L{StoreHealth.recheck}) is tried again every
C{recheckEvery} seconds, so health recovers without waiting for a user.
"""

from __future__ import annotations

from collections.abc import Callable

from twisted.internet.defer import Deferred, maybeDeferred, succeed
from twisted.internet.interfaces import IDelayedCall, IReactorTime
from twisted.logger import Logger
from twisted.python.failure import Failure

from chatd.core import errors

#: DB-API (and adbapi) exception classes that mean "cannot reach or write the
#: database now": a lost connection, a locked or full database, a server
#: shutting down, no answer in time (L{chatd.storage.watchdog}).  The same
#: request may succeed later.
OUTAGE_ERRORS = frozenset({"OperationalError", "InterfaceError", "ConnectionLost", "QueryTimeout"})

#: The kinds of use L{StoreHealth} follows for every SQL store: reading, and
#: writing anything but chat messages (rooms, memberships, accounts...).
QUERY, WRITE = "query", "save changes"

#: How often, in seconds, a kind that failed is tried again by its probe.
RECHECK_EVERY = 5.0

#: The longest error text L{oneLine} gives (one line for /healthz and the log).
MAX_REASON = 200


def isOutage(error: BaseException | None) -> bool:
    """
    Whether C{error}, raised by a database driver or by adbapi, means the
    database cannot be used now (see L{OUTAGE_ERRORS}; a bare
    C{DatabaseError} is SQLite's "file is not a database" or "disk image is
    malformed"), as opposed to a value the database refuses or a bug, which
    fail again however often they are retried.
    """
    if isinstance(error, errors.StoreUnavailable):
        return True
    names = {cls.__name__ for cls in type(error).__mro__}
    return bool(names & OUTAGE_ERRORS) or type(error).__name__ == "DatabaseError"


#: DB-API exception classes for a value the database refuses.
REFUSAL_ERRORS = frozenset({"DataError", "IntegrityError"})


def isRefusal(error: BaseException | None) -> bool:
    """
    Whether C{error} is the database or its driver refusing a value: a lone
    surrogate SQLite cannot encode, a NUL PostgreSQL does not take in text,
    a number too large, a constraint.  (Anything else that is not an outage
    is a bug.)
    """
    if isinstance(error, UnicodeError | ValueError | OverflowError):
        return True
    return bool({cls.__name__ for cls in type(error).__mro__} & REFUSAL_ERRORS)


def oneLine(error: BaseException | None) -> str:
    """
    C{error} as one short line: its class and the first line of its text.
    """
    cause = error.__cause__ if isinstance(error, errors.StoreUnavailable) else None
    if cause is not None:
        error = cause
    if error is None:
        return "unknown error"
    text = str(error).strip().splitlines()
    line = f"{type(error).__name__}: {text[0].strip()}" if text else type(error).__name__
    return shortened(line, MAX_REASON)


def driverFailure(failure: Failure) -> Failure:
    """
    The driver's error under C{failure} (the C{__cause__} of an
    L{errors.StoreUnavailable}), whose traceback says what went wrong, or
    C{failure} itself.
    """
    error = failure.value
    cause = error.__cause__ if isinstance(error, errors.StoreUnavailable) else None
    if cause is None:
        return failure
    return Failure(cause, type(cause), cause.__traceback__)


def shortened(text: str, limit: int) -> str:
    """
    C{text}, or, when longer than C{limit}, its words that fit with C{...}
    after them: never a word cut in two.
    """
    if len(text) <= limit:
        return text
    return text[: limit - 3].rsplit(" ", 1)[0].rstrip(" ,;:") + "..."


class StoreHealth:
    """
    The store's state as the operator sees it.

    @ivar refused: messages the database refused (and that were skipped)
        since the daemon started.
    @ivar failures: failed attempts to reach the database since start.
    @ivar recheckEvery: seconds between two tries of a failed kind's probe.
    """

    log = Logger()

    def __init__(
        self, clock: IReactorTime, logEvery: float = 60.0, recheckEvery: float = RECHECK_EVERY
    ) -> None:
        self.clock = clock
        self.logEvery = logEvery
        self.recheckEvery = recheckEvery
        self._probes: dict[str, Callable[[], object]] = {}
        self._timers: dict[str, IDelayedCall] = {}
        self._probing: set[str] = set()
        self.refused = 0
        self.failures = 0
        self._problems: dict[str, str] = {}
        self._lastLog: float | None = None
        self._unlogged = 0
        self._loggedDown = False
        self._waiting: list[Deferred[None]] = []

    @property
    def problem(self) -> str | None:
        """
        Why the store does not work now (one line), or C{None} if it does.
        """
        if not self._problems:
            return None
        failing: dict[str, list[str]] = {}  # one error stops queries and writes alike
        for what, error in self._problems.items():
            failing.setdefault(error, []).append(what)
        parts = (f"cannot {' or '.join(whats)}: {error}" for error, whats in failing.items())
        return "; ".join(parts)

    def failed(self, what: str, failure: Failure) -> None:
        """
        An attempt to C{what} ("write messages", "query") failed because the
        database is unavailable; log it if the rate allows.
        """
        self.failures += 1
        self._problems[what] = oneLine(failure.value)
        self._scheduleRecheck(what)
        now = self.clock.seconds()
        if self._lastLog is not None and now - self._lastLog < self.logEvery:
            self._unlogged += 1
            return
        if not self._loggedDown:
            self.log.failure(
                "the chat database is unavailable: cannot {what}: {reason}; retrying"
                " (further errors are logged at most every {every} s)",
                driverFailure(failure),
                what=what,
                reason=self._problems[what],
                every=self.logEvery,
            )
        else:
            self.log.error(
                "the chat database is still unavailable: {problem}"
                " ({unlogged} more failures since the last report)",
                problem=self.problem,
                unlogged=self._unlogged,
            )
        self._lastLog, self._unlogged, self._loggedDown = now, 0, True

    def recovered(self, what: str) -> None:
        """
        An attempt to C{what} succeeded.
        """
        if self._problems.pop(what, None) is None or self._problems:
            return
        waiting, self._waiting = self._waiting, []
        for d in waiting:
            d.callback(None)
        if self._loggedDown:
            self.log.info(
                "the chat database works again ({unlogged} failures were not logged)",
                unlogged=self._unlogged,
            )
            self._loggedDown, self._unlogged = False, 0

    def whenWorks(self) -> Deferred[None]:
        """
        Fires when every kind that fails now works again (its probe, or a
        use, succeeded: L{recovered}); at once if none fails.  Cancelling it
        stops the wait.
        """
        if not self._problems:
            return succeed(None)
        d: Deferred[None] = Deferred(lambda d: self._waiting.remove(d))
        self._waiting.append(d)
        return d

    def recheck(self, what: str, probe: Callable[[], object]) -> None:
        """
        While C{what} fails, call C{probe} every L{recheckEvery} seconds: a
        cheap use of that kind (a L{Deferred} or a plain return: it works;
        a failure or an exception: it still fails), whose outcome is
        reported as L{recovered} or L{failed}.
        """
        self._probes[what] = probe

    def stop(self) -> None:
        """
        Try nothing more (the store is closing).
        """
        self._probes.clear()
        for timer in self._timers.values():
            if timer.active():
                timer.cancel()
        self._timers.clear()

    def _scheduleRecheck(self, what: str) -> None:
        if what in self._probes and what not in self._timers and what not in self._probing:
            self._timers[what] = self.clock.callLater(self.recheckEvery, self._probe, what)

    def _probe(self, what: str) -> None:
        del self._timers[what]
        probe = self._probes.get(what)
        if probe is None or what not in self._problems:
            return
        self._probing.add(what)
        d: Deferred[object] = maybeDeferred(probe)
        d.addBoth(self._probed, what)

    def _probed(self, result: object, what: str) -> None:
        self._probing.discard(what)
        if isinstance(result, Failure):
            self.failed(what, result)
        else:
            self.recovered(what)

    def rowRefused(self) -> None:
        """
        The database refused one message, which was skipped.
        """
        self.refused += 1
