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
from tests.support.processes import goneProcess, runningProcess


class DataDirectoryLockTests(SynchronousTestCase):
    def setUp(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="chatd-lock-"))
        self.addCleanup(shutil.rmtree, self.dir)
        self.data = self.dir / "data"
        self.reactor = MemoryReactorClock()

    def holdLock(self, pid: int) -> None:
        """
        Leave a lock in the data directory, as process C{pid} takes it.
        """
        self.data.mkdir(exist_ok=True)
        os.symlink(str(pid), self.data / LOCK)

    def refusedStart(self, *args: str) -> SystemExit:
        options = Options()
        options.parseOptions(["--data-dir", str(self.data), "--admin", "off", *args])
        refused: SystemExit = self.assertRaises(SystemExit, makeService, options, self.reactor)
        return refused

    def test_makeServiceRefusedOnHeldLock(self) -> None:
        """
        A data directory whose lock a running process holds is refused
        before the daemon starts, in one line that names the directory,
        the process and the lock, on SQLite and PostgreSQL alike (the data
        directory holds the moderation file, the host key, the passwords).
        """
        running = runningProcess()
        self.holdLock(running)
        for args in ((), ("--db", "postgresql://chatd@127.0.0.1:1/chatd")):
            refused = str(self.refusedStart(*args).code)
            self.assertEqual(len(refused.splitlines()), 1)
            self.assertIn(f"chatd: the data directory {self.data} is in use by another", refused)
            self.assertIn(f"(process {running})", refused)
            self.assertIn(f"remove {self.data / LOCK}", refused)
        self.assertEqual(os.readlink(self.data / LOCK), str(running))

    def test_takenAndGivenBack(self) -> None:
        """
        The lock is taken when the service starts (the data directory is
        made then, as the daemon's user), naming this process, and given
        back once the reactor has stopped, after every service.
        """
        lock = DataDirectoryLock(self.data, self.reactor)
        self.assertFalse(self.data.exists())
        lock.startService()
        self.assertEqual(os.readlink(self.data / LOCK), str(os.getpid()))
        self.assertEqual(self.data.stat().st_mode & 0o777, 0o700)
        lock.stopService()
        self.assertTrue((self.data / LOCK).is_symlink())  # the store may still flush
        [(release, args, kwargs)] = self.reactor.triggers["after"]["shutdown"]
        release(*args, **kwargs)
        self.assertFalse((self.data / LOCK).is_symlink())
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
        self.assertEqual(os.readlink(self.data / LOCK), str(runningProcess()))

    def test_staleLockTakenOver(self) -> None:
        """
        The lock of a daemon that is gone (killed with C{kill -9}) blocks
        nothing: the next start takes it, and says the last daemon did not
        stop cleanly.  So does one naming this process (a container's
        daemon has the same id at every start).
        """
        for pid in (goneProcess(), os.getpid()):
            self.holdLock(pid)
            self.assertIsNone(lockHolder(self.data))
            options = Options()
            options.parseOptions(["--data-dir", str(self.data), "--admin", "off"])
            top = makeService(options, self.reactor)
            lock = list(top)[0]  # type: ignore[call-overload]
            with capturedLogs() as events:
                lock.startService()
            self.assertEqual(os.readlink(self.data / LOCK), str(os.getpid()))
            self.assertIn(
                f"the daemon before this one on {self.data} did not stop cleanly",
                [formatEvent(event) for event in events][0],
            )
            os.remove(self.data / LOCK)
