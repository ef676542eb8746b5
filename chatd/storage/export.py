# -*- test-case-name: tests.integration.test_store_export -*-
"""
Reading a span of room history page by page (the admin console's
C{messages}, L{chatd.core.export}): every message of one room, or of every
room, between two bounds, in the order they were sent, each with its
L{Bound}, so that the next page starts exactly after the last one read,
even among messages sent in one millisecond.  Private messages are not
read.

L{SQLExport} and L{MemoryExport} are the two stores' halves of
C{IChatStore.roomMessages}; the SQL serves SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, cast

from twisted.internet.defer import Deferred, succeed

from chatd.core.events import PrivateMessage, RoomMessage
from chatd.core.names import key
from chatd.storage.conversations import WINDOW_COLUMNS, Bound, between, inWindow, rowToEvent

if TYPE_CHECKING:
    from chatd.storage.database import Database

Page = list[tuple[Bound, RoomMessage]]


class SQLExport:
    """
    Pages of room history from C{database}.
    """

    database: Database
    flush: Callable[[], Deferred[None]]

    async def _roomMessages(
        self, room: str | None, after: Bound | None, before: Bound | None, limit: int
    ) -> Page:
        await self.flush()
        clauses, args = between(after, before)
        if room is None:
            clauses.insert(0, "room_key IS NOT NULL")
        else:
            clauses.insert(0, "room_key = ?")
            args.insert(0, key(room))
        rows = await self.database.select(
            f"SELECT id, {WINDOW_COLUMNS} FROM messages WHERE {' AND '.join(clauses)}"
            " ORDER BY sent_ms, id LIMIT ?",
            *args,
            limit,
        )
        return [
            (Bound(int(row[7] or 0), int(row[0])), cast(RoomMessage, rowToEvent(*row[1:])))
            for row in rows
        ]

    def roomMessages(
        self, room: str | None, after: Bound | None, before: Bound | None, limit: int
    ) -> Deferred[Page]:
        return Deferred.fromCoroutine(self._roomMessages(room, after, before, limit))


class MemoryExport:
    """
    Pages of room history among C{_messages}.
    """

    _messages: list[tuple[int, RoomMessage | PrivateMessage, str | None, bool]]

    def roomMessages(
        self, room: str | None, after: Bound | None, before: Bound | None, limit: int
    ) -> Deferred[Page]:
        found = [
            (Bound(event.millis, id), event)
            for id, event, target, _ in self._messages
            if isinstance(event, RoomMessage)
            and (room is None or target == key(room))
            and inWindow(id, event.millis, after, before, False)
        ]
        found.sort(key=lambda pair: pair[0].order())
        return succeed(found[:limit])
