"""
Searching stored messages (L{chatd.storage.interfaces.IChatStore.search}):
the database's own full-text search on SQLite (FTS5) and PostgreSQL
(C{tsvector}), a substring match in the memory store, always limited to the
rooms given and the nick's own private conversations.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest_twisted

from chatd.storage.health import WRITE
from chatd.storage.schema import MIGRATIONS
from chatd.storage.search import SQLITE_INDEX
from chatd.storage.sqlite import sqliteStore
from tests.support.pgserver import postgresServer
from tests.support.storefixtures import backend, madeAndStopped, setBack, stop, store, unfoldSearch

__all__ = ["backend", "postgresServer", "store"]


def _chat(store: Any) -> None:
    """
    Room messages in Blabla and Jeux, and private messages between
    registered alice and bob and between bob and carol (unregistered).
    """
    both = (True, True)
    store.addMessage("Blabla", "alice", None, ("the picnic is on Sunday",), 1, millis=1000)
    store.addMessage("Jeux", "carol", None, ("picnic games", "chess too"), 2, millis=2000)
    store.addMessage(None, "alice", "bob", ("secret picnic plan",), 3, millis=3000, accounts=both)
    store.addMessage(None, "carol", "dave", ("a picnic for two",), 4, millis=4000)
    store.addMessage(None, "bob", "carol", ("picnic? no",), 5, accounts=(True, False))
    store.addMessage("Blabla", "bob", None, ('say "PICNIC" -or- NOT',), 6, millis=6000)


@pytest_twisted.ensureDeferred
async def test_search(store: Any) -> None:
    """
    Every message holding all the words, in any case, newest first, among
    the rooms given and the nick's private conversations (those in its
    history: not carol's, unregistered, nor others' talk); at most C{limit}.
    """
    _chat(store)
    found = await store.search("ALICE", ["blabla"], ["Picnic"], 10)
    assert [m.lines[0] for m in found] == [
        'say "PICNIC" -or- NOT',
        "secret picnic plan",
        "the picnic is on Sunday",
    ]
    assert [m.millis for m in found] == [6000, 3000, 1000]
    bob = await store.search("bob", ["Jeux"], ["picnic"], 10)
    assert [m.lines[0] for m in bob] == ["picnic? no", "secret picnic plan", "picnic games"]
    # A word on another line of a multi-line message; every word must match.
    assert [m.lines for m in await store.search("x", ["Jeux"], ["chess", "picnic"], 10)] == [
        ("picnic games", "chess too")
    ]
    assert await store.search("x", ["Jeux"], ["chess", "sunday"], 10) == []
    assert len(await store.search("bob", ["Jeux", "Blabla"], ["picnic"], 2)) == 2
    # Only the rooms given; no private conversation when not asked.
    assert await store.search("bob", [], ["sunday"], 10) == []
    assert await store.search("bob", [], ["secret"], 10, private=False) == []
    # An unregistered name's private messages are nobody's history.
    assert await store.search("carol", [], ["picnic"], 10) == []
    assert await store.search("dave", [], ["picnic"], 10) == []


@pytest_twisted.ensureDeferred
async def test_searchNoSyntax(store: Any) -> None:
    """
    Quotes, operators and punctuation in the words are text, not query
    syntax: they neither fail nor widen the search; words without a letter
    or digit match nothing.
    """
    _chat(store)
    found = await store.search("x", ["Blabla"], ['"PICNIC"', "-or-", "NOT"], 10)
    assert [m.sender for m in found] == ["bob"]
    operators = await store.search("x", ["Blabla"], ["NOT", "OR"], 10)
    assert [m.sender for m in operators] == ["bob"]
    assert await store.search("x", ["Blabla"], ["sun*"], 10) == []
    assert await store.search("x", ["Blabla"], ['"', "*", "?"], 10) == []


@pytest_twisted.ensureDeferred
async def test_searchSeesQueuedMessages(store: Any) -> None:
    """
    A message queued a moment ago, not yet written, is found.
    """
    store.addMessage("Blabla", "alice", None, ("brand new",), 1)
    assert [m.lines for m in await store.search("x", ["Blabla"], ["new"], 5)] == [("brand new",)]


@pytest_twisted.ensureDeferred
async def test_searchIndexBackfilled(tmp_path: Path) -> None:
    """
    Messages stored before migration 10 are found after it: the FTS5 table
    is filled from them when it is made.
    """
    path = str(tmp_path / "old.sqlite3")
    first = sqliteStore(path, _reactor())
    first.startService()
    await first.load()
    first.addMessage("Blabla", "alice", None, ("before the index",), 1)
    await stop(first)
    connection = sqlite3.connect(path)
    unfoldSearch(connection.execute, "qmark")  # 21, made again
    connection.execute("DROP TABLE messages_fts")
    for trigger in ("delete", "update"):  # 14 dropped the insert trigger
        connection.execute(f"DROP TRIGGER messages_fts_{trigger}")
    # Undo the later migrations too (11: read markers, 12: SCRAM verifiers,
    # 13: always on; 14 only remakes the index, 15 the history indexes; 16:
    # notices; 17: ended presences; 18 to 20 only re-key; 21 above; 22 makes the
    # msgid index again; 23 makes the ignore lists if they are not there; 24
    # only makes search forms again; 25 adds the senders' masks, which setBack
    # drops; 26 makes the settings if they are not there; 27 only makes
    # search forms again; 28 adds the rooms' topic marks and stamps, which
    # setBack drops; 29 makes the kept refusals, 30 the index of a room's
    # messages by sender, if they are not there; 31 adds the accounts' last
    # connection, which setBack drops; 32 only re-keys): they are made
    # again after 10.
    connection.execute("DROP TABLE read_markers")
    connection.execute("ALTER TABLE accounts DROP COLUMN scram")
    connection.execute("ALTER TABLE accounts DROP COLUMN always_on")
    connection.execute("ALTER TABLE messages DROP COLUMN notice")
    connection.execute("ALTER TABLE accounts DROP COLUMN presence_ended")
    setBack(connection.execute, 9)
    connection.commit()
    connection.close()
    assert len(MIGRATIONS) == 32
    second = sqliteStore(path, _reactor())
    second.startService()
    try:
        await second.load()
        found = await second.search("x", ["Blabla"], ["index"], 5)
        assert [m.lines for m in found] == [("before the index",)]
    finally:
        await stop(second)


@pytest_twisted.ensureDeferred
async def test_lighterIndexMigrated(tmp_path: Path) -> None:
    """
    A database whose index is the one of migration 10 (a trigger per
    inserted row, each row's size stored) gets the lighter one of migration
    14: the messages stored before are still found, each once; those written
    after are indexed by the writer's batches, not twice; edits and
    deletions keep the index in step, which FTS5's own check confirms.
    """
    path = str(tmp_path / "v13.sqlite3")
    await madeAndStopped(sqliteStore(path, _reactor()))
    connection = sqlite3.connect(path)
    unfoldSearch(connection.execute, "qmark")  # 21, made again
    connection.execute("DROP TABLE messages_fts")
    for trigger in ("delete", "update"):
        connection.execute(f"DROP TRIGGER messages_fts_{trigger}")
    for statement in SQLITE_INDEX:
        connection.execute(statement)
    connection.execute("ALTER TABLE messages DROP COLUMN notice")  # 16, made again
    connection.execute("ALTER TABLE accounts DROP COLUMN presence_ended")  # 17, made again
    setBack(connection.execute, 13)
    connection.execute(
        "INSERT INTO messages (id, room_key, room, sender, body, sent, pending, msgid, sent_ms,"
        " sender_key) VALUES (1, 'blabla', 'Blabla', 'alice', 'an old lantern', 1, 0, 'm1',"
        " 1000, 'alice')"
    )
    connection.commit()
    connection.close()
    second = sqliteStore(path, _reactor())
    second.startService()
    try:
        await second.load()
        for i in range(3):
            second.addMessage("Blabla", "bob", None, (f"new lantern {i}",), 2 + i)
        found = await second.search("x", ["Blabla"], ["lantern"], 10)
        assert [m.lines for m in found] == [
            ("new lantern 2",),
            ("new lantern 1",),
            ("new lantern 0",),
            ("an old lantern",),
        ]

        def inspect(txn: Any) -> tuple[list[str], list[str]]:
            txn.execute("UPDATE messages SET body = 'a lamp' WHERE id = 1")
            txn.execute("DELETE FROM messages WHERE body = 'new lantern 1'")
            txn.execute(
                "INSERT INTO messages_fts (messages_fts, rank) VALUES ('integrity-check', 1)"
            )
            txn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' ORDER BY name")
            triggers = [row[0] for row in txn.fetchall()]
            txn.execute("SELECT sql FROM sqlite_master WHERE name = 'messages_fts'")
            return triggers, [row[0] for row in txn.fetchall()]

        triggers, table = await second.database.run(inspect, what=WRITE)
        assert triggers == ["messages_fts_delete", "messages_fts_update"]
        assert "columnsize=0" in table[0]
        found = await second.search("x", ["Blabla"], ["lantern"], 10)
        assert [m.lines for m in found] == [("new lantern 2",), ("new lantern 0",)]
        assert [m.lines for m in await second.search("x", ["Blabla"], ["lamp"], 10)] == [
            ("a lamp",)
        ]
    finally:
        await stop(second)


def _reactor() -> Any:
    from twisted.internet import reactor

    return reactor
