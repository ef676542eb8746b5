"""
Several stores on one database (cluster mode: chatd processes sharing one
PostgreSQL), and the upgrade of databases made before the database issued
message ids.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest_twisted
from twisted.internet.defer import DeferredList, gatherResults

from chatd.storage import openStore
from chatd.storage.schema import ID_TYPE, MIGRATIONS, VERSION_TABLE
from chatd.storage.sql import SQLChatStore
from chatd.storage.sqlite import sqliteStore
from tests.support.pgserver import createDatabase, postgresServer
from tests.support.storefixtures import stop

__all__ = ["postgresServer"]


def _reactor() -> Any:
    from twisted.internet import reactor

    return reactor


@pytest_twisted.ensureDeferred
async def test_twoStoresOnePostgres(postgresServer: str) -> None:
    """
    Two stores start together on one fresh PostgreSQL database (the schema
    is created once, not twice) and write to one room in parallel batches:
    every message is kept with its own id, each writer's messages stay in
    their order, and a mark taken on one store after both flushed covers
    both stores' messages.
    """
    url = createDatabase(postgresServer)
    stores: list[SQLChatStore] = [openStore("unused", url, _reactor(), 0.01) for _ in range(2)]
    for store in stores:
        store.startService()
    try:
        await gatherResults([store.load() for store in stores])
        for round in range(30):
            for n, store in enumerate(stores):
                for i in range(10):
                    store.addMessage("Blabla", f"w{n}", None, (f"{round}-{i}",), round)
            if round % 10 == 0:
                await DeferredList([store.flush() for store in stores])
        await gatherResults([store.flush() for store in stores])
        history = await stores[0].history("Blabla", 1000)
        assert len(history) == 600
        for n in range(2):
            mine = [m.lines[0] for m in history if m.sender == f"w{n}"]
            assert mine == [f"{r}-{i}" for r in range(30) for i in range(10)]
        mark = await stores[1].mark()
        assert len(await stores[0].history("Blabla", 1000, before=mark)) == 600
        stores[0].addMessage("Blabla", "w0", None, ("later",), 99)
        assert len(await stores[1].history("Blabla", 1000, before=mark)) == 600
        await stores[0].flush()
        assert len(await stores[1].history("Blabla", 1000)) == 601
    finally:
        for store in stores:
            await stop(store)


def _oldSchema(execute: Any, paramstyle: str) -> None:
    """
    A database as chatd left it at schema version 1, with two messages that
    chatd numbered itself.
    """
    execute(VERSION_TABLE)
    for statement in MIGRATIONS[0]:
        assert isinstance(statement, str)
        execute(statement.replace("{id_type}", ID_TYPE[paramstyle]))
    execute("INSERT INTO schema_version (version) VALUES (1)")
    execute("INSERT INTO accounts (nick_key, nick, hash, created) VALUES ('old', 'Old', 'h', 1)")
    for id in (1, 2):
        execute(
            "INSERT INTO messages (id, room_key, room, sender, body, sent, pending)"
            f" VALUES ({id}, 'blabla', 'Blabla', 'old', 'm{id}', {id}, 0)"
        )


async def _checkUpgraded(store: SQLChatStore) -> None:
    store.startService()
    try:
        await store.load()
        assert await store.mark() == 3
        # The admin flag (migration 4): existing accounts are not admins,
        # and can be made admins.
        assert await store.admins() == []
        assert await store.adminHash("old") is None
        assert await store.setAdmin("old", True) is False
        assert await store.adminHash("OLD") == "h"
        store.addMessage("Blabla", "new", None, ("m3",), 3, msgid="live-3")
        await store.flush()
        assert await store.mark() == 4
        history = await store.history("Blabla", 10)
        # Messages stored before msgids were kept get one from their row id.
        assert [(m.sender, m.lines, m.msgid) for m in history] == [
            ("old", ("m1",), "m1"),
            ("old", ("m2",), "m2"),
            ("new", ("m3",), "live-3"),
        ]
        # and their second as their time in milliseconds.
        assert [m.millis for m in history] == [1000, 2000, 3000]
        # and are found by a search (the full-text index, migration 10).
        found = await store.search("x", ["blabla"], ["M2"], 5)
        assert [(m.sender, m.lines) for m in found] == [("old", ("m2",))]
    finally:
        await stop(store)


@pytest_twisted.ensureDeferred
async def test_upgradeSQLite(tmp_path: Path) -> None:
    """
    An SQLite data directory of schema version 1 is upgraded in place and
    its message ids go on after the old ones.
    """
    path = str(tmp_path / "old.sqlite3")
    connection = sqlite3.connect(path)
    _oldSchema(connection.execute, "qmark")
    connection.commit()
    connection.close()
    await _checkUpgraded(sqliteStore(path, _reactor()))
    connection = sqlite3.connect(path)
    try:
        assert connection.execute("SELECT version FROM schema_version").fetchall() == [
            (len(MIGRATIONS),)
        ]
    finally:
        connection.close()


@pytest_twisted.ensureDeferred
async def test_upgradePostgres(postgresServer: str) -> None:
    """
    A PostgreSQL database of schema version 1 gets its id sequence, started
    after the ids chatd numbered itself.
    """
    import psycopg

    url = createDatabase(postgresServer)
    with psycopg.connect(url) as connection:  # commits and closes
        _oldSchema(connection.execute, "format")
    store = openStore("unused", url, _reactor())
    assert isinstance(store, SQLChatStore)
    await _checkUpgraded(store)
