"""
Tests for L{chatd.storage.migration}: an upgrade that goes through every
stored message says in the log how far it has got, and one interrupted
midway (the daemon killed, or a step failing) leaves the database as it
was, so that the next start makes it again and ends right.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Any

from twisted.internet.task import Clock
from twisted.logger import capturedLogs, formatEvent
from twisted.trial.unittest import SynchronousTestCase

from chatd.core.searchform import searchForm
from chatd.storage import migration, search
from chatd.storage.migration import Progress, migrate
from chatd.storage.schema import MIGRATIONS
from tests.support.storefixtures import setBack

TEXTS = (
    "le caf\u00e9 est ferm\u00e9",
    "hello there",
    "\u00c9cole ferm\u00e9e demain",
    "\u0645\u064f\u062d\u064e\u0645\u0651\u064e\u062f \u0633\u064a\u062a\u0623\u062e\u0631",
    "\u00e0 bient\u00f4t \U0001f600",
)


class Killed(Exception):
    """
    What stops an upgrade midway in these tests, as a kill would.
    """


def olderDatabase(path: str, version: int) -> None:
    """
    Make the SQLite database C{path} of today's schema, set back to
    C{version}, holding L{TEXTS} in Blabla with the search form of before
    migration 27 (the body lowered, its accents kept; none when ASCII).
    """
    connection = sqlite3.connect(path)
    migrate(connection.cursor(), "qmark")
    connection.commit()
    setBack(connection.execute, version)
    for number, text in enumerate(TEXTS, 1):
        connection.execute(
            "INSERT INTO messages (room_key, room, sender, body, sent, pending, msgid, sent_ms,"
            " sender_key, search_text) VALUES ('blabla', 'Blabla', 'x', ?, ?, 0, ?, ?, 'x', ?)",
            (text, number, f"m{number}", number * 1000, None if text.isascii() else text.lower()),
        )
    connection.execute(search.REBUILD_SQLITE_INDEX)
    connection.commit()
    connection.close()


def started(path: str) -> sqlite3.Connection:
    """
    The connection of a start on C{path}: its schema migrated and committed.
    """
    connection = sqlite3.connect(path)
    migrate(connection.cursor(), "qmark")
    connection.commit()
    return connection


class InterruptedTests(SynchronousTestCase):
    """
    An upgrade is one transaction: stopped midway, it leaves nothing done,
    its version not bumped, and the next start makes it again.
    """

    def setUp(self) -> None:
        self.path = self.mktemp()
        self.patch(search, "FILL_CHUNK", 2)

    def interruptedAfter(self, calls: int) -> None:
        """
        Start on C{self.path}, and stop it dead (nothing committed) at the
        C{calls}th search form it makes.
        """
        made: list[str] = []

        def dying(body: str) -> str:
            if len(made) == calls:
                raise Killed()
            made.append(body)
            return searchForm(body)

        connection = sqlite3.connect(self.path)
        self.patch(search, "searchForm", dying)
        self.assertRaises(Killed, migrate, connection.cursor(), "qmark")
        connection.close()  # what a kill leaves: the transaction is not committed
        self.patch(search, "searchForm", searchForm)

    def assertUpgraded(self, connection: sqlite3.Connection) -> None:
        """
        C{connection}'s database is of today's schema, every message has its
        search form, and the full-text index finds them by it and follows an
        edit.
        """
        (version,) = connection.execute("SELECT version FROM schema_version").fetchone()
        self.assertEqual(version, len(MIGRATIONS))
        rows = connection.execute("SELECT body, search_text FROM messages ORDER BY id").fetchall()
        self.assertEqual(rows, [(t, None if t.isascii() else searchForm(t)) for t in TEXTS])
        found = connection.execute(
            "SELECT body FROM messages WHERE " + search.SQLITE_MATCH + " ORDER BY id", ('"ferme"',)
        ).fetchall()
        self.assertEqual(found, [(TEXTS[0],)])
        connection.execute("UPDATE messages SET body = 'edited', search_text = NULL WHERE id = 3")
        check = "INSERT INTO messages_fts (messages_fts, rank) VALUES ('integrity-check', 1)"
        connection.execute(check)

    def test_interruptedThenStarted(self) -> None:
        """
        An upgrade from version 24 (a column to add first, then the search
        forms to make again) stopped after some messages were written leaves
        version 24 and the messages as they were; the next start upgrades
        it fully.
        """
        olderDatabase(self.path, 24)
        self.interruptedAfter(3)
        connection = sqlite3.connect(self.path)
        self.addCleanup(connection.close)
        (version,) = connection.execute("SELECT version FROM schema_version").fetchone()
        self.assertEqual(version, 24)
        columns = [row[1] for row in connection.execute("PRAGMA table_info(messages)")]
        self.assertNotIn("sender_userhost", columns)
        forms = [row[0] for row in connection.execute("SELECT search_text FROM messages")]
        self.assertEqual(forms, [None if t.isascii() else t.lower() for t in TEXTS])
        connection.close()
        again = started(self.path)
        self.addCleanup(again.close)
        self.assertUpgraded(again)

    def test_interruptedTwice(self) -> None:
        """
        Stopped twice, at different points, the upgrade still ends right.
        """
        olderDatabase(self.path, 26)
        self.interruptedAfter(1)
        self.interruptedAfter(2)
        connection = started(self.path)
        self.addCleanup(connection.close)
        self.assertUpgraded(connection)


class ProgressTests(SynchronousTestCase):
    """
    A migration step that goes through the messages logs, every
    L{migration.PROGRESS_EVERY} seconds, how many it has done of how many.
    """

    def lines(self, events: Sequence[dict[str, Any]]) -> list[str]:
        return [
            formatEvent(event)
            for event in events
            if event.get("log_namespace") == migration.log.namespace
        ]

    def test_everyFewSeconds(self) -> None:
        """
        L{Progress} logs nothing before L{migration.PROGRESS_EVERY} seconds
        have passed since it began or since its last line.
        """
        clock = Clock()
        progress = Progress(27, clock.seconds)
        with capturedLogs() as events:
            progress.report(10_000, 1_000_000)
            clock.advance(migration.PROGRESS_EVERY - 0.5)
            progress.report(20_000, 1_000_000)
            clock.advance(0.5)
            progress.report(400_000, 1_000_000)
            clock.advance(migration.PROGRESS_EVERY - 0.5)
            progress.report(410_000, 1_000_000)
        line = "upgrading the database schema to 27: 400,000 of 1,000,000 messages"
        self.assertEqual(self.lines(events), [line])

    def test_upgradeLogs(self) -> None:
        """
        Upgrading from version 26 says it begins, how far migration 27 has
        got through the messages after each chunk (with no wait between
        lines here), and that it is done.
        """
        path = self.mktemp()
        olderDatabase(path, 26)
        self.patch(search, "FILL_CHUNK", 2)
        self.patch(migration, "PROGRESS_EVERY", 0)
        with capturedLogs() as events:
            started(path).close()
        new, filling = len(MIGRATIONS), 27  # (the migration that goes through the messages)
        self.assertEqual(
            self.lines(events),
            [
                f"upgrading the database schema from version 26 to {new} (killed before it is"
                " done, it starts over at the next start)",
                f"upgrading the database schema to {filling}: 2 of 5 messages",
                f"upgrading the database schema to {filling}: 4 of 5 messages",
                f"upgrading the database schema to {filling}: 5 of 5 messages",
                f"database schema upgraded from version 26 to {new}",
            ],
        )
