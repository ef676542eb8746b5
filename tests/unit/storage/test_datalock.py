"""
L{chatd.storage.datalock}: one daemon per data directory, and the start
refused on a directory another daemon uses.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from twisted.internet.testing import MemoryReactorClock
from twisted.logger import capturedLogs, formatEvent
from twisted.trial.unittest import SynchronousTestCase

from chatd.options import Options
from chatd.storage.datalock import LOCK, DataDirectoryLock, lockHolder
from chatd.tap import makeService
from tests.support.processes import goneProcess, holdLock, leaveLock, runningProcess


class DataDirectoryLockTests(SynchronousTestCase):
    def setUp(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="chatd-lock-"))
        self.addCleanup(shutil.rmtree, self.dir)
        self.data = self.dir / "data"
        self.reactor = MemoryReactorClock()

    def holdLock(self, pid: int) -> None:
        """
        Hold the data directory's lock as a running daemon, process C{pid}.
        """
        self.addCleanup(holdLock(self.data, pid))

    def refusedStart(self, *args: str) -> SystemExit:
        options = Options()
        options.parseOptions(["--data-dir", str(self.data), "--admin", "off", *args])
        refused: SystemExit = self.assertRaises(SystemExit, makeService, options, self.reactor)
        return refused

    def test_makeServiceRefusedOnHeldLock(self) -> None:
        """
        A data directory whose lock a running process holds is refused
        before the daemon starts, in one line that names the directory,
        and the process, on SQLite and PostgreSQL alike (the data directory
        holds the moderation file, the host key, the passwords).
        """
        running = runningProcess()
        self.holdLock(running)
        for args in ((), ("--db", "postgresql://chatd@127.0.0.1:1/chatd")):
            refused = str(self.refusedStart(*args).code)
            self.assertEqual(len(refused.splitlines()), 1)
            self.assertIn(f"chatd: the data directory {self.data} is in use by another", refused)
            self.assertIn(f"(process {running})", refused)
        self.assertEqual((self.data / LOCK).read_text(), f"{running}\n")

    def test_takenAndGivenBack(self) -> None:
        """
        The lock is taken when the service starts (the data directory is
        made then, as the daemon's user), naming this process, and given
        back once the reactor has stopped, after every service.
        """
        lock = DataDirectoryLock(self.data, self.reactor)
        self.assertFalse(self.data.exists())
        lock.startService()
        self.assertEqual((self.data / LOCK).read_text(), f"{os.getpid()}\n")
        self.assertIsNotNone(lock.fd)
        self.assertIsNone(lockHolder(self.data))  # held by this process: no other daemon's
        again = DataDirectoryLock(self.data, self.reactor)
        again.startService()  # a daemon built again in this process (tests) shares it
        self.assertIsNone(again.fd)
        self.assertEqual(self.data.stat().st_mode & 0o777, 0o700)
        self.assertEqual((self.data / LOCK).stat().st_mode & 0o777, 0o600)
        lock.stopService()
        self.assertTrue((self.data / LOCK).exists())  # the store may still flush
        [(release, args, kwargs), _] = self.reactor.triggers["after"]["shutdown"]
        release(*args, **kwargs)
        self.assertFalse((self.data / LOCK).exists())
        self.assertIsNone(lockHolder(self.data))
        release(*args, **kwargs)  # twice: nothing to give back

    def test_heldRefusesTheStart(self) -> None:
        """
        A lock another running process took between the check and the
        start stops the start, in one line.
        """
        self.holdLock(runningProcess())
        lock = DataDirectoryLock(self.data, self.reactor)
        refused = self.assertRaises(SystemExit, lock.startService)
        self.assertIn(f"is in use by another chatd (process {runningProcess()})", str(refused.code))
        self.assertEqual((self.data / LOCK).read_text(), f"{runningProcess()}\n")

    def test_staleLockTakenOver(self) -> None:
        """
        The lock of a daemon that is gone (killed with C{kill -9}) blocks
        nothing, whatever process its process id belongs to now (another
        service's after a reboot, a live process of another user, this
        very process: a container's daemon has the same id at every start):
        the next start takes it, and says the last daemon did not stop
        cleanly.  So does the symbolic link an earlier chatd locked with.
        """
        for pid in (goneProcess(), runningProcess(), 1, os.getpid(), None):
            if pid is None:
                self.data.mkdir(exist_ok=True)
                os.symlink(str(runningProcess()), self.data / LOCK)
            else:
                leaveLock(self.data, pid)
                self.assertIsNone(lockHolder(self.data))
            options = Options()
            options.parseOptions(["--data-dir", str(self.data), "--admin", "off"])
            top = makeService(options, self.reactor)
            lock = list(top)[0]  # type: ignore[call-overload]
            with capturedLogs() as events:
                lock.startService()
            self.assertEqual((self.data / LOCK).read_text(), f"{os.getpid()}\n")
            self.assertIn(
                f"the daemon before this one on {self.data} did not stop cleanly",
                [formatEvent(event) for event in events][0],
            )
            lock.release()

    def test_cleanStopLeavesNoWarning(self) -> None:
        """
        After a clean stop the next start takes the lock without a word.
        """
        first = DataDirectoryLock(self.data, self.reactor)
        first.startService()
        first.release()
        second = DataDirectoryLock(self.data, self.reactor)
        with capturedLogs() as events:
            second.startService()
        self.assertEqual(events, [])
        second.release()

    def test_rootChecksWithoutTaking(self) -> None:
        """
        The check before the daemon starts (as root, under C{twistd --uid})
        creates nothing in the data directory and holds nothing after it.
        """
        self.data.mkdir()
        self.assertIsNone(lockHolder(self.data))
        self.assertEqual(list(self.data.iterdir()), [])
        leaveLock(self.data, goneProcess())
        self.assertIsNone(lockHolder(self.data))
        lock = DataDirectoryLock(self.data, self.reactor)
        lock.startService()
        lock.release()
