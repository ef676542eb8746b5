"""
Ignore lists in every store (L{chatd.storage.ignores}): kept for a
registered account only, one mask per key, removed, deleted with the
account, and kept across a restart by the durable stores.
"""

from __future__ import annotations

from typing import Any

import pytest
import pytest_twisted

from tests.support.pgserver import postgresServer
from tests.support.storefixtures import Backend, backend, stop, store

__all__ = ["backend", "postgresServer", "store"]


@pytest_twisted.ensureDeferred
async def test_keptAndRemoved(store: Any) -> None:
    """
    A registered account's masks are kept under its key, a mask of the
    same key once; a name nobody registered keeps none.
    """
    await store.saveIgnore("nobody", "troll!*@*", True)
    assert await store.ignoreList("nobody") == []
    await store.saveAccount("Alice", "hash", 1)
    await store.saveIgnore("alice", "troll!*@*", True)
    await store.saveIgnore("ALICE", "TROLL!*@*", True)
    await store.saveIgnore("Alice", "*!*@192.0.2.*", True)
    assert await store.ignoreList("Alice") == ["*!*@192.0.2.*", "troll!*@*"]
    await store.saveIgnore("Alice", "Troll!*@*", False)
    assert await store.ignoreList("alice") == ["*!*@192.0.2.*"]
    await store.deleteAccount("Alice")
    assert await store.ignoreList("alice") == []


@pytest_twisted.ensureDeferred
async def test_keptAcrossRestart(backend: Backend) -> None:
    """
    A durable store still has the list after it is reopened.
    """
    if not backend.durable:
        pytest.skip("this store forgets everything when it stops, by design")
    first = backend.open()
    await first.load()
    await first.saveAccount("alice", "hash", 1)
    await first.saveIgnore("alice", "troll!*@*", True)
    await stop(first)
    second = backend.open()
    await second.load()
    try:
        assert await second.ignoreList("alice") == ["troll!*@*"]
    finally:
        await stop(second)
