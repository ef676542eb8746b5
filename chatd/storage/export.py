# -*- test-case-name: tests.integration.test_store_export -*-
"""
Reading a span of history page by page (the admin console's C{messages}
and C{conversation}, L{chatd.core.export}): every message of one room, of
every room, or between two people, between two bounds, in the order they
were sent, each with its L{Bound}, so that the next page starts exactly
after the last one read, even among messages sent in one millisecond.

A private conversation is read whole: every message the store holds
between the two names, whether or not they were registered (unlike a
user's own history, L{chatd.storage.conversations.Conversation}).

L{SQLExport} and L{MemoryExport} are the two stores' halves of
C{IChatStore.roomMessages} and C{privateMessages}; the SQL serves SQLite
and PostgreSQL alike.
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
PrivatePage = list[tuple[Bound, PrivateMessage]]

#: The private messages between two people (C{?}: their keys, twice),
#: whoever was registered: all the store holds of their conversation.
BETWEEN_TWO = (
    "room_key IS NULL AND ((sender_key = ? AND recipient_key = ?)"
    " OR (recipient_key = ? AND sender_key = ?))"
)


class SQLExport:
    """
    Pages of room history, or of a private conversation, from C{database}.
    """

    database: Database
    flush: Callable[[], Deferred[None]]

    async def _page(
        self, where: str, args: list[object], after: Bound | None, before: Bound | None, limit: int
    ) -> list[tuple[Bound, RoomMessage | PrivateMessage]]:
        await self.flush()
        clauses, values = between(after, before)
        rows = await self.database.select(
            f"SELECT id, {WINDOW_COLUMNS} FROM messages WHERE {' AND '.join([where, *clauses])}"
            " ORDER BY sent_ms, id LIMIT ?",
            *args,
            *values,
            limit,
        )
        return [(Bound(int(row[7] or 0), int(row[0])), rowToEvent(*row[1:])) for row in rows]

    async def _roomMessages(
        self, room: str | None, after: Bound | None, before: Bound | None, limit: int
    ) -> Page:
        if room is None:
            page = await self._page("room_key IS NOT NULL", [], after, before, limit)
        else:
            page = await self._page("room_key = ?", [key(room)], after, before, limit)
        return [(bound, cast(RoomMessage, message)) for bound, message in page]

    def roomMessages(
        self, room: str | None, after: Bound | None, before: Bound | None, limit: int
    ) -> Deferred[Page]:
        return Deferred.fromCoroutine(self._roomMessages(room, after, before, limit))

    async def _privateMessages(
        self, nick: str, other: str, after: Bound | None, before: Bound | None, limit: int
    ) -> PrivatePage:
        page = await self._page(BETWEEN_TWO, [key(nick), key(other)] * 2, after, before, limit)
        return [(bound, cast(PrivateMessage, message)) for bound, message in page]

    def privateMessages(
        self, nick: str, other: str, after: Bound | None, before: Bound | None, limit: int
    ) -> Deferred[PrivatePage]:
        return Deferred.fromCoroutine(self._privateMessages(nick, other, after, before, limit))


class MemoryExport:
    """
    Pages of room history, or of a private conversation, among C{_messages}.
    """

    _messages: list[tuple[int, RoomMessage | PrivateMessage, str | None, bool]]

    def _page(
        self,
        holds: Callable[[RoomMessage | PrivateMessage], bool],
        after: Bound | None,
        before: Bound | None,
        limit: int,
    ) -> list[tuple[Bound, RoomMessage | PrivateMessage]]:
        found = [
            (Bound(event.millis, id), event)
            for id, event, _, _ in self._messages
            if holds(event) and inWindow(id, event.millis, after, before, False)
        ]
        found.sort(key=lambda pair: pair[0].order())
        return found[:limit]

    def roomMessages(
        self, room: str | None, after: Bound | None, before: Bound | None, limit: int
    ) -> Deferred[Page]:
        def holds(event: RoomMessage | PrivateMessage) -> bool:
            return isinstance(event, RoomMessage) and (room is None or key(event.room) == key(room))

        page = self._page(holds, after, before, limit)
        return succeed([(bound, cast(RoomMessage, message)) for bound, message in page])

    def privateMessages(
        self, nick: str, other: str, after: Bound | None, before: Bound | None, limit: int
    ) -> Deferred[PrivatePage]:
        people = sorted((key(nick), key(other)))

        def holds(event: RoomMessage | PrivateMessage) -> bool:
            return isinstance(event, PrivateMessage) and people == sorted(
                (key(event.sender), key(event.recipient))
            )

        page = self._page(holds, after, before, limit)
        return succeed([(bound, cast(PrivateMessage, message)) for bound, message in page])
