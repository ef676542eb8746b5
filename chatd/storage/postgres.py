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
from twisted.internet.interfaces import IReactorTime

from chatd.storage.sql import SQLChatStore

#: Seconds a pooled connection may sit idle before it is tried first.
IDLE_CHECK = 5.0

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
    A pool of L{QuietConnection}s, each tried first when it sat idle for
    L{IDLE_CHECK} seconds: a server restart ends the idle connections, and
    the query that found out would fail (a login told "try again later"),
    where the fresh connection made instead works.
    """

    connectionFactory = QuietConnection

    def __init__(self, *args: Any, clock: IReactorTime, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.clock = clock
        self._lastUsed: dict[int, float] = {}

    def connect(self) -> Any:
        connection = super().connect()
        thread, now = self.threadID(), self.clock.seconds()
        if now - self._lastUsed.get(thread, now) >= IDLE_CHECK:
            try:
                connection.execute(self.good_sql)
                connection.rollback()
            except Exception:  # gone: the next one is made afresh
                self.disconnect(connection)
                connection = super().connect()
        self._lastUsed[thread] = now
        return connection


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
        clock=reactor,
    )
    return SQLChatStore(pool, reactor, "format", **kwargs)
