# -*- test-case-name: tests.integration.test_store -*-
"""
Creating and upgrading the schema (L{chatd.storage.schema}'s migrations) in
a DB-API transaction, for the store at start and for the copy tool.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from twisted.logger import Logger

from chatd.core.names import key
from chatd.storage.interfaces import RoomSettings
from chatd.storage.schema import DEFAULT_ROOMS, ID_TYPE, MIGRATION_LOCK, MIGRATIONS, VERSION_TABLE

Cursor = Any

log = Logger()


def convert(query: str, paramstyle: str) -> str:
    """
    C{query}, written with C{?} placeholders, for a driver of C{paramstyle}.
    """
    return query.replace("?", "%s") if paramstyle == "format" else query


#: Seconds between two lines saying how far a long migration step has got.
PROGRESS_EVERY = 5.0


class Progress:
    """
    Logs, at most every L{PROGRESS_EVERY} seconds of C{clock}, how far
    migration C{version} has got through the messages.
    """

    def __init__(self, version: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.version, self.clock = version, clock
        self.last = clock()

    def report(self, done: int, total: int) -> None:
        now = self.clock()
        if now - self.last >= PROGRESS_EVERY:
            self.last = now
            log.info(
                "upgrading the database schema to {version}: {done:,} of {total:,} messages",
                version=self.version,
                done=done,
                total=total,
            )


def migrate(txn: Cursor, paramstyle: str) -> None:
    """
    Bring the schema reached through DB-API cursor C{txn} up to date, in the
    caller's transaction; a fresh database also gets L{DEFAULT_ROOMS}.
    A step that goes through the messages says how far it has got
    (L{Progress}).

    @raise RuntimeError: the database was made by a newer chatd.
    """
    if paramstyle == "format":
        txn.execute(MIGRATION_LOCK)
    elif not txn.connection.in_transaction:
        # Python's sqlite3 opens a transaction only before a write: a
        # migration's CREATE, ALTER or DROP before it would be committed
        # at once, and an interrupted upgrade could not be made again.
        txn.execute("BEGIN")
    txn.execute(VERSION_TABLE)
    txn.execute("SELECT version FROM schema_version")
    row = txn.fetchone()
    if row is None:
        version = 0
        txn.execute("INSERT INTO schema_version (version) VALUES (0)")
    else:
        version = row[0]
    if version > len(MIGRATIONS):
        raise RuntimeError(
            f"the database has schema version {version}, newer than this chatd "
            f"({len(MIGRATIONS)}); upgrade chatd"
        )
    if 0 < version < len(MIGRATIONS):
        log.info(
            "upgrading the database schema from version {old} to {new} (killed before it is"
            " done, it starts over at the next start)",
            old=version,
            new=len(MIGRATIONS),
        )
    for number, statements in enumerate(MIGRATIONS[version:], version + 1):
        for statement in statements:
            if callable(statement):
                steps = statement(txn, paramstyle)
                progress = Progress(number)
                for done, total in steps or ():
                    progress.report(done, total)
                continue
            sql = statement if isinstance(statement, str) else statement[paramstyle]
            if sql is not None:
                txn.execute(sql.replace("{id_type}", ID_TYPE[paramstyle]))
    if version == 0:
        for room in DEFAULT_ROOMS:
            saveRoomRow(txn, paramstyle, room, 0)
    elif version < len(MIGRATIONS):  # an operator wants to know an upgrade ran
        log.info(
            "database schema upgraded from version {old} to {new}", old=version, new=len(MIGRATIONS)
        )
    txn.execute(convert("UPDATE schema_version SET version = ?", paramstyle), (len(MIGRATIONS),))


def saveRoomRow(txn: Cursor, paramstyle: str, room: RoomSettings, when: int) -> None:
    """
    Create or update C{room}'s row; its creation time is C{room.created},
    else C{when}, and is kept once written.
    """
    txn.execute(
        convert(
            "INSERT INTO rooms (room_key, name, mode, capacity, topic, autojoin, created, rules,"
            " founder, topic_by, topic_at, topic_admin, stamp)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (room_key) DO UPDATE SET"
            " name = excluded.name, mode = excluded.mode, capacity = excluded.capacity,"
            " topic = excluded.topic, autojoin = excluded.autojoin, rules = excluded.rules,"
            " founder = excluded.founder, topic_by = excluded.topic_by,"
            " topic_at = excluded.topic_at, topic_admin = excluded.topic_admin,"
            " stamp = excluded.stamp",
            paramstyle,
        ),
        (
            key(room.name),
            room.name,
            room.mode,
            room.capacity,
            room.topic,
            int(room.autojoin),
            room.created or when,
            room.rules,
            room.founder,
            room.topicBy,
            room.topicAt,
            int(room.topicByAdmin),
            room.stampColumn(),
        ),
    )
