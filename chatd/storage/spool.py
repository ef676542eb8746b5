# -*- test-case-name: tests.unit.storage.test_spool -*-
"""
Messages a user was told were sent (TCHAT's C{OKAY!}) but that the database
could not take before the daemon stopped (a stop during an outage): they
are kept in a file of the data directory, and queued first at the next
start, so that none is lost.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

#: The file, in the data directory.
UNWRITTEN = "unwritten-messages.json"
#: The columns of a kept message (a message row's, but its id), and those an
#: older chatd kept (without the sender's C{user@host}).
COLUMNS = 15
OLDER_COLUMNS = COLUMNS - 1


class Spool:
    """
    The rows of unwritten messages (every column but the id), in the order
    they were said, in one JSON file written whole: replaced atomically,
    readable by its owner only (private messages).
    """

    def __init__(self, path: Path) -> None:
        self.path = path

    def read(self) -> list[tuple[Any, ...]]:
        """
        The rows kept, oldest first (none without a file).

        @raise ValueError: the file is damaged (not what L{write} writes).
        """
        try:
            text = self.path.read_text("utf-8")
        except FileNotFoundError:
            return []
        try:
            rows = json.loads(text)
            if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
                raise ValueError("no list of messages")
            if any(len(row) not in (COLUMNS, OLDER_COLUMNS) for row in rows):
                raise ValueError(f"a message is not {COLUMNS} columns")
        except ValueError as error:
            raise ValueError(
                f"{self.path} is damaged ({error}): move it away to start without the"
                f" messages it keeps"
            ) from error
        return [tuple(row) if len(row) == COLUMNS else (*row, None) for row in rows]

    def write(self, rows: list[tuple[Any, ...]]) -> None:
        """
        Keep C{rows} (replacing what was kept: the caller read it first).
        """
        self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)  # (--db: maybe none yet)
        temporary = self.path.with_name(self.path.name + ".new")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as file:
            json.dump(rows, file, ensure_ascii=False)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, self.path)

    def remove(self) -> None:
        self.path.unlink(missing_ok=True)
