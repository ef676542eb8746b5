# -*- test-case-name: tests.integration.test_store -*-
"""
PostgreSQL, for sites that outgrow one SQLite file: C{--db postgresql://...}.

The same SQL as SQLite (L{chatd.storage.sql}), through psycopg 3 (the
C{postgres} extra: C{pip install chatd[postgres]}) with C{%s} placeholders,
which the server binds (docs/dev/DESIGN.md, "Persistence", says what the
SQL avoids for that).
Several pooled connections serve reads in parallel; message writes stay in
one batch at a time, in order.
"""

from __future__ import annotations

from typing import Any

from twisted.enterprise import adbapi

from chatd.storage.sql import SQLChatStore

#: Seconds to wait for the server when connecting: an unreachable server
#: makes a query fail ("try again later") rather than hang for minutes.
CONNECT_TIMEOUT = 10


class QuietConnection(adbapi.Connection):
    """
    A pooled connection whose rollback, after the server dropped it, just
    drops it in turn (the next query reconnects) instead of logging two
    tracebacks: the query's own error follows, and the store logs outages
    at a bounded rate (L{chatd.storage.health}).
    """

    def rollback(self) -> None:
        connection: Any = self._connection
        try:
            connection.rollback()
            cursor = connection.cursor()
            cursor.execute(self._pool.good_sql)
            cursor.close()
            connection.commit()
        except Exception:
            self._pool.disconnect(connection)


class PostgresPool(adbapi.ConnectionPool):
    """
    A pool of L{QuietConnection}s.
    """

    connectionFactory = QuietConnection


def postgresStore(dsn: str, reactor: Any, connections: int = 4, **kwargs: Any) -> SQLChatStore:
    """
    A store in the PostgreSQL database named by C{dsn}, a libpq connection
    string or URL such as C{postgresql://chatd@localhost/chatd}; the schema is
    created on first use.
    """
    pool = PostgresPool(
        "psycopg",
        dsn,
        cp_min=1,
        cp_max=connections,
        cp_reconnect=True,
        connect_timeout=CONNECT_TIMEOUT,
        cp_reactor=reactor,
    )
    return SQLChatStore(pool, reactor, "format", **kwargs)
