# -*- test-case-name: tests.unit.storage.test_datalock,tests.integration.test_store_failures -*-
"""
One daemon per data directory.

Two daemons on one data directory each keep their own idea of what it holds
(the accounts they loaded, the moderation file): the second overwrites what
the first stored, a registered account's password among it.  A daemon
holds a lock in its data directory while it runs: an exclusive C{flock} on
the file C{chatd.lock}, which holds its process id only to name it in the
refusal.  The kernel gives the lock back when the process ends, however it
ends (C{kill -9}, a crash; a power cut takes every lock with it), so a
lock left behind never blocks the next start, even when its process id
now belongs to another process.
"""

from __future__ import annotations

import errno
import fcntl
import os
from pathlib import Path
from typing import Any

from twisted.application.service import Service
from twisted.logger import Logger

from chatd.storage.opening import StoreOpenError

#: The lock's name in the data directory: a file that names the process
#: holding it (backups leave it out).
LOCK = "chatd.lock"

log = Logger()

#: The data directories whose lock this process holds, and its file: a
#: daemon built again in the same process (as tests do) shares it.
_heldHere: dict[Path, int] = {}


def lockHolder(dataDir: Path) -> str | None:
    """
    The process id of the running process (another daemon) that holds
    C{dataDir}'s lock, or C{"unknown"} if it has not written it yet;
    C{None} when there is no lock or nobody holds it (its process is gone,
    whatever the process id it names belongs to now).  It takes nothing
    and creates nothing, so root may ask before the daemon becomes its user.
    """
    try:
        fd = os.open(dataDir / LOCK, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError:
        return None  # none, one of an earlier chatd (a symbolic link, not held), or unreadable
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _pidIn(fd)
            return None if holder == str(os.getpid()) else holder  # (this process's own)
        fcntl.flock(fd, fcntl.LOCK_UN)
        return None
    finally:
        os.close(fd)


def _pidIn(fd: int) -> str:
    """
    The process id the lock file open as C{fd} names.
    """
    written = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
    return written if written.isdigit() else "unknown"


def inUse(dataDir: Path, pid: int | str) -> str:
    """
    What to tell an operator starting a daemon on C{dataDir}, which process
    C{pid} holds.
    """
    return (
        f"the data directory {dataDir} is in use by another chatd (process {pid}): stop it"
        f" first, or give this one a data directory of its own (--data-dir)"
    )


def checkUnlocked(dataDir: Path) -> None:
    """
    Refuse, before the daemon starts, a data directory another daemon uses.

    @raise StoreOpenError: a running process holds its lock.
    """
    pid = lockHolder(dataDir)
    if pid is not None:
        raise StoreOpenError(inUse(dataDir, pid))


class DataDirectoryLock(Service):
    """
    Holds the data directory's lock from the start of the daemon to the
    end of its reactor: taken when the service starts (after twistd forked
    and became the daemon's user, so the lock file names the daemon's
    process and is made as its user, like the directory), given back once
    every service has stopped and the store has flushed.
    """

    #: The open lock file while this process holds the lock.
    fd: int | None = None

    def __init__(self, dataDir: Path, reactor: Any) -> None:
        self.dataDir = dataDir
        self.reactor = reactor

    def startService(self) -> None:
        super().startService()
        try:
            self.take()
        except StoreOpenError as error:
            raise SystemExit(f"chatd: {error}") from error
        self.reactor.addSystemEventTrigger("after", "shutdown", self.release)

    def take(self) -> None:
        """
        Take the lock, left by a process that is gone if need be.

        @raise StoreOpenError: a running process holds it, or it cannot be
            made.
        """
        lock = self.dataDir / LOCK
        if self.dataDir.resolve() in _heldHere:
            return  # this process holds it already
        try:
            self.dataDir.mkdir(mode=0o700, parents=True, exist_ok=True)
            left = lock.is_symlink()
            if left:
                lock.unlink()  # an earlier chatd's lock (a symbolic link): nobody holds it
            while (fd := self._open(lock)) is None:
                pass
        except OSError as error:
            raise StoreOpenError(
                f"cannot lock the data directory {self.dataDir}: {error.strerror} ({lock})"
            ) from error
        if left or os.fstat(fd).st_size:
            log.warn(
                "the daemon before this one on {dataDir} did not stop cleanly (its lock was left)",
                dataDir=self.dataDir,
            )
        os.ftruncate(fd, 0)
        os.pwrite(fd, b"%d\n" % os.getpid(), 0)
        self.fd = _heldHere[self.dataDir.resolve()] = fd

    def _open(self, lock: Path) -> int | None:
        """
        Open and lock C{lock}; C{None} if the file locked is no longer
        C{lock} (its holder gave it back, removing it, meanwhile: try again).

        @raise StoreOpenError: a running process holds it.
        """
        fd = os.open(lock, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            try:
                same = os.stat(lock, follow_symlinks=False).st_ino == os.fstat(fd).st_ino
            except FileNotFoundError:
                same = False
        except OSError as error:
            holder = _pidIn(fd) if error.errno in (errno.EAGAIN, errno.EACCES) else None
            os.close(fd)
            if holder is None:
                raise
            raise StoreOpenError(inUse(self.dataDir, holder)) from error
        if not same:
            os.close(fd)
            return None
        return fd

    def release(self) -> None:
        """
        Give the lock back, if this process still holds it: the file goes,
        then the lock.
        """
        if self.fd is None:
            return
        try:
            if os.stat(self.dataDir / LOCK).st_ino == os.fstat(self.fd).st_ino:
                os.unlink(self.dataDir / LOCK)
        except OSError:
            pass  # removed by hand, or the directory gone: nothing to remove
        os.close(self.fd)
        _heldHere.pop(self.dataDir.resolve(), None)
        self.fd = None
