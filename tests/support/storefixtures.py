"""
Every store the contract tests run over: the C{backend} fixture is parametrised
over the in-memory store, SQLite (a file and C{:memory:}) and PostgreSQL, and
C{store} is a loaded store of that backend.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
import pytest_twisted
from twisted.internet.defer import Deferred

from chatd.storage import openStore
from chatd.storage.memory import MemoryChatStore
from chatd.storage.schema import MIGRATIONS
from chatd.storage.search import LIGHTER_SQLITE_INDEX, POSTGRES_INDEX, SQLITE_INDEX
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
ADDED_COLUMNS = (
    (
        next(i for i, m in enumerate(MIGRATIONS) if "sender_userhost" in " ".join(map(str, m))),
        "messages",
        "sender_userhost",
    ),
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
