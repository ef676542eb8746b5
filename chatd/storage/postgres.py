# -*- test-case-name: tests.integration.test_store -*-
"""
PostgreSQL, for sites that outgrow one SQLite file: C{--db postgresql://...}.

The same SQL as SQLite (L{chatd.storage.sql}), through psycopg 3 (the
C{postgres} extra: C{pip install chatd[postgres]}) with C{%s} placeholders,
which the server binds (docs/dev/DESIGN.md, "Persistence", says what the
SQL avoids for that).
Several pooled connections serve reads in parallel; message writes stay in
one batch at a time, in order.

A link to the server may go half-open (a partition, a firewall that forgot
the connection): nothing answers and nothing closes.  TCP keepalives and
C{tcp_user_timeout} let the kernel end such a connection within about half a
minute, the server ends a transaction left idle (which would hold its locks
against the other nodes), and L{QueryWatchdog} fails what a user waits on
after L{QUERY_TIMEOUT} seconds and ends the connection it waited on
(docs/STORAGE.md, "When the database does not answer").
"""

from __future__ import annotations

import os
import socket
from typing import Any

from twisted.enterprise import adbapi
from twisted.internet.interfaces import IReactorTime

from chatd.storage.sql import SQLChatStore
from chatd.storage.watchdog import QUERY_TIMEOUT, QueryWatchdog

#: Seconds a pooled connection may sit idle before it is tried first.
IDLE_CHECK = 5.0

#: Seconds to wait for the server when connecting: an unreachable server
#: makes a query fail ("try again later") rather than hang for minutes.
CONNECT_TIMEOUT = 10

#: libpq's TCP settings: a connection that carries nothing is probed after
#: 10 s idle, every 5 s, and given up after 3 unanswered probes; data sent
#: and not acknowledged for 20 s ends it too.  (A link that went silent is
#: noticed in seconds, not at the kernel's retransmission limit, ~15 min.)
TCP_SETTINGS = {
    "keepalives": 1,
    "keepalives_idle": 10,
    "keepalives_interval": 5,
    "keepalives_count": 3,
    "tcp_user_timeout": 20_000,
}

#: Milliseconds the server lets a transaction sit idle before it ends it
#: (and its locks): the node that opened it may be cut off mid-way.
IDLE_IN_TRANSACTION = 60_000


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

    def interrupt(self, thread: int) -> None:
        """
        End the connection of pool thread C{thread} under the driver (the
        watchdog's interrupt, called from the reactor thread): its socket
        is shut down, so what the thread waits on fails at once as a lost
        connection, and the next interaction on that thread reconnects.
        """
        connection: Any = self.connections.get(thread)
        try:
            descriptor = connection.pgconn.socket
        except Exception:  # none, or closed meanwhile: nothing waits on it
            return
        with socket.socket(fileno=os.dup(descriptor)) as shared:
            try:
                shared.shutdown(socket.SHUT_RDWR)
            except OSError:  # already disconnected
                pass


def endIdleTransactions(connection: Any) -> None:
    """
    Have the server end a transaction of this new C{connection} that sits
    idle for L{IDLE_IN_TRANSACTION} ms (the pool's C{cp_openfun}).
    """
    connection.execute(f"SET idle_in_transaction_session_timeout = {IDLE_IN_TRANSACTION}")
    connection.commit()


def postgresStore(
    dsn: str,
    reactor: Any,
    connections: int = 4,
    queryTimeout: float = QUERY_TIMEOUT,
    **kwargs: Any,
) -> SQLChatStore:
    """
    A store in the PostgreSQL database named by C{dsn}, a libpq connection
    string or URL such as C{postgresql://chatd@localhost/chatd}; the schema is
    created on first use.  An interaction unanswered after C{queryTimeout}
    seconds fails as an outage.
    """
    pool = PostgresPool(
        "psycopg",
        dsn,
        cp_min=1,
        cp_max=connections,
        cp_reconnect=True,
        connect_timeout=CONNECT_TIMEOUT,
        **TCP_SETTINGS,
        cp_openfun=endIdleTransactions,
        cp_reactor=reactor,
        clock=reactor,
    )
    watchdog = QueryWatchdog(reactor, queryTimeout, pool.interrupt)
    return SQLChatStore(pool, reactor, "format", watchdog=watchdog, **kwargs)
