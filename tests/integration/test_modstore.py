"""
One contract for every L{IModerationStore}: in memory and SQLite (real
threads, so pytest-twisted and the real reactor).
"""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest_twisted
from zope.interface.verify import verifyObject

from chatd.core.moderation import Moderation
from chatd.core.operators import OperatorKeys
from chatd.modstore import (
    BAN,
    KICK,
    AuditEntry,
    IModerationStore,
    MemoryModerationStore,
    Sanction,
    SQLiteModerationStore,
)
from chatd.storage import openStore
from chatd.storage.modsql import SQLModerationStore
from chatd.storage.sqlite import sqliteStore
from tests.support.pgserver import createDatabase, postgresServer

__all__ = ["postgresServer"]


@pytest_twisted.async_yield_fixture(params=["memory", "sqlite", "chat-sqlite", "chat-postgres"])
async def store(request: Any, tmp_path: Path) -> AsyncIterator[IModerationStore]:
    from twisted.internet import reactor

    if request.param == "memory":
        yield MemoryModerationStore()
        return
    if request.param.startswith("chat-"):
        if request.param == "chat-sqlite":
            chat = sqliteStore(str(tmp_path / "chat.sqlite3"), reactor)
        else:
            chat = openStore(
                "unused", createDatabase(request.getfixturevalue("postgresServer")), reactor
            )
        chat.startService()
        await chat.load()
        yield SQLModerationStore(chat)
        await chat.stopService()
        return
    sqlite = SQLiteModerationStore(tmp_path / "data" / "moderation.sqlite")
    sqlite.startService()
    yield sqlite
    sqlite.stopService()


@pytest_twisted.ensureDeferred
async def test_sanctions(store: IModerationStore) -> None:
    """
    Saved sanctions load back; saving the same kind and target replaces;
    deleting forgets.
    """
    assert verifyObject(IModerationStore, store)
    kick = Sanction(KICK, "bob", "Bob", "spam", "root", 100.5, 700.5)
    ban = Sanction(BAN, "bob", "Bob", "abuse", "root", 200.0, None)
    for sanction in (kick, ban, Sanction(KICK, "bob", "Bob", "again", "ops", 101.0, 800.0)):
        await store.saveSanction(sanction)
    loaded = sorted(await store.loadSanctions(), key=lambda s: s.kind)
    assert loaded == [ban, Sanction(KICK, "bob", "Bob", "again", "ops", 101.0, 800.0)]
    await store.deleteSanction(BAN, "bob")
    await store.deleteSanction(BAN, "nobody")
    assert [s.kind for s in await store.loadSanctions()] == [KICK]


@pytest_twisted.ensureDeferred
async def test_audit(store: IModerationStore) -> None:
    """
    The audit trail keeps entries in order; C{lastAudit} gives the last N,
    oldest first.
    """
    assert await store.lastAudit(5) == []
    for index in range(5):
        await store.addAudit(AuditEntry(float(index), "root", f"action {index}"))
    assert [e.what for e in await store.lastAudit(3)] == ["action 2", "action 3", "action 4"]
    assert len(await store.lastAudit(100)) == 5


@pytest_twisted.ensureDeferred
async def test_survivesRestart(tmp_path: Path) -> None:
    """
    Sanctions set through one L{Moderation} are in force in the next one
    restored from the same SQLite file: kicks and bans survive restarts.
    """
    from twisted.internet import reactor

    path = tmp_path / "moderation.sqlite"
    first = SQLiteModerationStore(path)
    first.startService()
    moderation = Moderation(reactor)
    await moderation.restore(first)
    moderation.kick("bob", 3600, "spam", "root")
    moderation.ban("eve", "troll", "root")
    moderation.op("carol", "root")
    moderation.audit("root", "kick bob 1h spam")
    await first.lastAudit(1)  # one connection: everything before this is written
    first.stopService()

    second = SQLiteModerationStore(path)
    second.startService()
    try:
        operators = OperatorKeys()
        again = Moderation(reactor, operators)
        assert await again.restore(second) == 3
        assert again.active(KICK, "bob") is not None
        assert again.active(BAN, "eve") is not None
        assert set(operators) == {"carol"}
        [entry] = await again.lastAudit(10)
        assert (entry.who, entry.what) == ("root", "kick bob 1h spam")
    finally:
        second.stopService()


@pytest_twisted.ensureDeferred
async def test_diskTouchedWhenUsed(tmp_path: Path) -> None:
    """
    Starting an SQLite store for a file that does not exist creates nothing;
    the first write creates the directory (0700), the file and the tables.
    """
    path = tmp_path / "data" / "moderation.sqlite"
    store = SQLiteModerationStore(path)
    store.startService()
    try:
        assert not path.parent.exists()
        assert await store.loadSanctions() == []
        await store.addAudit(AuditEntry(1.0, "root", "op carol"))
        assert path.exists()
        assert path.parent.stat().st_mode & 0o777 == 0o700
        assert [e.what for e in await store.lastAudit(1)] == ["op carol"]
    finally:
        store.stopService()


@pytest_twisted.ensureDeferred
async def test_importIntoChatDatabase(tmp_path: Path) -> None:
    """
    With C{--db}, moderation moves into the chat database: an existing
    C{moderation.sqlite} is imported at the first load (sanctions and audit
    trail), without overwriting a sanction the database already has, and
    renamed so that it is imported only once, as one file: no C{-wal} or
    C{-shm} beside it (they were left behind, and made again by anyone who
    read the renamed file).
    """
    from twisted.internet import reactor

    legacy = tmp_path / "data" / "moderation.sqlite"
    old = SQLiteModerationStore(legacy)
    old.startService()
    ban = Sanction(BAN, "bob", "Bob", "abuse", "root", 200.0, None)
    await old.saveSanction(ban)
    await old.saveSanction(Sanction(KICK, "eve", "Eve", "old", "root", 1.0, 9e9))
    await old.addAudit(AuditEntry(1.0, "root", "ban bob abuse"))
    old.stopService()
    chat = sqliteStore(str(tmp_path / "chat.sqlite3"), reactor)
    chat.startService()
    try:
        await chat.load()
        store = SQLModerationStore(chat, legacy)
        newer = Sanction(KICK, "eve", "Eve", "newer", "ops", 5.0, 9e9)
        await store.saveSanction(newer)
        loaded = sorted(await store.loadSanctions(), key=lambda s: s.kind)
        assert loaded == [ban, newer]
        assert [e.what for e in await store.lastAudit(10)] == ["ban bob abuse"]
        imported = legacy.with_name("moderation.sqlite.imported")
        assert not legacy.exists() and imported.exists()
        # One file, nothing beside it, and nothing made by whoever reads it.
        assert sorted(path.name for path in legacy.parent.iterdir()) == [imported.name]
        with closing(sqlite3.connect(f"file:{imported}?mode=ro", uri=True)) as reader:
            assert reader.execute("PRAGMA journal_mode").fetchone() == ("delete",)
            assert reader.execute("SELECT COUNT(*) FROM sanctions").fetchone() == (2,)
        assert sorted(path.name for path in legacy.parent.iterdir()) == [imported.name]
        await store.addAudit(AuditEntry(2.0, "root", "second"))
        assert len(await store.loadSanctions()) == 2
        assert [e.what for e in await store.lastAudit(10)] == ["ban bob abuse", "second"]
    finally:
        await chat.stopService()
