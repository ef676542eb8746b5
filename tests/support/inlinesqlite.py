"""
An SQLite store for synchronous unit tests: L{inlineSQLiteStore} is the
daemon's SQL store on an SQLite database in memory whose transactions run
at once, in the test's thread, so its Deferreds have fired when a call
returns and a L{Clock} drives its message writer.  On a L{FullDiskPool} it
reads but cannot write while its disk is full, and does neither while down;
on a L{SilentPool} its interactions go unanswered while the database is
silent (a half-open link).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import Any

from twisted.internet.defer import Deferred, fail, succeed
from twisted.internet.task import Clock

from chatd.storage.sql import SQLChatStore
from chatd.storage.watchdog import QueryWatchdog


class InlinePool:
    """
    What L{chatd.storage.database.Database} asks of an C{adbapi}
    connection pool, on one SQLite connection: each interaction runs at
    once and commits, or rolls back when it raises.
    """

    def __init__(self, path: str = ":memory:") -> None:
        self.connection = sqlite3.connect(path)
        self.connection.execute("PRAGMA foreign_keys = ON")

    def runInteraction(self, fn: Callable[..., Any], *args: Any) -> Deferred[Any]:
        cursor = self.connection.cursor()
        try:
            result = fn(cursor, *args)
        except Exception:
            self.connection.rollback()
            return fail()
        finally:
            cursor.close()
        self.connection.commit()
        return succeed(result)

    def close(self) -> None:
        self.connection.close()


class FullCursor:
    """
    A cursor whose statements that write fail as SQLite's do on a full disk
    (all of them, if C{down}: the database file cannot be opened).
    """

    def __init__(self, cursor: sqlite3.Cursor, down: bool = False) -> None:
        self.cursor = cursor
        self.down = down

    def execute(self, sql: str, *args: Any) -> Any:
        if self.down:
            raise sqlite3.OperationalError("unable to open database file")
        if sql.lstrip().split(None, 1)[0].upper() in WRITING:
            raise sqlite3.OperationalError("database or disk is full")
        return self.cursor.execute(sql, *args)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.cursor, name)


#: The statements L{FullCursor} refuses.
WRITING = frozenset({"INSERT", "UPDATE", "DELETE", "REPLACE", "CREATE", "DROP", "ALTER"})


class FullDiskPool(InlinePool):
    """
    An L{InlinePool} whose disk can be filled (L{full}): every statement
    that writes then fails, while reads go on; or whose database cannot be
    reached at all (L{down}).
    """

    full = down = False

    def runInteraction(self, fn: Callable[..., Any], *args: Any) -> Deferred[Any]:
        if not (self.full or self.down):
            return super().runInteraction(fn, *args)
        down = self.down
        return super().runInteraction(lambda cursor: fn(FullCursor(cursor, down), *args))


class SilentPool(InlinePool):
    """
    An L{InlinePool} whose interactions, while C{silent}, neither run nor
    answer (L{pending} holds them), as when the link to the server went
    half-open.
    """

    silent = False

    def __init__(self, path: str = ":memory:") -> None:
        super().__init__(path)
        self.pending: list[Deferred[Any]] = []

    def runInteraction(self, fn: Callable[..., Any], *args: Any) -> Deferred[Any]:
        if not self.silent:
            return super().runInteraction(fn, *args)
        self.pending.append(Deferred())
        return self.pending[-1]


def inlineSQLiteStore(
    clock: Clock,
    path: str = ":memory:",
    pool: InlinePool | None = None,
    watchdog: QueryWatchdog | None = None,
) -> SQLChatStore:
    """
    A started and loaded SQL store on C{pool} (by default an L{InlinePool}
    of the database C{path}: a file, another store opens it again, as a
    restart does), its writer timed by C{clock}, its interactions bounded
    by C{watchdog} if given.
    """
    pool = InlinePool(path) if pool is None else pool
    store = SQLChatStore(pool, clock, "qmark", watchdog=watchdog)  # type: ignore[arg-type]
    store.startService()
    loaded = store.load()
    failures: list[Any] = []
    loaded.addErrback(failures.append)
    if failures:
        failures[0].raiseException()
    return store
