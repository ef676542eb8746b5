# -*- test-case-name: tests.integration.test_modstore,tests.integration.test_storage_tools -*-
"""
L{SQLModerationStore}: moderation (L{chatd.modstore.IModerationStore}) in
the chat database itself, next to accounts and messages, on SQLite or
PostgreSQL.  C{--db} uses it, so sanctions and the audit trail are in the
database every cluster node shares.

A data directory that kept moderation in its own C{moderation.sqlite}
(before C{--db} took it over) is imported once, by C{chatd-admin copy}
(L{chatd.storage.tools}) or, if it is still there, at the first load: its
sanctions are added where the database has none of the same kind and
target, its audit entries appended, and the file renamed
C{moderation.sqlite.imported}, its content kept as it was, in one file
(no C{-wal} or C{-shm} beside it).
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from typing import Any

from twisted.application.service import Service
from twisted.internet.defer import Deferred
from twisted.logger import Logger
from zope.interface import implementer

from chatd.modstore import AuditEntry, IModerationStore, Sanction
from chatd.storage.health import QUERY, WRITE
from chatd.storage.migration import convert, migrate
from chatd.storage.opening import IMPORTED
from chatd.storage.sql import SQLChatStore

Cursor = Any
SANCTION_COLUMNS = "kind, target, name, reason, by_admin, at, until"


def _selfContained(connection: sqlite3.Connection) -> None:
    """
    Fold a WAL database's C{-wal} into its file and leave WAL mode, so it is
    renamed without companions: opened read-only in WAL mode, it left
    C{moderation.sqlite-wal} and C{-shm} beside the renamed file, and
    whoever opened that later made C{moderation.sqlite.imported-wal} and
    C{-shm}.  Its sanctions and audit trail stay as they were.
    """
    try:
        connection.execute("PRAGMA journal_mode = DELETE")
    except sqlite3.Error:
        pass  # busy: the import goes on; a backup leaves the companions out anyway


def saveSanction(txn: Cursor, paramstyle: str, sanction: Sanction, replace: bool = True) -> None:
    """
    Save C{sanction} in the caller's transaction, replacing one of the same
    kind and target unless not C{replace} (then the stored one stays).
    """
    action = (
        "DO UPDATE SET name = excluded.name, reason = excluded.reason,"
        " by_admin = excluded.by_admin, at = excluded.at, until = excluded.until"
        if replace
        else "DO NOTHING"
    )
    txn.execute(
        convert(
            f"INSERT INTO sanctions ({SANCTION_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)"
            f" ON CONFLICT (kind, target) {action}",
            paramstyle,
        ),
        sanction.row(),
    )


def addAudit(txn: Cursor, paramstyle: str, entry: AuditEntry) -> None:
    """
    Append C{entry} to the audit trail, in the caller's transaction.
    """
    txn.execute(
        convert("INSERT INTO audit (at, who, what) VALUES (?, ?, ?)", paramstyle),
        (entry.at, entry.who, entry.what),
    )


def importLegacy(txn: Cursor, paramstyle: str, path: Path) -> int:
    """
    Add the sanctions and audit trail of the old moderation file C{path}
    to the database of C{txn}, in that transaction (a sanction of a kind
    and target it holds already stays as it is), and leave the file one
    self-contained database (L{_selfContained}); returns how many
    sanctions the file held.  The caller renames it L{IMPORTED} once the
    transaction committed (L{markImported}).
    """
    old = sqlite3.connect(f"file:{path}?mode=rw", uri=True)
    try:
        tables = {row[0] for row in old.execute("SELECT name FROM sqlite_master")}
        sanctions = audit = []
        if "sanctions" in tables:
            sanctions = old.execute(f"SELECT {SANCTION_COLUMNS} FROM sanctions").fetchall()
        if "audit" in tables:
            audit = old.execute("SELECT at, who, what FROM audit ORDER BY id").fetchall()
        _selfContained(old)
    finally:
        old.close()
    for row in sanctions:
        saveSanction(txn, paramstyle, Sanction(*row), replace=False)
    for row in audit:
        addAudit(txn, paramstyle, AuditEntry(*row))
    return len(sanctions)


def markImported(path: Path) -> None:
    """
    Rename the moderation file C{path}, imported, L{IMPORTED}: the data
    directory's moderation now lives in the database (and a start on the
    data directory alone is refused, L{chatd.storage.opening.checkNotMoved}).
    """
    os.replace(path, path.with_name(IMPORTED))


@implementer(IModerationStore)
class SQLModerationStore(Service):
    """
    Sanctions and audit trail in C{store}'s database, through its pool.

    @ivar legacy: a C{moderation.sqlite} to import at the first load, if it
        exists.
    """

    log = Logger()

    def __init__(self, store: SQLChatStore, legacy: Path | None = None) -> None:
        self.store = store
        self.legacy = legacy

    def _load(self, txn: Cursor) -> tuple[list[Sanction], int | None]:
        migrate(txn, self.store.paramstyle)  # a no-op once the chat store has loaded
        imported = None
        if self.legacy is not None and self.legacy.exists():
            imported = importLegacy(txn, self.store.paramstyle, self.legacy)
        txn.execute(f"SELECT {SANCTION_COLUMNS} FROM sanctions")
        return [Sanction(*row) for row in txn.fetchall()], imported

    async def _loadSanctions(self) -> list[Sanction]:
        sanctions, imported = await self.store.database.run(self._load, what=QUERY)
        if imported is not None and self.legacy is not None:
            markImported(self.legacy)
            self.log.info(
                "moderation: imported {count} sanctions and the audit trail of {path}",
                count=imported,
                path=str(self.legacy),
            )
        return sanctions

    def loadSanctions(self) -> Deferred[list[Sanction]]:
        return Deferred.fromCoroutine(self._loadSanctions())

    def saveSanction(self, sanction: Sanction) -> Deferred[None]:
        return self.store.database.run(saveSanction, self.store.paramstyle, sanction, what=WRITE)

    def deleteSanction(self, kind: str, target: str) -> Deferred[None]:
        return self.store.database.execute(
            "DELETE FROM sanctions WHERE kind = ? AND target = ?", kind, target
        )

    def addAudit(self, entry: AuditEntry) -> Deferred[None]:
        return self.store.database.run(addAudit, self.store.paramstyle, entry, what=WRITE)

    def lastAudit(self, limit: int) -> Deferred[list[AuditEntry]]:
        d = self.store.database.select(
            "SELECT at, who, what FROM audit ORDER BY id DESC LIMIT ?", limit
        )
        return d.addCallback(lambda rows: [AuditEntry(*row) for row in reversed(rows)])
