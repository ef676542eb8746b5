# -*- test-case-name: tests.integration.test_store_redaction -*-
"""
Deleting one message from every store (L{chatd.storage.redaction}): found
and deleted by msgid, a message still queued for writing included; then
gone from the room's history, history windows, the full-text search and
the private messages waiting for delivery, and, for the durable stores,
after a restart too.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest_twisted
from twisted.internet import reactor

from chatd.core.events import PrivateMessage, RoomMessage
from chatd.storage.conversations import Conversation
from chatd.storage.sqlite import sqliteStore
from tests.support.pgserver import postgresServer
from tests.support.storefixtures import Backend, backend, madeAndStopped, stop, store

__all__ = ["backend", "postgresServer", "store"]


def _chat(store: Any) -> None:
    """
    Two room messages and two private ones (one waiting for bob), all
    about a picnic, each with its msgid.
    """
    both = (True, True)
    store.addMessage("Blabla", "alice", None, ("picnic on Sunday",), 1, msgid="r1", millis=1000)
    store.addMessage("Blabla", "bob", None, ("picnic? yes",), 2, msgid="r2", millis=2000)
    store.addMessage(
        None, "alice", "bob", ("secret picnic",), 3, msgid="p1", millis=3000, accounts=both
    )
    store.addMessage(
        None, "alice", "bob", ("picnic later",), 4, True, msgid="p2", millis=4000, accounts=both
    )


@pytest_twisted.ensureDeferred
async def test_findQueued(store: Any) -> None:
    """
    Messages just queued are found by msgid, as what they are; an unknown
    or empty msgid finds nothing.
    """
    _chat(store)
    room = await store.findMessage("r1")
    assert isinstance(room, RoomMessage)
    assert (room.room, room.sender, room.lines, room.millis) == (
        "Blabla",
        "alice",
        ("picnic on Sunday",),
        1000,
    )
    private = await store.findMessage("p1")
    assert isinstance(private, PrivateMessage)
    assert (private.sender, private.recipient, private.lines) == (
        "alice",
        "bob",
        ("secret picnic",),
    )
    assert await store.findMessage("nope") is None
    assert await store.findMessage("") is None


@pytest_twisted.ensureDeferred
async def test_deleteQueued(store: Any) -> None:
    """
    A message deleted while still queued for writing is not written
    afterwards: history, windows and search no longer have it, and
    deleting it again deletes nothing.  The others stay.
    """
    _chat(store)
    assert await store.deleteMessage("r1") is True
    await store.flush()
    assert await store.findMessage("r1") is None
    assert [m.msgid for m in await store.history("Blabla", 10)] == ["r2"]
    window = await store.window(Conversation.ofRoom("Blabla"), limit=10)
    assert [m.msgid for m in window] == ["r2"]
    assert await store.locate(Conversation.ofRoom("Blabla"), "r1") is None
    found = await store.search("alice", ["Blabla"], ["picnic"], 10)
    assert sorted(m.msgid for m in found) == ["p1", "p2", "r2"]
    assert await store.search("alice", ["Blabla"], ["sunday"], 10) == []
    assert await store.deleteMessage("r1") is False
    assert await store.deleteMessage("nope") is False
    assert await store.deleteMessage("") is False


@pytest_twisted.ensureDeferred
async def test_deleteWritten(store: Any) -> None:
    """
    A message already written is deleted as well, a private one from
    both people's history and search, a waiting one from the messages
    waiting for delivery.
    """
    _chat(store)
    await store.flush()
    assert len(await store.undelivered("bob")) == 1
    assert await store.deleteMessage("p1") is True
    assert await store.deleteMessage("p2") is True
    assert await store.undelivered("bob") == []
    assert await store.waitingCount("bob") == 0
    for nick, other in (("alice", "bob"), ("bob", "alice")):
        assert await store.window(Conversation.between(nick, other), limit=10) == []
        assert await store.search(nick, [], ["picnic"], 10) == []
    assert [m.msgid for m in await store.history("Blabla", 10)] == ["r1", "r2"]


@pytest_twisted.ensureDeferred
async def test_idsNotReused(store: Any) -> None:
    """
    After a deletion new messages still come after the old ones (their
    ids are never given again), in history and in marks.
    """
    _chat(store)
    await store.flush()
    before = await store.mark()
    assert await store.deleteMessage("r2") is True
    store.addMessage("Blabla", "carol", None, ("new",), 5, msgid="r3", millis=5000)
    await store.flush()
    assert [m.msgid for m in await store.history("Blabla", 10)] == ["r1", "r3"]
    assert [m.msgid for m in await store.history("Blabla", 10, before=before)] == ["r1"]


@pytest_twisted.ensureDeferred
async def test_deletedAfterRestart(backend: Backend) -> None:
    """
    A durable store still has no trace of a deleted message after a
    restart (nor does its search index).
    """
    first = backend.open()
    await first.load()
    _chat(first)
    assert await first.deleteMessage("r1") is True
    await stop(first)
    if not backend.durable:
        return
    second = backend.open()
    await second.load()
    try:
        assert await second.findMessage("r1") is None
        assert [m.msgid for m in await second.history("Blabla", 10)] == ["r2"]
        assert await second.search("x", ["Blabla"], ["sunday"], 10) == []
    finally:
        await stop(second)


@pytest_twisted.ensureDeferred
async def test_storedMsgids(store: Any) -> None:
    """
    Which of some msgids a store holds, room or private, those still
    queued for writing included.
    """
    _chat(store)
    found = await store.storedMsgids(["r1", "p2", "nothing", "r2"])
    assert found == {"r1", "r2", "p2"}
    assert await store.storedMsgids([]) == set()


@pytest_twisted.ensureDeferred
async def test_latestBy(store: Any) -> None:
    """
    Someone's latest message in a room, by the time it was sent, under
    any spelling of their name, a message still queued included: not a
    private one, nor another room's, nor someone else's.
    """
    _chat(store)
    store.addMessage("Blabla", "alice", None, ("bring bread",), 6, msgid="r3", millis=6000)
    store.addMessage("Blabla", "alice", None, ("late",), 5, msgid="r4", millis=5000)
    store.addMessage("Général", "alice", None, ("elsewhere",), 7, msgid="g1", millis=7000)
    store.addMessage("Blabla", "carol", None, ("last",), 8, msgid="r5", millis=8000)
    found = await store.latestBy("blabla", "ALICE")
    assert isinstance(found, RoomMessage)
    assert (found.msgid, found.room, found.sender, found.lines) == (
        "r3",
        "Blabla",
        "alice",
        ("bring bread",),
    )
    assert (await store.latestBy("Blabla", "bob")).msgid == "r2"
    assert await store.latestBy("Blabla", "dave") is None
    assert await store.latestBy("Marketing", "alice") is None
    assert await store.deleteMessage("r3") is True
    assert (await store.latestBy("Blabla", "alice")).msgid == "r4"


@pytest_twisted.ensureDeferred
async def test_latestByIndexed(tmp_path: Path) -> None:
    """
    SQLite finds someone's latest message in a room with the index of a
    room's messages by sender, not by going through the room's messages.
    """
    path = str(tmp_path / "chat.sqlite3")
    await madeAndStopped(sqliteStore(path, reactor))
    connection = sqlite3.connect(path)
    try:
        plan = connection.execute(
            "EXPLAIN QUERY PLAN SELECT msgid FROM messages WHERE room_key = ? AND sender_key = ?"
            " ORDER BY sent_ms DESC, id DESC LIMIT 1",
            ("blabla", "alice"),
        ).fetchall()
    finally:
        connection.close()
    assert "USING INDEX messages_room_sender" in str(plan), plan
