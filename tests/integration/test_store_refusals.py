"""
The refusals kept for a registered account's next login, in every store
(L{chatd.storage.refusals}): kept for a registered account only, one per
room (the latest), taken once, the oldest first, deleted with the account,
kept across a restart by the durable stores, and taken once by two
processes sharing a database.
"""

from __future__ import annotations

from typing import Any

import pytest
import pytest_twisted
from twisted.internet.defer import gatherResults

from tests.support.pgserver import postgresServer
from tests.support.storefixtures import Backend, backend, sharers, stop, store

__all__ = ["backend", "postgresServer", "store"]


@pytest_twisted.ensureDeferred
async def test_keptAndTaken(store: Any) -> None:
    """
    A registered account's refusals are kept under its key, the latest of
    a room replacing the earlier one, and taken once, the oldest first; a
    name nobody registered keeps none.
    """
    await store.keepRefusal("nobody", "Informatique", "no", 5)
    assert await store.takeRefusals("nobody") == []
    await store.saveAccount("Alice", "hash", 1)
    await store.keepRefusal("alice", "Marketing", "", 30)
    await store.keepRefusal("ALICE", "informatique", "staff only", 10)
    await store.keepRefusal("Alice", "Informatique", "still staff only", 20)
    assert await store.takeRefusals("alice") == [
        ("Informatique", "still staff only", 20),
        ("Marketing", "", 30),
    ]
    assert await store.takeRefusals("Alice") == []


@pytest_twisted.ensureDeferred
async def test_deletedWithAccount(store: Any) -> None:
    """
    The account's deletion deletes its refusals: whoever registers the
    name next is told nothing of them.
    """
    await store.saveAccount("alice", "hash", 1)
    await store.keepRefusal("alice", "Informatique", "no", 10)
    await store.deleteAccount("alice")
    await store.saveAccount("alice", "hash", 2)
    assert await store.takeRefusals("alice") == []


@pytest_twisted.ensureDeferred
async def test_keptAcrossRestart(backend: Backend) -> None:
    """
    A durable store still has the refusal after it is reopened.
    """
    if not backend.durable:
        pytest.skip("this store forgets everything when it stops, by design")
    first = backend.open()
    await first.load()
    await first.saveAccount("alice", "hash", 1)
    await first.keepRefusal("alice", "Informatique", "staff only", 10)
    await stop(first)
    second = backend.open()
    await second.load()
    try:
        assert await second.takeRefusals("alice") == [("Informatique", "staff only", 10)]
    finally:
        await stop(second)


@pytest_twisted.ensureDeferred
async def test_takenOnceBySharers(backend: Backend) -> None:
    """
    Two stores on one database (two cluster nodes) taking at once get
    each refusal once between them.
    """
    async with sharers(backend) as (first, second):
        await first.saveAccount("alice", "hash", 1)
        rooms = ["Comptabilité", "Informatique", "Marketing"]
        for _ in range(5):
            for when, room in enumerate(rooms):
                await first.keepRefusal("alice", room, "no", when)
            takes = [store.takeRefusals("alice") for store in (first, second, first, second)]
            taken = [each for got in await gatherResults(takes) for each in got]
            assert sorted(room for room, _, _ in taken) == rooms
