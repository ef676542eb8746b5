"""
Read markers in every store (L{chatd.storage.markers}): per account and
conversation, forward only, kept across a restart by the durable stores.
"""

from __future__ import annotations

from typing import Any

import pytest
import pytest_twisted

from tests.support.pgserver import postgresServer
from tests.support.storefixtures import Backend, backend, stop, store

__all__ = ["backend", "postgresServer", "store"]


@pytest_twisted.ensureDeferred
async def test_markerMovesForwardOnly(store: Any) -> None:
    """
    A new marker is stored; a later moment moves it, an earlier one does
    not, and each save fires with the marker as it now is.
    """
    await store.saveAccount("alice", "hash", 1)
    assert await store.readMarker("alice", "Blabla", True) is None
    assert await store.saveReadMarker("alice", "Blabla", True, 5_000_123) == 5_000_123
    assert await store.saveReadMarker("ALICE", "blabla", True, 4_000_000) == 5_000_123
    assert await store.readMarker("alice", "Blabla", True) == 5_000_123
    assert await store.saveReadMarker("alice", "Blabla", True, 6_000_001) == 6_000_001
    assert await store.readMarker("Alice", "BLABLA", True) == 6_000_001


@pytest_twisted.ensureDeferred
async def test_markersPerAccountAndConversation(store: Any) -> None:
    """
    A room and a private conversation of the same name, and two accounts,
    each have their own marker; C{readMarkers} lists one account's.
    """
    await store.saveAccount("alice", "hash", 1)
    await store.saveAccount("bob", "hash", 1)
    await store.saveReadMarker("alice", "Blabla", True, 1000)
    await store.saveReadMarker("alice", "blabla", False, 2000)
    await store.saveReadMarker("alice", "bob", False, 3000)
    await store.saveReadMarker("bob", "Blabla", True, 4000)
    assert await store.readMarker("alice", "Blabla", False) == 2000
    assert await store.readMarker("bob", "bob", False) is None
    assert sorted(await store.readMarkers("alice")) == [
        ("Blabla", True, 1000),
        ("blabla", False, 2000),
        ("bob", False, 3000),
    ]
    assert await store.readMarkers("carol") == []


@pytest_twisted.ensureDeferred
async def test_markersSurviveRestart(backend: Backend) -> None:
    """
    A durable store still has an account's markers after it is reopened.
    """
    if not backend.durable:
        pytest.skip("this store forgets everything when it stops, by design")
    first = backend.open()
    await first.load()
    await first.saveAccount("alice", "hash", 1)
    await first.saveReadMarker("alice", "Général", True, 7_000_250)
    await stop(first)
    second = backend.open()
    await second.load()
    try:
        assert await second.readMarker("alice", "général", True) == 7_000_250
    finally:
        await stop(second)
