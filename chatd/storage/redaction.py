# -*- test-case-name: tests.integration.test_store_redaction -*-
"""
Deleting one message from a store (L{chatd.core.redaction}): found and
deleted by its msgid, which is unique among all messages.

L{SQLRedaction} and L{MemoryRedaction} are the two stores' halves of
C{IChatStore.findMessage} and C{deleteMessage} (mixed into
L{chatd.storage.sql.SQLChatStore} and
L{chatd.storage.memory.MemoryChatStore}), of C{storedMsgids}: which of
some msgids are stored, and of C{latestBy}: someone's latest message in
a room (what talk's C{/delete} deletes), found by its sender's key with
the index C{messages_room_sender}, however far back in the room's history.
The SQL store first writes what its writer still queues, so a message
sent a moment ago is found and deleted rather than written after its
deletion; the full-text index follows the table by itself (SQLite's
delete trigger, PostgreSQL's expression index), as does the list of
private messages waiting for delivery (a row of the same table).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from twisted.internet.defer import Deferred, succeed

from chatd.core.events import PrivateMessage, RoomMessage
from chatd.core.names import key
from chatd.storage.conversations import WINDOW_COLUMNS, rowToEvent
from chatd.storage.health import QUERY, WRITE
from chatd.storage.journal import storedMsgids

if TYPE_CHECKING:
    from chatd.storage.database import Cursor, Database


class SQLRedaction:
    """
    Finding and deleting a message by msgid in C{database}.
    """

    database: Database
    flush: Callable[[], Deferred[None]]

    async def _findMessage(self, msgid: str) -> RoomMessage | PrivateMessage | None:
        await self.flush()
        rows = await self.database.select(
            f"SELECT {WINDOW_COLUMNS} FROM messages WHERE msgid = ?", msgid
        )
        return rowToEvent(*rows[0]) if rows else None

    def findMessage(self, msgid: str) -> Deferred[RoomMessage | PrivateMessage | None]:
        return Deferred.fromCoroutine(self._findMessage(msgid))

    async def _latestBy(self, room: str, sender: str) -> RoomMessage | None:
        await self.flush()
        rows = await self.database.select(
            f"SELECT {WINDOW_COLUMNS} FROM messages WHERE room_key = ? AND sender_key = ?"
            " ORDER BY sent_ms DESC, id DESC LIMIT 1",
            key(room),
            key(sender),
        )
        found = rowToEvent(*rows[0]) if rows else None
        return found if isinstance(found, RoomMessage) else None

    def latestBy(self, room: str, sender: str) -> Deferred[RoomMessage | None]:
        return Deferred.fromCoroutine(self._latestBy(room, sender))

    async def _storedMsgids(self, msgids: list[str]) -> set[str]:
        await self.flush()
        return await self.database.run(storedMsgids, self.database.sql, msgids, what=QUERY)

    def storedMsgids(self, msgids: list[str]) -> Deferred[set[str]]:
        return Deferred.fromCoroutine(self._storedMsgids(msgids))

    async def _deleteMessage(self, msgid: str) -> bool:
        await self.flush()

        def run(txn: Cursor) -> bool:
            txn.execute(self.database.sql("DELETE FROM messages WHERE msgid = ?"), (msgid,))
            return bool(txn.rowcount)

        return await self.database.run(run, what=WRITE)

    def deleteMessage(self, msgid: str) -> Deferred[bool]:
        return Deferred.fromCoroutine(self._deleteMessage(msgid))


class MemoryRedaction:
    """
    Finding and deleting a message by msgid among C{_messages}.
    """

    _messages: list[tuple[int, RoomMessage | PrivateMessage, str | None, bool]]
    _pending: set[int]
    _registeredAt: dict[int, tuple[bool, bool]]

    def findMessage(self, msgid: str) -> Deferred[RoomMessage | PrivateMessage | None]:
        for _, event, _, _ in self._messages:
            if msgid and event.msgid == msgid:
                return succeed(event)
        return succeed(None)

    def latestBy(self, room: str, sender: str) -> Deferred[RoomMessage | None]:
        theirs = [
            (event.millis, id, event)
            for id, event, target, _ in self._messages
            if isinstance(event, RoomMessage)
            and target == key(room)
            and key(event.sender) == key(sender)
        ]
        return succeed(max(theirs, key=lambda found: found[:2])[2] if theirs else None)

    def storedMsgids(self, msgids: list[str]) -> Deferred[set[str]]:
        wanted = set(msgids)
        return succeed({event.msgid for _, event, _, _ in self._messages if event.msgid in wanted})

    def deleteMessage(self, msgid: str) -> Deferred[bool]:
        for index, (id, event, _, _) in enumerate(self._messages):
            if msgid and event.msgid == msgid:
                del self._messages[index]
                self._pending.discard(id)
                self._registeredAt.pop(id, None)
                return succeed(True)
        return succeed(False)
