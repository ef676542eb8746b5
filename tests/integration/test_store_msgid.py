"""
A message is stored once, whoever writes it (L{chatd.storage.uniquemsgid}):
a batch holding a msgid the store holds writes the others and skips it, and
the schema migration that makes msgids unique deletes the later copies of a
message stored more than once.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest
import pytest_twisted
from twisted.logger import capturedLogs, formatEvent

from chatd.storage import openStore
from chatd.storage.health import WRITE
from chatd.storage.schema import MIGRATIONS
from chatd.storage.sqlite import sqliteStore
from chatd.storage.uniquemsgid import uniqueMsgids
from tests.support.pgserver import createDatabase, postgresServer
from tests.support.storefixtures import backend, madeAndStopped, setBack, stop, store

__all__ = ["backend", "postgresServer", "store"]


def _reactor() -> Any:
    from twisted.internet import reactor

    return reactor


def _say(store: Any, text: str, msgid: str, millis: int) -> None:
    store.addMessage("Blabla", "alice", None, (text,), millis // 1000, msgid=msgid, millis=millis)


@pytest_twisted.ensureDeferred
async def test_storedMsgidSkipped(store: Any) -> None:
    """
    A batch holding a msgid already stored (its last row, here) writes the
    others and skips it: history and search show the first copy only, and a
    mark taken after it still separates what was said before from what
    comes later (on SQLite, the skipped row's id is not given to a later
    message).  The SQL stores log how many rows they skipped.
    """
    _say(store, "first lantern", "m-1", 1000)
    await store.flush()
    _say(store, "second lantern", "m-2", 2000)
    _say(store, "copy lantern", "m-1", 3000)
    with capturedLogs() as events:
        await store.flush()
    mark = await store.mark()
    _say(store, "later lantern", "m-3", 4000)
    await store.flush()
    history = await store.history("Blabla", 10)
    assert [(m.lines, m.msgid) for m in history] == [
        (("first lantern",), "m-1"),
        (("second lantern",), "m-2"),
        (("later lantern",), "m-3"),
    ]
    before = await store.history("Blabla", 10, before=mark)
    assert [m.msgid for m in before] == ["m-1", "m-2"]
    found = await store.search("x", ["Blabla"], ["lantern"], 10)
    assert [m.msgid for m in found] == ["m-3", "m-2", "m-1"]
    assert await store.storedMsgids(["m-1", "m-2", "m-3"]) == {"m-1", "m-2", "m-3"}
    assert not [e for e in events if "refused" in formatEvent(e)]  # skipped, not refused
    said = [formatEvent(e) for e in events if "stored already" in formatEvent(e)]
    if hasattr(store, "database"):
        assert said == [
            "1 of a batch of 2 messages were stored already (by another node, or before the"
            " journal was read back): each is stored once"
        ]


@pytest_twisted.ensureDeferred
async def test_copiesInOneBatch(store: Any) -> None:
    """
    Two copies of a msgid in one batch: the first is stored.
    """
    _say(store, "one", "m-1", 1000)
    _say(store, "again", "m-1", 1000)
    _say(store, "two", "m-2", 2000)
    history = await store.history("Blabla", 10)
    assert [m.lines for m in history] == [("one",), ("two",)]


@pytest_twisted.ensureDeferred
async def test_deletedMsgidStoredAgain(store: Any) -> None:
    """
    A message deleted is no longer stored: its msgid may be written again.
    """
    _say(store, "one", "m-1", 1000)
    assert await store.deleteMessage("m-1") is True
    _say(store, "back", "m-1", 2000)
    assert [m.lines for m in await store.history("Blabla", 10)] == [("back",)]


#: Rows of a database from before the migration: (id, msgid, body); m-a
#: twice, m-c three times, two messages without a msgid.
OLD_ROWS = [
    (1, "m-a", "first lantern a"),
    (2, "m-b", "only lantern b"),
    (3, "m-a", "copy lantern a"),
    (4, None, "nameless lantern"),
    (5, None, "nameless lantern too"),
    (6, "m-c", "first lantern c"),
    (7, "m-c", "copy lantern c"),
    (8, "m-c", "another copy lantern c"),
]

#: One more copy of m-a, which the unique index refuses.
ANOTHER_COPY = (
    "INSERT INTO messages (sender, body, sent, pending, msgid) VALUES ('x', 'y', 1, 0, 'm-a')"
)


def _setBack(execute: Any, paramstyle: str) -> None:
    """
    A database of today's schema set back to before L{uniqueMsgids}, with
    L{OLD_ROWS} (indexed for search, as the writer indexes them).
    """
    execute("DROP INDEX messages_msgid")
    execute("CREATE INDEX messages_msgid ON messages (msgid)")
    # Migrations after this one run again at the next start: undone too.
    setBack(execute, MIGRATIONS.index([uniqueMsgids]))
    mark = "?" if paramstyle == "qmark" else "%s"
    for id, msgid, body in OLD_ROWS:
        execute(
            "INSERT INTO messages (id, room_key, room, sender, body, sent, pending, msgid, sent_ms,"
            f" sender_key) VALUES ({mark}, 'blabla', 'Blabla', 'alice', {mark}, {mark}, 0,"
            f" {mark}, {mark}, 'alice')",
            (id, body, id, msgid, id * 1000),
        )
    if paramstyle == "qmark":
        execute("INSERT INTO messages_fts (rowid, body) SELECT id, body FROM messages")
    else:
        execute("SELECT setval('messages_id_seq', 9, false)")


async def _checkMigrated(opened: Any) -> Any:
    """
    Start C{opened}, set back by L{_setBack}: the later copies are gone,
    the first of each stays, everywhere; the log says how many went.
    """
    with capturedLogs() as events:
        opened.startService()
        await opened.load()
    said = [formatEvent(e) for e in events if "copies" in formatEvent(e)]
    assert said == [
        "3 later copies of messages stored more than once were deleted from history: each"
        " message is now stored once"
    ]
    history = await opened.history("Blabla", 20)
    assert [m.lines[0] for m in history] == [
        "first lantern a",
        "only lantern b",
        "nameless lantern",
        "nameless lantern too",
        "first lantern c",
    ]
    found = await opened.search("x", ["Blabla"], ["lantern"], 20)
    assert sorted(m.lines[0] for m in found) == sorted(m.lines[0] for m in history)
    kept = await opened.findMessage("m-c")
    assert kept is not None and kept.lines == ("first lantern c",)
    # Written again, a msgid stored is skipped; many messages have none.
    _say(opened, "copy lantern b", "m-b", 9000)
    opened.addMessage("Blabla", "bob", None, ("nameless again",), 10)
    history = await opened.history("Blabla", 20)
    assert [m.lines[0] for m in history][-2:] == ["first lantern c", "nameless again"]
    return opened


@pytest_twisted.ensureDeferred
async def test_copiesDeletedSQLite(tmp_path: Path) -> None:
    """
    On SQLite, the migration keeps the first copy of each msgid (the lowest
    id) and deletes the others from the full-text index too (FTS5's own
    check agrees); the msgid index is unique, but for messages without one.
    """
    path = str(tmp_path / "chat.sqlite3")
    await madeAndStopped(sqliteStore(path, _reactor()))
    connection = sqlite3.connect(path)
    _setBack(connection.execute, "qmark")
    connection.commit()
    connection.close()
    opened = await _checkMigrated(sqliteStore(path, _reactor()))
    try:

        def inspect(txn: Any) -> None:
            txn.execute(
                "INSERT INTO messages_fts (messages_fts, rank) VALUES ('integrity-check', 1)"
            )
            txn.execute("SELECT COUNT(*) FROM messages_fts WHERE messages_fts MATCH 'copy'")
            assert txn.fetchall() == [(0,)]
            with pytest.raises(sqlite3.IntegrityError):
                txn.execute(ANOTHER_COPY)

        await opened.database.run(inspect, what=WRITE)
    finally:
        await stop(opened)


@pytest_twisted.ensureDeferred
async def test_copiesDeletedPostgres(postgresServer: str) -> None:
    """
    On PostgreSQL, the same: the first copy of each msgid stays, and the
    msgid index refuses a second.
    """
    import psycopg

    url = createDatabase(postgresServer)
    await madeAndStopped(openStore("unused", url, _reactor()))
    with psycopg.connect(url) as connection:  # commits and closes
        _setBack(connection.execute, "format")
    opened = await _checkMigrated(openStore("unused", url, _reactor()))
    await stop(opened)
    with psycopg.connect(url) as connection, pytest.raises(psycopg.errors.UniqueViolation):
        connection.execute(ANOTHER_COPY)
