"""
The store's side of waiting private messages (L{IChatStore.undelivered} in
pages, L{IChatStore.waitingCount}, L{IChatStore.waitingFrom}, L{IChatStore.markDelivered}), on
every store: memory, SQLite and PostgreSQL (the fixtures of L{tests.support.storefixtures}).
"""

from __future__ import annotations

from typing import Any

import pytest
import pytest_twisted

from chatd.core.inbox import FETCH
from chatd.storage.sql import MARK_AT_ONCE, SQLChatStore
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


class CountingCursor:
    """
    A cursor that notes each statement it runs (one per row of an
    C{executemany}), and otherwise is the cursor it wraps.
    """

    def __init__(self, cursor: Any, statements: list[str]) -> None:
        self.cursor, self.statements = cursor, statements

    def execute(self, query: str, args: Any = ()) -> Any:
        self.statements.append(query)
        return self.cursor.execute(query, args)

    def executemany(self, query: str, rows: Any) -> Any:
        rows = list(rows)
        self.statements.extend(query for _ in rows)
        return self.cursor.executemany(query, rows)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.cursor, name)


@pytest_twisted.ensureDeferred
async def test_markDeliveredAll(store: Any) -> None:
    """
    C{markDelivered} marks every message it is given, more than one
    statement takes too (L{MARK_AT_ONCE}), an id given twice or none
    included, and no other.
    """
    count = 2 * MARK_AT_ONCE + 100
    for i in range(count):
        store.addMessage(None, "carol", "bob", (f"m{i}",), i + 1, pending=True)
    ids = [i for i, _ in await store.undelivered("bob")]
    assert len(ids) == count
    await store.markDelivered([])
    await store.markDelivered([*ids[: count - 3], ids[0]])
    waiting = await store.undelivered("bob")
    assert [m.lines for _, m in waiting] == [(f"m{i}",) for i in range(count - 3, count)]
    assert await store.waitingCount("bob") == 3


@pytest_twisted.ensureDeferred
async def test_markDeliveredOneStatementPerPage(
    store: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """
    A page of the inbox handed over (L{FETCH} messages) is marked
    delivered with one statement, not one per message.
    """
    if not isinstance(store, SQLChatStore):
        pytest.skip("the memory store runs no statements, by design")
    for i in range(FETCH):
        store.addMessage(None, "carol", "bob", (f"m{i}",), i + 1, pending=True)
    ids = [i for i, _ in await store.undelivered("bob", FETCH)]
    statements: list[str] = []
    run = store.database.run

    def counted(fn: Any, *args: Any, **kwargs: Any) -> Any:
        return run(lambda txn, *more: fn(CountingCursor(txn, statements), *more), *args, **kwargs)

    monkeypatch.setattr(store.database, "run", counted)
    await store.markDelivered(ids)
    monkeypatch.undo()
    assert len(statements) == 1, statements
    assert await store.waitingCount("bob") == 0
