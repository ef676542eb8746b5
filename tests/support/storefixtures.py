"""
Every store the contract tests run over: the C{backend} fixture is parametrised
over the in-memory store, SQLite (a file and C{:memory:}) and PostgreSQL, and
C{store} is a loaded store of that backend.  And databases of today's schema
set back as an older build left them, for the migrations' tests.
"""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
import pytest_twisted
from twisted.internet.defer import Deferred

from chatd.storage import openStore
from chatd.storage.memory import MemoryChatStore
from chatd.storage.schema import MIGRATIONS
from chatd.storage.search import LIGHTER_SQLITE_INDEX, POSTGRES_INDEX, SQLITE_INDEX
from chatd.storage.sql import SQLChatStore
from chatd.storage.sqlite import sqliteStore
from tests.support.pgserver import createDatabase

Opener = Callable[[], Any]


class Backend:
    """
    Opens (and reopens) one database with a given implementation.
    """

    def __init__(self, name: str, open: Opener, durable: bool) -> None:
        self.name, self._open, self.durable = name, open, durable

    def open(self) -> Any:
        store = self._open()
        store.startService()
        return store


@pytest.fixture(params=["memory", "sqlite-file", "sqlite-memory", "postgres"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Backend:
    from twisted.internet import reactor

    if request.param == "memory":
        return Backend("memory", MemoryChatStore, False)
    if request.param == "sqlite-file":
        path = str(tmp_path / "chat.sqlite3")
        return Backend("sqlite", lambda: sqliteStore(path, reactor), True)
    if request.param == "sqlite-memory":
        return Backend("sqlite", lambda: sqliteStore(":memory:", reactor), False)
    url = createDatabase(request.getfixturevalue("postgresServer"))
    return Backend("postgres", lambda: openStore("unused", url, reactor), True)


@pytest_twisted.async_yield_fixture
async def store(backend: Backend) -> AsyncIterator[Any]:
    opened = backend.open()
    await opened.load()
    yield opened
    await stop(opened)


async def stop(store: Any) -> None:
    result = store.stopService()
    if isinstance(result, Deferred):
        await result


async def madeAndStopped(store: Any) -> None:
    """
    Start C{store} (which makes or migrates its schema), load it and stop
    it: a database of today's schema, for a test to set back.
    """
    store.startService()
    await store.load()
    await stop(store)


def unfoldSearch(execute: Callable[[str], Any], paramstyle: str) -> None:
    """
    Set a database of today's schema back to before migration 21 (the
    search form, L{chatd.storage.search.foldedSearchIndex}), with
    C{execute}: no C{search_text} column, the index over the body again (on
    SQLite, as migration 14 left it).  The caller sets C{schema_version}.
    """
    if paramstyle == "qmark":
        statements: tuple[str, ...] = (
            "DROP TRIGGER messages_fts_delete",
            "DROP TRIGGER messages_fts_update",
            "DROP TABLE messages_fts",
            "DROP VIEW messages_searched",
            "ALTER TABLE messages DROP COLUMN search_text",
            LIGHTER_SQLITE_INDEX[2],
            *SQLITE_INDEX[2:4],
            LIGHTER_SQLITE_INDEX[3],
        )
    else:
        statements = (
            "DROP INDEX messages_search",
            "ALTER TABLE messages DROP COLUMN search_text",
            *POSTGRES_INDEX,
        )
    for statement in statements:
        execute(statement)


#: Columns added by later migrations, which a database of today's schema set
#: back before them must lose, or their migration fails adding them again:
#: (the migration's index in L{MIGRATIONS}, table, column).
ADDED_COLUMNS = tuple(
    (
        next(i for i, m in enumerate(MIGRATIONS) if column in " ".join(map(str, m))),
        table,
        column,
    )
    for table, column in (
        ("messages", "sender_userhost"),
        ("rooms", "topic_admin"),
        ("rooms", "stamp"),
        ("accounts", "last_seen"),
        ("memberships", "entered"),
    )
)


def setBack(execute: Callable[[str], Any], version: int) -> None:
    """
    Set a database of today's schema back to C{version} with C{execute}:
    its C{schema_version}, and without the columns later migrations add
    (L{ADDED_COLUMNS}), so that migrating it again runs them as they ran.
    """
    for migration, table, column in ADDED_COLUMNS:
        if version <= migration:
            execute(f"ALTER TABLE {table} DROP COLUMN {column}")
    execute(f"UPDATE schema_version SET version = {version}")


#: What sets a database of today's schema back: called with the database's
#: C{execute} and its paramstyle (C{"qmark"} for SQLite, C{"format"}).
SetBack = Callable[[Callable[..., Any], str], None]


async def setBackSQLite(path: str, before: SetBack) -> None:
    """
    Make an SQLite database of today's schema at C{path}, set back by
    C{before}, its full-text index rebuilt (as the older build wrote it).
    """
    from twisted.internet import reactor

    await madeAndStopped(sqliteStore(path, reactor))
    connection = sqlite3.connect(path)
    before(connection.execute, "qmark")
    connection.execute("INSERT INTO messages_fts (messages_fts) VALUES ('rebuild')")
    connection.commit()
    connection.close()


async def setBackPostgres(server: str, before: SetBack) -> str:
    """
    The same on a new database of the PostgreSQL C{server}: its URL.
    """
    import psycopg
    from twisted.internet import reactor

    url = createDatabase(server)
    await madeAndStopped(openStore("unused", url, reactor))
    with psycopg.connect(url) as connection:  # commits and closes
        before(connection.execute, "format")
    return url


def sqlStore(database: str) -> SQLChatStore:
    """
    A store (not started) on the PostgreSQL URL or SQLite file C{database}.
    """
    from twisted.internet import reactor

    if not database.startswith("postgresql:"):
        return sqliteStore(database, reactor)
    store = openStore("unused", database, reactor)
    assert isinstance(store, SQLChatStore)
    return store


#: Where L{olderStore} makes its database: SQLite, PostgreSQL, or SQLite
#: copied to PostgreSQL by C{chatd-admin copy}.
OLDER_KINDS = ["SQLite", "PostgreSQL", "copy"]


async def olderStore(
    kind: str, request: pytest.FixtureRequest, tmp_path: Path, before: SetBack
) -> SQLChatStore:
    """
    A store (not started) on a database of today's schema that C{before}
    set back, of the C{kind} named in L{OLDER_KINDS}.
    """
    from chatd.storage.tools import copyToPostgres

    path = str(tmp_path / "chat.sqlite3")
    if kind == "SQLite":
        await setBackSQLite(path, before)
        return sqlStore(path)
    server = request.getfixturevalue("postgresServer")
    if kind == "PostgreSQL":
        return sqlStore(await setBackPostgres(server, before))
    assert kind == "copy", kind
    await setBackSQLite(path, before)
    url = createDatabase(server)
    copyToPostgres(path, url)
    return sqlStore(url)


@asynccontextmanager
async def loaded(store: Any) -> AsyncIterator[Any]:
    """
    C{store} started (which migrates its database) and loaded: its
    snapshot; stopped at the end.
    """
    store.startService()
    try:
        yield await store.load()
    finally:
        await stop(store)


@asynccontextmanager
async def sharers(backend: Backend) -> AsyncIterator[tuple[Any, Any]]:
    """
    Two loaded stores on C{backend}'s one database (two cluster nodes),
    stopped at the end; the test is skipped for a backend whose stores
    share nothing.
    """
    if not backend.durable:
        pytest.skip("a store of its own shares nothing with another, by design")
    first, second = backend.open(), backend.open()
    await first.load()
    await second.load()
    try:
        yield first, second
    finally:
        await stop(first)
        await stop(second)
