"""
The store's side of waiting private messages (L{IChatStore.undelivered} in
pages, L{IChatStore.waitingCount}, L{IChatStore.waitingFrom}), on every store: memory, SQLite and
PostgreSQL (the fixtures of L{tests.support.storefixtures}).
"""

from __future__ import annotations

from typing import Any

import pytest_twisted

from tests.support.pgserver import postgresServer
from tests.support.storefixtures import backend, store

__all__ = ["backend", "postgresServer", "store"]


@pytest_twisted.ensureDeferred
async def test_undeliveredInPages(store: Any) -> None:
    """
    C{undelivered(nick, limit)} reads at most C{limit} waiting messages,
    oldest first: reading a page, marking it delivered and reading again
    gives each once, in order.
    """
    for i in range(7):
        store.addMessage(None, "alice", "Bob", (f"m{i}",), i, pending=True)
    store.addMessage(None, "alice", "carol", ("other",), 9, pending=True)
    assert len(await store.undelivered("BOB")) == 7
    seen = []
    while True:
        page = await store.undelivered("bob", 3)
        if not page:
            break
        assert len(page) <= 3
        seen += [m.lines[0] for _, m in page]
        await store.markDelivered([id for id, _ in page])
    assert seen == [f"m{i}" for i in range(7)]


@pytest_twisted.ensureDeferred
async def test_waitingCount(store: Any) -> None:
    """
    C{waitingCount} counts the messages waiting for a name (any case),
    those still queued for writing included, and not the delivered ones,
    the live ones or other recipients'.
    """
    assert await store.waitingCount("bob") == 0
    store.addMessage(None, "alice", "Bob", ("live",), 1)
    for i in range(4):
        store.addMessage(None, "alice", "Bob", (f"m{i}",), i, pending=True)
    store.addMessage(None, "alice", "carol", ("other",), 9, pending=True)
    assert await store.waitingCount("BOB") == 4
    ids = [id for id, _ in await store.undelivered("bob", 2)]
    await store.markDelivered(ids)
    assert await store.waitingCount("bob") == 2
    assert [m.lines for _, m in await store.undelivered("bob")] == [("m2",), ("m3",)]


@pytest_twisted.ensureDeferred
async def test_waitingFrom(store: Any) -> None:
    """
    C{waitingFrom} counts the messages from one sender (any case) waiting
    for a name (any case), those still queued for writing included, and not
    the delivered ones, the live ones, other senders' or other recipients'.
    """
    assert await store.waitingFrom("bob", "alice") == 0
    store.addMessage(None, "alice", "Bob", ("live",), 1)
    for i in range(3):
        store.addMessage(None, "Alice", "Bob", (f"m{i}",), i, pending=True)
    store.addMessage(None, "carol", "bob", ("other sender",), 5, pending=True)
    store.addMessage(None, "alice", "carol", ("other recipient",), 9, pending=True)
    assert await store.waitingFrom("BOB", "ALICE") == 3
    assert await store.waitingFrom("bob", "carol") == 1
    ids = [id for id, _ in await store.undelivered("bob", 2)]
    await store.markDelivered(ids)
    assert await store.waitingFrom("bob", "alice") == 1


@pytest_twisted.ensureDeferred
async def test_keepWaiting(store: Any) -> None:
    """
    C{keepWaiting(msgid)} makes a private message stored as sent wait for
    its recipient (even one still queued for writing): it is then given
    once, and stored once; an unknown id, or a room message's, is not found.
    """
    store.addMessage(None, "alice", "Bob", ("as sent",), 1, msgid="pm1")
    store.addMessage("Blabla", "alice", None, ("in a room",), 2, msgid="rm1")
    assert await store.keepWaiting("pm1") is True
    assert await store.keepWaiting("nope") is False
    assert await store.keepWaiting("rm1") is False
    waiting = await store.undelivered("bob")
    assert [(m.lines, m.msgid) for _, m in waiting] == [(("as sent",), "pm1")]
    await store.markDelivered([id for id, _ in waiting])
    assert await store.undelivered("bob") == []
