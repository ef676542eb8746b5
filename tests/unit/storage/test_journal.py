"""
L{chatd.storage.journal}: the files that keep acknowledged messages until
the database has them, so that a daemon killed meanwhile loses none.
"""

from __future__ import annotations

import errno
import mmap
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from twisted.logger import capturedLogs
from twisted.trial.unittest import SynchronousTestCase

from chatd.storage import filesystems, journal
from chatd.storage.journal import Journal
from chatd.storage.rowshapes import currentRow, isKeptRow

COLUMNS = 3


def isRow(row: tuple[object, ...]) -> bool:
    return len(row) == COLUMNS


def row(n: int) -> tuple[object, ...]:
    return (f"m{n}", "héllo\n✓", n)


class JournalTests(SynchronousTestCase):
    def setUp(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="chatd-journal-"))
        self.addCleanup(shutil.rmtree, self.dir)
        self.path = self.dir / "journal"

    def journal(self, rotateBytes: int = 1 << 20) -> Journal:
        journal = Journal(self.path, isRow, rotateBytes)
        journal.open()
        self.addCleanup(journal.close, True)
        return journal

    def nextRun(self) -> list[tuple[object, ...]]:
        """
        What a run started now would take back (from a copy of the files,
        which a run adds one to).
        """
        copy = Path(tempfile.mkdtemp(prefix="chatd-journal-copy-")) / "journal"
        self.addCleanup(shutil.rmtree, copy.parent)
        shutil.copytree(self.path, copy)
        later = Journal(copy, isRow)
        later.open()
        later.close(keep=True)
        return later.leftovers

    def files(self) -> list[str]:
        return sorted(path.name for path in self.path.iterdir())

    def test_keptUntilWritten(self) -> None:
        """
        Rows appended and never written are the next run's leftovers, in
        order, as they were; the files are for their owner only.
        """
        first = self.journal()
        self.assertEqual(first.leftovers, [])
        for n in range(1, 4):
            first.append(n, row(n))
        self.assertEqual(self.path.stat().st_mode & 0o777, 0o700)
        for name in self.files():
            self.assertEqual((self.path / name).stat().st_mode & 0o777, 0o600)
        second = self.journal()
        self.assertEqual(second.leftovers, [row(1), row(2), row(3)])

    def test_writtenRowsLetGo(self) -> None:
        """
        Once every row of the file is written, the file is emptied: the next
        run finds nothing.  While a later row still waits, the file keeps
        them all (the next run asks the database which it has).
        """
        journal = self.journal()
        journal.append(1, row(1))
        journal.append(2, row(2))
        journal.written(1)
        self.assertEqual(self.nextRun(), [row(1), row(2)])
        journal.written(2)
        self.assertEqual(self.nextRun(), [])
        journal.append(3, row(3))
        self.assertEqual(self.nextRun(), [row(3)])

    def test_rotation(self) -> None:
        """
        A file past its size with rows still waiting is set aside for a new
        one; it goes once its last row is written, and the order of the rows
        across files is kept.
        """
        journal = self.journal(rotateBytes=10)
        journal.append(1, row(1))
        journal.append(2, row(2))
        journal.written(1)  # row 2 waits: a new file for row 3
        journal.append(3, row(3))
        self.assertEqual(self.files(), ["00000001.jsonl", "00000002.jsonl"])
        self.assertEqual(self.nextRun(), [row(1), row(2), row(3)])
        journal.written(2)
        self.assertNotIn("00000001.jsonl", self.files())
        self.assertEqual(self.nextRun(), [row(3)])

    def test_leftoversForgotten(self) -> None:
        """
        The earlier run's files go once their rows are taken back; this
        run's own rows stay.
        """
        first = self.journal()
        first.append(1, row(1))
        first.close(keep=True)
        second = self.journal()
        second.append(1, row(1))  # kept again, as the writer queues it anew
        second.forgetLeftovers()
        self.assertEqual(second.leftovers, [])
        self.assertEqual(self.nextRun(), [row(1)])

    def test_damagedLinesSkipped(self) -> None:
        """
        A line cut short (a power cut) or of another shape is skipped, and
        the log says how many; the whole rows around it are kept.
        """
        journal = self.journal()
        journal.append(1, row(1))
        journal.close(keep=True)
        (name,) = self.files()
        with (self.path / name).open("ab") as file:
            file.write(b'["m9", 1]\n["m2", "x", 2]\n["m3", "cut')
        with capturedLogs() as events:
            self.assertEqual(self.nextRun(), [row(1), ("m2", "x", 2)])
        self.assertEqual([event["count"] for event in events], [2])

    def test_closed(self) -> None:
        """
        Closed with everything written, the files go; closed keeping, the
        next run finds the rows.
        """
        journal = self.journal()
        journal.append(1, row(1))
        journal.close(keep=False)
        self.assertEqual(self.files(), [])
        other = self.journal()
        other.append(1, row(1))
        other.close(keep=True)
        self.assertEqual(self.nextRun(), [row(1)])

    def test_rotationFailureKeepsTheCurrentFile(self) -> None:
        """
        When no new file can be started (here the directory became a plain
        file; a disk out of inodes does the same), L{Journal.written} does
        not fail: the log says so once, messages go on into the current
        file, and the files are let go of again once it works.
        """
        journal = self.journal(rotateBytes=10)
        journal.append(1, row(1))
        journal.append(2, row(2))
        shutil.rmtree(self.path)
        self.path.write_text("in the way")
        with capturedLogs() as events:
            journal.written(1)
            journal.append(3, row(3))
            journal.written(2)
        self.assertEqual(len([e for e in events if e["log_level"].name == "warn"]), 1)
        self.path.unlink()
        with capturedLogs() as events:
            journal.written(2)
        self.assertEqual(len(events), 1)  # it works again
        journal.append(4, row(4))
        journal.written(3)
        self.assertEqual(self.nextRun(), [row(4)])

    def test_dataDirectoryPrivate(self) -> None:
        """
        A data directory the journal is the first to need is made for its
        owner only, whatever the umask.
        """
        old = os.umask(0o022)
        self.addCleanup(os.umask, old)
        journal = Journal(self.dir / "fresh" / "journal", isRow)
        journal.open()
        self.addCleanup(journal.close, False)
        self.assertEqual((self.dir / "fresh").stat().st_mode & 0o777, 0o700)

    def test_writersRowsOnly(self) -> None:
        """
        A line of the right length whose columns are not of the writer's
        types (an edited file: a text where history reads a number) is
        skipped like a damaged one.
        """
        older = ("lobby", "Lobby", "zoë", None, None, "hi", 7, 0, "m1", 7000, "zoe", None, None, 0)
        kept = (*older, "zoe@guest-3f9a2c1d.chatd")
        self.assertTrue(isKeptRow(kept))
        bads = (kept[:6] + ("7",) + kept[7:], kept[:2] + (None,) + kept[3:], kept[:-2], kept + (0,))
        for bad in bads:
            self.assertFalse(isKeptRow(bad))
        self.assertFalse(isKeptRow(kept[:13] + (True,)))
        self.assertFalse(isKeptRow(kept[:14] + (7,)))

    def test_olderRows(self) -> None:
        """
        A row a chatd that kept no senders' C{user@host} wrote (a column
        fewer) is one of the writer's, read back with none.
        """
        older = ("lobby", "Lobby", "zoë", None, None, "hi", 7, 0, "m1", 7000, "zoe", None, None, 0)
        self.assertTrue(isKeptRow(older))
        self.assertEqual(currentRow(older), (*older, None))
        self.assertEqual(currentRow((*older, "z@h")), (*older, "z@h"))


class CountingOs:
    """
    The C{os} module the journal uses, counting its C{write}s; its
    reservations of space fail with ENOSPC while C{full}.
    """

    full = False
    #: The most bytes a file may be given (C{None}: no limit but C{full}).
    room: int | None = None

    def __init__(self) -> None:
        self.writes = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(os, name)

    def write(self, fd: int, data: bytes) -> int:
        self.writes += 1
        return os.write(fd, data)

    def posix_fallocate(self, fd: int, offset: int, length: int) -> None:
        if self.full or (self.room is not None and offset + length > self.room):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        os.posix_fallocate(fd, offset, length)


class ReservedSpaceTests(SynchronousTestCase):
    """
    The journal's space is reserved ahead, and its lines copied in without a
    system call each.
    """

    def setUp(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="chatd-journal-"))
        self.addCleanup(shutil.rmtree, self.dir)
        self.path = self.dir / "journal"
        self.os = CountingOs()
        self.patch(journal, "os", self.os)
        self.patch(journal, "keepsReservations", lambda directory: True)  # (ext4, XFS)

    def journal(self) -> Journal:
        kept = Journal(self.path, isRow)
        kept.open()
        self.addCleanup(kept.close, True)
        return kept

    def test_noWritePerRow(self) -> None:
        """
        Rows past several reservations are appended without a C{write}, and
        a run started while they wait (the NUL bytes of the space reserved
        and not used after them) takes them back, and says nothing of
        damaged lines.
        """
        first = self.journal()
        rows = [row(n) for n in range(1, 4 * journal.RESERVE_BYTES // 20)]
        for n, each in enumerate(rows, 1):
            first.append(n, each)
        self.assertEqual(self.os.writes, 0)
        (name,) = (path.name for path in self.path.iterdir())
        self.assertTrue((self.path / name).read_bytes().endswith(b"\0"))  # reserved, unused
        with capturedLogs() as events:
            second = self.journal()
        self.assertEqual(second.leftovers, rows)
        self.assertEqual(events, [])

    def test_copyOnWriteWritesEachRow(self) -> None:
        """
        On a filesystem that does not keep the space reserved for the
        writes into it (copy-on-write), where a full disk would fault a copy
        into the map, each row is written, and none is mapped.
        """
        self.patch(journal, "keepsReservations", lambda directory: False)
        first = self.journal()
        rows = [row(n) for n in range(1, 50)]
        for n, each in enumerate(rows, 1):
            first.append(n, each)
        self.assertEqual(self.os.writes, len(rows))
        (name,) = (path.name for path in self.path.iterdir())
        self.assertFalse((self.path / name).read_bytes().endswith(b"\0"))
        self.assertEqual(self.journal().leftovers, rows)

    def test_fullDiskRefuses(self) -> None:
        """
        A row the disk has no room to reserve for raises L{OSError} and is
        not kept; the file is as it was, and rows are kept again once there
        is room.
        """
        first = self.journal()
        self.os.full = True
        n = 0
        with self.assertRaises(OSError):  # once the space reserved is used up
            while n < journal.RESERVE_BYTES:
                n += 1
                first.append(n, row(n))
        self.assertRaises(OSError, first.probe)
        self.os.full = False
        first.probe()
        first.append(n + 1, row(n + 1))
        kept = [row(i) for i in range(1, n)] + [row(n + 1)]  # not the row refused
        self.assertEqual(self.journal().leftovers, kept)

    def test_nearlyFullDisk(self) -> None:
        """
        A disk without the room to reserve L{journal.RESERVE_BYTES} ahead
        still keeps the rows it has the room for, each in its page, and
        refuses the first it has none for.
        """
        first = self.journal()
        self.os.room = 2 * journal.PROBE_BYTES
        n = 0
        with self.assertRaises(OSError):
            while n < self.os.room:
                n += 1
                first.append(n, row(n))
        self.assertGreater(n, journal.PROBE_BYTES // 25)  # more than a page of rows kept
        self.assertEqual(self.journal().leftovers, [row(i) for i in range(1, n)])

    def test_mapFailure(self) -> None:
        """
        A reservation that cannot be mapped (no memory) refuses its row;
        the rows kept before stay kept, through a full disk after it too.
        """
        first = self.journal()
        first.append(1, row(1))
        mapping = mmap.mmap

        def failing(fd: int, length: int) -> Any:
            raise OSError(errno.ENOMEM, os.strerror(errno.ENOMEM))

        self.patch(mmap, "mmap", failing)
        with self.assertRaises(OSError):
            while True:
                first.append(2, row(2))
        self.assertRaises(OSError, first.append, 3, ("m3", "", 3))  # (a shorter one)
        self.os.full = True
        self.assertRaises(OSError, first.append, 3, row(3))
        self.os.full = False
        self.patch(mmap, "mmap", mapping)
        first.append(4, row(4))
        leftovers = self.journal().leftovers
        self.assertEqual((leftovers[0], leftovers[-1]), (row(1), row(4)))
        self.assertNotIn(row(3), leftovers)


#: A table of mounts as the kernel gives it (C{/proc/self/mountinfo}).
MOUNTINFO = """\
22 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda rw
30 22 0:25 / /srv/chat rw,relatime shared:2 - btrfs /dev/vdb rw,space_cache
31 30 0:26 / /srv/chat/fast rw shared:3 master:1 - tmpfs tmpfs rw,size=1024k
32 22 0:27 / /mnt/with\\040space rw - xfs /dev/vdc rw
"""


class FilesystemTests(SynchronousTestCase):
    """
    The filesystem a directory is on, told from the table of mounts: the
    journal maps its files only where reserved space stays reserved.
    """

    def test_deepestMount(self) -> None:
        """
        A directory is on the filesystem mounted deepest above it.
        """
        for directory, kind in [
            ("/var/lib/chatd/journal", "ext4"),
            ("/srv/chat/journal", "btrfs"),
            ("/srv/chat", "btrfs"),
            ("/srv/chatter", "ext4"),
            ("/srv/chat/fast/journal", "tmpfs"),
            ("/mnt/with space/journal", "xfs"),
        ]:
            self.assertEqual(filesystems.filesystemOf(Path(directory), MOUNTINFO), kind)

    def test_keepsReservations(self) -> None:
        """
        ext4, XFS and tmpfs keep reserved space; a copy-on-write filesystem,
        or one that cannot be told, is not trusted to.
        """
        self.patch(filesystems, "_MOUNTINFO", self.mountinfo(MOUNTINFO))
        self.assertTrue(filesystems.keepsReservations(Path("/var/lib/chatd")))
        self.assertTrue(filesystems.keepsReservations(Path("/mnt/with space")))
        self.assertFalse(filesystems.keepsReservations(Path("/srv/chat/journal")))
        self.patch(filesystems, "_MOUNTINFO", self.mountinfo(None))
        self.assertFalse(filesystems.keepsReservations(Path("/var/lib/chatd")))

    def mountinfo(self, text: str | None) -> Path:
        """
        A file holding C{text} (C{None}: a path that does not exist).
        """
        path = Path(tempfile.mkdtemp(prefix="chatd-mounts-"))
        self.addCleanup(shutil.rmtree, path)
        if text is not None:
            (path / "mountinfo").write_text(text)
        return path / "mountinfo"
