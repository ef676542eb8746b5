"""
Process ids, and data directory locks held or left by them, for the tests
of the lock that names its holder's process.
"""

from __future__ import annotations

import fcntl
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from chatd.storage.datalock import LOCK


def goneProcess() -> int:
    """
    The id of a process that has ended: a daemon killed with C{kill -9}.
    """
    process = subprocess.Popen([sys.executable, "-c", ""])
    process.wait()
    return process.pid


def runningProcess() -> int:
    """
    The id of another process that runs as long as the tests do (their
    parent): a daemon that runs.
    """
    return os.getppid()


def leaveLock(dataDir: Path, pid: int) -> None:
    """
    Leave the lock of a daemon that ran as process C{pid} and is gone
    (killed with C{kill -9}): its file, naming C{pid}, which nobody holds.
    """
    dataDir.mkdir(exist_ok=True)
    (dataDir / LOCK).write_text(f"{pid}\n")


def holdLock(dataDir: Path, pid: int) -> Callable[[], None]:
    """
    Hold C{dataDir}'s lock as a running daemon, process C{pid}, holds it
    (on a file description of its own, which conflicts with any other, this
    process's too); return what gives it back.
    """
    leaveLock(dataDir, pid)
    fd = os.open(dataDir / LOCK, os.O_RDWR)
    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    return lambda: os.close(fd)
