"""
One contract for every L{IChatStore}: the in-memory store, SQLite (a file and
C{:memory:}) and PostgreSQL (a real server the tests start; skipped, saying
why, where PostgreSQL is not installed).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest
import pytest_twisted
from zope.interface.verify import verifyObject

from chatd.core import errors
from chatd.core.names import key
from chatd.storage import openStore
from chatd.storage.conversations import Conversation
from chatd.storage.health import QUERY
from chatd.storage.interfaces import APPROVAL, OPEN, IChatStore, RoomSettings
from chatd.storage.sql import SQLChatStore
from chatd.storage.sqlite import backup, sqliteStore
from tests.support.pgserver import postgresServer
from tests.support.storefixtures import Backend, backend, stop, store

__all__ = ["backend", "postgresServer", "store"]


@pytest_twisted.ensureDeferred
async def test_freshStoreIsSeeded(store: Any) -> None:
    """
    A fresh store provides L{IChatStore} and holds seed 004's rooms (only
    Général joined automatically, the last three by approval), no account
    and no message.
    """
    assert verifyObject(IChatStore, store)
    snapshot = await store.load()
    assert sorted((r.name, r.mode, r.autojoin) for r in snapshot.rooms) == [
        ("Blabla", OPEN, False),
        ("Comptabilité", APPROVAL, False),
        ("Général", OPEN, True),
        ("Informatique", APPROVAL, False),
        ("Marketing", APPROVAL, False),
    ]
    assert snapshot.accounts == set()
    assert await store.mark() == 1
    assert await store.history("Général", 20) == []


@pytest_twisted.ensureDeferred
async def test_accounts(store: Any) -> None:
    """
    An account is found by any case or look-alike of its name, which it
    gives back as registered; saving again changes the hash, not the name.
    """
    assert await store.accountHash("Alice") is None
    assert await store.accountName("Alice") is None
    await store.saveAccount("Alice", "$argon2id$one", 10)
    assert await store.accountHash("ALICE") == "$argon2id$one"
    assert await store.accountName("AIICE") == "Alice"
    await store.saveAccount("alice", "$argon2id$two", 20)
    assert await store.accountHash("Alice") == "$argon2id$two"
    assert await store.accountName("alice") == "Alice"
    assert (await store.load()).accounts == {key("alice")}


@pytest_twisted.ensureDeferred
async def test_adminFlag(store: Any) -> None:
    """
    Only a registered account can be flagged admin; L{IChatStore.setAdmin}
    answers the flag as it was, L{IChatStore.adminHash} gives the hash of
    flagged accounts only, and changing the password keeps the flag.
    """
    assert await store.setAdmin("Ghost", True) is None
    assert await store.admins() == []
    await store.saveAccount("Alice", "$argon2id$one", 10)
    await store.saveAccount("bob", "$argon2id$bob", 11)
    assert await store.adminHash("alice") is None
    assert await store.setAdmin("ALICE", True) is False
    assert await store.setAdmin("alice", True) is True
    assert await store.adminHash("aLiCe") == "$argon2id$one"
    assert await store.adminHash("bob") is None
    assert await store.adminHash("Ghost") is None
    await store.saveAccount("Alice", "$argon2id$two", 20)
    assert await store.adminHash("alice") == "$argon2id$two"
    assert await store.setAdmin("bob", True) is False
    assert await store.admins() == ["Alice", "bob"]
    assert await store.setAdmin("Alice", False) is True
    assert await store.setAdmin("Alice", False) is False
    assert await store.adminHash("alice") is None
    assert await store.admins() == ["bob"]
    assert await store.setAdmin("Ghost", False) is None
    assert (await store.load()).accounts == {key("alice"), key("bob")}


@pytest_twisted.ensureDeferred
async def test_roomsAndMemberships(store: Any) -> None:
    """
    Rooms are created and updated with every setting; a registered user's
    memberships are kept by display name.
    """
    await store.saveRoom(RoomSettings("Jeux"), 5)
    await store.saveRoom(RoomSettings("Jeux", APPROVAL, 7, "cartes", True), 6)
    rooms = {r.name: r for r in (await store.load()).rooms}
    assert rooms["Jeux"] == RoomSettings("Jeux", APPROVAL, 7, "cartes", True, created=5)
    await store.saveAccount("bob", "h", 1)
    await store.setMembership("bob", "jeux", True)
    await store.setMembership("Bob", "ge\u0301ne\u0301ral", True)
    await store.setMembership("bob", "jeux", True)
    assert await store.memberships("BOB") == ["Général", "Jeux"]
    await store.setMembership("bob", "Jeux", False)
    assert await store.memberships("bob") == ["Général"]


@pytest_twisted.ensureDeferred
async def test_access(store: Any) -> None:
    """
    Requests to enter an approval room are pending, then approved, or
    forgotten; the snapshot has them by room and nick key.
    """
    await store.setAccess("Marketing", "Carol", False, 1)
    await store.setAccess("Marketing", "dave", False, 2)
    await store.setAccess("marketing", "carol", True, 3)
    await store.setAccess("Marketing", "Dave", None, 4)
    snapshot = await store.load()
    assert snapshot.access == {key("marketing"): {key("carol"): ("carol", True)}}


@pytest_twisted.ensureDeferred
async def test_accessRequestedAt(store: Any) -> None:
    """
    The snapshot has when each request was first made: accepting it, or
    asking again, keeps that time.
    """
    await store.setAccess("Marketing", "Carol", False, 10)
    await store.setAccess("Marketing", "carol", False, 20)
    await store.setAccess("Informatique", "dave", False, 30)
    await store.setAccess("Informatique", "dave", True, 40)
    snapshot = await store.load()
    assert snapshot.requested[key("marketing")] == {key("carol"): 10}
    assert snapshot.requested[key("informatique")] == {key("dave"): 30}


@pytest_twisted.ensureDeferred
async def test_history(store: Any) -> None:
    """
    Room messages come back oldest first with sender, lines and original
    time; C{count} keeps the newest, C{before} cuts at a mark (taken while
    messages are still queued or after they are written); private messages
    are not room history.
    """
    marks = []
    for i in range(5):
        if i == 2:
            marks.append(store.mark())
        store.addMessage("Blabla", f"u{i}", None, (f"m{i}", "second"), 100 + i)
    await store.flush()
    marks.append(store.mark())
    cut, end = [await mark for mark in marks]
    assert cut < end
    store.addMessage(None, "u1", "u2", ("secret",), 200)
    store.addMessage("Général", "u9", None, ("elsewhere",), 201)
    history = await store.history("BLABLA", 3)
    assert [(m.room, m.sender, m.lines, m.when) for m in history] == [
        ("Blabla", "u2", ("m2", "second"), 102),
        ("Blabla", "u3", ("m3", "second"), 103),
        ("Blabla", "u4", ("m4", "second"), 104),
    ]
    assert [m.sender for m in await store.history("Blabla", 10, before=cut)] == ["u0", "u1"]
    assert len(await store.history("Blabla", 10, before=end)) == 5
    store.addMessage("Blabla", "late", None, ("after",), 300)
    assert len(await store.history("Blabla", 10, before=end)) == 5


@pytest_twisted.ensureDeferred
async def test_burstKeepsOrder(store: Any) -> None:
    """
    A burst larger than one batch (the writers take at most a thousand
    messages per transaction, each batch in as few statements as the
    database allows) is stored whole and in order, ids ascending, each
    message with its own fields (history comes back in id order).
    """
    for i in range(2345):
        store.addMessage("Blabla", f"u{i % 7}", None, (f"m{i}",), 1000 + i, msgid=f"id-{i}")
    history = await store.history("Blabla", 5000)
    assert [m.lines for m in history] == [(f"m{i}",) for i in range(2345)]
    assert [(m.sender, m.when, m.msgid) for m in history[-2:]] == [
        ("u5", 3343, "id-2343"),
        ("u6", 3344, "id-2344"),
    ]


@pytest_twisted.ensureDeferred
async def test_mixedBatchKeepsFields(store: Any) -> None:
    """
    One batch mixing every kind of message (room and private, with and
    without a msgid, senders and recipients with and without an account,
    pending or not), which the SQL stores write grouped by the columns they
    leave empty: each comes back with its own fields and in the order it was
    sent, and private messages are in the history of the accounts they
    belong to and no other.
    """
    store.addMessage("Blabla", "alice", None, ("one",), 1, msgid="r1", accounts=(True, False))
    store.addMessage(None, "alice", "bob", ("two",), 2, msgid="p1", accounts=(True, True))
    store.addMessage("Blabla", "guest", None, ("three",), 3)
    store.addMessage(None, "guest", "bob", ("four",), 4, pending=True, accounts=(False, True))
    store.addMessage(None, "bob", "guest", ("five",), 5, msgid="p3", accounts=(True, False))
    store.addMessage("Blabla", "carol", None, ("six",), 6, msgid="r2")
    history = await store.history("Blabla", 10)
    assert [(m.sender, m.lines, m.when, m.msgid) for m in history] == [
        ("alice", ("one",), 1, "r1"),
        ("guest", ("three",), 3, ""),
        ("carol", ("six",), 6, "r2"),
    ]
    waiting = await store.undelivered("bob")
    assert [(m.sender, m.recipient, m.lines, m.msgid) for _, m in waiting] == [
        ("guest", "bob", ("four",), "")
    ]
    bobs = await store.targets("bob", [], 0, 10_000, 10)
    assert sorted(name for name, _, _ in bobs) == ["alice", "guest"]
    alices = await store.targets("alice", [], 0, 10_000, 10)
    assert [name for name, _, _ in alices] == ["bob"]
    assert await store.targets("guest", [], 0, 10_000, 10) == []


@pytest_twisted.ensureDeferred
async def test_lowParameterLimit(tmp_path: Path) -> None:
    """
    Where SQLite's build allows fewer parameters per statement than a batch
    needs, the batch is written in several statements, still in one
    transaction and in order.
    """
    from twisted.internet import reactor

    opened = sqliteStore(str(tmp_path / "low.sqlite3"), reactor)
    opened.startService()
    try:
        await opened.load()

        def lower(txn: Any) -> int:
            txn.connection.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, 30)
            return int(txn.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER))

        lowered = await opened.database.run(lower, what=QUERY)
        assert lowered == 30  # two messages of 14 columns per statement
        for i in range(5):
            opened.addMessage("Blabla", "alice", None, (f"m{i}",), 1 + i)
        history = await opened.history("Blabla", 10)
        assert [m.lines for m in history] == [(f"m{i}",) for i in range(5)]
    finally:
        await stop(opened)


@pytest_twisted.ensureDeferred
async def test_msgidKept(store: Any) -> None:
    """
    A message's msgid (the id its recipients saw live) comes back with it
    from history and from the waiting private messages; a message stored
    without one has none.
    """
    store.addMessage("Blabla", "alice", None, ("first",), 1, msgid="abc-1")
    store.addMessage("Blabla", "bob", None, ("plain",), 2)
    store.addMessage(None, "alice", "carol", ("away",), 3, pending=True, msgid="abc-2")
    history = await store.history("Blabla", 10)
    assert [(m.lines, m.msgid) for m in history] == [(("first",), "abc-1"), (("plain",), "")]
    assert [m.msgid for _, m in await store.undelivered("carol")] == ["abc-2"]


@pytest_twisted.ensureDeferred
async def test_notices(store: Any) -> None:
    """
    Whether a message was a notice (IRC's C{NOTICE}) comes back with it, in
    a room's history, a history window and the messages waiting for their
    recipient; other messages are not notices.
    """
    store.addMessage("Blabla", "alice", None, ("heads up",), 1, msgid="n1", notice=True)
    store.addMessage("Blabla", "alice", None, ("hello",), 2, msgid="m2")
    store.addMessage(None, "alice", "bob", ("psst",), 3, pending=True, notice=True)
    history = await store.history("Blabla", 10)
    assert [(m.lines, m.notice) for m in history] == [(("heads up",), True), (("hello",), False)]
    window = await store.window(Conversation.ofRoom("Blabla"), limit=10)
    assert [m.notice for m in window] == [True, False]
    assert [m.notice for _, m in await store.undelivered("bob")] == [True]


@pytest_twisted.ensureDeferred
async def test_senderMasks(store: Any) -> None:
    """
    The C{user@host} a message's sender showed comes back with its name (a
    L{chatd.core.events.Sender}), in a room's history, a history window
    and the messages waiting for their recipient; a message stored without
    one has none.
    """
    store.addMessage("Blabla", "alice", None, ("hi",), 1, msgid="u1", userhost="al@user/alice")
    store.addMessage("Blabla", "bob", None, ("yo",), 2, msgid="u2")
    store.addMessage(None, "carol", "bob", ("psst",), 3, pending=True, userhost="c@guest-1.chatd")
    history = await store.history("Blabla", 10)
    assert [(m.sender, m.sender.userhost) for m in history] == [
        ("alice", "al@user/alice"),
        ("bob", ""),
    ]
    window = await store.window(Conversation.ofRoom("Blabla"), limit=10)
    assert [m.sender.userhost for m in window] == ["al@user/alice", ""]
    assert [m.sender.userhost for _, m in await store.undelivered("bob")] == ["c@guest-1.chatd"]


@pytest_twisted.ensureDeferred
async def test_undelivered(store: Any) -> None:
    """
    Only pending private messages wait for their recipient, in order, until
    marked delivered.
    """
    store.addMessage(None, "alice", "Bob", ("live",), 1)
    store.addMessage(None, "alice", "Bob", ("one",), 2, pending=True)
    store.addMessage(None, "carol", "dave", ("other",), 3, pending=True)
    store.addMessage(None, "carol", "bob", ("two", "lines"), 4, pending=True)
    waiting = await store.undelivered("BOB")
    assert [(m.sender, m.recipient, m.lines, m.when) for _, m in waiting] == [
        ("alice", "Bob", ("one",), 2),
        ("carol", "bob", ("two", "lines"), 4),
    ]
    first, second = [i for i, _ in waiting]
    assert first < second
    await store.markDelivered([first])
    assert [i for i, _ in await store.undelivered("bob")] == [second]


@pytest_twisted.ensureDeferred
async def test_closedStoreRefusesMessages(backend: Backend) -> None:
    """
    After the store stops, queuing a message is an internal error, never a
    silent loss.
    """
    opened = backend.open()
    await opened.load()
    await stop(opened)
    with pytest.raises(errors.InternalError):
        opened.addMessage("Blabla", "a", None, ("x",), 1)


@pytest_twisted.ensureDeferred
async def test_survivesRestart(backend: Backend) -> None:
    """
    Everything, including messages queued just before a clean stop, is
    there when the database is opened again, and message ids go on from
    the last one.
    """
    if not backend.durable:
        pytest.skip(f"{backend.name} in memory forgets everything by design")
    first = backend.open()
    await first.load()
    await first.saveAccount("alice", "hash", 1)
    await first.saveAccount("root", "roothash", 1)
    await first.setAdmin("root", True)
    await first.saveRoom(RoomSettings("Jeux", OPEN, 3, "t", False, '{"k": "sesame"}'), 2)
    await first.setMembership("alice", "Jeux", True)
    await first.setAccess("Marketing", "alice", True, 3)
    for i in range(250):  # more than one INSERT statement's worth
        first.addMessage("Jeux", "alice", None, (f"m{i}",), 10 + i, msgid=f"id{i}")
    first.addMessage(None, "bob", "alice", ("while away",), 99, pending=True)
    last = await first.mark()
    await stop(first)
    second = backend.open()
    try:
        snapshot = await second.load()
        assert "Jeux" in {r.name for r in snapshot.rooms}
        assert {r.name: r.rules for r in snapshot.rooms}["Jeux"] == '{"k": "sesame"}'
        assert snapshot.accounts == {key("alice"), key("root")}
        assert await second.admins() == ["root"]
        assert await second.adminHash("root") == "roothash"
        assert snapshot.access == {key("marketing"): {key("alice"): ("alice", True)}}
        assert await second.memberships("alice") == ["Jeux"]
        history = await second.history("Jeux", 1000)
        assert [m.lines for m in history] == [(f"m{i}",) for i in range(250)]
        assert [m.msgid for m in history] == [f"id{i}" for i in range(250)]
        assert [m.lines for _, m in await second.undelivered("alice")] == [("while away",)]
        assert await second.mark() == last
        second.addMessage("Jeux", "bob", None, ("next",), 300)
        await second.flush()
        assert await second.mark() == last + 1
        assert [m.lines for m in await second.history("Jeux", 1, before=last + 1)] == [("next",)]
    finally:
        await stop(second)


@pytest_twisted.ensureDeferred
async def test_newerSchemaRefused(tmp_path: Path) -> None:
    """
    A database migrated by a newer chatd is not touched by an older one.
    """
    from twisted.internet import reactor

    path = str(tmp_path / "chat.sqlite3")
    first = sqliteStore(path, reactor)
    first.startService()
    await first.load()
    await stop(first)
    with sqlite3.connect(path) as connection:
        connection.execute("UPDATE schema_version SET version = 999")
    connection.close()
    second = sqliteStore(path, reactor)
    second.startService()
    try:
        with pytest.raises(RuntimeError, match="newer than this chatd"):
            await second.load()
    finally:
        await stop(second)


@pytest_twisted.ensureDeferred
async def test_onlineBackup(tmp_path: Path) -> None:
    """
    L{backup} copies a database the daemon has open, including what it has
    written, into a file SQLite opens as a complete store.
    """
    from twisted.internet import reactor

    path, copy = str(tmp_path / "live.sqlite3"), str(tmp_path / "copy.sqlite3")
    live: SQLChatStore = sqliteStore(path, reactor)
    live.startService()
    try:
        await live.load()
        await live.saveAccount("alice", "hash", 1)
        live.addMessage("Blabla", "alice", None, ("hello",), 5)
        await live.flush()
        backup(path, copy)
    finally:
        await stop(live)
    restored = sqliteStore(copy, reactor)
    restored.startService()
    try:
        assert (await restored.load()).accounts == {key("alice")}
        assert [m.lines for m in await restored.history("Blabla", 5)] == [("hello",)]
    finally:
        await stop(restored)


@pytest_twisted.ensureDeferred
async def test_openStoreChoosesBackend(tmp_path: Path) -> None:
    """
    C{--db} picks PostgreSQL or an SQLite path; the default is a file in a
    data directory created (private to its owner) when the store first
    opens it; anything else is refused.
    """
    from twisted.internet import reactor

    store = openStore(str(tmp_path / "data" / "sub"), None, reactor)
    assert not (tmp_path / "data").exists()
    store.startService()
    await store.load()
    await stop(store)
    assert (tmp_path / "data" / "sub" / "chatd.sqlite3").is_file()
    assert (tmp_path / "data" / "sub").stat().st_mode & 0o077 == 0
    store = openStore("unused", "sqlite:" + str(tmp_path / "x.db"), reactor)
    assert store.paramstyle == "qmark"
    store.pool.close()
    with pytest.raises(ValueError):
        openStore("unused", "mysql://x", reactor)
