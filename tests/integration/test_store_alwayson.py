"""
Always-on accounts in every store (L{chatd.storage.alwayson}): the setting
is kept with the account, read back by name, forgotten with the account,
an operator's end of the presence is kept until cleared, when each
account was last connected is kept with it and when it entered each of its
rooms with the membership, all kept across a restart by the durable stores;
the upgrade to schema 31 keeps the accounts and memberships, none with a
last connection or entry known.
"""

from __future__ import annotations

from typing import Any

import pytest
import pytest_twisted

from chatd.storage import openStore
from chatd.storage.alwayson import SEEN_AT_ONCE
from chatd.storage.schema import MIGRATIONS
from chatd.storage.sqlite import sqliteStore
from tests.support.pgserver import postgresServer
from tests.support.storefixtures import (
    Backend,
    backend,
    setBack,
    setBackPostgres,
    setBackSQLite,
    stop,
    store,
)

__all__ = ["backend", "postgresServer", "store"]


@pytest_twisted.ensureDeferred
async def test_setAndCleared(store: Any) -> None:
    """
    None at first; a registered account's setting is kept under its name
    as registered, whatever case it is given in; an unregistered name
    keeps none; it can be turned off.
    """
    assert await store.alwaysOnAccounts() == []
    await store.setAlwaysOn("nobody", True)
    assert await store.alwaysOnAccounts() == []
    await store.saveAccount("Alice", "hash", 1)
    await store.saveAccount("bob", "hash", 1)
    await store.setAlwaysOn("ALICE", True)
    await store.setAlwaysOn("bob", True)
    assert await store.alwaysOnAccounts() == ["Alice", "bob"]
    await store.setAlwaysOn("bob", False)
    assert await store.alwaysOnAccounts() == ["Alice"]
    await store.saveAccount("Alice", "new hash", 2)  # a new password keeps it
    assert await store.alwaysOnAccounts() == ["Alice"]


@pytest_twisted.ensureDeferred
async def test_keptAcrossRestart(backend: Backend) -> None:
    """
    A durable store still has the setting after it is reopened.
    """
    if not backend.durable:
        pytest.skip("this store forgets everything when it stops, by design")
    first = backend.open()
    await first.load()
    await first.saveAccount("alice", "hash", 1)
    await first.setAlwaysOn("alice", True)
    await stop(first)
    second = backend.open()
    await second.load()
    try:
        assert await second.alwaysOnAccounts() == ["alice"]
    finally:
        await stop(second)


@pytest_twisted.ensureDeferred
async def test_endedPresences(backend: Backend) -> None:
    """
    An ended presence is listed for an always-on account only, under its
    name as registered, until it is cleared; a durable store keeps it
    across a restart.
    """
    first = backend.open()
    await first.load()
    await first.saveAccount("Alice", "hash", 1)
    await first.saveAccount("bob", "hash", 1)
    await first.setAlwaysOn("alice", True)
    await first.setPresenceEnded("ALICE", True)
    await first.setPresenceEnded("bob", True)  # not always on: not listed
    await first.setPresenceEnded("nobody", True)
    assert await first.endedPresences() == ["Alice"]
    if not backend.durable:
        await first.setPresenceEnded("alice", False)
        assert await first.endedPresences() == []
        await stop(first)
        return
    await stop(first)
    second = backend.open()
    await second.load()
    try:
        assert await second.endedPresences() == ["Alice"]
        await second.setPresenceEnded("alice", False)
        assert await second.endedPresences() == []
    finally:
        await stop(second)


@pytest_twisted.ensureDeferred
async def test_lastSeen(backend: Backend) -> None:
    """
    Not known at first, nor for an unregistered name; kept under the
    account's key, whatever case it is given in, the latest written
    standing; a new password keeps it, the account's deletion takes it,
    and a durable store keeps it across a restart.
    """
    first = backend.open()
    await first.load()
    await first.saveAccount("Alice", "hash", 1)
    await first.saveAccount("bob", "hash", 1)
    assert await first.lastSeen("alice") is None
    await first.setLastSeen(["nobody"], 5)
    assert await first.lastSeen("nobody") is None
    await first.setLastSeen(["ALICE"], 1_700_000_000_123)
    await first.setLastSeen(["bob"], 7)
    await first.setLastSeen(["bob"], 9)
    await first.saveAccount("Alice", "new hash", 2)
    assert await first.lastSeen("alice") == 1_700_000_000_123
    assert await first.lastSeen("Bob") == 9
    if backend.durable:
        await stop(first)
        first = backend.open()
        await first.load()
        assert await first.lastSeen("alice") == 1_700_000_000_123
    try:
        assert await first.deleteAccount("bob")
        await first.saveAccount("bob", "hash", 3)
        assert await first.lastSeen("bob") is None
    finally:
        await stop(first)


@pytest_twisted.ensureDeferred
async def test_lastSeenOfManyAtOnce(store: Any) -> None:
    """
    One write sets when each of many accounts was last connected, more
    than one statement's worth of them included; an unregistered name is
    passed over, an account not named keeps its own.
    """
    for nick in ("alice", "bob", "carol"):
        await store.saveAccount(nick, "hash", 1)
    await store.setLastSeen(["carol"], 5)
    others = [f"aa{number}" for number in range(SEEN_AT_ONCE + 20)]  # (all before alice)
    await store.setLastSeen([*others, "ALICE", "nobody", "Bob"], 42)
    assert [await store.lastSeen(nick) for nick in ("alice", "bob", "carol")] == [42, 42, 5]
    assert await store.lastSeen("nobody") is None


@pytest_twisted.ensureDeferred
async def test_enteredRooms(backend: Backend) -> None:
    """
    A new membership keeps when it began, by room key: entered again while
    a member, the first stays; left and entered again, the second; one of
    unknown time is not listed; a durable store keeps it across a restart.
    """
    first = backend.open()
    await first.load()
    await first.saveAccount("alice", "hash", 1)
    await first.setMembership("alice", "Blabla", True, 1000)
    await first.setMembership("ALICE", "blabla", True, 2000)
    await first.setMembership("alice", "Marketing", True, 3000)
    await first.setMembership("alice", "Marketing", False)
    await first.setMembership("alice", "Marketing", True, 4000)
    await first.setMembership("alice", "Informatique", True)
    assert await first.enteredRooms("alice") == {"blabla": 1000, "rnarketlng": 4000}
    if backend.durable:
        await stop(first)
        first = backend.open()
        await first.load()
    try:
        assert await first.enteredRooms("alice") == {"blabla": 1000, "rnarketlng": 4000}
        assert await first.deleteAccount("alice")
        await first.saveAccount("alice", "hash", 2)
        assert await first.enteredRooms("alice") == {}
    finally:
        await stop(first)


def _before31(execute: Any, paramstyle: str) -> None:
    """
    A database of schema 30 (no last_seen nor entered), with the account
    alice (key allce), a member of Blabla.
    """
    setBack(execute, 30)
    execute(
        "INSERT INTO accounts (nick_key, nick, hash, created) VALUES ('allce', 'alice', 'h', 1)"
    )
    execute("INSERT INTO memberships (nick_key, room_key) VALUES ('allce', 'blabla')")


async def _checkUpgraded(opened: Any) -> None:
    """
    The account and its membership are kept, with no last connection nor
    entry known; one is kept.
    """
    await opened.load()
    try:
        assert await opened.lastSeen("alice") is None
        assert await opened.memberships("alice") == ["Blabla"]
        assert await opened.enteredRooms("alice") == {}
        await opened.setLastSeen(["alice"], 42)
        assert await opened.lastSeen("alice") == 42
        assert await opened.accountHash("alice") == "h"
    finally:
        await stop(opened)


@pytest_twisted.ensureDeferred
async def test_upgradeFrom30SQLite(tmp_path: Any) -> None:
    """
    An SQLite database of schema 30 is upgraded to the latest at start.
    """
    from twisted.internet import reactor

    assert len(MIGRATIONS) == 32
    path = str(tmp_path / "chat.sqlite3")
    await setBackSQLite(path, _before31)
    opened = sqliteStore(path, reactor)
    opened.startService()
    await _checkUpgraded(opened)


@pytest_twisted.ensureDeferred
async def test_upgradeFrom30Postgres(postgresServer: str) -> None:
    """
    The same on PostgreSQL.
    """
    from twisted.internet import reactor

    url = await setBackPostgres(postgresServer, _before31)
    opened = openStore("unused", url, reactor)
    opened.startService()
    await _checkUpgraded(opened)
