# -*- test-case-name: tests.integration.test_store_failures -*-
"""
Refuse, at start, an SQLite file that cannot be the database it should be,
and a database (SQLite or PostgreSQL) that a newer chatd made.

SQLite creates a missing file, and takes a zero-length one for a new, empty
database: a database truncated by a full disk or a bad restore would then be
silently replaced by an empty one, and the site would lose its accounts and
history without a word.  A file that is not SQLite at all, or that cannot be
read, would make every query fail at run time.  L{checkDatabaseFile} turns
each of these into one clear error before the daemon serves anyone.
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
import stat
from collections.abc import Collection
from pathlib import Path
from urllib.parse import quote

from chatd.storage.schema import MIGRATIONS

ADVICE = "restore it from a backup, or move it away to start with a new, empty database"


class StoreOpenError(Exception):
    """
    A database file cannot be used; the text says which and why.
    """


def checkDatabaseFile(path: Path) -> None:
    """
    Check that C{path} is missing (it will be created) or a readable SQLite
    database.

    @raise StoreOpenError: it is empty, not a regular file, not an SQLite
        database, or cannot be opened.
    """
    try:
        info = path.stat()
    except FileNotFoundError:
        folder = _existing(path.parent)  # the directories are made with it, if need be
        if not folder.is_dir() or not _mayWriteIn(folder):
            raise StoreOpenError(
                f"cannot make the database {path}: {folder} is not a directory it may write in"
            ) from None
        return
    except OSError as error:
        raise StoreOpenError(f"cannot open the database {path}: {error.strerror}") from error
    if not stat.S_ISREG(info.st_mode):
        raise StoreOpenError(f"cannot open the database {path}: it is not a regular file")
    if info.st_size == 0:
        raise StoreOpenError(f"the database {path} is empty (0 bytes): {ADVICE}")
    try:
        connection = sqlite3.connect(f"file:{quote(str(path))}?mode=rw", uri=True)
        try:
            connection.execute("SELECT count(*) FROM sqlite_master").fetchone()
        finally:
            connection.close()
    except sqlite3.Error as error:
        raise StoreOpenError(f"cannot open the database {path}: {error}; {ADVICE}") from error
    for file in (path, *(Path(f"{path}{tail}") for tail in ("-wal", "-shm"))):
        if file.exists() and not os.access(file, os.R_OK | os.W_OK):
            raise StoreOpenError(
                f"cannot write the database {file}: permission denied (it must belong to the"
                f" user the daemon runs as)"
            )
    checkSchema(path)


def schemaVersion(path: Path) -> int | None:
    """
    The schema version of the SQLite database C{path}; C{None} for a new
    database (or one from before versions were kept).
    """
    connection = sqlite3.connect(f"file:{quote(str(path))}?mode=ro", uri=True)
    try:
        row = connection.execute("SELECT version FROM schema_version").fetchone()
    except sqlite3.Error:
        row = None  # a new database, or an older one that migrates
    finally:
        connection.close()
    return None if row is None else int(row[0])


def checkSchema(path: Path) -> None:
    """
    Refuse a database whose schema a newer chatd made (a rollback): this
    chatd would misread it.
    """
    version = schemaVersion(path)
    if version is not None and version > len(MIGRATIONS):
        raise StoreOpenError(
            f"the database {path} has schema version {version}, newer than this chatd's"
            f" ({len(MIGRATIONS)}): run the chatd that wrote it, or upgrade this one"
        )


#: Seconds to wait for PostgreSQL at start, only to read its schema version.
SCHEMA_PROBE_TIMEOUT = 3


def checkPostgresSchema(dsn: str) -> None:
    """
    Refuse, at start, a PostgreSQL database whose schema a newer chatd made
    (a rollback), as L{checkSchema} does for SQLite: running on it, this
    chatd would refuse every login.  A server that cannot be reached now,
    or a database without chatd's tables yet, is left to the store, which
    retries or makes them.
    """
    try:
        import psycopg
    except ImportError:
        return  # the store says so
    try:
        with psycopg.connect(dsn, connect_timeout=SCHEMA_PROBE_TIMEOUT) as connection:
            row = connection.execute("SELECT version FROM schema_version").fetchone()
    except psycopg.Error:
        return
    if row is not None and int(row[0]) > len(MIGRATIONS):
        raise StoreOpenError(
            f"the database has schema version {row[0]}, newer than this chatd's"
            f" ({len(MIGRATIONS)}): run the chatd that wrote it, or upgrade this one"
        )


def _existing(path: Path) -> Path:
    """
    C{path}, or the nearest of its parents that exists: where it is made.
    """
    return next(each for each in (path, *path.parents) if each.exists())


def _mayWriteIn(folder: Path) -> bool:
    return os.access(folder, os.R_OK | os.W_OK | os.X_OK)


def _readOnly(folder: Path) -> bool:
    """Whether C{folder} is on a file system mounted read-only."""
    try:
        return bool(os.statvfs(folder).f_flag & os.ST_RDONLY)
    except OSError:
        return False


def checkDataDirectory(dataDir: Path) -> None:
    """
    Refuse a data directory the daemon could not make or write in, saying
    why (a read-only file system, or permissions).  It is
    not made here: under C{twistd --uid} this runs as root, and the store
    makes it (mode 0700) once running as the daemon's user.
    """
    where = _existing(dataDir)
    if not where.is_dir():
        raise StoreOpenError(f"cannot make the data directory {dataDir}: {where} is no directory")
    doing = "write in" if where == dataDir else f"make (in {where})"
    if _readOnly(where):
        on = "it" if where == dataDir else str(where)
        raise StoreOpenError(
            f"cannot {doing} the data directory {dataDir}: {on} is on a read-only file system"
            f" (mount it read-write, or give --data-dir a directory on one that is)"
        )
    if not _mayWriteIn(where):
        raise StoreOpenError(
            f"cannot {doing} the data directory {dataDir}: permission denied (it must belong to"
            f" the user the daemon runs as)"
        )


#: A data directory's own moderation database (sanctions, audit trail),
#: when it runs on its SQLite files alone.
MODERATION_DB = "moderation.sqlite"

#: What a data directory keeps of its moderation file once the database of
#: C{--db} imported it (L{chatd.storage.modsql}): its data moved there.
IMPORTED = MODERATION_DB + ".imported"


def checkNotMoved(dataDir: Path) -> None:
    """
    Refuse to run on a data directory's own SQLite files once its data moved
    to the database of C{--db}: its sanctions would be gone, and banned
    people let in, without a word.

    @raise StoreOpenError: C{dataDir} holds L{IMPORTED} and no moderation
        file of its own.
    """
    moved = dataDir / IMPORTED
    if moved.exists() and not (dataDir / MODERATION_DB).exists():
        raise StoreOpenError(
            f"the data of {dataDir} moved into the database of --db ({moved} is there):"
            f" start with --db, or, to go back to its SQLite files as they were before"
            f" the move, rename {IMPORTED} to moderation.sqlite"
        )


def notCopied(registered: Collection[str], leftBehind: Path) -> str | None:
    """
    The warning for a start on a C{--db} database that holds no account,
    beside a data directory whose own SQLite database (C{leftBehind}) holds
    some: C{chatd-admin copy} was skipped, and anyone may now register the
    names of that database's people.  C{None} otherwise.
    """
    if registered or not leftBehind.is_file():
        return None
    try:
        connection = sqlite3.connect(f"file:{quote(str(leftBehind))}?mode=ro", uri=True)
        try:
            (count,) = connection.execute("SELECT count(*) FROM accounts").fetchone()
        finally:
            connection.close()
    except sqlite3.Error:
        return None
    if not count:
        return None
    return (
        f"the database of --db holds no account, while {leftBehind} holds {count}: was it"
        " copied there first (chatd-admin copy, docs/STORAGE.md)? If not, stop now and copy it,"
        " before anyone registers their names"
    )


def checkDatabaseFiles(paths: list[Path]) -> None:
    """
    L{checkDatabaseFile} for each of C{paths}.
    """
    for path in paths:
        checkDatabaseFile(path)


#: The byte of a WAL database's C{-shm} file every open connection holds a
#: shared lock on (SQLite's unix VFS: UNIX_SHM_DMS).
_SHM_DMS = 128


def databaseInUse(database: Path) -> bool:
    """
    Whether a process (a running daemon) has the SQLite WAL database
    C{database} open: every connection holds a shared lock on one byte of
    its C{-shm} file, so an exclusive lock on it fails.
    """
    shm = database.with_name(database.name + "-shm")
    try:
        fd = os.open(shm, os.O_RDWR)
    except FileNotFoundError:
        return False
    try:
        fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB, 1, _SHM_DMS)
    except OSError:
        return True
    else:
        fcntl.lockf(fd, fcntl.LOCK_UN, 1, _SHM_DMS)
        return False
    finally:
        os.close(fd)
