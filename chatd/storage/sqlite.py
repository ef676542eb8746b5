# -*- test-case-name: tests.integration.test_store -*-
"""
The embedded default: one SQLite file in the data directory.

One pooled connection (C{cp_min = cp_max = 1}) serializes every write and
keeps a C{:memory:} database alive; C{check_same_thread=False} lets the pool
close it from another thread.  The journal is in WAL mode with
C{synchronous=NORMAL}: a committed batch survives the daemon being killed
(not a power cut, which may lose the last transactions), and readers such as
an online backup never block the daemon.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from typing import Any

from twisted.enterprise import adbapi

from chatd.storage.sql import SQLChatStore

DATABASE_NAME = "chatd.sqlite3"


def _onOpen(connection: sqlite3.Connection) -> None:
    connection.execute("PRAGMA foreign_keys = ON")
    connection.execute("PRAGMA journal_mode = WAL")
    connection.execute("PRAGMA synchronous = NORMAL")


class SQLitePool(adbapi.ConnectionPool):
    """
    A connection pool that creates the database's directory (mode 0700: it
    holds password hashes and private messages) when it first connects, in
    the pool's thread: nothing touches the disk until the store is used.
    Its database is its owner's alone (0600, with its companion files),
    whatever the umask, even in a directory that existed: one it makes,
    and one it opens with another mode (an older chatd's), made so at open.
    """

    directory: Path | None = None

    def connect(self) -> Any:
        if self.directory is not None:
            self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        path = self.connargs[0]
        connection = super().connect()
        if path != ":memory:":
            for file in (path, f"{path}-wal", f"{path}-shm"):
                ownersOnly(Path(file))
        return connection


def ownersOnly(path: Path) -> None:
    """
    Make C{path}, if it is there, readable and writable by its owner only
    (0600); one this process may not change (another user's) stays as it
    is.
    """
    try:
        if path.stat().st_mode & 0o777 != 0o600:
            os.chmod(path, 0o600)
    except OSError:
        pass  # missing, or not ours to change


def sqliteStore(
    path: str, reactor: Any, directory: Path | None = None, **kwargs: Any
) -> SQLChatStore:
    """
    A store in the SQLite database at C{path} (a file, created if missing, or
    C{":memory:"}), in C{directory}, created if missing; C{kwargs} go to
    L{SQLChatStore}.
    """
    pool = SQLitePool(
        "sqlite3",
        path,
        check_same_thread=False,
        cp_min=1,
        cp_max=1,
        cp_openfun=_onOpen,
        cp_reactor=reactor,
    )
    pool.directory = directory
    return SQLChatStore(pool, reactor, "qmark", **kwargs)


def dataDirStore(dataDir: str, reactor: Any, **kwargs: Any) -> SQLChatStore:
    """
    The store of data directory C{dataDir}, which is created (mode 0700) when
    the store first opens it.
    """
    directory = Path(dataDir)
    return sqliteStore(str(directory / DATABASE_NAME), reactor, directory, **kwargs)


def backup(source: str, destination: str) -> None:
    """
    Copy the live database C{source} to C{destination} with SQLite's online
    backup API: consistent even while the daemon writes, and safe to run
    from another process (WAL readers do not block the writer).  The copy
    is readable by its owner only (it holds password hashes and private
    messages); an existing C{destination} is refused, never overwritten.

    @raise FileExistsError: C{destination} exists.
    """
    os.close(os.open(destination, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    src = sqlite3.connect(source)
    try:
        dst = sqlite3.connect(destination)
        try:
            src.backup(dst)
        finally:
            dst.close()
    finally:
        src.close()
