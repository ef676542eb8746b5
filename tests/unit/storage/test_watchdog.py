"""
L{chatd.storage.watchdog.QueryWatchdog} on a L{Clock}: an interaction the
database leaves unanswered fails in bounded time as an outage, and the
connection its thread waits on is interrupted; and a store whose database
went silent, as TCHAT users and C{/healthz} on the metrics listener see it.
"""

from __future__ import annotations

import threading
from typing import Any

from twisted.internet.defer import Deferred
from twisted.internet.task import Clock
from twisted.logger import ILogObserver, LogEvent, globalLogPublisher
from twisted.trial.unittest import SynchronousTestCase
from zope.interface import provider

from chatd.storage.database import CHECK_WAIT
from chatd.storage.health import RECHECK_EVERY
from chatd.storage.watchdog import QueryTimeout, QueryWatchdog
from tests.support.helpers import connect, output
from tests.support.inlinesqlite import SilentPool, inlineSQLiteStore
from tests.support.tchatstorecase import TchatStoreTestCase
from tests.support.webclient import askHealthz, healthzAnswer, metricsHealthz

TIMEOUT = 10.0


class Interactions:
    """
    A pool's C{runInteraction} whose interactions wait (L{waiting}) until
    the test runs them in its own thread (L{runNext}) and answers them.
    """

    def __init__(self) -> None:
        self.waiting: list[tuple[Any, tuple[Any, ...], Deferred[Any]]] = []

    def runInteraction(self, fn: Any, *args: Any) -> Deferred[Any]:
        d: Deferred[Any] = Deferred()
        self.waiting.append((fn, args, d))
        return d

    def runNext(self) -> Any:
        """Run the first waiting interaction; its result (it is not answered yet)."""
        fn, args, d = self.waiting[0]
        return fn("cursor", *args)


class QueryWatchdogTests(SynchronousTestCase):
    def setUp(self) -> None:
        self.clock = Clock()
        self.interrupted: list[int] = []
        self.pool = Interactions()
        self.watchdog = QueryWatchdog(self.clock, TIMEOUT, self.interrupted.append)

    def test_answeredInTime(self) -> None:
        """
        An interaction answered within the bound gives its result, and
        leaves no timer behind.
        """
        d = self.watchdog.run(self.pool.runInteraction, lambda txn, n: n + 1, 41)
        self.clock.advance(TIMEOUT - 1)
        result = self.pool.runNext()
        self.pool.waiting[0][2].callback(result)
        self.assertEqual(self.successResultOf(d), 42)
        self.assertEqual(self.clock.getDelayedCalls(), [])

    def test_failureInTime(self) -> None:
        """
        An interaction that fails within the bound fails with its own error.
        """
        d = self.watchdog.run(self.pool.runInteraction, lambda txn: None)
        self.pool.waiting[0][2].errback(ValueError("refused"))
        self.failureResultOf(d, ValueError)
        self.assertEqual(self.clock.getDelayedCalls(), [])

    def test_unansweredInterrupted(self) -> None:
        """
        An interaction still running when the bound passes fails with
        L{QueryTimeout}, and the connection of the thread running it is
        interrupted; its late answer is dropped.
        """

        def hangs(txn: Any) -> None:
            self.clock.advance(TIMEOUT)  # the database does not answer meanwhile

        d = self.watchdog.run(self.pool.runInteraction, hangs)
        self.assertNoResult(d)
        self.pool.runNext()
        failure = self.failureResultOf(d, QueryTimeout)
        self.assertEqual(str(failure.value), "no answer from the database in 10 s")
        self.assertEqual(self.interrupted, [threading.get_ident()])
        self.pool.waiting[0][2].errback(OSError("consuming input failed"))  # dropped

    def test_queuedNeverStarts(self) -> None:
        """
        An interaction that waited for a pool thread past the bound fails,
        interrupts nothing (no thread waits on it), and never runs when its
        turn comes.
        """
        ran: list[object] = []
        d = self.watchdog.run(self.pool.runInteraction, ran.append)
        self.clock.advance(TIMEOUT)
        self.failureResultOf(d, QueryTimeout)
        self.assertEqual(self.interrupted, [])
        self.assertRaises(QueryTimeout, self.pool.runNext)
        self.assertEqual(ran, [])

    def test_unbounded(self) -> None:
        """
        Without a bound, the interaction is the pool's own.
        """
        watchdog = QueryWatchdog(self.clock, None)
        d = watchdog.run(self.pool.runInteraction, lambda txn: None)
        self.assertIs(d, self.pool.waiting[0][2])
        self.assertEqual(self.clock.getDelayedCalls(), [])


class SilentDatabaseTests(TchatStoreTestCase):
    """
    A store whose database stops answering without closing (a half-open
    link), bounded by a watchdog, under a TCHAT service.
    """

    def makeStore(self) -> Any:
        self.pool = SilentPool()
        return inlineSQLiteStore(
            self.clock, pool=self.pool, watchdog=QueryWatchdog(self.clock, TIMEOUT)
        )

    def setUp(self) -> None:
        self.logged: list[LogEvent] = []

        @provider(ILogObserver)
        def observe(event: LogEvent) -> None:
            self.logged.append(event)

        globalLogPublisher.addObserver(observe)
        self.addCleanup(globalLogPublisher.removeObserver, observe)
        super().setUp()

    def outageLines(self) -> list[str]:
        return [
            event["log_format"]
            for event in self.logged
            if "chat database" in event.get("log_format", "")
        ]

    def test_silentDatabase(self) -> None:
        """
        While the database is silent, C{/healthz} answers within
        L{CHECK_WAIT}, then 503 at once, with the reason, once the bound
        told the store unavailable; a guest signs in, a login that needs
        the database is told "try again later" (C{ERROR 03}) within the
        bound; the log says once that the database is unavailable.  Once
        it answers again, the probe sees it and C{/healthz} says 200.
        """
        self.pool.silent = True
        asked = askHealthz(self.service)
        self.assertEqual(asked[1].value(), b"")  # not at once: the database may answer
        self.clock.advance(CHECK_WAIT)
        self.assertEqual(healthzAnswer(asked)[0], b"HTTP/1.1 200 OK")  # nothing known yet

        self.connectAs("carol")  # a guest signs in as ever
        dora, transport = connect(self.factory, self.clock)
        output(transport, self.clock)
        self.assertEqual(self.send(dora, transport, "clt: LOGIN dora secret-pw"), b"")
        self.clock.advance(TIMEOUT)
        self.assertEqual(output(transport, self.clock), b"srv: ERROR 03\n")
        status, body = metricsHealthz(self.service)  # at once
        self.assertEqual(status, b"HTTP/1.1 503 Service Unavailable")
        reason = "cannot query: QueryTimeout: no answer from the database in 10 s"
        self.assertEqual(body["store"], reason)
        self.assertEqual(len(self.outageLines()), 1, self.outageLines())
        self.assertIn("is unavailable", self.outageLines()[0])
        self.assertEqual(len(self.flushLoggedErrors(QueryTimeout)), 1)

        self.pool.silent = False
        self.clock.advance(RECHECK_EVERY)
        self.assertIn("works again", self.outageLines()[-1])
        asked = askHealthz(self.service)  # its check still waits on the silent probe
        self.clock.advance(CHECK_WAIT)
        self.assertEqual(healthzAnswer(asked)[0], b"HTTP/1.1 200 OK")
        reply = self.send(dora, transport, "clt: LOGIN dora secret-pw")
        self.assertEqual(reply, b"srv: ERROR 22\n")  # the database answered: no such account

    def test_bulkRemovalUnbounded(self) -> None:
        """
        Erasing a member's messages (a bulk removal, which may rightly take
        long on a big history) is not failed by the bound: it answers
        whenever the database does, and the store is not told unavailable.
        """
        self.pool.silent = True
        erased = self.store.eraseSender("carol")
        self.clock.advance(TIMEOUT * 3)
        self.assertNoResult(erased)
        self.assertEqual(self.outageLines(), [])
        self.pool.pending[-1].callback((2, 0))
        self.assertEqual(self.successResultOf(erased), (2, 0))
