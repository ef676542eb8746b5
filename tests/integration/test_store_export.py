"""
Reading room history a page at a time (L{chatd.storage.export}): one room's
or every room's messages between bounds, oldest first, each with the bound
the next page starts after, on every store (SQLite and PostgreSQL too).
"""

from __future__ import annotations

from typing import Any

import pytest_twisted

from chatd.storage.conversations import Bound
from tests.support.pgserver import postgresServer
from tests.support.storefixtures import backend, store

__all__ = ["backend", "postgresServer", "store"]


def _chat(store: Any) -> None:
    """
    Seven messages in Blabla, one each 10 ms but three in one millisecond,
    and between them a message in another room and a private one.
    """
    for i, millis in enumerate((0, 10, 20, 20, 20, 30, 40)):
        at = 1_000_000 + millis
        store.addMessage("Blabla", "alice", None, (f"m{i}",), at // 1000, msgid=f"b{i}", millis=at)
        if i == 2:
            store.addMessage("Général", "bob", None, ("g",), 1000, msgid="g", millis=1_000_015)
            store.addMessage(None, "bob", "alice", ("p",), 1000, msgid="p", millis=1_000_016)


@pytest_twisted.ensureDeferred
async def test_pages(store: Any) -> None:
    """
    Pages of two, each after the last one's bound, give every message of
    the room once, in order, three in one millisecond included.
    """
    _chat(store)
    read, after = [], None
    while True:
        page = await store.roomMessages("BLABLA", after, None, 2)
        read += [message.lines[0] for _, message in page]
        if len(page) < 2:
            break
        after = page[-1][0]
    assert read == [f"m{i}" for i in range(7)]
    assert after is not None and after.millis == 1_000_030 and after.id is not None


@pytest_twisted.ensureDeferred
async def test_bounds(store: Any) -> None:
    """
    Moments bound a page (both excluded); without a room, every room's
    messages, private ones left out.
    """
    _chat(store)

    async def texts(room: str | None, after: Bound | None, before: Bound | None) -> list[str]:
        page = await store.roomMessages(room, after, before, 100)
        return [message.lines[0] for _, message in page]

    assert await texts("Blabla", Bound(1_000_010), Bound(1_000_040)) == ["m2", "m3", "m4", "m5"]
    assert await texts("Blabla", Bound(1_000_009), Bound(1_000_020)) == ["m1"]
    assert await texts(None, Bound(1_000_000), Bound(1_000_030)) == [
        "m1",
        "g",
        "m2",
        "m3",
        "m4",
    ]
    assert await texts("nowhere", None, None) == []
    page = await store.roomMessages(None, None, None, 1)
    bound, message = page[0]
    assert (bound.millis, message.room, message.msgid, message.millis) == (
        1_000_000,
        "Blabla",
        "b0",
        1_000_000,
    )


@pytest_twisted.ensureDeferred
async def test_privateMessages(store: Any) -> None:
    """
    Every private message between two people, either way and whatever
    the names' case, whoever was registered, waiting ones too, a page at
    a time; not another conversation's, nor a room's.
    """
    _chat(store)  # bob wrote "p" to alice, in the millisecond of g
    add = store.addMessage
    add(None, "ALICE", "bob", ("q",), 1000, msgid="q", millis=1_000_016)
    add(None, "bob", "carol", ("r",), 1000, msgid="r", millis=1_000_017)
    add(None, "Bob", "alice", ("s",), 1000, pending=True, msgid="s", millis=1_000_018)
    read, after = [], None
    while True:
        page = await store.privateMessages("alice", "BOB", after, None, 2)
        read += [message.msgid for _, message in page]
        if len(page) < 2:
            break
        after = page[-1][0]
    assert read == ["p", "q", "s"]
    assert [m.msgid for _, m in await store.privateMessages("bob", "alice", None, None, 9)] == [
        "p",
        "q",
        "s",
    ]
    between = await store.privateMessages("alice", "bob", Bound(1_000_016), Bound(1_000_018), 9)
    assert [message.msgid for _, message in between] == []
    between = await store.privateMessages("alice", "bob", Bound(1_000_015), Bound(1_000_019), 9)
    assert [message.msgid for _, message in between] == ["p", "q", "s"]
