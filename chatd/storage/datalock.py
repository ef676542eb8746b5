# -*- test-case-name: tests.unit.storage.test_datalock,tests.integration.test_store_failures -*-
"""
One daemon per data directory.

Two daemons on one data directory each keep their own idea of what it holds
(the accounts they loaded, the moderation file): the second overwrites what
the first stored, a registered account's password among it.  A daemon
holds a lock in its data directory while it runs: Twisted's
L{FilesystemLock}, a symbolic link to its process id, which nobody holds
once that process is gone (a daemon killed with C{kill -9}, a power cut),
so a stale lock never blocks the next start.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from twisted.application.service import Service
from twisted.logger import Logger
from twisted.python.lockfile import FilesystemLock

from chatd.storage.opening import StoreOpenError

#: The lock's name in the data directory (a symbolic link, which backups skip).
LOCK = "chatd.lock"

log = Logger()


def lockHolder(dataDir: Path) -> int | None:
    """
    The process id of the running process (another daemon) that holds
    C{dataDir}'s lock; C{None} when there is no lock, or its process is
    gone, or it names this process (left by an earlier one with the same
    id: a container's daemon is often process 1 at every start).
    """
    target = _lockTarget(dataDir / LOCK)
    if target is None or not target.isdigit() or int(target) == os.getpid():
        return None
    try:
        os.kill(int(target), 0)
    except ProcessLookupError:
        return None
    except PermissionError:
        pass  # alive, another user's
    return int(target)


def _lockTarget(lock: Path) -> str | None:
    """
    What the lock C{lock} says (its holder's process id), if it is there.
    """
    try:
        return os.readlink(lock)
    except OSError:
        return None


def inUse(dataDir: Path, pid: int | str) -> str:
    """
    What to tell an operator starting a daemon on C{dataDir}, which process
    C{pid} holds.
    """
    return (
        f"the data directory {dataDir} is in use by another chatd (process {pid}): stop it"
        f" first, or give this one a data directory of its own (--data-dir); if no chatd"
        f" runs as process {pid}, remove {dataDir / LOCK}"
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
    and became the daemon's user, so the lock names the daemon's process and
    the directory is made as its user), given back once every service has
    stopped and the store has flushed.
    """

    def __init__(self, dataDir: Path, reactor: Any) -> None:
        self.dataDir = dataDir
        self.reactor = reactor
        self.lock = FilesystemLock(str(dataDir / LOCK))

    def startService(self) -> None:
        super().startService()
        try:
            self.take()
        except StoreOpenError as error:
            raise SystemExit(f"chatd: {error}") from error
        self.reactor.addSystemEventTrigger("after", "shutdown", self.release)

    def take(self) -> None:
        """
        Take the lock, from a process that is gone if need be.

        @raise StoreOpenError: a running process holds it, or it cannot be
            made.
        """
        lock = Path(self.lock.name)
        left = False
        try:
            self.dataDir.mkdir(mode=0o700, parents=True, exist_ok=True)
            if _lockTarget(lock) == str(os.getpid()):
                lock.unlink()  # an earlier process's with this one's id: not held
                left = True
            taken = self.lock.lock()
        except OSError as error:
            if lockHolder(self.dataDir) is None:  # (not another user's live process)
                raise StoreOpenError(
                    f"cannot lock the data directory {self.dataDir}: {error.strerror}"
                ) from error
            taken = False
        if not taken:
            raise StoreOpenError(inUse(self.dataDir, _lockTarget(lock) or "unknown"))
        if left or not self.lock.clean:
            log.warn(
                "the daemon before this one on {dataDir} did not stop cleanly (its lock was left)",
                dataDir=self.dataDir,
            )

    def release(self) -> None:
        """
        Give the lock back, if this process still holds it.
        """
        if self.lock.locked:
            try:
                self.lock.unlock()
            except (OSError, ValueError):
                pass  # removed by hand, or the directory gone: nothing to give back
