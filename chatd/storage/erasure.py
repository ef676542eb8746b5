# -*- test-case-name: tests.integration.test_store_erasure -*-
"""
Erasing what one name wrote (the admin console's C{erase} and C{account
delete --erase}, L{chatd.core.erasure}): every stored message sent under
the name, room and private, those waiting for delivery included, goes
from the history and, with it, from the search index (SQLite's delete
trigger, PostgreSQL's expression index).  Messages are matched by their
sender's key (L{chatd.core.names.key}), so every spelling of the name
goes; what others wrote to it stays.

L{SQLErasure} and L{MemoryErasure} are the two stores' halves of
C{IChatStore.eraseSender}.  The SQL store first writes what its writer
still queues, so a message sent a moment before is erased rather than
written after.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from twisted.internet.defer import Deferred, succeed

from chatd.core.events import PrivateMessage, RoomMessage
from chatd.core.names import key
from chatd.storage.health import WRITE

if TYPE_CHECKING:
    from chatd.storage.database import Cursor, Database

#: The room messages, then the private ones, a name sent.
ERASE = (
    "DELETE FROM messages WHERE sender_key = ? AND room_key IS NOT NULL",
    "DELETE FROM messages WHERE sender_key = ? AND room_key IS NULL",
)


class SQLErasure:
    """
    Erasing a sender's messages from C{database}.
    """

    database: Database
    flush: Callable[[], Deferred[None]]

    async def _eraseSender(self, nick: str) -> tuple[int, int]:
        await self.flush()

        def run(txn: Cursor) -> tuple[int, int]:
            counts = []
            for statement in ERASE:
                txn.execute(self.database.sql(statement), (key(nick),))
                counts.append(max(txn.rowcount, 0))
            return counts[0], counts[1]

        return await self.database.run(run, what=WRITE, bounded=False)  # bulk: see run

    def eraseSender(self, nick: str) -> Deferred[tuple[int, int]]:
        return Deferred.fromCoroutine(self._eraseSender(nick))


class MemoryErasure:
    """
    Erasing a sender's messages from C{_messages}.
    """

    _messages: list[tuple[int, RoomMessage | PrivateMessage, str | None, bool]]
    _pending: set[int]
    _registeredAt: dict[int, tuple[bool, bool]]

    def eraseSender(self, nick: str) -> Deferred[tuple[int, int]]:
        kept, rooms, private = [], 0, 0
        for stored in self._messages:
            id, event = stored[0], stored[1]
            if key(event.sender) != key(nick):
                kept.append(stored)
                continue
            rooms += isinstance(event, RoomMessage)
            private += isinstance(event, PrivateMessage)
            self._pending.discard(id)
            self._registeredAt.pop(id, None)
        self._messages[:] = kept
        return succeed((rooms, private))
