# -*- test-case-name: tests.integration.test_admin_cli -*-
"""
Backup and restore of a whole data directory (C{chatd-admin backup} and
C{chatd-admin restore}).

A backup is a directory: each SQLite database of the data directory copied
with SQLite's online backup API (consistent while the daemon writes, which
a plain copy of a WAL database is not), every other file (the admin
password file, the SSH host key, anything else found there) copied with its
mode, and a C{MANIFEST.json} listing every file with its size and SHA-256 so
that a restore refuses a damaged or incomplete backup.

The message journal (L{chatd.storage.journal}) is copied before the
databases: a message it lets go of meanwhile is in the database by then, so
the backup holds every message acknowledged before it started, the
journal's ones written at the restored daemon's start (copied after, the
journal could miss what the database copy missed too, and leave a hole).
A message acknowledged after the journal's copy is in the backup only if
the daemon wrote it to the database before the database's copy: the last
batch window before the backup ends may be in neither.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import time
from collections.abc import Iterable, Iterator
from pathlib import Path, PurePosixPath

from chatd.admin.credentials import matchOwner
from chatd.storage.datalock import LOCK, lockHolder
from chatd.storage.journal import JOURNAL
from chatd.storage.opening import IMPORTED, MODERATION_DB, databaseInUse
from chatd.storage.sqlite import DATABASE_NAME

MANIFEST = "MANIFEST.json"
#: The manifest's format: a restore refuses another.
FORMAT = 1
#: The databases of a data directory: backed up with SQLite's backup API.
DATABASES = (DATABASE_NAME, MODERATION_DB)
#: A live database's companions: never copied (the backup API folds them in),
#: and removed beside a restored database (a stale one would corrupt it).
SIDE_FILES = ("-wal", "-shm", "-journal")
#: The SQLite files a data directory may hold: their companions are never
#: backed up nor restored (an older backup may list those of L{IMPORTED}).
SQLITE_FILES = (*DATABASES, IMPORTED)


class BackupError(Exception):
    """
    The backup or restore was refused; the message says why.
    """


def _plainName(name: str) -> bool:
    """
    Whether C{name}, from a manifest, is a file's path inside the backup as
    backups write them: relative, without C{..} (a tampered manifest must
    not make a restore write elsewhere).
    """
    path = PurePosixPath(name)
    return (
        bool(name)
        and not path.is_absolute()
        and ".." not in path.parts
        and str(path) == name
        and name != MANIFEST
        and not _sideFile(path.name, DATABASES)  # a stale -wal would corrupt the restored database
    )


def _sideFile(name: str, bases: tuple[str, ...] = SQLITE_FILES) -> bool:
    return any(name.endswith(base + suffix) for base in bases for suffix in SIDE_FILES)


def _dataFiles(dataDir: Path) -> Iterator[Path]:
    """
    Every regular file under C{dataDir} but the SQLite files' companions
    and the running daemon's lock, relative to it: no symbolic link.
    """
    for root, dirs, files in os.walk(dataDir):
        dirs.sort()
        for name in sorted(files):
            path = Path(root, name)
            if path.is_file() and not path.is_symlink() and not _sideFile(name):
                if path == dataDir / LOCK:
                    continue
                if path.parent.name == JOURNAL and not path.stat().st_size:
                    continue  # a journal file with nothing waiting
                yield path.relative_to(dataDir)


def backupOrder(files: Iterable[Path]) -> list[Path]:
    """
    C{files} (relative to the data directory) in the order a backup copies
    them: the journal's first (see the module's docstring).
    """
    return sorted(files, key=lambda path: path.parts[0] != JOURNAL)


def _digest(path: Path) -> str:
    hasher = hashlib.sha256()
    with path.open("rb") as data:
        while chunk := data.read(1 << 20):
            hasher.update(chunk)
    return hasher.hexdigest()


def _copyDatabase(source: Path, destination: Path) -> None:
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    try:
        dst = sqlite3.connect(destination)
        try:
            src.backup(dst)
            dst.execute("PRAGMA journal_mode = DELETE")  # one self-contained file
        finally:
            dst.close()
    finally:
        src.close()
    destination.chmod(source.stat().st_mode & 0o700)  # the owner's alone, as the daemon makes it


def backupDataDir(dataDir: Path, destination: Path) -> dict[str, dict[str, object]]:
    """
    Back up C{dataDir} into the new (or empty) directory C{destination},
    created with mode 0700; returns the manifest's file entries.

    @raise BackupError: C{dataDir} is no directory, or C{destination} is
        in it or has files.
    """
    if not dataDir.is_dir():
        raise BackupError(f"no data directory at {dataDir}")
    if destination.resolve().is_relative_to(dataDir.resolve()):
        raise BackupError(f"{destination} is inside {dataDir}: back up elsewhere")
    if destination.exists() and any(destination.iterdir()):
        raise BackupError(f"{destination} is not empty: give a new directory")
    destination.mkdir(mode=0o700, parents=True, exist_ok=True)
    destination.chmod(0o700)  # one that existed (empty) too: it holds password hashes
    files: dict[str, dict[str, object]] = {}
    for relative in backupOrder(_dataFiles(dataDir)):
        source, target = dataDir / relative, destination / relative
        target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        if str(relative) in DATABASES:
            _copyDatabase(source, target)
        else:
            try:
                shutil.copy2(source, target)
            except FileNotFoundError:
                if relative.parts[0] == JOURNAL:
                    continue  # let go of meanwhile: its messages are in the database
                raise
        files[str(relative)] = {
            "size": target.stat().st_size,
            "sha256": _digest(target),
            "mode": f"{target.stat().st_mode & 0o777:04o}",
        }
    manifest = {"format": FORMAT, "created": time.time(), "dataDir": str(dataDir), "files": files}
    (destination / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", "utf-8")
    return files


def readManifest(backup: Path) -> dict[str, dict[str, object]]:
    """
    The files of the backup C{backup}, each checked against its size and
    digest.

    @raise BackupError: no manifest, or a file is missing or damaged.
    """
    try:
        manifest = json.loads((backup / MANIFEST).read_text("utf-8"))
        files: dict[str, dict[str, object]] = manifest["files"]
        made = manifest["format"]
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise BackupError(f"{backup} is no chatd backup (no readable {MANIFEST})") from error
    if type(made) is not int or made != FORMAT:
        raise BackupError(f"{backup} is a backup of format {made!r}, which this chatd cannot read")
    for name, entry in files.items():
        if not _plainName(name):
            raise BackupError(f"{backup}'s {MANIFEST} names {name!r}, which is not a file of it")
        path = backup / name
        if not path.is_file() or _digest(path) != entry["sha256"]:
            raise BackupError(f"{path} is missing or damaged: this backup cannot be restored")
    return files


def restoreDataDir(backup: Path, dataDir: Path, force: bool = False) -> tuple[list[str], list[str]]:
    """
    Restore the backup C{backup} into C{dataDir}; returns the names of the
    files restored (never an SQLite file's companion, which an older backup
    may list), and of those left out: into a data directory whose data
    moved to C{--db} (L{IMPORTED}), its SQLite databases, which are from
    before the move (the next start would import their sanctions again).
    Run as root, the files get C{dataDir}'s owner (the daemon's user, if
    the directory is its).  The journal files C{dataDir} had go with the
    database the backup's replaces: their messages are not the backup's.

    @param force: restore into a data directory that has files (they are
        replaced; others stay).
    @raise BackupError: the backup is damaged, C{dataDir} has files and
        C{force} is false, or a daemon has its databases open or holds its
        lock (L{chatd.storage.datalock}).
    """
    files = readManifest(backup)
    if not dataDir.exists() and not dataDir.parent.is_dir():
        raise BackupError(f"no directory {dataDir.parent} to restore into (a mistyped path?)")
    for name in DATABASES:
        if databaseInUse(dataDir / name):
            raise BackupError(f"a running daemon has {dataDir / name} open: stop it first")
    if (pid := lockHolder(dataDir)) is not None:  # on PostgreSQL, it has no database here open
        raise BackupError(f"a running daemon (process {pid}) uses {dataDir}: stop it first")
    if dataDir.exists() and any(dataDir.iterdir()) and not force:
        raise BackupError(f"{dataDir} is not empty: restore into a new directory, or use --force")
    dataDir.mkdir(mode=0o700, parents=True, exist_ok=True)
    dataDir.chmod(0o700)  # one that existed too: it holds password hashes
    moved = (dataDir / IMPORTED).exists()
    leftOut = sorted(name for name in files if moved and name in DATABASES)
    restored = [name for name in files if name not in leftOut and not _sideFile(name)]
    if not moved:  # the journal the directory has is its database's, which the backup's replaces
        for stale in sorted((dataDir / JOURNAL).glob("*")):
            if stale.is_file() and f"{JOURNAL}/{stale.name}" not in files:
                stale.unlink()
    for name in restored:
        target = dataDir / name
        for folder in reversed(Path(name).parents[:-1]):
            if not (dataDir / folder).is_dir():
                (dataDir / folder).mkdir(mode=0o700)
                matchOwner(dataDir / folder, dataDir)
        if name in SQLITE_FILES:
            for suffix in SIDE_FILES:
                target.with_name(target.name + suffix).unlink(missing_ok=True)
        temporary = target.with_name(target.name + ".restoring")
        shutil.copy2(backup / name, temporary)
        matchOwner(temporary, dataDir)
        os.replace(temporary, target)
    return sorted(restored), leftOut
