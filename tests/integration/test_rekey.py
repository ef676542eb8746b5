"""
The migration that recomputes stored name keys (L{chatd.storage.rekey}),
on SQLite and PostgreSQL: a database whose keys were case-folded names gets
today's keys, and look-alike accounts and rooms are merged into the oldest.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest_twisted

from chatd.core.names import key
from chatd.storage import openStore
from chatd.storage.rekey import rekey
from chatd.storage.schema import ID_TYPE, MIGRATIONS, VERSION_TABLE
from chatd.storage.sql import SQLChatStore
from chatd.storage.sqlite import sqliteStore
from tests.support.pgserver import createDatabase, postgresServer
from tests.support.storefixtures import stop

__all__ = ["postgresServer"]

FAKE_ALICE = "\u0430lice"  # Cyrillic a
FAKE_GENERAL = "G\u00e9n\u00e9r\u0430l"  # Cyrillic a


def _reactor() -> Any:
    from twisted.internet import reactor

    return reactor


def _beforeRekey(execute: Any, paramstyle: str) -> None:
    """
    A database as chatd left it before the migration, keyed by case-folded
    names: C{alice} and a younger C{аlice}, C{Général} and a younger
    look-alike, each with memberships, a request and messages.
    """
    execute(VERSION_TABLE)
    before = next(i for i, statements in enumerate(MIGRATIONS) if rekey in statements)
    for statements in MIGRATIONS[:before]:
        for statement in statements:
            assert not callable(statement)
            sql = statement if isinstance(statement, str) else statement[paramstyle]
            if sql is not None:
                execute(sql.replace("{id_type}", ID_TYPE[paramstyle]))
    execute(f"INSERT INTO schema_version (version) VALUES ({before})")
    accounts = [("alice", "h1", 1), (FAKE_ALICE, "h2", 2), ("Marc", "h3", 3)]
    for nick, hash, created in accounts:
        execute(
            "INSERT INTO accounts (nick_key, nick, hash, created) VALUES"
            f" ('{nick.casefold()}', '{nick}', '{hash}', {created})"
        )
    for name, created in [("Général", 1), (FAKE_GENERAL, 2), ("Marketing", 1)]:
        execute(
            "INSERT INTO rooms (room_key, name, mode, capacity, topic, autojoin, created)"
            f" VALUES ('{name.casefold()}', '{name}', 'open', NULL, '', 0, {created})"
        )
    for nick, room in [("alice", "marketing"), (FAKE_ALICE, "marketing"), ("marc", "général")]:
        execute(f"INSERT INTO memberships (nick_key, room_key) VALUES ('{nick}', '{room}')")
    execute(
        "INSERT INTO access (room_key, nick_key, nick, approved, requested)"
        " VALUES ('marketing', 'marc', 'Marc', 1, 5)"
    )
    messages = [
        (1, "'marketing'", "'Marketing'", "NULL", "NULL", 0),
        (2, "'général'", "'Général'", "NULL", "NULL", 0),
        (3, f"'{FAKE_GENERAL.casefold()}'", f"'{FAKE_GENERAL}'", "NULL", "NULL", 0),
        (4, "NULL", "NULL", "'marc'", "'Marc'", 1),
        (5, "NULL", "NULL", f"'{FAKE_ALICE}'", f"'{FAKE_ALICE}'", 1),
    ]
    for id, roomKey, room, recipientKey, recipient, pending in messages:
        execute(
            "INSERT INTO messages (id, room_key, room, sender, recipient_key, recipient, body,"
            f" sent, pending) VALUES ({id}, {roomKey}, {room}, 'x', {recipientKey},"
            f" {recipient}, 'm{id}', {id}, {pending})"
        )


async def _checkRekeyed(store: SQLChatStore) -> None:
    store.startService()
    try:
        snapshot = await store.load()
        assert snapshot.accounts == {key("alice"), key("Marc")}
        assert await store.accountHash("\u0410LICE") == "h1"
        names = {room.name for room in snapshot.rooms}
        assert "Général" in names and FAKE_GENERAL not in names and "Marketing" in names
        assert snapshot.access == {key("marketing"): {key("marc"): ("Marc", True)}}
        assert await store.memberships("ALICE") == ["Marketing"]
        assert await store.memberships("marc") == ["Général"]
        assert [m.lines for m in await store.history("Marketing", 10)] == [("m1",)]
        assert [m.lines for m in await store.history("Général", 10)] == [("m2",)]
        assert [m.lines for _, m in await store.undelivered("MARC")] == [("m4",)]
        assert await store.undelivered("alice") == []
    finally:
        await stop(store)


@pytest_twisted.ensureDeferred
async def test_rekeySQLite(tmp_path: Path) -> None:
    """
    An SQLite database gets today's keys; the younger look-alike account
    and room are gone with their private messages and history.
    """
    path = str(tmp_path / "old.sqlite3")
    connection = sqlite3.connect(path)
    _beforeRekey(connection.execute, "qmark")
    connection.commit()
    connection.close()
    await _checkRekeyed(sqliteStore(path, _reactor()))


@pytest_twisted.ensureDeferred
async def test_rekeyPostgres(postgresServer: str) -> None:
    """
    The same on PostgreSQL.
    """
    import psycopg

    url = createDatabase(postgresServer)
    with psycopg.connect(url) as connection:  # commits and closes
        _beforeRekey(connection.execute, "format")
    store = openStore("unused", url, _reactor())
    assert isinstance(store, SQLChatStore)
    await _checkRekeyed(store)
