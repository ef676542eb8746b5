# -*- test-case-name: tests.integration.test_store_failures -*-
"""
Refuse, at start, an SQLite file that cannot be the database it should be.

SQLite creates a missing file, and takes a zero-length one for a new, empty
database: a database truncated by a full disk or a bad restore would then be
silently replaced by an empty one, and the site would lose its accounts and
history without a word.  A file that is not SQLite at all, or that cannot be
read, would make every query fail at run time.  L{checkDatabaseFile} turns
each of these into one clear error before the daemon serves anyone.
"""

from __future__ import annotations

import sqlite3
import stat
from pathlib import Path
from urllib.parse import quote

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


def checkDatabaseFiles(paths: list[Path]) -> None:
    """
    L{checkDatabaseFile} for each of C{paths}.
    """
    for path in paths:
        checkDatabaseFile(path)
