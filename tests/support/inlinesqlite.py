"""
An SQLite store for synchronous unit tests: L{inlineSQLiteStore} is the
daemon's SQL store on an SQLite database in memory whose transactions run
at once, in the test's thread, so its Deferreds have fired when a call
returns and a L{Clock} drives its message writer.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import Any

from twisted.internet.defer import Deferred, fail, succeed
from twisted.internet.task import Clock

from chatd.storage.sql import SQLChatStore


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


def inlineSQLiteStore(clock: Clock, path: str = ":memory:") -> SQLChatStore:
    """
    A started and loaded SQL store on an L{InlinePool} of the database
    C{path} (a file: another store opens it again, as a restart does), its
    writer timed by C{clock}.
    """
    store = SQLChatStore(InlinePool(path), clock, "qmark")  # type: ignore[arg-type]
    store.startService()
    loaded = store.load()
    failures: list[Any] = []
    loaded.addErrback(failures.append)
    if failures:
        failures[0].raiseException()
    return store
