# -*- test-case-name: tests.unit.storage.test_journal -*-
"""
Messages acknowledged but not yet in the database, kept in files of the
data directory as they are queued, so that a daemon killed between a
message's acknowledgement and its batch's write (C{kill -9}, a crash, the
OOM killer) finds them at its next start.

Each message is one JSON line appended to the current file, which the
kernel keeps even if the process dies at once (a power cut is another
matter: see docs/STORAGE.md).  The file's space is reserved ahead,
L{RESERVE_BYTES} at a time (C{posix_fallocate}, which a full disk refuses:
the message is refused then), and each line is copied into the file
through a shared memory map: no system call per message, and no release
of the GIL to the writer thread.  The reserved space not yet used reads as
NUL bytes, skipped when the file is read back.  A file that cannot be
reserved or mapped (a device), or on a filesystem that does not keep the
space reserved (copy-on-write: L{chatd.storage.filesystems}), is written
to, one C{write} per message.
Once the database holds every message of a file, the file is emptied or
removed, so the files stay small: a new file is started when the current
one passes L{ROTATE_BYTES} while messages in it still wait.
"""

from __future__ import annotations

import errno
import mmap
import os
from collections.abc import Callable
from contextlib import suppress
from pathlib import Path
from typing import Any

import orjson
from twisted.logger import Logger

from chatd.storage.filesystems import keepsReservations

#: The directory, in the data directory.
JOURNAL = "journal"
#: Past this size, the next message goes to a new file (if the current one
#: still holds messages waiting for the database).
ROTATE_BYTES = 1 << 20
#: How much of a file's space is reserved at a time.
RESERVE_BYTES = 1 << 16
_SUFFIX = ".jsonl"
#: What C{posix_fallocate} fails with on a file it cannot reserve space in
#: (a device, a pipe): such a file is written to instead.
_UNRESERVABLE = frozenset({errno.ENODEV, errno.ESPIPE, errno.EOPNOTSUPP, errno.EINVAL})
#: Msgids asked about in one query when the journal is read back.
_PER_QUERY = 500


#: How many bytes L{Journal.probe} writes: a whole page, so that the room
#: left in the file's last block does not pass for free space.
PROBE_BYTES = 4096

#: What L{Journal.probe} writes (a blank line, skipped if ever read back).
PROBE_LINE = b" " * (PROBE_BYTES - 1) + b"\n"


class Journal:
    """
    The files of one daemon's unwritten messages: rows in, by ticket (the
    writer's count of messages queued), and out once written.

    @ivar leftovers: the rows the files of an earlier run held, oldest
        first (see L{forgetLeftovers}).
    """

    log = Logger()

    def __init__(
        self,
        directory: Path,
        isRow: Callable[[tuple[Any, ...]], bool],
        rotateBytes: int = ROTATE_BYTES,
    ) -> None:
        self.directory = directory
        self.isRow = isRow
        self.rotateBytes = rotateBytes
        self.leftovers: list[tuple[Any, ...]] = []
        self._earlier: list[Path] = []
        #: Files full of messages still waiting: (path, last ticket in it).
        self._full: list[tuple[Path, int]] = []
        self._number = 1
        self._fd = -1
        self._size = 0
        #: The current file's length: reserved, mapped in L{_map} (its
        #: lines are the first L{_size} bytes; the rest is NUL).
        self._reserved = 0
        self._map: mmap.mmap | None = None
        #: Whether the directory's filesystem keeps space reserved for the
        #: writes into it (L{chatd.storage.filesystems}): the files are mapped.
        self._maps = keepsReservations(directory)
        #: Whether the current file takes reservations (a device does not).
        self._reservable = self._maps
        self._last = 0  # the last ticket in the current file
        #: Why the files could not be let go of, while they cannot.
        self._trouble = ""

    def open(self) -> None:
        """
        Read what an earlier run left (L{leftovers}) and start this run's
        file, once: when the daemon runs as its own user (C{twistd --uid}),
        so that the files, and the data directory if it is the first to need
        it, are that user's.
        """
        if self._fd >= 0:
            return
        directory = self.directory
        directory.parent.mkdir(mode=0o700, parents=True, exist_ok=True)  # (the data directory)
        directory.mkdir(mode=0o700, exist_ok=True)
        found = sorted(directory.glob("*" + _SUFFIX), key=_number)
        self._earlier = [path for path in found if path.is_file()]  # (no device)
        self.leftovers = [row for path in self._earlier for row in self._read(path)]
        self._number = _number(self._earlier[-1]) + 1 if self._earlier else 1
        self._fd = self._open(self._path())

    def append(self, ticket: int, row: tuple[Any, ...]) -> None:
        """
        Keep C{row}, queued as C{ticket}, before its sender is told it was
        sent.

        @raise OSError: it cannot be kept (a full disk); the file is as it was.
        """
        line = orjson.dumps(row, option=orjson.OPT_APPEND_NEWLINE)
        start = self._size
        end = start + len(line)
        if end <= self._reserved:
            self._map[start:end] = line  # type: ignore[index]
        else:
            self._grow(line, end)
        self._size = end
        self._last = ticket

    def _grow(self, line: bytes, end: int) -> None:
        """
        Keep C{line}, which ends at C{end}, past the space reserved: reserve
        more and copy it in, or write it (a file that takes no reservation).
        """
        if self._reservable:
            try:
                self._reserve(end)
            except OSError as error:
                if error.errno not in _UNRESERVABLE:
                    raise
                self._reservable = False
            else:
                self._map[self._size : end] = line  # type: ignore[index]
                return
        try:
            os.lseek(self._fd, self._size, os.SEEK_SET)
            if os.write(self._fd, line) != len(line):
                raise OSError(errno.ENOSPC, "short write: the disk is full")
        except OSError:
            with suppress(OSError):
                os.ftruncate(self._fd, self._size)  # no half line
            raise

    def _reserve(self, end: int) -> None:
        """
        Reserve the current file's space up to C{end} and L{RESERVE_BYTES}
        more (rounded to whole L{RESERVE_BYTES}), or, on a disk without the
        room, up to C{end} (rounded to whole L{PROBE_BYTES}, a page); and
        map it.
        """
        length = -(-(end + RESERVE_BYTES) // RESERVE_BYTES) * RESERVE_BYTES
        try:
            try:
                os.posix_fallocate(self._fd, self._reserved, length - self._reserved)
            except OSError as error:
                if error.errno != errno.ENOSPC:
                    raise
                length = -(-end // PROBE_BYTES) * PROBE_BYTES  # what this line needs
                os.posix_fallocate(self._fd, self._reserved, length - self._reserved)
        except OSError:
            with suppress(OSError):  # nothing of it reserved
                os.ftruncate(self._fd, max(self._reserved, self._size))
            raise
        self._unmap()
        self._map = mmap.mmap(self._fd, length)
        self._reserved = length

    def _unmap(self) -> None:
        self._reserved = 0  # (nothing mapped to copy into, whatever the file holds)
        if self._map is not None:
            self._map.close()
            self._map = None

    def _cut(self, length: int) -> None:
        """
        Cut the current file to C{length} bytes, its reservation with it.
        """
        self._unmap()
        os.ftruncate(self._fd, length)

    def probe(self) -> None:
        """
        Whether the journal can keep messages now: L{PROBE_BYTES} more
        reserved in the current file, or appended to it, and cut off again
        (a disk that is full raises L{OSError}).
        """
        if self._reservable:
            try:
                os.posix_fallocate(self._fd, max(self._reserved, self._size), PROBE_BYTES)
            except OSError as error:
                if error.errno not in _UNRESERVABLE:
                    raise
            else:
                return
            finally:
                with suppress(OSError):
                    os.ftruncate(self._fd, max(self._reserved, self._size))
        try:
            os.lseek(self._fd, self._size, os.SEEK_SET)
            if os.write(self._fd, PROBE_LINE) != len(PROBE_LINE):
                raise OSError(errno.ENOSPC, "short write: the disk is full")
        finally:
            with suppress(OSError):
                os.ftruncate(self._fd, self._size)

    def written(self, ticket: int) -> None:
        """
        The database holds every message up to C{ticket} (or refused it):
        let go of the files that hold nothing later.  Never raises (the
        writer's batch is written whatever happens here): a file that cannot
        be removed or started is said once in the log, and messages go on
        into the current file.
        """
        try:
            while self._full and self._full[0][1] <= ticket:
                self._full[0][0].unlink(missing_ok=True)
                self._full.pop(0)
            if self._size and self._last <= ticket:
                self._cut(0)
                self._size = 0
            elif self._size >= self.rotateBytes:
                self._rotate()
        except OSError as error:
            if not self._trouble:
                self.log.warn(
                    "the message journal in {directory} cannot let go of written messages"
                    " ({error}): it keeps them in its current file meanwhile",
                    directory=str(self.directory),
                    error=str(error),
                )
            self._trouble = str(error)
        else:
            if self._trouble:
                self.log.info("the message journal lets go of written messages again")
            self._trouble = ""

    def _rotate(self) -> None:
        """
        Go on in a new file, the current one kept until its last message is
        written; the new one is opened first, so a failure changes nothing.
        """
        self.directory.mkdir(mode=0o700, exist_ok=True)  # (removed meanwhile)
        fd = self._open(self._path(self._number + 1))
        self._full.append((self._path(), self._last))
        with suppress(OSError):
            self._cut(self._size)  # its reserved space, unused
        os.close(self._fd)
        self._fd, self._number, self._size = fd, self._number + 1, 0
        self._reservable = self._maps

    def forgetLeftovers(self) -> None:
        """
        The earlier run's rows are written or kept again (in this run's
        files): remove the earlier run's files.
        """
        for path in self._earlier:
            path.unlink(missing_ok=True)
        self._earlier, self.leftovers = [], []

    def close(self, keep: bool) -> None:
        """
        Stop keeping messages: everything is written (C{keep} false: the
        files go), or what is not must wait for the next start.
        """
        if self._fd < 0:
            return
        with suppress(OSError):
            self._cut(self._size)  # its reserved space, unused
        os.close(self._fd)
        self._fd = -1
        if not keep:
            for path, _ in self._full:
                path.unlink(missing_ok=True)
            self._path().unlink(missing_ok=True)
            self._full = []

    def _path(self, number: int | None = None) -> Path:
        return self.directory / f"{self._number if number is None else number:08d}{_SUFFIX}"

    def _open(self, path: Path) -> int:
        flags = os.O_RDWR | os.O_CREAT | os.O_TRUNC | getattr(os, "O_CLOEXEC", 0)  # (mapped)
        return os.open(path, flags, 0o600)

    def _read(self, path: Path) -> list[tuple[Any, ...]]:
        """
        The rows of one earlier file; a line that is not a whole row (the
        last one, cut by a power cut) or not one of the writer's (an edit:
        L{isRow}) is skipped, and said so.
        """
        rows, damaged = [], 0
        for line in path.read_bytes().rstrip(b"\0").splitlines():
            if not line.strip():
                continue  # (what L{probe} wrote, if it could not cut it off)
            try:
                row = orjson.loads(line)
            except orjson.JSONDecodeError:
                damaged += 1
                continue
            if isinstance(row, list) and self.isRow(tuple(row)):
                rows.append(tuple(row))
            else:
                damaged += 1
        if damaged:
            self.log.warn(
                "{path}: {count} damaged lines skipped (messages that may be lost)",
                path=str(path),
                count=damaged,
            )
        return rows


def _number(path: Path) -> int:
    try:
        return int(path.name.removesuffix(_SUFFIX))
    except ValueError:
        return 0


def storedMsgids(txn: Any, sql: Callable[[str], str], msgids: list[str]) -> set[str]:
    """
    Which of C{msgids} the database holds (in the pool's thread: C{txn} is
    its cursor, C{sql} converts a query to the driver's parameter style).
    """
    found: set[str] = set()
    for start in range(0, len(msgids), _PER_QUERY):
        chunk = msgids[start : start + _PER_QUERY]
        marks = ", ".join("?" * len(chunk))
        txn.execute(sql(f"SELECT msgid FROM messages WHERE msgid IN ({marks})"), chunk)
        found.update(row[0] for row in txn.fetchall())
    return found
