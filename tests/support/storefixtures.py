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
