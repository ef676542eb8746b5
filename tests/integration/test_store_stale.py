"""
A PostgreSQL restart ends the pool's idle connections: the first query
after it must not fail for that (a login told "try again later" though the
server is back), as each connection that sat idle is tried before use.
"""

from __future__ import annotations

import pytest_twisted
from twisted.internet import reactor
from twisted.internet.task import Clock

from chatd.storage.database import Database
from chatd.storage.postgres import IDLE_CHECK, PostgresPool
from tests.support.pgserver import PostgresServer, createDatabase, ownPostgres

__all__ = ["ownPostgres"]


@pytest_twisted.ensureDeferred
async def test_idleConnectionTriedAfterRestart(ownPostgres: PostgresServer) -> None:
    """
    A query on a connection that sat idle through a server restart gets
    its answer from a fresh connection, not the restart's error.
    """
    clock = Clock()  # the pool's idea of how long a connection sat idle
    pool = PostgresPool(
        "psycopg",
        createDatabase(ownPostgres.url),
        cp_min=1,
        cp_max=1,
        cp_reconnect=True,
        cp_reactor=reactor,
        clock=clock,
    )
    database = Database(pool, reactor, "format")
    try:
        assert await database.select("SELECT 1") == [(1,)]
        ownPostgres.stop()
        ownPostgres.start()
        clock.advance(IDLE_CHECK)
        assert await database.select("SELECT 2") == [(2,)]
    finally:
        pool.close()
