# -*- test-case-name: tests.integration.test_store_markers -*-
"""
Read markers in a store: how far each registered account has read each
of its conversations (a room, or a private conversation with a nickname),
as a moment in milliseconds that only moves forward.

L{SQLReadMarkers} and L{MemoryReadMarkers} are the two stores' halves of
C{IChatStore}'s read-marker methods (mixed into L{chatd.storage.sql.
SQLChatStore} and L{chatd.storage.memory.MemoryChatStore}); the table is
the schema migration that creates C{read_markers} (L{chatd.storage.schema}).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from twisted.internet.defer import Deferred, succeed

from chatd.core.names import key
from chatd.storage.health import WRITE

if TYPE_CHECKING:
    from chatd.storage.database import Database

#: Moves a marker forward only: a lower or equal moment changes nothing.
SAVE_MARKER = (
    "INSERT INTO read_markers (nick_key, room, target_key, target, millis) VALUES (?, ?, ?, ?, ?)"
    " ON CONFLICT (nick_key, room, target_key) DO UPDATE SET"
    " millis = excluded.millis, target = excluded.target"
    " WHERE read_markers.millis < excluded.millis"
)
READ_MARKER = "SELECT millis FROM read_markers WHERE nick_key = ? AND room = ? AND target_key = ?"
ALL_MARKERS = "SELECT target, room, millis FROM read_markers WHERE nick_key = ? ORDER BY target_key"

#: A read marker: the conversation's name, whether it is a room, the moment.
Marker = tuple[str, bool, int]


class SQLReadMarkers:
    """
    The read-marker queries of a store whose C{database} is a
    L{chatd.storage.database.Database}.
    """

    database: Database

    def readMarkers(self, nick: str) -> Deferred[list[Marker]]:
        d = self.database.select(ALL_MARKERS, key(nick))
        return d.addCallback(lambda rows: [(str(t), bool(r), int(m)) for t, r, m in rows])

    def readMarker(self, nick: str, target: str, isRoom: bool) -> Deferred[int | None]:
        d = self.database.select(READ_MARKER, key(nick), int(isRoom), key(target))
        return d.addCallback(lambda rows: int(rows[0][0]) if rows else None)

    def saveReadMarker(self, nick: str, target: str, isRoom: bool, millis: int) -> Deferred[int]:
        database = self.database
        where = (key(nick), int(isRoom), key(target))

        def run(txn: Any) -> int:
            txn.execute(database.sql(SAVE_MARKER), (*where, target, millis))
            txn.execute(database.sql(READ_MARKER), where)
            return int(txn.fetchone()[0])

        return database.run(run, what=WRITE)


class MemoryReadMarkers:
    """
    Read markers in a dictionary: account key -> (is a room, target key)
    -> (name, moment).
    """

    def __init__(self) -> None:
        self._markers: dict[str, dict[tuple[bool, str], tuple[str, int]]] = {}

    def readMarkers(self, nick: str) -> Deferred[list[Marker]]:
        markers = self._markers.get(key(nick), {})
        ordered = sorted(markers.items(), key=lambda item: item[0][1])
        return succeed([(name, room, millis) for (room, _), (name, millis) in ordered])

    def readMarker(self, nick: str, target: str, isRoom: bool) -> Deferred[int | None]:
        found = self._markers.get(key(nick), {}).get((isRoom, key(target)))
        return succeed(None if found is None else found[1])

    def saveReadMarker(self, nick: str, target: str, isRoom: bool, millis: int) -> Deferred[int]:
        markers = self._markers.setdefault(key(nick), {})
        where = (isRoom, key(target))
        old = markers.get(where)
        if old is None or old[1] < millis:
            markers[where] = (target, millis)
        return succeed(markers[where][1])
