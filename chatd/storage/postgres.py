# -*- test-case-name: tests.test_store -*-
"""
PostgreSQL, for sites that outgrow one SQLite file: C{--db postgresql://...}.

The same SQL as SQLite (L{chatd.storage.sql}), through psycopg2 (the
C{postgres} extra: C{pip install chatd[postgres]}) with C{%s} placeholders.
Several pooled connections serve reads in parallel; message writes stay in
one batch at a time, in order.
"""

from __future__ import annotations

from typing import Any

from twisted.enterprise import adbapi

from chatd.storage.sql import SQLChatStore


def postgresStore(dsn: str, reactor: Any, connections: int = 4, **kwargs: Any) -> SQLChatStore:
    """
    A store in the PostgreSQL database named by C{dsn}, a libpq connection
    string or URL such as C{postgresql://chatd@localhost/chatd}; the schema is
    created on first use.
    """
    pool = adbapi.ConnectionPool(
        "psycopg2",
        dsn,
        cp_min=1,
        cp_max=connections,
        cp_reconnect=True,
        cp_reactor=reactor,
    )
    return SQLChatStore(pool, reactor, "format", **kwargs)
