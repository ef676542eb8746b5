"""
What the store does when its database refuses a message, is down, or cannot
be opened: on real SQLite and PostgreSQL, through the store's own append
path and through the real daemon.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import sqlite3
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest
import pytest_twisted
from twisted.internet import reactor
from twisted.internet.defer import Deferred
from twisted.internet.task import deferLater
from twisted.trial.unittest import SynchronousTestCase
from twisted.web.websocket import WebSocketClientEndpoint

from chatd.admin.credentials import setPassword
from chatd.admin.outcome import NOT_STORED
from chatd.modstore import AuditEntry, SQLiteModerationStore
from chatd.options import Options
from chatd.storage import openStore
from chatd.storage.datalock import LOCK
from chatd.storage.opening import (
    IMPORTED,
    StoreOpenError,
    checkDatabaseFile,
    checkDataDirectory,
    checkNotMoved,
    checkPostgresSchema,
)
from chatd.storage.schema import MIGRATIONS
from chatd.storage.sql import SQLChatStore
from chatd.storage.sqlite import sqliteStore
from chatd.storage.tools import copyToPostgres
from chatd.tap import databaseFiles
from tests.support.blockingclients import PASSWORD, TelnetConsole
from tests.support.daemon import Daemon, runDaemon, startDaemon
from tests.support.e2eclients import command, connect, getJSON, spoken
from tests.support.lineclient import LineClient, connectLines
from tests.support.pgserver import PostgresServer, createDatabase, ownPostgres, postgresServer
from tests.support.storefixtures import stop
from tests.support.websocketclient import Client

__all__ = ["ownPostgres", "postgresServer"]

#: What each database refuses in text: a lone surrogate cannot be encoded
#: as UTF-8 (SQLite, PostgreSQL), and PostgreSQL takes no NUL in text.
BAD_TEXT = {"sqlite": ["\ud800 lone"], "postgres": ["\ud800 lone", "nul \x00 byte"]}


@pytest.fixture(params=["sqlite", "postgres"])
def realStore(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[str, SQLChatStore]:
    if request.param == "sqlite":
        return "sqlite", sqliteStore(str(tmp_path / "chat.sqlite3"), reactor, flushInterval=0.01)
    url = createDatabase(request.getfixturevalue("postgresServer"))
    return "postgres", openStore("unused", url, reactor, 0.01)


@pytest_twisted.ensureDeferred
async def test_refusedMessageSkipped(realStore: tuple[str, SQLChatStore]) -> None:
    """
    A message the database refuses, queued through the store's append
    path between good ones (in one batch, and alone at the end), is
    skipped: the others are stored in order and read back, the refusal is
    counted, the store stays healthy, and a mark taken while the refused
    message was the last one queued still resolves.
    """
    name, store = realStore
    store.startService()
    try:
        await store.load()
        expected = []
        for when, bad in enumerate(BAD_TEXT[name], 1):
            store.addMessage("Blabla", "alice", None, (f"before {bad!r}",), when)
            store.addMessage("Blabla", "mallory", None, (bad,), when)
            store.addMessage("Blabla", "alice", None, (f"after {bad!r}",), when)
            expected += [f"before {bad!r}", f"after {bad!r}"]
        await store.flush()
        store.addMessage("Blabla", "mallory", None, ("last", BAD_TEXT[name][0]), 4)
        mark = store.mark()
        mark.addTimeout(10, reactor)
        before = await mark
        await store.flush()
        history = await store.history("Blabla", 100)
        assert [m.lines[0] for m in history] == expected
        assert [m.lines for m in await store.history("Blabla", 100, before)] == [
            m.lines for m in history
        ]
        assert store.health.refused == len(BAD_TEXT[name]) + 1
        assert store.health.problem is None
        store.addMessage("Blabla", "alice", None, ("later",), 5)
        assert [m.lines[0] for m in await store.history("Blabla", 100)][-1] == "later"
    finally:
        await stop(store)


@pytest_twisted.ensureDeferred
async def test_newDatabasesPrivate(tmp_path: Path) -> None:
    """
    The chat and moderation databases the daemon makes, in a data
    directory that existed (mode 0755) under a umask of 022, are their
    owner's alone (0600), with their write-ahead logs: they hold password
    hashes, private messages and the audit trail.
    """
    folder = tmp_path / "data"
    folder.mkdir(mode=0o755)
    old = os.umask(0o022)
    try:
        modes = await openedModes(folder)
        assert "chatd.sqlite3-wal" in modes and "moderation.sqlite-wal" in modes
        assert modes == {name: 0o600 for name in modes}
    finally:
        os.umask(old)


async def openedModes(folder: Path) -> dict[str, int]:
    """
    The modes of the files in C{folder} once a chat and a moderation
    database there were opened and written to (and are stopped again).
    """
    store = sqliteStore(str(folder / "chatd.sqlite3"), reactor, directory=folder)
    store.startService()
    moderation = SQLiteModerationStore(folder / "moderation.sqlite", reactor)
    moderation.startService()
    try:
        await store.load()
        await moderation.addAudit(AuditEntry(1.0, "root", "ban eve"))
        return {path.name: path.stat().st_mode & 0o777 for path in folder.iterdir()}
    finally:
        await stop(store)
        await stop(moderation)


@pytest_twisted.ensureDeferred
async def test_olderDatabasesMadePrivate(tmp_path: Path) -> None:
    """
    Chat and moderation databases an older chatd left readable by others
    (0644) are their owner's alone once opened, with the write-ahead logs
    SQLite makes in their mode.
    """
    folder = tmp_path / "data"
    for _ in ("made", "as an older chatd left them"):
        modes = await openedModes(folder)
        for name in ("chatd.sqlite3", "moderation.sqlite"):
            (folder / name).chmod(0o644)  # as an older chatd left them
    assert "chatd.sqlite3-wal" in modes and "moderation.sqlite-shm" in modes
    assert modes == {name: 0o600 for name in modes}


class ReadOnly:
    """What C{os.statvfs} says of a directory on a file system mounted read-only."""

    def __init__(self, real: os.statvfs_result) -> None:
        self.f_flag = real.f_flag | os.ST_RDONLY


class OpeningTests(SynchronousTestCase):
    """
    L{checkDatabaseFile} and the files the options make the daemon open.
    """

    def setUp(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="chatd-opening-"))
        self.addCleanup(shutil.rmtree, self.dir)

    def test_missingOrGood(self) -> None:
        """
        A missing file (created later) and an SQLite database pass.
        """
        checkDatabaseFile(self.dir / "missing.sqlite3")
        sqlite3.connect(self.dir / "good.sqlite3").execute("CREATE TABLE t (x)").connection.close()
        checkDatabaseFile(self.dir / "good.sqlite3")

    def test_refused(self) -> None:
        """
        An empty file, a file that is not SQLite and a directory are
        refused with a message that names the file and the reason.
        """
        (self.dir / "empty").touch()
        (self.dir / "junk").write_bytes(b"this is no database, just some text " * 10)
        (self.dir / "dir").mkdir()
        for name, reason in [
            ("empty", "is empty (0 bytes)"),
            ("junk", "file is not a database"),
            ("dir", "not a regular file"),
        ]:
            error = self.assertRaises(StoreOpenError, checkDatabaseFile, self.dir / name)
            self.assertIn(str(self.dir / name), str(error))
            self.assertIn(reason, str(error))
        self.assertEqual((self.dir / "empty").stat().st_size, 0)

    def test_missingDirectory(self) -> None:
        """
        A database file whose directory cannot be made (C{--db
        sqlite:/srv/chat/x.db} for a user who may not write in C{/srv}) is
        refused: it could never be made.
        """
        checkDatabaseFile(self.dir / "made" / "later" / "x.db")  # the store makes them
        self.patch(os, "access", lambda path, mode: False)  # (root may write anywhere)
        path = self.dir / "nowhere" / "x.db"
        error = self.assertRaises(StoreOpenError, checkDatabaseFile, path)
        self.assertIn(f"cannot make the database {path}", str(error))

    def test_newerSchema(self) -> None:
        """
        A database whose schema a newer chatd made is refused, saying so;
        one at this chatd's version passes.
        """
        path = self.dir / "chatd.sqlite3"
        connection = sqlite3.connect(path)
        connection.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)")
        connection.execute("INSERT INTO schema_version VALUES (?)", (len(MIGRATIONS),))
        connection.commit()
        checkDatabaseFile(path)
        connection.execute("UPDATE schema_version SET version = 99")
        connection.commit()
        connection.close()
        with self.assertRaises(RuntimeError) as copied:  # nor copied to PostgreSQL
            copyToPostgres(str(path), "postgresql://nobody@127.0.0.1:1/none")
        self.assertIn("newer than this chatd's", str(copied.exception))
        error = self.assertRaises(StoreOpenError, checkDatabaseFile, path)
        self.assertIn(f"schema version 99, newer than this chatd's ({len(MIGRATIONS)})", str(error))

    def test_dataDirectory(self) -> None:
        """
        A data directory that exists, or could be made, passes (it is not
        made here: the store makes it as the daemon's user); one that cannot
        be made, or written in, is refused, saying why.
        """
        checkDataDirectory(self.dir / "made" / "here")
        self.assertFalse((self.dir / "made").exists())
        (self.dir / "file").touch()
        error = self.assertRaises(StoreOpenError, checkDataDirectory, self.dir / "file" / "d")
        self.assertIn(f"cannot make the data directory {self.dir / 'file' / 'd'}", str(error))
        self.patch(os, "access", lambda path, mode: False)  # (root may write anywhere)
        error = self.assertRaises(StoreOpenError, checkDataDirectory, self.dir)
        self.assertIn("cannot write in the data directory", str(error))
        error = self.assertRaises(StoreOpenError, checkDataDirectory, self.dir / "new")
        self.assertIn(f"cannot make (in {self.dir}) the data directory", str(error))

    def test_readOnlyDataDirectory(self) -> None:
        """
        A data directory on a file system mounted read-only is refused as
        such, not blamed on its owner.
        """
        statvfs = os.statvfs
        self.patch(os, "access", lambda path, mode: False)  # (as os.access says on one)
        self.patch(os, "statvfs", lambda path: ReadOnly(statvfs(path)))
        error = self.assertRaises(StoreOpenError, checkDataDirectory, self.dir)
        self.assertEqual(
            str(error),
            f"cannot write in the data directory {self.dir}: it is on a read-only file system"
            " (mount it read-write, or give --data-dir a directory on one that is)",
        )
        error = self.assertRaises(StoreOpenError, checkDataDirectory, self.dir / "new")
        self.assertIn(
            f"the data directory {self.dir / 'new'}: {self.dir} is on a read-only", str(error)
        )
        self.assertNotIn("permission denied", str(error))

    def test_unwritableFile(self) -> None:
        """
        A database file the daemon's user cannot write is refused at start
        (SQLite would open it read-only, and every write fail later).
        """
        path = self.dir / "good.sqlite3"
        sqlite3.connect(path).execute("CREATE TABLE t (x)").connection.close()
        self.patch(os, "access", lambda path, mode: False)
        error = self.assertRaises(StoreOpenError, checkDatabaseFile, path)
        self.assertIn(f"cannot write the database {path}: permission denied", str(error))

    def test_databaseFiles(self) -> None:
        """
        The chat database in the data directory (or an C{sqlite:} path),
        never a PostgreSQL one, and the moderation database.
        """

        def files(*args: str) -> list[str]:
            options = Options()
            options.parseOptions(["--data-dir", "d", *args])
            return [str(path) for path in databaseFiles(options)]

        self.assertEqual(files(), ["d/chatd.sqlite3", "d/moderation.sqlite"])
        self.assertEqual(files("--db", "sqlite:x.db"), ["x.db", "d/moderation.sqlite"])
        self.assertEqual(files("--db", "postgresql://h/db"), ["d/moderation.sqlite"])


@pytest.mark.parametrize(
    "name, content, reason",
    [
        ("chatd.sqlite3", b"", "is empty (0 bytes)"),
        ("chatd.sqlite3", b"not a database " * 100, "file is not a database"),
        ("moderation.sqlite", b"", "is empty (0 bytes)"),
        ("moderation.sqlite", b"not a database " * 100, "file is not a database"),
    ],
)
def test_daemonRefusesBadDatabase(tmp_path: Path, name: str, content: bytes, reason: str) -> None:
    """
    The real daemon does not start on an empty or corrupt database file:
    it exits with status 1 and one clear line naming the file (no
    traceback), and leaves the file as it was.
    """
    data = tmp_path / "data"
    data.mkdir()
    (data / name).write_bytes(content)
    result = runDaemon(tmp_path, "--data-dir", str(data))
    assert result.returncode == 1
    assert "Traceback" not in result.stdout + result.stderr
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("chatd: ") and str(data / name) in line and reason in line
    assert (data / name).read_bytes() == content
    assert not (data / "chatd.sqlite3-wal").exists()


def test_dbNotCopiedWarned(tmp_path: Path) -> None:
    """
    The real daemon started with C{--db} on a database that holds no
    account, beside a data directory whose own database holds some (the
    copy was skipped), says so in its log; once copied (accounts on both
    sides), it does not.
    """
    data = tmp_path / "data"
    first = startDaemon(tmp_path, "--data-dir", str(data))
    try:
        with socket.create_connection(("127.0.0.1", first.ports["TchatFactory"]), 10) as alice:
            replies = alice.makefile("rwb")
            for line in ("clt: LOGIN alice", "clt: REGIS sesame-pw"):
                replies.write(line.encode() + b"\n")
                replies.flush()
                while (reply := replies.readline().decode().strip()) not in ("srv: OKAY!", ""):
                    assert not reply.startswith("srv: ERROR"), reply
    finally:
        first.stop()
    elsewhere = f"sqlite:{tmp_path / 'elsewhere' / 'chat.db'}"
    second = startDaemon(tmp_path, "--data-dir", str(data), "--db", elsewhere)
    try:
        deadline = time.monotonic() + 10
        while "holds no account" not in second.logText():
            assert time.monotonic() < deadline, second.logText()
            time.sleep(0.05)
        assert f"{data / 'chatd.sqlite3'} holds 1: was it copied there first" in second.logText()
    finally:
        second.stop()


def test_daemonRefusesNewerSchemaAndUnmadeDataDir(tmp_path: Path) -> None:
    """
    The real daemon does not start on a database a newer chatd wrote, nor
    with a data directory it cannot make: exit status 1, one line.
    """
    data = tmp_path / "data"
    data.mkdir()
    connection = sqlite3.connect(data / "chatd.sqlite3")
    connection.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)")
    connection.execute("INSERT INTO schema_version VALUES (99)")
    connection.commit()
    connection.close()
    (tmp_path / "file").touch()
    for where, reason in [(data, "newer than this chatd's"), (tmp_path / "file" / "d", "make")]:
        result = runDaemon(tmp_path, "--data-dir", str(where))
        assert result.returncode == 1
        assert "Traceback" not in result.stdout + result.stderr
        [line] = result.stderr.strip().splitlines()
        assert line.startswith("chatd: ") and reason in line, line


def test_daemonRefusesNewerPostgresSchema(tmp_path: Path, postgresServer: str) -> None:
    """
    Nor on a PostgreSQL database a newer chatd wrote (a rollback): exit
    status 1, one line, instead of running and refusing every login.  One
    at this chatd's version passes.
    """
    import psycopg

    url = createDatabase(postgresServer)
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)")
        connection.execute("INSERT INTO schema_version VALUES (99)")
    result = runDaemon(tmp_path, "--data-dir", str(tmp_path / "data"), "--db", url)
    assert result.returncode == 1
    assert "Traceback" not in result.stdout + result.stderr
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("chatd: the database has schema version 99, newer than this chatd's")
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute("UPDATE schema_version SET version = %s", (len(MIGRATIONS),))
    checkPostgresSchema(url)
    checkPostgresSchema("postgresql://nobody@127.0.0.1:1/none")  # unreachable: the store retries


def test_daemonRefusesMovedDataDir(tmp_path: Path) -> None:
    """
    A data directory whose data moved into the database of C{--db} (its
    moderation file imported there) is refused without C{--db}, in one
    line saying how to go on: it would have run on an empty moderation
    store, its bans gone.  Renamed back, its own files start.
    """
    data = tmp_path / "data"
    data.mkdir()
    sqlite3.connect(data / IMPORTED).execute("CREATE TABLE t (x)").connection.close()
    result = runDaemon(tmp_path, "--data-dir", str(data))
    assert result.returncode == 1
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("chatd: the data of ") and "start with --db" in line
    assert f"rename {IMPORTED} to moderation.sqlite" in line
    assert not (data / "moderation.sqlite").exists()
    checkNotMoved(tmp_path)  # nothing moved there
    (data / IMPORTED).rename(data / "moderation.sqlite")
    checkNotMoved(data)


def tchatReplies(daemon: Daemon, *lines: str) -> list[str]:
    """
    The final reply (C{OKAY!} or C{ERROR ...}) to each of C{lines}, sent in
    order on one TCHAT connection to C{daemon}.
    """
    finals = []
    with socket.create_connection(("127.0.0.1", daemon.ports["TchatFactory"]), 10) as client:
        replies = client.makefile("rwb")
        for line in lines:
            replies.write(line.encode() + b"\n")
            replies.flush()
            while not (reply := replies.readline().decode().strip()).startswith(
                ("srv: OKAY!", "srv: ERROR")
            ):
                assert reply, "the connection closed"
            finals.append(reply)
    return finals


def test_oneDaemonPerDataDirectory(tmp_path: Path) -> None:
    """
    A second real daemon on a data directory a running one uses does not
    start (one line, status 1), so it cannot overwrite an account the first
    registered; once the first is killed with C{kill -9}, its lock left
    behind blocks nothing, even with its process id now another live
    process's, and a clean stop gives the lock back.
    """
    data = tmp_path / "data"
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first = startDaemon(tmp_path / "a", "--data-dir", str(data))
    try:
        assert tchatReplies(first, "clt: LOGIN nina", "clt: REGIS pwnina-A") == ["srv: OKAY!"] * 2
        second = runDaemon(tmp_path / "b", "--data-dir", str(data))
        assert second.returncode == 1
        [line] = second.stderr.strip().splitlines()
        assert line.startswith(f"chatd: the data directory {data} is in use by another chatd")
        assert f"(process {first.process.pid})" in line
    finally:
        first.stop(signal.SIGKILL)
    assert (data / LOCK).read_text() == f"{first.process.pid}\n"
    (data / LOCK).write_text(f"{os.getppid()}\n")  # the id reused by a process that runs
    after = startDaemon(tmp_path / "b", "--data-dir", str(data))
    try:
        assert tchatReplies(after, "clt: LOGIN nina pwnina-A") == ["srv: OKAY!"]
        assert f"the daemon before this one on {data} did not stop cleanly" in after.logText()
    finally:
        after.stop()
    assert not (data / LOCK).exists()


async def webClient(daemon: Daemon) -> Client:
    url = f"ws://127.0.0.1:{daemon.ports['GuardedSite']}/ws"
    connecting = Deferred.fromCoroutine(WebSocketClientEndpoint.new(reactor, url).connect(Client()))
    connecting.addTimeout(10, reactor)
    web: Client = await connecting
    await web.next("hello")
    return web


def databaseArgs(tmp_path: Path, request: pytest.FixtureRequest, name: str) -> list[str]:
    if name == "sqlite":
        return ["--data-dir", str(tmp_path / "data")]
    return ["--db", createDatabase(request.getfixturevalue("postgresServer"))]


@pytest.mark.parametrize("name", ["sqlite", "postgres"])
@pytest_twisted.ensureDeferred
async def test_badMessageDoesNotStallTheDaemon(
    tmp_path: Path, request: pytest.FixtureRequest, name: str
) -> None:
    """
    Text the database cannot store, said from the web page, holds nothing
    back: the twenty messages said after it are acknowledged, replayed by
    HISTO at once, and all on disk after SIGTERM and a restart; the log
    stays small.  (The service may also refuse such text up front.)
    """
    args = databaseArgs(tmp_path, request, name)
    factories = ("TchatFactory", "GuardedSite")
    daemon = startDaemon(
        tmp_path, "--port", "tcp:0:interface=127.0.0.1", *args, factories=factories
    )
    try:
        web = await webClient(daemon)
        await web.request(type="login", nick="mallory", id=1)
        await web.request(type="join", room="Blabla", id=2)
        for bad in BAD_TEXT[name]:
            # (whatever the answer: the service may refuse such text)
            web.transport.sendTextMessage(json.dumps(dict(type="say", room="Blabla", text=bad)))
        for n in range(20):
            web.transport.sendTextMessage(
                json.dumps(dict(type="say", room="Blabla", text=f"m{n}", id=10 + n))
            )
            while (reply := await web.next("say", "error")).get("id") != 10 + n:
                pass
            assert reply["type"] == "say"
        alice = await connect(daemon)
        await command(alice, "clt: LOGIN alice")
        await command(alice, "clt: ENTER Blabla")
        assert spoken(await command(alice, "clt: HISTO Blabla 20"))[-20:] == [
            f"m{n}" for n in range(20)
        ]
        await deferLater(reactor, 1, lambda: None)  # a second of would-be retries
        web.transport.loseConnection()
        await alice.close()
    finally:
        daemon.stop()
    assert len(daemon.logText()) < 20000
    daemon = startDaemon(tmp_path, "--port", "tcp:0:interface=127.0.0.1", *args)
    try:
        bob = await connect(daemon)
        await command(bob, "clt: LOGIN bob")
        await command(bob, "clt: ENTER Blabla")
        assert spoken(await command(bob, "clt: HISTO Blabla 20"))[-20:] == [
            f"m{n}" for n in range(20)
        ]
        await bob.close()
    finally:
        daemon.stop()


def storeUp(port: int) -> float:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=20) as response:
        for line in response.read().decode().splitlines():
            if line.startswith("chatd_store_up "):
                return float(line.split()[1])
    raise AssertionError("no chatd_store_up in /metrics")


async def ircLogin(daemon: Daemon, nick: str, password: str) -> list[str]:
    """
    Register on IRC as C{nick} with C{password}; the lines up to the
    welcome or the first error numeric.
    """
    irc = await connectLines(reactor, daemon.ports["IRCFactory"])
    irc.send(f"PASS {password}", f"NICK {nick}", f"USER {nick} 0 * :{nick}")
    seen = []
    while True:
        line = await irc.line()
        seen.append(line)
        if line.split()[1:2] in (["001"], ["263"], ["400"], ["464"]):
            await irc.close()
            return seen


async def tchatLogin(daemon: Daemon, *lines: str) -> tuple[LineClient, str]:
    client = await connect(daemon)
    return client, (await command(client, *lines))[-1]


@pytest_twisted.ensureDeferred
async def test_postgresOutage(tmp_path: Path, ownPostgres: PostgresServer) -> None:
    """
    While PostgreSQL is down, /healthz answers 503 (the reason only on the
    local metrics listener; the log's first line of the outage names the
    driver's error) and C{chatd_store_up} is 0; a login that needs the database
    (to an account whose credentials are not kept) gets error 03
    (TCHAT) or code 3 (web), not an internal error, and one whose are
    kept signs in (IRC); the
    console's commands say they are not stored, and log nothing more than
    the outage's first error.  Once the server is back, all of it recovers
    by itself and the messages said and the topic set meanwhile are stored.
    """
    url = createDatabase(ownPostgres.url)
    setPassword(tmp_path / "chatd-data" / "admin-passwords", "root", PASSWORD)
    factories = ("TchatFactory", "GuardedSite", "IRCFactory")
    daemon = startDaemon(
        tmp_path,
        "--port",
        "tcp:0:interface=127.0.0.1",
        "--db",
        url,
        "--web-metrics",
        factories=factories,
    )
    web, local = daemon.ports["GuardedSite"], daemon.ports["MetricsSite"]
    try:
        alice, reply = await tchatLogin(daemon, "clt: LOGIN alice")
        assert reply == "srv: OKAY!"
        assert (await command(alice, "clt: REGIS secret-pw"))[-1] == "srv: OKAY!"
        await alice.close()
        carol, reply = await tchatLogin(daemon, "clt: LOGIN carol")
        await command(carol, "clt: ENTER Blabla")
        assert getJSON(f"http://127.0.0.1:{web}/healthz")[0] == 200
        assert storeUp(web) == 1

        ownPostgres.stop()
        for _ in range(40):  # a check begun just before the stop may still answer 200
            status, body = getJSON(f"http://127.0.0.1:{web}/healthz")
            if status != 200:
                break
            await deferLater(reactor, 0.25, lambda: None)
        assert status == 503
        assert body["status"] == "unavailable" and body["store"] == "unavailable", body
        status, body = getJSON(f"http://127.0.0.1:{local}/healthz")  # the operator's: why
        assert status == 503 and body["store"].startswith("cannot query"), body
        assert storeUp(web) == 0
        said = await command(carol, "clt: SPEAK Blabla", "clt: said during the outage", "clt: .")
        assert said[-1] == "srv: OKAY!"
        console = TelnetConsole(daemon.ports["AdminTelnetFactory"], "root", PASSWORD)
        # The topic is stored once the database answers; its audit line (--db) is not.
        for line in ("ban eve troll", "topic Blabla set during the outage"):
            assert NOT_STORED in console.run(line)
        console.close()
        for _ in range(40):  # the writer and the queries meet the same error, in the end
            reason = getJSON(f"http://127.0.0.1:{local}/healthz")[1]["store"]
            if "; " not in reason and "write messages" in reason and "refused" in reason:
                break
            await deferLater(reactor, 0.25, lambda: None)
        kinds = reason.partition(": ")[0].removeprefix("cannot ").split(" or ")
        assert sorted(kinds) == ["query", "save changes", "write messages"], reason
        assert reason.endswith("failed: Connection refused"), reason  # whole, once
        # Whether dora is registered needs the database (alice's credentials are kept).
        alice, reply = await tchatLogin(daemon, "clt: LOGIN dora secret-pw")
        assert reply == "srv: ERROR 03"
        assert (await command(carol, "clt: HISTO Blabla 5"))[-1] == "srv: ERROR 03"
        client = await webClient(daemon)
        error = await client.request(type="login", nick="dora", password="secret-pw", id=1)
        assert (error["type"], error["code"]) == ("error", 3)
        client.transport.loseConnection()
        # IRC's PASS of a name not known as registered is a guest's: alice's, kept, signs in.
        assert (await ircLogin(daemon, "alice", "secret-pw"))[-1].split()[1] == "001"

        ownPostgres.start()
        for _ in range(40):  # the first queries may meet stale connections
            if getJSON(f"http://127.0.0.1:{web}/healthz")[0] == 200:
                break
            await deferLater(reactor, 0.5, lambda: None)
        assert getJSON(f"http://127.0.0.1:{web}/healthz")[0] == 200
        reply = "srv: ERROR 03"
        for _ in range(20):
            await alice.close()
            alice, reply = await tchatLogin(daemon, "clt: LOGIN alice secret-pw")
            if reply == "srv: OKAY!":
                break
            await deferLater(reactor, 0.5, lambda: None)
        assert reply == "srv: OKAY!"
        assert storeUp(web) == 1
        assert "said during the outage" in spoken(await command(carol, "clt: HISTO Blabla 5"))
        assert await storedTopic(url, "Blabla") == "set during the outage"
        await alice.close()
        await carol.close()
    finally:
        daemon.stop()
    log = daemon.logText()
    assert log.count("Traceback") == 1, log  # the outage's first error only
    [first] = [line for line in log.splitlines() if "the chat database is unavailable" in line]
    assert ": OperationalError: " in first, first  # the driver's error, not only "unavailable"


async def storedTopic(url: str, room: str) -> str | None:
    """
    The topic the database holds for C{room}, once it holds one (the
    daemon writes a topic set during an outage again when it answers).
    """
    import psycopg

    topic = None
    for _ in range(40):
        with psycopg.connect(url, autocommit=True) as connection:
            row = connection.execute(
                "SELECT topic FROM rooms WHERE lower(name) = lower(%s)", (room,)
            ).fetchone()
        topic = None if row is None else row[0]
        if topic:
            break
        await deferLater(reactor, 0.25, lambda: None)
    return topic


def _schemaVersion(connection: Any) -> int | None:
    """
    The schema version of the database C{connection} is to, if it has one yet.
    """
    if connection.execute("SELECT to_regclass('schema_version')").fetchone() == (None,):
        return None
    row = connection.execute("SELECT max(version) FROM schema_version").fetchone()
    return None if row is None else row[0]


@pytest_twisted.ensureDeferred
async def test_postgresDownAtStart(tmp_path: Path, ownPostgres: PostgresServer) -> None:
    """
    A daemon started while PostgreSQL is down refuses logins (03) and says
    in /healthz that its sanctions are not loaded; once the server is back,
    it loads them by itself: the banned nickname is refused, others admitted.
    """
    import psycopg

    url = createDatabase(ownPostgres.url)
    first = startDaemon(tmp_path, "--db", url)  # creates the schema, once its store has started
    deadline = time.monotonic() + 30
    with psycopg.connect(url, autocommit=True) as connection:
        while _schemaVersion(connection) != len(MIGRATIONS):
            assert time.monotonic() < deadline, "the daemon made no schema"
            await deferLater(reactor, 0.1, lambda: None)
    first.stop()
    with psycopg.connect(url) as connection:
        connection.execute(
            "INSERT INTO sanctions (kind, target, name, reason, by_admin, at, until)"
            " VALUES ('ban', 'eve', 'eve', 'troll', 'root', 0, NULL)"
        )
    ownPostgres.stop()
    daemon = startDaemon(
        tmp_path,
        "--port",
        "tcp:0:interface=127.0.0.1",
        "--db",
        url,
        "--web-metrics",
        factories=("TchatFactory", "GuardedSite"),
    )
    web = daemon.ports["GuardedSite"]
    try:
        bob, reply = await tchatLogin(daemon, "clt: LOGIN bob")
        assert reply == "srv: ERROR 03"
        status, body = getJSON(f"http://127.0.0.1:{web}/healthz")
        assert status == 503 and body["sanctions"] == "not loaded", body
        status, body = getJSON(f"http://127.0.0.1:{daemon.ports['MetricsSite']}/healthz")
        assert status == 503 and "could not be loaded" in body["sanctions"], body
        ownPostgres.start()
        for _ in range(40):  # tried again every 5 s
            await bob.close()
            bob, reply = await tchatLogin(daemon, "clt: LOGIN bob")
            if reply == "srv: OKAY!":
                break
            assert reply == "srv: ERROR 03"
            await deferLater(reactor, 0.5, lambda: None)
        assert reply == "srv: OKAY!"
        eve, reply = await tchatLogin(daemon, "clt: LOGIN eve")
        assert reply == "srv: ERROR 24"
        assert getJSON(f"http://127.0.0.1:{web}/healthz")[0] == 200
        await bob.close()
        await eve.close()
    finally:
        daemon.stop()
    assert "logins are accepted again" in daemon.logText()
