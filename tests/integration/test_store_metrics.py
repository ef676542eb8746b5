"""
The store's write latency and queue depth reach the service's metrics.
"""

from __future__ import annotations

import pytest_twisted
from twisted.internet import reactor

from chatd.core.service import ChatService
from chatd.storage.sqlite import sqliteStore
from chatd.testing import RecordingParticipant, settled


@pytest_twisted.ensureDeferred
async def test_storeWritesCounted() -> None:
    """
    A room message written by a real SQLite store is timed into the
    store-latency histogram, and the queue depth reads the store's queue.
    """
    store = sqliteStore(":memory:", reactor)
    store.startService()
    service = ChatService(reactor, store=store)
    service.startService()  # loads what the store holds; logins wait for it
    try:
        assert service.stats.storeQueueDepth is not None
        alice = RecordingParticipant()
        service.connect(alice)
        login = settled(service.login(alice, "alice"))
        login.addTimeout(10, reactor)
        await login
        service.createRoom(alice, "room")
        service.enter(alice, "room")
        before = sum(service.stats.storeWriteBuckets)
        service.say(alice, "room", ("hello",))
        assert service.stats.storeQueueDepth() == 1
        flushed = store.flush()
        flushed.addTimeout(10, reactor)
        await flushed
        assert service.stats.storeQueueDepth() == 0
        assert sum(service.stats.storeWriteBuckets) > before
        assert service.stats.storeWriteSum > 0
    finally:
        service.stopService()
        await store.stopService()
