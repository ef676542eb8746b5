# -*- test-case-name: tests.unit.admin.test_sanctionload -*-
"""
Tests for L{chatd.admin.sanctionload}: sanctions that could not be loaded
because their database was down are loaded again, and logins accepted, once
it answers; never before.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any, cast

from twisted.internet.defer import Deferred, fail, succeed
from twisted.internet.task import Clock
from twisted.internet.testing import MemoryReactorClock
from twisted.trial.unittest import SynchronousTestCase

from chatd.admin.sanctionload import LOADING, SanctionLoading
from chatd.admin.wiring import RestoreModeration
from chatd.core import errors
from chatd.core.persistence import LOAD_RETRY
from chatd.core.sanctionstart import Renamed, Renames
from chatd.core.service import ChatService
from chatd.modstore import BAN, MemoryModerationStore, Sanction
from chatd.storage.renamedkeys import RenamedKeys
from chatd.storage.sqlite import sqliteStore
from chatd.tchat import TchatFactory
from tests.support.helpers import connect, output


class DownStore(MemoryModerationStore):
    """
    A moderation store whose database is down until the test brings it back.
    """

    def __init__(self) -> None:
        super().__init__()
        self.down = True
        self.attempts = 0

    def loadSanctions(self) -> Deferred[list[Sanction]]:
        self.attempts += 1
        if self.down:
            return fail(errors.StoreUnavailable())
        return super().loadSanctions()


class BrokenStore(MemoryModerationStore):
    def loadSanctions(self) -> Deferred[list[Sanction]]:
        return fail(ValueError("not a moderation store"))


class SanctionLoadingTests(SynchronousTestCase):
    """
    L{SanctionLoading} retries an outage every L{LOAD_RETRY} seconds; logins
    (here over TCHAT) get C{ERROR 03} until the sanctions are loaded.
    """

    def setUp(self) -> None:
        self.clock = Clock()
        self.service = ChatService(self.clock, rooms=["lobby"])
        self.factory = TchatFactory(self.service, self.clock, aliveAfter=None)
        self.store = DownStore()
        self.successResultOf(
            self.store.saveSanction(Sanction(BAN, "eve", "eve", "troll", "root", 0, None))
        )
        self.loading = SanctionLoading(
            self.service.moderation, self.store, self.clock, self.service.stats
        )
        self.addCleanup(self.loading.stop)

    def login(self, nick: str) -> bytes:
        proto, transport = connect(self.factory, self.clock)
        output(transport, self.clock)
        proto.dataReceived(b"clt: LOGIN " + nick.encode() + b"\n")
        return output(transport, self.clock)

    def test_retriedUntilTheDatabaseAnswers(self) -> None:
        """
        While the database is down, logins get C{ERROR 03} and the stats
        say why; once it answers, the next attempt loads the sanctions: the
        banned nickname is refused, the others admitted.
        """
        self.loading.start()
        self.flushLoggedErrors(errors.StoreUnavailable)
        self.assertIn("could not be loaded", self.service.stats.sanctionsProblem or "")
        self.assertEqual(b"srv: ERROR 03\n", self.login("bob"))
        self.clock.advance(LOAD_RETRY)
        self.assertEqual(2, self.store.attempts)
        self.assertEqual(b"srv: ERROR 03\n", self.login("bob"))
        self.store.down = False
        self.clock.advance(LOAD_RETRY - 0.1)
        self.assertEqual(b"srv: ERROR 03\n", self.login("bob"))
        self.clock.advance(0.1)
        self.assertEqual(3, self.store.attempts)
        self.assertIsNone(self.service.stats.sanctionsProblem)
        self.assertEqual(b"srv: ERROR 24\n", self.login("eve"))
        self.assertEqual(b"srv: OKAY!\n", self.login("bob"))
        self.clock.advance(LOAD_RETRY * 3)
        self.assertEqual(3, self.store.attempts)  # loaded: no more attempts

    def test_firstLoad(self) -> None:
        """
        While the first load is under way the stats say so; a load that
        works at once clears it and schedules nothing.
        """
        self.store.down = False
        self.loading.start()
        self.assertIsNone(self.service.stats.sanctionsProblem)
        self.assertEqual([], self.clock.getDelayedCalls())
        waiting = MemoryModerationStore()
        waiting.loadSanctions = lambda: Deferred()  # type: ignore[method-assign]
        SanctionLoading(self.service.moderation, waiting, self.clock, self.service.stats).start()
        self.assertEqual(LOADING, self.service.stats.sanctionsProblem)

    def test_stoppedDuringTheOutage(self) -> None:
        """
        Stopping the daemon cancels the next attempt.
        """
        self.loading.start()
        self.flushLoggedErrors(errors.StoreUnavailable)
        self.loading.stop()
        self.assertEqual([], self.clock.getDelayedCalls())

    def test_notAnOutage(self) -> None:
        """
        A store that fails for another reason is not retried (it would fail
        again); logins stay refused and the reason is logged.
        """
        loading = SanctionLoading(
            self.service.moderation, BrokenStore(), self.clock, self.service.stats
        )
        loading.start()
        self.assertEqual(1, len(self.flushLoggedErrors(ValueError)))
        self.assertEqual([], self.clock.getDelayedCalls())
        self.assertEqual(b"srv: ERROR 03\n", self.login("bob"))
        self.assertIn("ValueError", self.service.stats.sanctionsProblem or "")


class RenamedRecord:
    """
    A chat database's record of renamed keys (L{RenamedSource}): C{lpa},
    the key C{Іра} and C{Їра} shared, held by the account C{Іра}.
    """

    def __init__(self) -> None:
        self.renames: Renames = {"lpa": [Renamed("lpa", "\u0406\u0440\u0430", True)]}

    def load(self) -> Deferred[Renames]:
        return succeed(self.renames)

    def forget(self) -> Deferred[None]:
        self.renames = {}
        return succeed(None)


class RenamedLoadingTests(SynchronousTestCase):
    """
    L{SanctionLoading} has the stored sanctions follow the chat database's
    renamed keys, once.
    """

    def test_banFollowsTheAccount(self) -> None:
        """
        A ban typed C{Їра} of the account C{Іра}, stored under the key both
        had, still refuses C{Іра} over TCHAT (and C{Їра}); the record is
        forgotten once followed.
        """
        clock = Clock()
        service = ChatService(clock, rooms=["lobby"])
        factory = TchatFactory(service, clock, aliveAfter=None)
        store = MemoryModerationStore()
        store.sanctions[(BAN, "lpa")] = Sanction(BAN, "lpa", "\u0407\u0440\u0430", "r", "root", 0)
        record = RenamedRecord()
        SanctionLoading(service.moderation, store, clock, service.stats, record).start()
        for nick in ("\u0406\u0440\u0430", "\u0407\u0440\u0430"):
            proto, transport = connect(factory, clock)
            output(transport, clock)
            proto.dataReceived(b"clt: LOGIN " + nick.encode() + b"\n")
            self.assertEqual(b"srv: ERROR 24\n", output(transport, clock))
        self.assertEqual({}, record.renames)

    def test_daemonPassesItsChatDatabase(self) -> None:
        """
        The daemon's sanction loading reads the record of the chat database
        it runs on (L{RenamedKeys}), whichever store keeps the sanctions.
        """
        clock = Clock()
        service = ChatService(clock, rooms=["lobby"])
        chatStore = sqliteStore(":memory:", MemoryReactorClock())
        chat = SimpleNamespace(
            moderation=service.moderation,
            stats=service.stats,
            persistence=SimpleNamespace(store=chatStore),
        )
        restore = RestoreModeration(cast(Any, chat), MemoryModerationStore(), clock)
        renamed = restore.loading.renamed
        assert isinstance(renamed, RenamedKeys)
        self.assertIs(chatStore, renamed.store)
