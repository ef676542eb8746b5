"""
Tests for L{chatd.storage.tools}: online backup and the move to PostgreSQL.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import psycopg
import pytest
import pytest_twisted
from twisted.logger import LogLevel, capturedLogs, formatEvent

from chatd.core.names import key
from chatd.modstore import BAN, AuditEntry, Sanction, SQLiteModerationStore
from chatd.storage import openStore
from chatd.storage.cloakkey import cloakSecret
from chatd.storage.modsql import SQLModerationStore
from chatd.storage.schema import MIGRATIONS
from chatd.storage.sqlite import dataDirStore
from chatd.storage.storedcloak import postgresSecret
from chatd.storage.tools import main
from tests.support.pgserver import createDatabase, postgresServer
from tests.support.storefixtures import unfoldSearch

__all__ = ["postgresServer"]


async def fill(data: Path) -> None:
    from twisted.internet import reactor

    store = dataDirStore(str(data), reactor)
    store.startService()
    await store.load()
    await store.saveAccount("alice", "$argon2id$h", 1)
    await store.setAdmin("alice", True)
    await store.setAlwaysOn("alice", True)
    await store.setPresenceEnded("alice", True)
    await store.setMembership("alice", "Blabla", True, 7000)
    await store.setLastSeen(["alice"], 9000)
    await store.setAccess("Marketing", "alice", False, 2)
    for i in range(12):
        store.addMessage("Blabla", "alice", None, (f"m{i}",), 10 + i)
    store.addMessage(None, "bob", "alice", ("later",), 50, pending=True)
    await store.stopService()


@pytest_twisted.ensureDeferred
async def test_backupCommand(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """
    C{backup DATA DEST} copies a data directory's database, readable by its
    owner only; a missing one, and an existing destination (never
    overwritten), are a clear error, exit status 1.
    """
    from twisted.internet import reactor

    await fill(tmp_path / "data")
    assert main(["backup", str(tmp_path / "data"), str(tmp_path / "copy.sqlite3")]) == 0
    copy = openStore("unused", "sqlite:" + str(tmp_path / "copy.sqlite3"), reactor)
    copy.startService()
    try:
        assert (await copy.load()).accounts == {key("alice")}
        assert len(await copy.history("Blabla", 100)) == 12
    finally:
        await copy.stopService()
    assert (tmp_path / "copy.sqlite3").stat().st_mode & 0o777 == 0o600
    assert main(["backup", str(tmp_path / "nowhere"), str(tmp_path / "x")]) == 1
    assert "no chatd database" in capsys.readouterr().err
    copied = (tmp_path / "copy.sqlite3").read_bytes()
    assert main(["backup", str(tmp_path / "data"), str(tmp_path / "copy.sqlite3")]) == 1
    assert "File exists" in capsys.readouterr().err
    assert (tmp_path / "copy.sqlite3").read_bytes() == copied


def test_helpIsPlainText(capsys: pytest.CaptureFixture[str]) -> None:
    """
    C{--help} shows the commands in plain text, without docstring markup.
    """
    with pytest.raises(SystemExit):
        main(["--help"])
    shown = capsys.readouterr().out
    assert "backup DATA DEST" in shown and "C{" not in shown


@pytest_twisted.ensureDeferred
async def test_copyToPostgres(
    tmp_path: Path, postgresServer: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """
    C{copy DATA URL} moves everything into an empty PostgreSQL database,
    which chatd then serves as it served SQLite, the cloak secret too (a
    guest keeps their host); copying twice is refused.
    """
    from twisted.internet import reactor

    await fill(tmp_path / "data")
    secret = cloakSecret(tmp_path / "data")
    url = createDatabase(postgresServer)
    assert main(["copy", str(tmp_path / "data"), url]) == 0
    assert "1 cloak secret copied" in capsys.readouterr().out
    # a node started on the copy with a fresh data directory takes it
    assert postgresSecret(url, b"\x01" * 32) == secret
    store = openStore("unused", url, reactor)
    store.startService()
    try:
        snapshot = await store.load()
        assert snapshot.accounts == {key("alice")}
        assert await store.adminHash("alice") == "$argon2id$h"
        assert await store.alwaysOnAccounts() == ["alice"]
        assert await store.endedPresences() == ["alice"]
        assert snapshot.access == {key("marketing"): {key("alice"): ("alice", False)}}
        assert len(snapshot.rooms) == 5
        assert await store.memberships("alice") == ["Blabla"]
        assert await store.enteredRooms("alice") == {"blabla": 7000}
        assert await store.lastSeen("alice") == 9000
        assert [m.lines for m in await store.history("Blabla", 2)] == [("m10",), ("m11",)]
        assert [m.lines for _, m in await store.undelivered("alice")] == [("later",)]
        assert await store.mark() == 14
        store.addMessage("Blabla", "a", None, ("next",), 99)
        await store.flush()
        assert await store.mark() == 15
    finally:
        await store.stopService()
    assert main(["copy", str(tmp_path / "data"), url]) == 1


@pytest_twisted.ensureDeferred
async def test_copyFromOlderSchema(tmp_path: Path, postgresServer: str) -> None:
    """
    A SQLite database from before the admin flag (schema version 3) is
    copied too: its accounts arrive, none flagged admin.
    """
    from twisted.internet import reactor

    await fill(tmp_path / "data")
    with sqlite3.connect(tmp_path / "data" / "chatd.sqlite3") as connection:
        connection.execute("ALTER TABLE accounts DROP COLUMN admin")
        connection.execute("UPDATE schema_version SET version = 3")
    connection.close()
    url = createDatabase(postgresServer)
    assert main(["copy", str(tmp_path / "data"), url]) == 0
    store = openStore("unused", url, reactor)
    store.startService()
    try:
        assert (await store.load()).accounts == {key("alice")}
        assert await store.accountHash("alice") == "$argon2id$h"
        assert await store.admins() == []
    finally:
        await store.stopService()


@pytest_twisted.ensureDeferred
async def test_copySearchForms(tmp_path: Path, postgresServer: str) -> None:
    """
    Messages copied to PostgreSQL are found as they were on SQLite (in any
    Unicode form, inside Japanese text, without IRC formatting codes), from
    a database of today's schema, from one made before the search form
    (schema version 20) and from one that searched the codes (23).
    """
    from twisted.internet import reactor

    tokyo, cafe = "\u660e\u65e5\u6771\u4eac\u306b\u884c\u304d\u307e\u3059", "cafe\u0301 noir"
    red = "\x0304,12red\x03 alert"
    for name in ("today", "v20", "v23"):
        data = tmp_path / name
        store = dataDirStore(str(data), reactor)
        store.startService()
        await store.load()
        store.addMessage("Blabla", "alice", None, (tokyo,), 1)
        store.addMessage("Blabla", "alice", None, (cafe,), 2)
        store.addMessage("Blabla", "alice", None, (red,), 3)
        await store.stopService()
        with sqlite3.connect(data / "chatd.sqlite3") as connection:
            if name == "v20":
                unfoldSearch(connection.execute, "qmark")
                connection.execute("UPDATE schema_version SET version = 20")
            if name == "v23":  # an ASCII body had no search form
                connection.execute("UPDATE messages SET search_text = NULL WHERE body = ?", (red,))
                connection.execute("UPDATE schema_version SET version = 23")
        connection.close()
        url = createDatabase(postgresServer)
        assert main(["copy", str(data), url]) == 0
        copy = openStore("unused", url, reactor)
        copy.startService()
        try:
            await copy.load()
            for word, text in (("\u6771\u4eac", tokyo), ("caf\u00e9", cafe), ("red", red)):
                found = await copy.search("x", ["Blabla"], [word], 5)
                assert [m.lines for m in found] == [(text,)], (name, word)
        finally:
            await copy.stopService()


@pytest_twisted.ensureDeferred
async def test_copyKeepsFirstOfMessageStoredTwice(
    tmp_path: Path, postgresServer: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """
    A SQLite database from before unique msgids, holding a message twice,
    is copied with the first copy only, as a start of chatd keeps it; the
    report says why fewer messages arrived than were read.
    """
    from twisted.internet import reactor

    await fill(tmp_path / "data")
    with sqlite3.connect(tmp_path / "data" / "chatd.sqlite3") as connection:
        connection.execute("DROP INDEX messages_msgid")
        connection.execute("CREATE INDEX messages_msgid ON messages (msgid)")
        connection.execute(f"UPDATE schema_version SET version = {len(MIGRATIONS) - 1}")
        connection.execute("UPDATE messages SET msgid = 'twice' WHERE body IN ('m3', 'm7')")
    connection.close()
    url = createDatabase(postgresServer)
    assert main(["copy", str(tmp_path / "data"), url]) == 0
    assert "12 messages (of 13 read)" in capsys.readouterr().out
    store = openStore("unused", url, reactor)
    store.startService()
    try:
        await store.load()
        history = [m.lines[0] for m in await store.history("Blabla", 100)]
        assert history == [f"m{i}" for i in range(12) if i != 7]
        found = await store.findMessage("twice")
        assert found is not None and found.lines == ("m3",)
    finally:
        await store.stopService()


@pytest_twisted.ensureDeferred
async def test_chatdAdminCopy(tmp_path: Path, postgresServer: str) -> None:
    """
    C{chatd-admin copy DATA URL} is the same copy as C{python -m
    chatd.storage.tools copy}.
    """
    from twisted.internet import reactor

    from chatd.admin.cli import main as chatdAdmin

    await fill(tmp_path / "data")
    url = createDatabase(postgresServer)
    assert chatdAdmin(["copy", str(tmp_path / "data"), url]) == 0
    store = openStore("unused", url, reactor)
    store.startService()
    try:
        assert (await store.load()).accounts == {key("alice")}
        assert len(await store.history("Blabla", 100)) == 12
    finally:
        await store.stopService()


@pytest_twisted.ensureDeferred
async def test_copyModeration(
    tmp_path: Path, postgresServer: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """
    C{copy} imports the data directory's C{moderation.sqlite} (sanctions and
    audit trail) as the first start on it would, and renames it
    C{moderation.sqlite.imported}: a node started first on a fresh data
    directory keeps the banned out.
    """
    from twisted.internet import reactor

    await fill(tmp_path / "data")
    legacy = tmp_path / "data" / "moderation.sqlite"
    old = SQLiteModerationStore(legacy)
    old.startService()
    ban = Sanction(BAN, "troll", "troll", "spam", "root", 200.0, None)
    await old.saveSanction(ban)
    await old.addAudit(AuditEntry(200.0, "root", "ban troll spam"))
    old.stopService()
    url = createDatabase(postgresServer)
    assert main(["copy", str(tmp_path / "data"), url]) == 0
    assert "1 sanctions copied" in capsys.readouterr().out
    assert not legacy.exists() and legacy.with_name("moderation.sqlite.imported").exists()
    chat = openStore("unused", url, reactor)
    chat.startService()
    try:
        await chat.load()
        fresh = SQLModerationStore(chat, tmp_path / "fresh" / "moderation.sqlite")
        assert await fresh.loadSanctions() == [ban]
        assert [e.what for e in await fresh.lastAudit(10)] == ["ban troll spam"]
    finally:
        await chat.stopService()


@pytest_twisted.ensureDeferred
async def test_warnCopyWithoutSecret(tmp_path: Path, postgresServer: str) -> None:
    """
    A node starting on a copy that holds accounts but no cloak secret (made
    by an older C{chatd-admin copy}) stores its own and warns, once, that
    guests' hosts change unless the copied data directory's node starts
    first.
    """
    await fill(tmp_path / "data")
    url = createDatabase(postgresServer)
    assert main(["copy", str(tmp_path / "data"), url]) == 0
    with psycopg.connect(url) as connection:
        connection.execute("DELETE FROM settings")
    with capturedLogs() as events:
        assert postgresSecret(url, b"\x01" * 32) == b"\x01" * 32
        assert postgresSecret(url, b"\x02" * 32) == b"\x01" * 32
    warned = [formatEvent(e) for e in events if e["log_level"] >= LogLevel.warn]
    assert len(warned) == 1
    assert "1 accounts but no cloak secret" in warned[0]
    assert "start first the node whose data directory was copied" in warned[0]
