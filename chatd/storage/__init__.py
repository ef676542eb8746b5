# -*- test-case-name: tests.integration.test_store -*-
"""
Durable chat state: L{interfaces.IChatStore} and its implementations
(L{sqlite}, the default, L{postgres}, and L{memory} for tests).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from chatd.storage.interfaces import IChatStore
from chatd.storage.sql import SQLChatStore
from chatd.storage.watchdog import QUERY_TIMEOUT


def openStore(
    dataDir: str,
    db: str | None,
    reactor: Any,
    flushInterval: float = 0.1,
    queryTimeout: float = QUERY_TIMEOUT,
    **kwargs: Any,
) -> SQLChatStore:
    """
    The store the options name: PostgreSQL when C{db} is a C{postgresql://}
    (or C{postgres://}) URL, its queries bounded by C{queryTimeout} seconds
    (L{chatd.storage.watchdog}), otherwise SQLite in C{dataDir}; C{kwargs}
    go to L{SQLChatStore} (C{retryMax}, C{logEvery}).

    @raise ValueError: C{db} names an engine chatd does not know.
    """
    if db:
        if db.startswith(("postgresql:", "postgres:")):
            from chatd.storage.postgres import postgresStore

            return postgresStore(
                db, reactor, queryTimeout=queryTimeout, flushInterval=flushInterval, **kwargs
            )
        if db.startswith("sqlite:"):
            from chatd.storage.sqlite import sqliteStore

            path = db[len("sqlite:") :]
            folder = None if path == ":memory:" else Path(path).parent  # made if missing, 0700
            return sqliteStore(path, reactor, folder, flushInterval=flushInterval, **kwargs)
        raise ValueError(f"unsupported --db {db!r}: use postgresql://... or sqlite:PATH")
    from chatd.storage.sqlite import dataDirStore

    return dataDirStore(dataDir, reactor, flushInterval=flushInterval, **kwargs)


__all__ = ["IChatStore", "openStore"]
