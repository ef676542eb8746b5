"""
L{chatd.storage.health.StoreHealth} by kind of use: a failure of one kind
is cleared only by a success of that kind, and a kind that failed is tried
again on the service's clock until it works, without user traffic; as
C{/healthz} on the metrics listener and a TCHAT user see it.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path
from typing import Any

from twisted.internet.defer import Deferred
from twisted.internet.task import Clock
from twisted.python.failure import Failure
from twisted.trial.unittest import SynchronousTestCase

from chatd.core import errors
from chatd.storage import journal
from chatd.storage.health import QUERY, RECHECK_EVERY, WRITE, StoreHealth
from chatd.storage.journal import Journal
from chatd.storage.rowshapes import isKeptRow
from chatd.storage.spool import Spool
from chatd.storage.writer import JOURNALING
from tests.support.inlinesqlite import FullDiskPool, inlineSQLiteStore
from tests.support.tchatstorecase import TchatStoreTestCase
from tests.support.webclient import metricsHealthz

FULL = "OperationalError: database or disk is full"
DOWN = "OperationalError: unable to open database file"


def unavailable(text: str) -> Failure:
    error = errors.StoreUnavailable()
    error.__cause__ = OSError(text)
    return Failure(error)


class RecheckTests(SynchronousTestCase):
    """
    L{StoreHealth} tries a failed kind again by itself.
    """

    def setUp(self) -> None:
        self.clock = Clock()
        self.health = StoreHealth(self.clock)
        self.calls: list[Deferred[None]] = []

    def probe(self) -> Deferred[None]:
        d: Deferred[None] = Deferred()
        self.calls.append(d)
        return d

    def test_whenWorks(self) -> None:
        """
        L{StoreHealth.whenWorks} fires at once while nothing fails, and
        otherwise only once every kind that failed works again (its probe
        found it); one cancelled is not fired.
        """
        self.successResultOf(self.health.whenWorks())
        self.health.recheck(WRITE, self.probe)
        self.health.failed(WRITE, unavailable("disk full"))
        self.health.failed(QUERY, unavailable("disk full"))
        self.flushLoggedErrors(OSError)
        waiting, cancelled = self.health.whenWorks(), self.health.whenWorks()
        cancelled.cancel()
        self.failureResultOf(cancelled)
        self.health.recovered(QUERY)
        self.assertNoResult(waiting)
        self.clock.advance(RECHECK_EVERY)
        self.calls[0].callback(None)
        self.successResultOf(waiting)

    def test_recheckedUntilItWorks(self) -> None:
        """
        A failed kind with a probe is tried again every C{recheckEvery}
        seconds on the clock, one try at a time, until the probe works;
        then nothing more is tried.
        """
        self.health.recheck(WRITE, self.probe)
        self.health.failed(WRITE, unavailable("disk full"))
        self.flushLoggedErrors(OSError)
        self.clock.advance(RECHECK_EVERY - 0.1)
        self.assertEqual(self.calls, [])
        self.clock.advance(0.1)
        self.assertEqual(len(self.calls), 1)
        self.clock.advance(RECHECK_EVERY * 3)
        self.assertEqual(len(self.calls), 1)  # the first try is not over
        self.calls[0].errback(unavailable("still full"))
        self.assertIn("still full", self.health.problem or "")
        self.clock.advance(RECHECK_EVERY)
        self.assertEqual(len(self.calls), 2)
        self.calls[1].callback(None)
        self.assertIsNone(self.health.problem)
        self.clock.advance(RECHECK_EVERY * 3)
        self.assertEqual(len(self.calls), 2)
        self.assertEqual(self.clock.getDelayedCalls(), [])

    def test_onlyFailedKindsRechecked(self) -> None:
        """
        A kind is tried again only while it fails, and only by its own
        probe; L{StoreHealth.stop} cancels the next try.
        """
        tried: list[str] = []
        self.health.recheck(WRITE, lambda: tried.append(WRITE))
        self.health.recheck(JOURNALING, lambda: tried.append(JOURNALING))
        self.health.failed(JOURNALING, unavailable("disk full"))
        self.flushLoggedErrors(OSError)
        self.clock.advance(RECHECK_EVERY)
        self.assertEqual(tried, [JOURNALING])
        self.assertIsNone(self.health.problem)
        self.health.failed(WRITE, unavailable("disk full"))
        self.health.stop()
        self.clock.advance(RECHECK_EVERY)
        self.assertEqual(tried, [JOURNALING])

    def test_queriesRechecked(self) -> None:
        """
        A database that could not be read is queried again by itself, and
        health recovers once it answers, with no request meanwhile.
        """
        pool = FullDiskPool()
        store = inlineSQLiteStore(self.clock, pool=pool)
        self.addCleanup(store.stopService)
        pool.down = True
        read = store.database.select("SELECT nick FROM accounts")
        self.failureResultOf(read, errors.StoreUnavailable)
        self.flushLoggedErrors()
        self.assertEqual(store.health.problem, "cannot query: " + DOWN)
        self.clock.advance(RECHECK_EVERY)
        self.assertEqual(store.health.problem, "cannot query: " + DOWN)
        pool.down = False
        self.clock.advance(RECHECK_EVERY)
        self.assertIsNone(store.health.problem)


class FullDiskTests(TchatStoreTestCase):
    """
    An SQL store whose disk fills up, as users and the operator's
    C{/healthz} see it.
    """

    def makeStore(self) -> Any:
        self.pool = FullDiskPool()
        return inlineSQLiteStore(self.clock, pool=self.pool)

    def test_writesFailWhileReadsWork(self) -> None:
        """
        While the disk is full a registered user's C{LEAVE}, C{ENTER} and
        C{CREAT} are answered C{ERROR 03} and C{/healthz} says the store
        cannot save changes, though queries (C{/healthz}'s own) work; once
        the disk is freed, the store's own probe finds it within a few
        seconds, with no user doing anything.
        """
        self.registered("alice", "sesame")
        alice, ta = self.connectAs("alice", "sesame")
        self.assertEqual(
            self.send(alice, ta, "clt: CREAT cellar", "clt: CREAT hall"), b"srv: OKAY!\n" * 2
        )
        self.assertTrue(self.send(alice, ta, "clt: ENTER hall").startswith(b"srv: OKAY!"))
        self.assertEqual(metricsHealthz(self.service)[0], b"HTTP/1.1 200 OK")
        self.pool.full = True
        self.assertEqual(self.send(alice, ta, "clt: LEAVE hall"), b"srv: ERROR 03\n")
        self.flushLoggedErrors()
        status, body = metricsHealthz(self.service)
        self.assertEqual(status, b"HTTP/1.1 503 Service Unavailable")
        self.assertEqual(body["store"], f"cannot save changes: {FULL}")
        self.assertEqual(self.send(alice, ta, "clt: ENTER cellar"), b"srv: ERROR 03\n")
        self.assertEqual(self.send(alice, ta, "clt: CREAT attic"), b"srv: ERROR 03\n")
        self.flushLoggedErrors()
        for _ in range(2):  # each /healthz runs a query, which works
            status, body = metricsHealthz(self.service)
            self.assertEqual(status, b"HTTP/1.1 503 Service Unavailable")
            self.assertEqual(body["store"], f"cannot save changes: {FULL}")
            self.clock.advance(RECHECK_EVERY)
        self.flushLoggedErrors()
        self.pool.full = False
        self.clock.advance(RECHECK_EVERY)
        status, body = metricsHealthz(self.service)
        self.assertEqual((status, body["status"]), (b"HTTP/1.1 200 OK", "ok"))
        self.assertEqual(self.send(alice, ta, "clt: ENTER cellar"), b"srv: OKAY!\n")


class DiskFullOs:
    """
    The C{os} module the journal uses, whose writes and reservations of
    space fail with ENOSPC while C{full}.
    """

    full = False

    def __getattr__(self, name: str) -> Any:
        return getattr(os, name)

    def write(self, fd: int, data: bytes) -> int:
        if self.full:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return os.write(fd, data)

    def posix_fallocate(self, fd: int, offset: int, length: int) -> None:
        if self.full:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        os.posix_fallocate(fd, offset, length)


class JournalRecoveryTests(SynchronousTestCase):
    """
    A journal that could not keep a message is tried again by itself.
    """

    def test_journalRecoversWithoutMessages(self) -> None:
        """
        After a message is refused because the journal's disk is full,
        C{/healthz}'s problem clears once the disk has room again, though
        no message is sent meanwhile; the journal holds nothing of the
        tries.
        """
        clock = Clock()
        store = inlineSQLiteStore(clock)
        self.addCleanup(store.stopService)
        data = Path(self.mktemp())
        kept = Journal(data / "journal", isKeptRow)
        store.writer.keepUnwrittenIn(Spool(data / "unwritten.json"), kept)
        kept.open()
        disk = DiskFullOs()
        self.patch(journal, "os", disk)
        disk.full = True
        with self.assertRaises(errors.StoreUnavailable):
            store.addMessage("lobby", "alice", None, ("hi",), 10)
        self.flushLoggedErrors()
        self.assertIn("cannot keep messages in the journal", store.health.problem or "")
        clock.advance(RECHECK_EVERY)
        self.flushLoggedErrors()
        self.assertIn("cannot keep messages in the journal", store.health.problem or "")
        disk.full = False
        clock.advance(RECHECK_EVERY)
        self.assertIsNone(store.health.problem)
        self.assertEqual(list((data / "journal").glob("*"))[0].read_bytes(), b"")
