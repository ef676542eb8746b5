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

from twisted.logger import capturedLogs, formatEvent
from twisted.trial.unittest import SynchronousTestCase

from chatd.core.hosts import Hosts
from chatd.core.signedin import ProvenAccounts
from chatd.options import Options
from chatd.storage.cloakkey import CLOAK_KEY, CloakSecret, NoStoredSecret, writeCloakSecret
from chatd.storage.migration import migrate
from chatd.storage.storedcloak import STORED_CLOAK, agreeStoredSecret
from chatd.tap import storedCloak

FIRST, SECOND = bytes(range(32)), bytes(range(32, 64))


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
