# -*- test-case-name: tests.integration.test_store,tests.integration.test_inbox_store -*-
"""
L{SQLChatStore}: L{IChatStore} on any DB-API driver through L{twisted.enterprise.adbapi}, so every
query runs in the pool's threads and the reactor only sees L{Deferred}s.  L{chatd.storage.sqlite}
and L{chatd.storage.postgres} make the pool; the SQL here serves both.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import cast

from twisted.application.service import Service
from twisted.enterprise import adbapi
from twisted.internet.defer import Deferred
from twisted.internet.interfaces import IReactorTime
from twisted.logger import Logger
from zope.interface import implementer

from chatd.core import errors
from chatd.core.events import PrivateMessage, RoomMessage
from chatd.core.names import key
from chatd.storage.access import SQLAccess
from chatd.storage.accountremoval import SQLAccountRemoval
from chatd.storage.accounts import SQLAccounts
from chatd.storage.alwayson import SQLAlwaysOn
from chatd.storage.conversations import (
    PRIVATE_TARGETS,
    ROOM_TARGETS,
    WINDOW_COLUMNS,
    Bound,
    Conversation,
    rowToEvent,
    windowQuery,
)
from chatd.storage.database import Cursor, Database
from chatd.storage.erasure import SQLErasure
from chatd.storage.export import SQLExport
from chatd.storage.health import QUERY, WRITE
from chatd.storage.ignores import SQLIgnores
from chatd.storage.interfaces import IChatStore, RoomSettings, Snapshot
from chatd.storage.markers import SQLReadMarkers
from chatd.storage.migration import migrate, saveRoomRow
from chatd.storage.redaction import SQLRedaction
from chatd.storage.refusals import SQLRefusals
from chatd.storage.roomremoval import SQLRoomRemoval
from chatd.storage.scram import SQLScramVerifiers
from chatd.storage.search import SQLSearch
from chatd.storage.watchdog import QueryWatchdog
from chatd.storage.writer import MessageWriter

NO_LIMIT = 2**62
#: A private message stored as sent waits for its recipient after all.
KEEP_WAITING = (
    "UPDATE messages SET pending = 1 WHERE msgid = ? AND room_key IS NULL AND pending = 0"
)
#: Messages marked delivered by one statement at most: a page of the inbox
#: (L{chatd.core.inbox.FETCH}) is one statement, within every database's
#: limit of parameters (SQLite's lowest: 999).
MARK_AT_ONCE = 500


@implementer(IChatStore)
class SQLChatStore(
    SQLAccess,
    SQLAccounts,
    SQLAccountRemoval,
    SQLAlwaysOn,
    SQLErasure,
    SQLExport,
    SQLIgnores,
    SQLReadMarkers,
    SQLScramVerifiers,
    SQLRedaction,
    SQLRefusals,
    SQLRoomRemoval,
    Service,
    SQLSearch,
):
    """
    A chat store in an SQL database reached through C{pool}.

    @ivar paramstyle: C{"qmark"} (SQLite) or C{"format"} (psycopg); queries
        are written with C{?} and converted once, as Synapse does.
    @ivar health: how the database answers (see L{StoreHealth}); a query
        that fails because the database is unavailable fails with
        L{errors.StoreUnavailable}, which users see as "try again later".
    """

    log = Logger()

    def __init__(
        self,
        pool: adbapi.ConnectionPool,
        clock: IReactorTime,
        paramstyle: str = "qmark",
        flushInterval: float = 0.1,
        maxBatch: int = 1000,
        retryMax: float = 5.0,
        logEvery: float = 60.0,
        watchdog: QueryWatchdog | None = None,
    ) -> None:
        self.database = Database(pool, clock, paramstyle, logEvery, watchdog)
        self.pool = pool
        self.paramstyle = paramstyle
        self.flushInterval = flushInterval
        self.health = self.database.health
        self.writer = MessageWriter(self.database, clock, flushInterval, maxBatch, retryMax)
        self._loaded = False
        self._closed = False

    def check(self) -> Deferred[str | None]:
        """Try the database now (see L{Database.check})."""
        return self.database.check()

    # Service

    def stopService(self) -> Deferred[None]:
        """
        Write every queued message, then close the pool: what was
        acknowledged before a clean shutdown is on disk.
        """
        super().stopService()
        return Deferred.fromCoroutine(self._stop())

    async def _stop(self) -> None:
        try:
            await self.writer.drain()
        finally:
            self._closed = True
            self.health.stop()
            self.writer.stop()
            self.pool.close()

    # Schema

    def _load(self, txn: Cursor) -> Snapshot:
        migrate(txn, self.paramstyle)
        snapshot = Snapshot()
        txn.execute(
            "SELECT name, mode, capacity, topic, autojoin, rules, founder, topic_by, topic_at,"
            " created, topic_admin, stamp FROM rooms ORDER BY created, room_key"
        )
        for name, mode, capacity, topic, autojoin, rules, *more in txn.fetchall():
            founder, topicBy, topicAt, created, topicAdmin, stamp = more
            settings = RoomSettings(
                name,
                mode,
                capacity,
                topic,
                bool(autojoin),
                rules,
                founder,
                topicBy,
                int(topicAt),
                int(created),
                bool(topicAdmin),
            )
            settings.readStampColumn(stamp)
            snapshot.rooms.append(settings)
        txn.execute("SELECT nick_key FROM accounts")
        snapshot.accounts = {row[0] for row in txn.fetchall()}
        txn.execute(
            "SELECT room_key, nick_key, nick, approved, requested FROM access ORDER BY requested"
        )
        for roomKey, nickKey, nick, approved, requested in txn.fetchall():
            snapshot.access.setdefault(roomKey, {})[nickKey] = (nick, bool(approved))
            if requested is not None:
                snapshot.requested.setdefault(roomKey, {})[nickKey] = int(requested)
        return snapshot

    async def _loadAsync(self) -> Snapshot:
        # Unbounded: a schema upgrade of a large database takes its time.
        snapshot = await self.database.run(self._load, what=QUERY, bounded=False)
        await self.writer.replayJournal()  # before any login can speak
        self._loaded = True
        return snapshot

    def load(self) -> Deferred[Snapshot]:
        return Deferred.fromCoroutine(self._loadAsync())

    # Rooms

    def saveRoom(self, room: RoomSettings, when: int) -> Deferred[None]:
        return self.database.run(saveRoomRow, self.paramstyle, room, when, what=WRITE)

    async def _memberships(self, nick: str) -> list[str]:
        rows = await self.database.select(
            "SELECT rooms.name FROM memberships JOIN rooms USING (room_key)"
            " WHERE memberships.nick_key = ? ORDER BY rooms.name",
            key(nick),
        )
        return [row[0] for row in rows]

    def memberships(self, nick: str) -> Deferred[list[str]]:
        return Deferred.fromCoroutine(self._memberships(nick))

    def setMembership(
        self, nick: str, room: str, member: bool, millis: int | None = None
    ) -> Deferred[None]:
        if member:  # (a membership kept keeps when it began)
            return self.database.execute(
                "INSERT INTO memberships (nick_key, room_key, entered) VALUES (?, ?, ?)"
                " ON CONFLICT (nick_key, room_key) DO NOTHING",
                key(nick),
                key(room),
                millis,
            )
        return self.database.execute(
            "DELETE FROM memberships WHERE nick_key = ? AND room_key = ?", key(nick), key(room)
        )

    # Messages

    def addMessage(
        self,
        room: str | None,
        sender: str,
        recipient: str | None,
        lines: tuple[str, ...],
        when: int,
        pending: bool = False,
        msgid: str = "",
        millis: int = 0,
        accounts: tuple[bool, bool] = (False, False),
        notice: bool = False,
        userhost: str = "",
    ) -> None:
        if self._closed or not self._loaded:
            raise errors.InternalError("the message store is not open")
        self.writer.add(
            room, sender, recipient, lines, when, pending, msgid, millis, accounts, notice, userhost
        )

    def mark(self) -> Deferred[int]:
        return self.writer.mark()

    def flush(self) -> Deferred[None]:
        return self.writer.flush()

    def queueDepth(self) -> int:
        return len(self.writer)

    def observeWrites(self, timed: Callable[[float], None]) -> None:
        self.writer.observeWrites(timed)

    async def _history(self, room: str, count: int, before: int | None) -> list[RoomMessage]:
        await self.flush()
        rows = await self.database.select(
            f"SELECT {WINDOW_COLUMNS} FROM messages"
            " WHERE room_key = ? AND id < ?"
            " ORDER BY sent_ms DESC, id DESC LIMIT ?",
            key(room),
            NO_LIMIT if before is None else before,
            count,
        )
        return [cast(RoomMessage, rowToEvent(*row)) for row in reversed(rows)]

    def history(
        self, room: str, count: int, before: int | None = None
    ) -> Deferred[list[RoomMessage]]:
        return Deferred.fromCoroutine(self._history(room, count, before))

    async def _locate(self, conversation: Conversation, msgid: str) -> Bound | None:
        await self.flush()
        where, args = conversation.where()
        rows = await self.database.select(
            f"SELECT id, sent_ms FROM messages WHERE msgid = ? AND {where}", msgid, *args
        )
        return Bound(int(rows[0][1]), int(rows[0][0])) if rows else None

    def locate(self, conversation: Conversation, msgid: str) -> Deferred[Bound | None]:
        return Deferred.fromCoroutine(self._locate(conversation, msgid))

    async def _window(
        self,
        conversation: Conversation,
        after: Bound | None,
        before: Bound | None,
        limit: int,
        newest: bool,
        inclusive: bool,
    ) -> list[RoomMessage | PrivateMessage]:
        await self.flush()
        query, args = windowQuery(conversation, after, before, limit, newest, inclusive)
        rows = await self.database.select(query, *args)
        events = [rowToEvent(*row) for row in rows]
        return events[::-1] if newest else events

    def window(
        self,
        conversation: Conversation,
        after: Bound | None = None,
        before: Bound | None = None,
        limit: int = 1,
        newest: bool = True,
        inclusive: bool = False,
    ) -> Deferred[list[RoomMessage | PrivateMessage]]:
        return Deferred.fromCoroutine(
            self._window(conversation, after, before, limit, newest, inclusive)
        )

    async def _targets(
        self, nick: str, rooms: list[str], after: int, before: int, limit: int, private: bool = True
    ) -> list[tuple[str, bool, int]]:
        await self.flush()
        found: list[tuple[str, bool, int]] = []
        if rooms:
            marks = ", ".join("?" for _ in rooms)
            rows = await self.database.select(
                ROOM_TARGETS.format(marks=marks), *[key(room) for room in rooms], after, before
            )
            found.extend((str(name), True, int(ms)) for name, ms in rows)
        if private:
            mine = key(nick)
            rows = await self.database.select(
                PRIVATE_TARGETS, mine, mine, mine, mine, after, before
            )
            found.extend((str(name), False, int(ms)) for name, ms in rows)
        return sorted(found, key=lambda target: target[2])[:limit]

    def targets(
        self, nick: str, rooms: list[str], after: int, before: int, limit: int, private: bool = True
    ) -> Deferred[list[tuple[str, bool, int]]]:
        return Deferred.fromCoroutine(self._targets(nick, rooms, after, before, limit, private))

    async def _undelivered(self, nick: str, limit: int | None) -> list[tuple[int, PrivateMessage]]:
        await self.flush()
        rows = await self.database.select(
            f"SELECT id, {WINDOW_COLUMNS} FROM messages"
            " WHERE recipient_key = ? AND pending = 1 ORDER BY sent_ms, id LIMIT ?",
            key(nick),
            NO_LIMIT if limit is None else limit,
        )
        return [(int(row[0]), cast(PrivateMessage, rowToEvent(*row[1:]))) for row in rows]

    def undelivered(
        self, nick: str, limit: int | None = None
    ) -> Deferred[list[tuple[int, PrivateMessage]]]:
        return Deferred.fromCoroutine(self._undelivered(nick, limit))

    async def _waitingCount(self, nick: str) -> int:
        await self.flush()
        rows = await self.database.select(
            "SELECT COUNT(*) FROM messages WHERE recipient_key = ? AND pending = 1", key(nick)
        )
        return int(rows[0][0])

    def waitingCount(self, nick: str) -> Deferred[int]:
        return Deferred.fromCoroutine(self._waitingCount(nick))

    async def _waitingFrom(self, nick: str, sender: str) -> int:
        await self.flush()
        rows = await self.database.select(
            "SELECT COUNT(*) FROM messages"
            " WHERE recipient_key = ? AND pending = 1 AND sender_key = ?",
            key(nick),
            key(sender),
        )
        return int(rows[0][0])

    def waitingFrom(self, nick: str, sender: str) -> Deferred[int]:
        return Deferred.fromCoroutine(self._waitingFrom(nick, sender))

    def keepWaiting(self, msgid: str) -> Deferred[bool]:
        async def run() -> bool:
            await self.flush()  # the message as sent may still be queued

            def update(txn: Cursor) -> bool:
                txn.execute(self.database.sql(KEEP_WAITING), (msgid,))
                return bool(txn.rowcount)

            return bool(await self.database.run(update, what=WRITE))

        return Deferred.fromCoroutine(run())

    def markDelivered(self, ids: list[int]) -> Deferred[None]:
        def run(txn: Cursor) -> None:
            for start in range(0, len(ids), MARK_AT_ONCE):
                some = ids[start : start + MARK_AT_ONCE]
                marks = ", ".join("?" for _ in some)
                update = f"UPDATE messages SET pending = 0 WHERE id IN ({marks})"
                txn.execute(self.database.sql(update), tuple(some))

        return self.database.run(run, what=WRITE)
