# -*- test-case-name: tests.integration.test_modstore -*-
"""
Where moderation outlives the process: sanctions (kicks, bans, mutes,
operator grants) and the audit trail of every administrator's action.

L{IModerationStore} is deliberately small so that the main chat store can
take these tables over later; L{MemoryModerationStore} serves unit tests and
L{SQLiteModerationStore} keeps them in a file of the data directory now.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from twisted.application.service import Service
from twisted.enterprise import adbapi
from twisted.internet.defer import Deferred, succeed
from zope.interface import Interface, implementer

from chatd.storage.sqlite import SQLitePool

T = TypeVar("T")

#: The kinds of sanction: C{target} is a nickname key, or a network for C{IPBAN}.
KICK, BAN, IPBAN, MUTE, OPERATOR = "kick", "ban", "ipban", "mute", "op"


@dataclass(frozen=True)
class Sanction:
    """
    One rule about one person or network.

    @ivar kind: one of L{KICK}, L{BAN}, L{IPBAN}, L{MUTE}, L{OPERATOR}.
    @ivar target: the nickname's case-folded key, or a network such as
        C{10.0.0.0/8}.
    @ivar name: the target as the administrator typed it, for display.
    @ivar until: Unix time at which it lapses, or C{None} for never.
    """

    kind: str
    target: str
    name: str
    reason: str
    by: str
    at: float
    until: float | None = None

    def activeAt(self, now: float) -> bool:
        return self.until is None or now < self.until

    def row(self) -> tuple[str, str, str, str, str, float, float | None]:
        """The columns of its row in the table C{sanctions}, in order."""
        return (self.kind, self.target, self.name, self.reason, self.by, self.at, self.until)


@dataclass(frozen=True)
class AuditEntry:
    """
    Administrator C{who} did C{what} (the command as typed) at C{at}.
    """

    at: float
    who: str
    what: str


class IModerationStore(Interface):
    """
    Durable sanctions and audit trail.  Every method returns a L{Deferred}.
    """

    def loadSanctions() -> Deferred[list[Sanction]]:
        """
        Every sanction saved and not deleted (expired ones included: the
        caller decides what is still in force).
        """

    def saveSanction(sanction: Sanction) -> Deferred[None]:
        """
        Save C{sanction}, replacing any of the same C{kind} and C{target}.
        """

    def deleteSanction(kind: str, target: str) -> Deferred[None]:
        """
        Forget the sanction of C{kind} on C{target}, if any.
        """

    def addAudit(entry: AuditEntry) -> Deferred[None]:
        """
        Append C{entry} to the audit trail.
        """

    def lastAudit(limit: int) -> Deferred[list[AuditEntry]]:
        """
        The last C{limit} audit entries, oldest first.
        """


@implementer(IModerationStore)
class MemoryModerationStore:
    """
    Keeps everything in memory: for tests and for running without a data
    directory.
    """

    def __init__(self) -> None:
        self.sanctions: dict[tuple[str, str], Sanction] = {}
        self.audit: list[AuditEntry] = []

    def loadSanctions(self) -> Deferred[list[Sanction]]:
        return succeed(list(self.sanctions.values()))

    def saveSanction(self, sanction: Sanction) -> Deferred[None]:
        self.sanctions[(sanction.kind, sanction.target)] = sanction
        return succeed(None)

    def deleteSanction(self, kind: str, target: str) -> Deferred[None]:
        self.sanctions.pop((kind, target), None)
        return succeed(None)

    def addAudit(self, entry: AuditEntry) -> Deferred[None]:
        self.audit.append(entry)
        return succeed(None)

    def lastAudit(self, limit: int) -> Deferred[list[AuditEntry]]:
        return succeed(self.audit[-limit:] if limit > 0 else [])


SCHEMA = (
    """CREATE TABLE IF NOT EXISTS sanctions (
        kind TEXT NOT NULL, target TEXT NOT NULL, name TEXT NOT NULL,
        reason TEXT NOT NULL, by_admin TEXT NOT NULL, at REAL NOT NULL, until REAL,
        PRIMARY KEY (kind, target))""",
    """CREATE TABLE IF NOT EXISTS audit (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        at REAL NOT NULL, who TEXT NOT NULL, what TEXT NOT NULL)""",
)


def _onOpen(connection: Any) -> None:
    connection.execute("PRAGMA journal_mode = WAL")
    with connection:
        for statement in SCHEMA:
            connection.execute(statement)


@implementer(IModerationStore)
class SQLiteModerationStore(Service):
    """
    Sanctions and audit trail in an SQLite file, through one adbapi
    connection (which serializes writes and keeps them in order).

    Start it before use.  If the file exists, starting reads the sanctions
    synchronously (one short read, before the reactor serves anyone) and the
    first L{loadSanctions} returns them at once, so a daemon enforces its
    bans from its very first connection.  Everything else goes through the
    pool, which creates the directory, the file and the tables when first
    used.
    """

    def __init__(self, path: Path | str, reactor: Any = None) -> None:
        self.path = str(path)
        self.reactor = reactor
        self._pool: adbapi.ConnectionPool | None = None
        self._preloaded: list[Sanction] | None = None

    def startService(self) -> None:
        super().startService()
        self._preloaded = []
        if Path(self.path).exists():
            connection = sqlite3.connect(self.path)
            try:
                with connection:
                    cursor = connection.cursor()
                    self._createSchema(cursor)
                    self._preloaded = self._loadSanctions(cursor)
            finally:
                connection.close()
        self._pool = SQLitePool(
            "sqlite3",
            self.path,
            check_same_thread=False,
            cp_min=1,
            cp_max=1,
            cp_openfun=_onOpen,
            **({} if self.reactor is None else {"cp_reactor": self.reactor}),
        )
        self._pool.directory = Path(self.path).parent

    def stopService(self) -> Deferred[None] | None:
        super().stopService()
        if self._pool is not None:
            self._pool.close()  # joins the thread: queued writes finish first
            self._pool = None
        return None

    @staticmethod
    def _createSchema(txn: Any) -> None:
        for statement in SCHEMA:
            txn.execute(statement)

    def _run(self, function: Callable[..., T], *args: Any) -> Deferred[T]:
        assert self._pool is not None, "start the store first"
        result: Deferred[T] = self._pool.runInteraction(function, *args)
        return result

    @staticmethod
    def _loadSanctions(txn: Any) -> list[Sanction]:
        txn.execute("SELECT kind, target, name, reason, by_admin, at, until FROM sanctions")
        return [Sanction(*row) for row in txn.fetchall()]

    def loadSanctions(self) -> Deferred[list[Sanction]]:
        if self._preloaded is not None:
            preloaded, self._preloaded = self._preloaded, None
            return succeed(preloaded)
        return self._run(self._loadSanctions)

    def saveSanction(self, sanction: Sanction) -> Deferred[None]:
        self._preloaded = None  # the start-up read is stale now

        def save(txn: Any) -> None:
            txn.execute(
                "INSERT OR REPLACE INTO sanctions VALUES (?, ?, ?, ?, ?, ?, ?)", sanction.row()
            )

        return self._run(save)

    def deleteSanction(self, kind: str, target: str) -> Deferred[None]:
        self._preloaded = None  # the start-up read is stale now

        def delete(txn: Any) -> None:
            txn.execute("DELETE FROM sanctions WHERE kind = ? AND target = ?", (kind, target))

        return self._run(delete)

    def addAudit(self, entry: AuditEntry) -> Deferred[None]:
        def add(txn: Any) -> None:
            txn.execute(
                "INSERT INTO audit (at, who, what) VALUES (?, ?, ?)",
                (entry.at, entry.who, entry.what),
            )

        return self._run(add)

    def lastAudit(self, limit: int) -> Deferred[list[AuditEntry]]:
        def last(txn: Any) -> list[AuditEntry]:
            txn.execute("SELECT at, who, what FROM audit ORDER BY id DESC LIMIT ?", (limit,))
            return [AuditEntry(*row) for row in reversed(txn.fetchall())]

        return self._run(last)
