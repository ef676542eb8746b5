"""
What a store keeps of a room besides its settings: its founder, who set its
topic and when, and when it was created, across a reopening, on every store
(in memory, SQLite, PostgreSQL), and through the upgrade of an older SQLite
database; and a room deleted with what is kept about it.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest
import pytest_twisted
from twisted.internet import reactor

from chatd.storage import openStore
from chatd.storage.interfaces import RoomSettings
from chatd.storage.memory import MemoryChatStore
from chatd.storage.schema import ID_TYPE, MIGRATIONS, VERSION_TABLE
from chatd.storage.sqlite import sqliteStore
from tests.support.pgserver import createDatabase, postgresServer

__all__ = ["postgresServer"]


async def _stop(store: Any) -> None:
    result = store.stopService()
    if result is not None:
        await result


@pytest.fixture(params=["memory", "sqlite", "postgres"])
def opener(request: pytest.FixtureRequest, tmp_path: Path) -> Any:
    """Opens the same database again on each call (the memory store: one store)."""
    if request.param == "memory":
        memory = MemoryChatStore()
        return lambda: memory
    if request.param == "sqlite":
        path = str(tmp_path / "chat.sqlite3")
        return lambda: sqliteStore(path, reactor)
    url = createDatabase(request.getfixturevalue("postgresServer"))
    return lambda: openStore("unused", url, reactor)


async def _rooms(opener: Any) -> dict[str, RoomSettings]:
    store = opener()
    store.startService()
    try:
        snapshot = await store.load()
    finally:
        await _stop(store)
    return {room.name: room for room in snapshot.rooms}


@pytest_twisted.ensureDeferred
async def test_founderTopicSetterCreation(opener: Any) -> None:
    """
    A room's founder, topic setter (an administrator or not) and time,
    creation time and cluster stamps (the room's, and each setting's if it
    has them) are read back after the store is reopened; the creation time
    is the first save's and later saves keep it; the seeded rooms have no
    founder, setter, time or stamp.
    """
    store = opener()
    store.startService()
    try:
        await store.load()
        room = RoomSettings("Kitchen", founder="Alice")
        await store.saveRoom(room, 1000)
        room.topic, room.topicBy, room.topicAt = "tea", "Bob", 1500
        room.topicByAdmin, room.stamp = True, [1500.25, "b", "Bob", True]
        room.stamps = {"topic": [1500.25, "b", "Bob", True], "b:eve!*@*": [9.5, "a", "Al", False]}
        await store.saveRoom(room, 2000)
        await store.saveRoom(RoomSettings("Late", created=700, stamp=[5, "a", "Al"]), 3000)
    finally:
        await _stop(store)
    rooms = await _rooms(opener)
    kitchen = rooms["Kitchen"]
    assert (kitchen.founder, kitchen.topic, kitchen.topicBy, kitchen.topicAt) == (
        "Alice",
        "tea",
        "Bob",
        1500,
    )
    assert (kitchen.topicByAdmin, kitchen.stamp) == (True, [1500.25, "b", "Bob", True])
    assert kitchen.stamps == {
        "topic": [1500.25, "b", "Bob", True],
        "b:eve!*@*": [9.5, "a", "Al", False],
    }
    assert (rooms["Late"].stamp, rooms["Late"].stamps) == ([5, "a", "Al"], {})
    assert kitchen.created == 1000
    assert rooms["Late"].created == 700
    seeded = rooms["Blabla"]
    assert (seeded.founder, seeded.topicBy, seeded.topicAt, seeded.created) == ("", "", 0, 0)
    assert (seeded.topicByAdmin, seeded.stamp, seeded.stamps) == (False, [], {})


@pytest_twisted.ensureDeferred
async def test_deleteRoom(opener: Any) -> None:
    """
    A deleted room is gone after a reopening with its memberships, approval
    requests, messages (one still queued included) and read markers; other
    rooms keep theirs, and a room saved again under the name has none.
    """
    store = opener()
    store.startService()
    try:
        await store.load()
        await store.saveRoom(RoomSettings("Kitchen"), 1000)
        await store.saveAccount("alice", "hash", 1000)
        await store.setMembership("alice", "Kitchen", True)
        await store.setMembership("alice", "Blabla", True)
        await store.setAccess("Kitchen", "bob", False, 1000)
        await store.saveReadMarker("alice", "Kitchen", True, 1_000_000)
        store.addMessage("Blabla", "alice", None, ("picnic here",), 1000, millis=1_000_000)
        await store.flush()
        store.addMessage("Kitchen", "alice", None, ("picnic there",), 1001, millis=1_001_000)
        assert await store.deleteRoom("KITCHEN") is True
        assert await store.deleteRoom("Kitchen") is False
    finally:
        await _stop(store)
    store = opener()
    store.startService()
    try:
        snapshot = await store.load()
        assert "Kitchen" not in {room.name for room in snapshot.rooms}
        assert "kitchen" not in snapshot.access
        assert await store.history("Kitchen", 10) == []
        assert [m.lines for m in await store.history("Blabla", 10)] == [("picnic here",)]
        found = await store.search("alice", ["Kitchen", "Blabla"], ["picnic"], 10)
        assert [m.lines for m in found] == [("picnic here",)]
        assert await store.readMarkers("alice") == []
        await store.saveRoom(RoomSettings("Kitchen"), 2000)
        assert await store.memberships("alice") == ["Blabla"]
        assert await store.history("Kitchen", 10) == []
    finally:
        await _stop(store)


@pytest_twisted.ensureDeferred
async def test_forgetHistory(opener: Any) -> None:
    """
    A room made anew forgets what was said under its name before (one
    message still queued included), not what is said after, nor another
    room's messages; the search does not find them either.
    """
    store = opener()
    store.startService()
    try:
        await store.load()
        store.addMessage("hush", "alice", None, ("my plan",), 1000, millis=1_000_000)
        await store.flush()
        store.addMessage("hush", "alice", None, ("my other plan",), 1001, millis=1_001_000)
        store.addMessage("Blabla", "alice", None, ("plan b",), 1001, millis=1_001_500)
        await store.forgetHistory("HUSH", 1_002_000)
        store.addMessage("hush", "mallory", None, ("new plan",), 1002, millis=1_002_000)
        await store.flush()
        assert [m.lines for m in await store.history("hush", 10)] == [("new plan",)]
        assert [m.lines for m in await store.history("Blabla", 10)] == [("plan b",)]
        found = await store.search("mallory", ["hush"], ["plan"], 10)
        assert [m.lines for m in found] == [("new plan",)]
    finally:
        await _stop(store)


@pytest_twisted.ensureDeferred
async def test_upgradeKeepsRooms(tmp_path: Path) -> None:
    """
    An SQLite database made before rooms had founders is upgraded: its rooms
    have none, no topic setter, and keep their creation time.
    """
    path = str(tmp_path / "old.sqlite3")
    connection = sqlite3.connect(path)
    connection.execute(VERSION_TABLE)
    for statement in MIGRATIONS[0]:
        assert isinstance(statement, str)
        connection.execute(statement.replace("{id_type}", ID_TYPE["qmark"]))
    connection.execute("INSERT INTO schema_version (version) VALUES (1)")
    connection.execute(
        "INSERT INTO rooms (room_key, name, mode, capacity, topic, autojoin, created)"
        " VALUES ('old', 'Old', 'open', NULL, 'hi', 0, 42)"
    )
    connection.commit()
    connection.close()
    old = (await _rooms(lambda: sqliteStore(path, reactor)))["Old"]
    assert (old.topic, old.founder, old.topicBy, old.topicAt, old.created) == ("hi", "", "", 0, 42)
