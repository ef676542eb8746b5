# -*- test-case-name: tests.integration.test_store_rooms -*-
"""
Deleting a room from a store (the admin console's C{delete room},
L{chatd.core.roomremoval}): its row with its settings, its members'
memberships, its approval requests, its messages and the read markers
kept for it, in one transaction, so that a room made later under the
same name starts with nothing of it.

L{SQLRoomRemoval} and L{MemoryRoomRemoval} are the two stores' halves of
C{IChatStore.deleteRoom}.  The SQL store first writes what its writer
still queues, so a message said a moment before is deleted rather than
written after; the full-text index follows the table by itself, as for a
deleted message (L{chatd.storage.redaction}).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

from twisted.internet.defer import Deferred, succeed

from chatd.core.events import PrivateMessage, RoomMessage
from chatd.core.names import key
from chatd.storage.health import WRITE
from chatd.storage.interfaces import RoomSettings

if TYPE_CHECKING:
    from chatd.storage.database import Cursor, Database

#: What goes with a room, its row last (the others name it).
DELETE_ROOM = (
    "DELETE FROM messages WHERE room_key = ?",
    "DELETE FROM read_markers WHERE room = 1 AND target_key = ?",
    "DELETE FROM access WHERE room_key = ?",
    "DELETE FROM memberships WHERE room_key = ?",
    "DELETE FROM rooms WHERE room_key = ?",
)


class SQLRoomRemoval:
    """
    Deleting a room and what is kept about it from C{database}.
    """

    database: Database
    flush: Callable[[], Deferred[None]]

    async def _deleteRoom(self, room: str) -> bool:
        await self.flush()

        def run(txn: Cursor) -> bool:
            for statement in DELETE_ROOM:
                txn.execute(self.database.sql(statement), (key(room),))
            return bool(txn.rowcount)

        return await self.database.run(run, what=WRITE, bounded=False)  # bulk: see run

    def deleteRoom(self, room: str) -> Deferred[bool]:
        return Deferred.fromCoroutine(self._deleteRoom(room))

    async def _forgetHistory(self, room: str, beforeMillis: int) -> None:
        await self.flush()
        statement = "DELETE FROM messages WHERE room_key = ? AND sent_ms < ?"

        def run(txn: Cursor) -> None:
            txn.execute(self.database.sql(statement), (key(room), beforeMillis))

        await self.database.run(run, what=WRITE, bounded=False)  # bulk: see run

    def forgetHistory(self, room: str, beforeMillis: int) -> Deferred[None]:
        return Deferred.fromCoroutine(self._forgetHistory(room, beforeMillis))


class MemoryRoomRemoval:
    """
    Deleting a room and what is kept about it from the memory store's
    dictionaries.
    """

    _rooms: dict[str, RoomSettings]
    _memberships: dict[str, set[str]]
    _access: dict[str, dict[str, tuple[str, bool]]]
    _messages: list[tuple[int, RoomMessage | PrivateMessage, str | None, bool]]
    _registeredAt: dict[int, tuple[bool, bool]]
    _markers: dict[str, dict[tuple[bool, str], tuple[str, int]]]

    def deleteRoom(self, room: str) -> Deferred[bool]:
        roomKey = key(room)
        for rooms in self._memberships.values():
            rooms.discard(roomKey)
        self._access.pop(roomKey, None)
        for markers in self._markers.values():
            markers.pop((True, roomKey), None)
        self.forgetHistory(room, sys.maxsize)  # every message it has
        return succeed(self._rooms.pop(roomKey, None) is not None)

    def forgetHistory(self, room: str, beforeMillis: int) -> Deferred[None]:
        roomKey = key(room)
        kept = []
        for stored in self._messages:
            event, target = stored[1], stored[2]
            if isinstance(event, RoomMessage) and target == roomKey and event.millis < beforeMillis:
                self._registeredAt.pop(stored[0], None)
            else:
                kept.append(stored)
        self._messages[:] = kept
        return succeed(None)
