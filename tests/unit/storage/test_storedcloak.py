"""
Tests for L{chatd.storage.storedcloak}: the cloak secret the nodes of a
cluster keep in their shared database, and L{CloakSecret} taking it at
start (on SQLite, which runs the same SQL as PostgreSQL).
"""

from __future__ import annotations

import sqlite3
import stat
from collections.abc import Callable
from pathlib import Path

from twisted.internet.defer import maybeDeferred
from twisted.internet.task import Clock
from twisted.logger import capturedLogs, formatEvent
from twisted.trial.unittest import SynchronousTestCase

from chatd.core.hosts import Hosts
from chatd.core.signedin import ProvenAccounts
from chatd.options import Options
from chatd.storage.cloakkey import (
    ASK_AGAIN,
    CLOAK_KEY,
    CloakSecret,
    DatabaseAway,
    NoStoredSecret,
    writeCloakSecret,
)
from chatd.storage.migration import migrate
from chatd.storage.storedcloak import STORED_CLOAK, agreeStoredSecret
from chatd.tap import storedCloak

FIRST, SECOND, THIRD = bytes(range(32)), bytes(range(32, 64)), bytes(range(64, 96))


def sharedDatabase() -> tuple[sqlite3.Connection, Callable[[bytes], bytes]]:
    """
    An in-memory database, and what offers it a secret as
    L{chatd.storage.storedcloak.postgresSecret} does PostgreSQL.
    """
    database = sqlite3.connect(":memory:")

    def stored(offered: bytes) -> bytes:
        with database:
            return agreeStoredSecret(database.cursor(), "qmark", offered)

    return database, stored


class AgreeStoredSecretTests(SynchronousTestCase):
    def test_firstOfferKept(self) -> None:
        """
        The first secret offered is stored; every later offer gets it back,
        and changes nothing.
        """
        database, stored = sharedDatabase()
        self.assertEqual(stored(FIRST), FIRST)
        self.assertEqual(stored(SECOND), FIRST)
        rows = database.execute("SELECT name, value FROM settings").fetchall()
        self.assertEqual(rows, [(STORED_CLOAK, FIRST.hex())])

    def test_rowHoldsNoSecret(self) -> None:
        """
        A row that is no secret is refused, and left as it is.
        """
        database, stored = sharedDatabase()
        stored(FIRST)
        with database:
            database.execute("UPDATE settings SET value = 'not hexadecimal'")
        self.assertRaises(NoStoredSecret, stored, SECOND)
        [(value,)] = database.execute("SELECT value FROM settings").fetchall()
        self.assertEqual(value, "not hexadecimal")

    def test_migrationMakesTheTable(self) -> None:
        """
        The schema's migrations make the table of settings (empty).
        """
        database = sqlite3.connect(":memory:")
        with database:
            migrate(database.cursor(), "qmark")
        self.assertEqual(database.execute("SELECT * FROM settings").fetchall(), [])
        self.assertEqual(agreeStoredSecret(database.cursor(), "qmark", FIRST), FIRST)


class CloakSecretFromDatabaseTests(SynchronousTestCase):
    def start(self, dataDir: Path, stored: Callable[[bytes], bytes]) -> tuple[Hosts, CloakSecret]:
        hosts = Hosts(ProvenAccounts())
        service = CloakSecret(dataDir, hosts, stored)
        service.startService()
        return hosts, service

    def test_databaseSecretTaken(self) -> None:
        """
        A node with a fresh data directory, started on a database that holds
        another node's secret, uses that one from its start and writes it
        to its C{cloak.key} (owner only), saying so without the secret.
        """
        _, stored = sharedDatabase()
        stored(FIRST)
        dataDir = Path(self.mktemp())
        with capturedLogs() as events:
            hosts, service = self.start(dataDir, stored)
        self.assertEqual(hosts.secret, FIRST)
        self.assertTrue(service.fromDatabase)
        path = dataDir / CLOAK_KEY
        self.assertEqual(path.read_text().strip(), FIRST.hex())
        self.assertEqual(stat.S_IMODE(path.stat().st_mode), 0o600)
        [message] = [formatEvent(event) for event in events]
        self.assertIn(str(path), message)
        self.assertNotIn(FIRST.hex(), message)

    def test_firstNodeStoresItsOwn(self) -> None:
        """
        The first node on the database stores its file's secret and keeps
        it, quietly.
        """
        database, stored = sharedDatabase()
        dataDir = Path(self.mktemp())
        dataDir.mkdir()
        writeCloakSecret(dataDir / CLOAK_KEY, SECOND)
        with capturedLogs() as events:
            hosts, service = self.start(dataDir, stored)
        self.assertEqual(hosts.secret, SECOND)
        self.assertTrue(service.fromDatabase)
        self.assertEqual(list(events), [])
        [(value,)] = database.execute("SELECT value FROM settings").fetchall()
        self.assertEqual(value, SECOND.hex())

    def test_databaseAway(self) -> None:
        """
        A database that cannot be asked leaves the node its file's secret
        (Redis then agrees as without a database), and says so.
        """

        def away(offered: bytes) -> bytes:
            raise NoStoredSecret("the database could not be asked (refused)")

        dataDir = Path(self.mktemp())
        dataDir.mkdir()
        writeCloakSecret(dataDir / CLOAK_KEY, SECOND)
        with capturedLogs() as events:
            hosts, service = self.start(dataDir, away)
        self.assertEqual(hosts.secret, SECOND)
        self.assertFalse(service.fromDatabase)
        [message] = [formatEvent(event) for event in events]
        self.assertIn("could not be asked", message)
        self.assertIn(str(dataDir / CLOAK_KEY), message)

    def test_askedAgainUntilItAnswers(self) -> None:
        """
        A database that could not be asked at start is asked again every
        few seconds, offered the secret in use, until it answers: the node
        then cloaks with the database's secret, writes it to its
        C{cloak.key}, says so (naming the file, not the secret) and tells
        the cluster; it is not asked again.
        """
        _, database = sharedDatabase()
        database(FIRST)
        offers: list[bytes] = []

        def stored(offered: bytes) -> bytes:
            offers.append(offered)
            if len(offers) < 3:
                raise DatabaseAway("the database could not be asked (refused)")
            return database(offered)

        clock, dataDir = Clock(), Path(self.mktemp())
        dataDir.mkdir()
        writeCloakSecret(dataDir / CLOAK_KEY, SECOND)
        hosts = Hosts(ProvenAccounts())
        service = CloakSecret(dataDir, hosts, stored, clock=clock, runInThread=maybeDeferred)
        taken: list[bytes] = []
        service.taken = lambda: taken.append(hosts.secret)
        with capturedLogs() as atStart:
            service.startService()
        self.addCleanup(service.stopService)
        [message] = [formatEvent(event) for event in atStart]
        self.assertIn(f"until the database answers (asked every {ASK_AGAIN:g} s)", message)
        guest = hosts.cloak("192.0.2.7")
        with capturedLogs() as events:
            clock.advance(ASK_AGAIN)
            self.assertEqual((hosts.secret, taken), (SECOND, []))
            clock.advance(ASK_AGAIN)
        self.assertEqual(offers, [SECOND] * 3)
        self.assertEqual(hosts.secret, FIRST)
        self.assertNotEqual(hosts.cloak("192.0.2.7"), guest)
        self.assertTrue(service.fromDatabase)
        self.assertEqual(taken, [FIRST])
        self.assertEqual((dataDir / CLOAK_KEY).read_text().strip(), FIRST.hex())
        [message] = [formatEvent(event) for event in events]
        self.assertIn(str(dataDir / CLOAK_KEY), message)
        self.assertIn("guests' hosts on this node change", message)
        self.assertNotIn(FIRST.hex(), message)
        clock.advance(ASK_AGAIN * 10)
        self.assertEqual(len(offers), 3)

    def test_askedAgainSameSecret(self) -> None:
        """
        A database that answers with the secret the node uses already (it
        took it from Redis meanwhile, or the database stores its offer)
        changes no host and writes nothing; the node's secret is the
        database's from then on.
        """
        database, agreed = sharedDatabase()
        away = [True]

        def stored(offered: bytes) -> bytes:
            if away[0]:
                raise DatabaseAway("the database could not be asked (refused)")
            return agreed(offered)

        clock, dataDir = Clock(), Path(self.mktemp())
        hosts = Hosts(ProvenAccounts())
        service = CloakSecret(dataDir, hosts, stored, clock=clock, runInThread=maybeDeferred)
        taken: list[bool] = []
        service.taken = lambda: taken.append(True)
        with capturedLogs():
            service.startService()
        self.addCleanup(service.stopService)
        own = hosts.secret
        hosts.secret = THIRD  # (Redis's, taken meanwhile)
        written = (dataDir / CLOAK_KEY).stat().st_mtime_ns
        away[0] = False
        with capturedLogs():
            clock.advance(ASK_AGAIN)
        self.assertNotEqual(own, THIRD)
        self.assertEqual(hosts.secret, THIRD)
        self.assertTrue(service.fromDatabase)
        self.assertEqual(taken, [True])
        self.assertEqual((dataDir / CLOAK_KEY).stat().st_mtime_ns, written)
        [(value,)] = database.execute("SELECT value FROM settings").fetchall()
        self.assertEqual(value, THIRD.hex())

    def test_askedAgainHoldsNoSecret(self) -> None:
        """
        A database that answers at last with a row that holds no secret is
        not asked again: the node keeps its secret, and says why.
        """
        answers: list[Exception] = [
            DatabaseAway("the database could not be asked (refused)"),
            NoStoredSecret("the settings row cloak_secret of the database holds no secret"),
        ]

        def stored(offered: bytes) -> bytes:
            raise answers.pop(0)

        clock, dataDir = Clock(), Path(self.mktemp())
        hosts = Hosts(ProvenAccounts())
        service = CloakSecret(dataDir, hosts, stored, clock=clock, runInThread=maybeDeferred)
        with capturedLogs():
            service.startService()
        self.addCleanup(service.stopService)
        own = hosts.secret
        with capturedLogs() as events:
            clock.advance(ASK_AGAIN)
        self.assertEqual(hosts.secret, own)
        self.assertFalse(service.fromDatabase)
        [message] = [formatEvent(event) for event in events]
        self.assertIn("holds no secret", message)
        self.assertEqual(clock.getDelayedCalls(), [])

    def test_stoppedNodeAsksNoMore(self) -> None:
        """
        A node that stops while the database could not be asked stops
        asking it.
        """

        def away(offered: bytes) -> bytes:
            raise DatabaseAway("the database could not be asked (refused)")

        clock = Clock()
        service = CloakSecret(Path(self.mktemp()), Hosts(ProvenAccounts()), away, clock=clock)
        with capturedLogs():
            service.startService()
        self.assertEqual(len(clock.getDelayedCalls()), 1)
        service.stopService()
        self.assertEqual(clock.getDelayedCalls(), [])

    def test_onlyPostgreSQL(self) -> None:
        """
        Only a PostgreSQL C{--db} is asked for the secret; SQLite keeps
        C{cloak.key} alone.
        """
        for db, asked in [
            ("", False),
            ("sqlite:/tmp/chat.db", False),
            ("postgresql://chatd@localhost/chatd", True),
            ("postgres://chatd@localhost/chatd", True),
        ]:
            options = Options()
            options.parseOptions(["--db", db] if db else [])
            self.assertEqual(storedCloak(options) is not None, asked, db)
