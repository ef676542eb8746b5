"""
Always-on accounts in every store (L{chatd.storage.alwayson}): the setting
is kept with the account, read back by name, forgotten with the account,
an operator's end of the presence is kept until cleared,
and kept across a restart by the durable stores.
"""

from __future__ import annotations

from typing import Any

import pytest
import pytest_twisted

from tests.support.pgserver import postgresServer
from tests.support.storefixtures import Backend, backend, stop, store

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
