"""
A store whose process ends without writing what it queued (C{kill -9}, a
crash) finds the acknowledged messages in its journal at the next start,
and writes those the database does not have, once each (SQLite and a real
PostgreSQL).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest
import pytest_twisted

from chatd.storage.journal import Journal
from chatd.storage.rowshapes import isKeptRow
from chatd.storage.spool import Spool
from tests.support.daemon import startDaemon
from tests.support.e2eclients import command, connect, getJSON
from tests.support.pgserver import postgresServer
from tests.support.storefixtures import Backend, backend, stop

__all__ = ["backend", "postgresServer"]


def opened(backend: Backend, data: Path) -> Any:
    store = backend.open()
    store.writer.keepUnwrittenIn(
        Spool(data / "unwritten.json"), Journal(data / "journal", isKeptRow)
    )
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
async def test_olderJournal(backend: Backend, tmp_path: Path) -> None:
    """
    A journal an older chatd left (its rows without the sender's
    C{user@host}) is written at the next start, each message with none.
    """
    if not backend.durable:
        pytest.skip(f"{backend.name} in memory forgets everything by design")
    data = tmp_path / "data"
    first = opened(backend, data)
    await first.load()
    first.addMessage("Blabla", "alice", None, ("hi",), 10, msgid="id0", userhost="a@user/alice")
    crash(first)
    for path in (data / "journal").iterdir():
        rows = [orjson.loads(line) for line in path.read_bytes().rstrip(b"\0").splitlines()]
        path.write_bytes(b"".join(orjson.dumps(row[:-1]) + b"\n" for row in rows))
    second = opened(backend, data)
    try:
        await second.load()
        history = await second.history("Blabla", 100)
        assert [(m.lines, m.sender, m.sender.userhost) for m in history] == [(("hi",), "alice", "")]
    finally:
        await stop(second)


@pytest_twisted.ensureDeferred
async def test_adoptedNotWrittenAgain(backend: Backend, tmp_path: Path) -> None:
    """
    A node killed with messages queued, which another node of the cluster
    wrote to the shared database meanwhile from what it received
    (L{chatd.cluster.adoption}): its next start finds them stored, and its
    history has each once.
    """
    if not backend.durable:
        pytest.skip(f"{backend.name} in memory forgets everything by design")
    data = tmp_path / "data"
    first = opened(backend, data)
    await first.load()
    for i in range(3):
        first.addMessage("Blabla", "alice", None, (f"m{i}",), 10 + i, msgid=f"id{i}")
    crash(first)
    other = backend.open()
    await other.load()
    assert await other.storedMsgids(["id0", "id1", "id2"]) == set()
    for i in range(2):  # the other node received the first two
        other.addMessage("Blabla", "alice", None, (f"m{i}",), 10 + i, msgid=f"id{i}")
    await stop(other)
    second = opened(backend, data)
    try:
        await second.load()
        history = await second.history("Blabla", 100)
        assert [m.msgid for m in history] == ["id0", "id1", "id2"]
    finally:
        await stop(second)


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


@pytest_twisted.ensureDeferred
async def test_fullDiskRefusesMessages(tmp_path: Path) -> None:
    """
    A message the journal cannot keep (its file is C{/dev/full}: every write
    fails with ENOSPC) is refused with TCHAT's C{ERROR 03}, reaches nobody,
    and C{/healthz} on the metrics listener says why; the daemon goes on serving.
    """
    journal = tmp_path / "chatd-data" / "journal"
    journal.mkdir(parents=True, mode=0o700)
    (journal / "00000001.jsonl").symlink_to("/dev/full")
    daemon = startDaemon(
        tmp_path,
        "--port",
        "tcp:0:interface=127.0.0.1",
        "--web-metrics",
        factories=("TchatFactory", "GuardedSite"),
    )
    try:
        alice, bob = await connect(daemon), await connect(daemon)
        for client, name in ((alice, "alice"), (bob, "bob")):
            assert (await command(client, f"clt: LOGIN {name}"))[-1] == "srv: OKAY!"
            assert await command(client, "clt: ENTER Blabla") == ["srv: OKAY!"]
        said = await command(alice, "clt: SPEAK Blabla", "clt: lost?", "clt: .")
        assert said[-1] == "srv: ERROR 03"
        status, body = getJSON(f"http://127.0.0.1:{daemon.ports['MetricsSite']}/healthz")
        assert status == 503
        assert "keep messages in the journal" in body["store"] and "No space" in body["store"]
        assert not [line for line in await command(bob, "clt: LSMEM") if "lost?" in line]
    finally:
        daemon.stop()
    log = daemon.logText()
    assert log.count("Traceback") == 1  # the outage's first error, as the database's
    assert "No space left on device" in log
