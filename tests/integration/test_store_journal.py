"""
A store whose process ends without writing what it queued (C{kill -9}, a
crash) finds the acknowledged messages in its journal at the next start,
and writes those the database does not have, once each (SQLite and a real
PostgreSQL).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import pytest_twisted

from chatd.storage.journal import Journal
from chatd.storage.spool import COLUMNS, Spool
from tests.support.pgserver import postgresServer
from tests.support.storefixtures import Backend, backend, stop

__all__ = ["backend", "postgresServer"]


def opened(backend: Backend, data: Path) -> Any:
    store = backend.open()
    store.writer.keepUnwrittenIn(Spool(data / "unwritten.json"), Journal(data / "journal", COLUMNS))
    return store


def crash(store: Any) -> None:
    """
    What C{kill -9} leaves: nothing more is written, and nothing is
    drained or cleaned up.
    """
    store.writer.stop()
    store.pool.close()


@pytest_twisted.ensureDeferred
async def test_crashLosesNoAcknowledgedMessage(backend: Backend, tmp_path: Path) -> None:
    """
    Five messages written, five more queued while the first batch was
    written (so the journal holds all ten), then the end: the next start
    has all ten in history, each once, in order, a private message still
    waiting for its recipient, and the earlier run's journal is gone.
    """
    if not backend.durable:
        pytest.skip(f"{backend.name} in memory forgets everything by design")
    data = tmp_path / "data"
    first = opened(backend, data)
    await first.load()
    for i in range(5):
        first.addMessage("Blabla", "alice", None, (f"m{i}",), 10 + i, msgid=f"id{i}")
    written = first.flush()
    for i in range(5, 10):
        first.addMessage("Blabla", "alice", None, (f"m{i}",), 10 + i, msgid=f"id{i}")
    first.addMessage(None, "bob", "alice", ("while away",), 30, pending=True, msgid="p1")
    await written
    rows = await first.database.select("SELECT msgid FROM messages ORDER BY id")
    assert [msgid for (msgid,) in rows] == [f"id{i}" for i in range(5)]  # (not flushing)
    earlier = sorted((data / "journal").iterdir())
    crash(first)
    second = opened(backend, data)
    try:
        await second.load()
        history = await second.history("Blabla", 100)
        assert [m.lines for m in history] == [(f"m{i}",) for i in range(10)]
        assert [m.msgid for m in history] == [f"id{i}" for i in range(10)]
        assert [m.lines for _, m in await second.undelivered("alice")] == [("while away",)]
        assert not any(path.exists() for path in earlier)
    finally:
        await stop(second)
    assert list((data / "journal").iterdir()) == []  # a clean stop: all written


@pytest_twisted.ensureDeferred
async def test_cleanRestartReplaysNothing(backend: Backend, tmp_path: Path) -> None:
    """
    After a clean stop the journal is empty, and a restart adds nothing.
    """
    if not backend.durable:
        pytest.skip(f"{backend.name} in memory forgets everything by design")
    data = tmp_path / "data"
    first = opened(backend, data)
    await first.load()
    first.addMessage("Blabla", "alice", None, ("once",), 10, msgid="id0")
    await stop(first)
    second = opened(backend, data)
    try:
        await second.load()
        assert [m.lines for m in await second.history("Blabla", 100)] == [("once",)]
    finally:
        await stop(second)
