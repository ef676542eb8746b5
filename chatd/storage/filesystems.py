# -*- test-case-name: tests.unit.storage.test_journal -*-
"""
Which filesystem a directory is on, for the journal's memory map
(L{chatd.storage.journal}).

The journal reserves its files' space ahead (C{posix_fallocate}) and copies
each line into a memory map of it.  On a filesystem that keeps the space
reserved for the writes into it (ext4, XFS, tmpfs), a full disk refuses
the reservation, and the message with it.  A copy-on-write filesystem
(Btrfs, ZFS) writes each change to new blocks, so a copy into the map can
still find the disk full, and the kernel answers that with C{SIGBUS},
which would stop the daemon.  There, and wherever the filesystem is not
known, the journal writes each line with a C{write}, which a full disk
refuses with an error.
"""

from __future__ import annotations

import os
from pathlib import Path

#: Filesystems whose space, once reserved, writes into it never run short of.
KEEPS_RESERVATIONS = frozenset({"ext2", "ext3", "ext4", "xfs", "tmpfs"})

_MOUNTINFO = Path("/proc/self/mountinfo")


def filesystemOf(directory: Path, mountinfo: str | None = None) -> str | None:
    """
    The type of the filesystem C{directory} is on (C{"ext4"}), from the
    kernel's table of mounts (C{mountinfo}: its text, or read); C{None} if
    it cannot be told.
    """
    try:
        text = _MOUNTINFO.read_text() if mountinfo is None else mountinfo
    except OSError:
        return None
    target = os.path.realpath(directory)
    best, found = "", None
    for line in text.splitlines():
        fields = line.split()
        try:
            mount = fields[4].replace("\\040", " ")
            kind = fields[fields.index("-", 6) + 1]
        except (IndexError, ValueError):
            continue
        inside = target == mount or target.startswith(mount.rstrip("/") + "/")
        if inside and len(mount) >= len(best):  # the last of those mounted there counts
            best, found = mount, kind
    return found


def keepsReservations(directory: Path) -> bool:
    """
    Whether space reserved in a file under C{directory} stays the file's
    for the writes into it (see the module's docstring).
    """
    return filesystemOf(directory) in KEEPS_RESERVATIONS
