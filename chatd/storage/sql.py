# -*- test-case-name: tests.test_store -*-
"""
L{SQLChatStore}: L{IChatStore} on any DB-API driver through
L{twisted.enterprise.adbapi}, so every query runs in the pool's threads and
the reactor only sees L{Deferred}s.  L{chatd.storage.sqlite} and
L{chatd.storage.postgres} make the pool; the SQL here serves both.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Any, TypeVar

from twisted.application.service import Service
from twisted.enterprise import adbapi
from twisted.internet.defer import Deferred
from twisted.internet.interfaces import IReactorTime
from twisted.logger import Logger
from twisted.python.failure import Failure
from zope.interface import implementer

from chatd.core import errors
from chatd.core.events import PrivateMessage, RoomMessage
from chatd.core.names import key as _key
from chatd.storage.batch import WriteBehind
from chatd.storage.health import StoreHealth, isOutage, isRefusal, oneLine
from chatd.storage.interfaces import IChatStore, RoomSettings, Snapshot
from chatd.storage.migration import convert, migrate, saveRoomRow
from chatd.storage.schema import (
    HIGHEST_ID,
    INSERT_MESSAGES,
    MESSAGE_VALUES,
    RESERVE_IDS,
    ROWS_PER_INSERT,
)

T = TypeVar("T")
#: Names are keyed once per message: remember the few thousand in use.
key = lru_cache(maxsize=16384)(_key)
Cursor = Any
MessageRow = tuple[int, str | None, str | None, str, str | None, str | None, str, int, int]
NO_LIMIT = 2**62


@implementer(IChatStore)
class SQLChatStore(Service):
    """
    A chat store in an SQL database reached through C{pool}.

    @ivar paramstyle: C{"qmark"} (SQLite) or C{"format"} (psycopg2); queries
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
    ) -> None:
        self.pool = pool
        self.paramstyle = paramstyle
        self.flushInterval = flushInterval
        self.health = StoreHealth(clock, logEvery)
        self._batch: WriteBehind[MessageRow] = WriteBehind(
            clock,
            self._writeMessages,
            flushInterval,
            maxBatch,
            transient=lambda failure: failure.check(errors.StoreUnavailable) is not None,
            health=self.health,
            retryMax=retryMax,
        )
        self._batch.refused = self._refused
        self._probe: Deferred[str | None] | None = None
        self._loaded = False
        self._closed = False
        # Messages are numbered locally ("tickets") as they are queued, and
        # get their database ids when their batch is written; marks wait for
        # the id of a ticket (see mark()).
        self._queued = 0
        self._writtenTicket = 0
        self._lastId = 0
        self._marks: list[tuple[int, Deferred[int]]] = []

    # Plumbing

    def _sql(self, query: str) -> str:
        return convert(query, self.paramstyle)

    def _run(self, fn: Callable[..., T], *args: Any, what: str | None = "query") -> Deferred[T]:
        """
        C{fn(cursor, *args)} in one transaction on a pool thread (adbapi is
        unannotated; this is its one typed entry).  If the database is
        unavailable the result fails with L{errors.StoreUnavailable} (the
        driver's error is its C{__cause__}), and L{health} hears that it
        could not C{what} (unless C{None}: the message writer tells it).
        """
        d: Deferred[T] = self.pool.runInteraction(fn, *args)
        return d.addCallbacks(
            self._answered, self._unavailable, callbackArgs=(what,), errbackArgs=(what,)
        )

    def _answered(self, result: T, what: str | None) -> T:
        if what is not None:
            self.health.recovered(what)
        return result

    def _unavailable(self, failure: Failure, what: str | None) -> Failure:
        if not isOutage(failure.value) or failure.check(errors.StoreUnavailable):
            return failure
        if what is not None:
            self.health.failed(what, failure)
        error = errors.StoreUnavailable()
        error.__cause__ = failure.value
        return Failure(error)

    def check(self) -> Deferred[str | None]:
        """
        Try the database now with a trivial query (one at a time); fires
        with L{StoreHealth.problem} afterwards.
        """
        if self._probe is None:

            def probe(txn: Cursor) -> None:
                txn.execute("SELECT 1")

            def done(result: object) -> str | None:
                self._probe = None
                return self.health.problem

            self._probe = self._run(probe).addBoth(done)
        d: Deferred[str | None] = Deferred()

        def share(problem: str | None) -> str | None:
            d.callback(problem)
            return problem

        self._probe.addCallback(share)
        return d

    def _execute(self, query: str, *args: Any) -> Deferred[None]:
        def run(txn: Cursor) -> None:
            txn.execute(self._sql(query), args)

        return self._run(run)

    def _select(self, query: str, *args: Any) -> Deferred[list[tuple[Any, ...]]]:
        def run(txn: Cursor) -> list[tuple[Any, ...]]:
            txn.execute(self._sql(query), args)
            return list(txn.fetchall())

        return self._run(run)

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
            while len(self._batch):
                await self._batch.flush()
            await self._batch.flush()
        except errors.StoreUnavailable as error:
            self.log.error(
                "stopping with {count} messages not written: {reason}",
                count=len(self._batch),
                reason=oneLine(error),
            )
        finally:
            self._closed = True
            self._batch.stop()
            self.pool.close()

    # Schema

    def _load(self, txn: Cursor) -> Snapshot:
        migrate(txn, self.paramstyle)
        snapshot = Snapshot()
        txn.execute(
            "SELECT name, mode, capacity, topic, autojoin, rules FROM rooms"
            " ORDER BY created, room_key"
        )
        for name, mode, capacity, topic, autojoin, rules in txn.fetchall():
            snapshot.rooms.append(RoomSettings(name, mode, capacity, topic, bool(autojoin), rules))
        txn.execute("SELECT nick_key FROM accounts")
        snapshot.accounts = {row[0] for row in txn.fetchall()}
        txn.execute("SELECT room_key, nick_key, nick, approved FROM access ORDER BY requested")
        for roomKey, nickKey, nick, approved in txn.fetchall():
            snapshot.access.setdefault(roomKey, {})[nickKey] = (nick, bool(approved))
        return snapshot

    async def _loadAsync(self) -> Snapshot:
        snapshot = await self._run(self._load)
        self._loaded = True
        return snapshot

    def load(self) -> Deferred[Snapshot]:
        return Deferred.fromCoroutine(self._loadAsync())

    # Accounts and rooms

    async def _accountHash(self, nick: str) -> str | None:
        rows = await self._select("SELECT hash FROM accounts WHERE nick_key = ?", key(nick))
        return str(rows[0][0]) if rows else None

    def accountHash(self, nick: str) -> Deferred[str | None]:
        return Deferred.fromCoroutine(self._accountHash(nick))

    def saveAccount(self, nick: str, passwordHash: str, when: int) -> Deferred[None]:
        return self._execute(
            "INSERT INTO accounts (nick_key, nick, hash, created) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (nick_key) DO UPDATE SET nick = excluded.nick, hash = excluded.hash",
            key(nick),
            nick,
            passwordHash,
            when,
        )

    async def _adminHash(self, nick: str) -> str | None:
        rows = await self._select(
            "SELECT hash FROM accounts WHERE nick_key = ? AND admin = 1", key(nick)
        )
        return str(rows[0][0]) if rows else None

    def adminHash(self, nick: str) -> Deferred[str | None]:
        return Deferred.fromCoroutine(self._adminHash(nick))

    def _setAdmin(self, txn: Cursor, nick: str, admin: bool) -> bool | None:
        txn.execute(self._sql("SELECT admin FROM accounts WHERE nick_key = ?"), (key(nick),))
        row = txn.fetchone()
        if row is None:
            return None
        txn.execute(
            self._sql("UPDATE accounts SET admin = ? WHERE nick_key = ?"), (int(admin), key(nick))
        )
        return bool(row[0])

    def setAdmin(self, nick: str, admin: bool) -> Deferred[bool | None]:
        return self._run(self._setAdmin, nick, admin)

    async def _admins(self) -> list[str]:
        rows = await self._select("SELECT nick FROM accounts WHERE admin = 1 ORDER BY nick_key")
        return [str(row[0]) for row in rows]

    def admins(self) -> Deferred[list[str]]:
        return Deferred.fromCoroutine(self._admins())

    def _saveRoom(self, txn: Cursor, room: RoomSettings, when: int) -> None:
        saveRoomRow(txn, self.paramstyle, room, when)

    def saveRoom(self, room: RoomSettings, when: int) -> Deferred[None]:
        return self._run(self._saveRoom, room, when)

    async def _memberships(self, nick: str) -> list[str]:
        rows = await self._select(
            "SELECT rooms.name FROM memberships JOIN rooms USING (room_key)"
            " WHERE memberships.nick_key = ? ORDER BY rooms.name",
            key(nick),
        )
        return [row[0] for row in rows]

    def memberships(self, nick: str) -> Deferred[list[str]]:
        return Deferred.fromCoroutine(self._memberships(nick))

    def setMembership(self, nick: str, room: str, member: bool) -> Deferred[None]:
        if member:
            return self._execute(
                "INSERT INTO memberships (nick_key, room_key) VALUES (?, ?)"
                " ON CONFLICT (nick_key, room_key) DO NOTHING",
                key(nick),
                key(room),
            )
        return self._execute(
            "DELETE FROM memberships WHERE nick_key = ? AND room_key = ?", key(nick), key(room)
        )

    def setAccess(self, room: str, nick: str, approved: bool | None, when: int) -> Deferred[None]:
        if approved is None:
            return self._execute(
                "DELETE FROM access WHERE room_key = ? AND nick_key = ?", key(room), key(nick)
            )
        return self._execute(
            "INSERT INTO access (room_key, nick_key, nick, approved, requested)"
            " VALUES (?, ?, ?, ?, ?) ON CONFLICT (room_key, nick_key) DO UPDATE SET"
            " nick = excluded.nick, approved = excluded.approved",
            key(room),
            key(nick),
            nick,
            int(approved),
            when,
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
    ) -> None:
        if self._closed or not self._loaded:
            raise errors.InternalError("the message store is not open")
        self._queued += 1
        self._batch.add(
            (
                self._queued,
                None if room is None else key(room),
                room,
                sender,
                None if recipient is None else key(recipient),
                recipient,
                "\n".join(lines),
                when,
                int(pending),
            )
        )

    def mark(self) -> Deferred[int]:
        """
        With messages of ours still queued, the mark follows the newest of
        them, once its batch has its ids.  Otherwise it is the database's
        high-water mark, which takes in what other processes sharing the
        database wrote.  (The messages queued after this call go in a batch
        that starts C{flushInterval} later, long after this one-row query.)
        """
        if self._writtenTicket < self._queued:
            waiter: Deferred[int] = Deferred()
            self._marks.append((self._queued, waiter))
            return waiter
        last = self._lastId
        d = self._select(HIGHEST_ID[self.paramstyle])
        return d.addCallback(lambda rows: max(int(rows[0][0] or 0), last) + 1)

    def _reserveIds(self, txn: Cursor, count: int) -> list[int]:
        """
        C{count} new message ids, ascending, in the writing transaction.
        """
        if self.paramstyle == "format":
            txn.execute(RESERVE_IDS["format"], (count,))
            return sorted(int(row[0]) for row in txn.fetchall())
        txn.execute(RESERVE_IDS["qmark"])
        start = int(txn.fetchone()[0])
        return list(range(start + 1, start + count + 1))

    def _idsWritten(self, ids: list[int], rows: list[MessageRow]) -> None:
        """
        A batch is in the database (back on the reactor thread): resolve the
        marks whose ticket it holds.
        """
        self.health.recovered("query")  # what writes, answers
        first = rows[0][0]
        self._writtenTicket, self._lastId = rows[-1][0], ids[-1]
        waiting, self._marks = self._marks, []
        for ticket, waiter in waiting:
            if ticket <= self._writtenTicket:
                waiter.callback(ids[ticket - first] + 1 if ticket >= first else ids[0])
            else:
                self._marks.append((ticket, waiter))

    def _refused(self, row: MessageRow, failure: Failure) -> None:
        """
        The database refused C{row}, which is skipped: say so once, and let
        the marks that waited for it go.
        """
        ticket, _, room, sender, _, recipient, body = row[:7]
        where = f"room {room}" if room is not None else f"private to {recipient}"
        text = (
            "the database refused message #{ticket} ({where}, from {sender},"
            " {size} characters), which is not stored: {reason}"
        )
        reason = oneLine(failure.value)
        if isRefusal(failure.value):
            self.log.error(
                text, ticket=ticket, where=where, sender=sender, size=len(body), reason=reason
            )
        else:
            self.log.failure(
                text,
                failure,
                ticket=ticket,
                where=where,
                sender=sender,
                size=len(body),
                reason=reason,
            )
        self._writtenTicket = max(self._writtenTicket, ticket)
        if len(self._batch) or not self._marks:
            return  # the next batch written resolves the marks (with its first id)
        waiting, self._marks = self._marks, []
        last = self._lastId

        def resolve(rows: list[tuple[Any, ...]]) -> None:
            mark = max(int(rows[0][0] or 0), last) + 1
            for _, waiter in waiting:
                waiter.callback(mark)

        def failed(failure: Failure) -> None:
            for _, waiter in waiting:
                waiter.errback(failure)

        self._select(HIGHEST_ID[self.paramstyle]).addCallbacks(resolve, failed)

    def _writeMessages(self, rows: list[MessageRow]) -> Deferred[None]:
        """
        Insert a batch with multi-row C{INSERT ... VALUES (...), (...)}
        statements of up to L{ROWS_PER_INSERT} rows: the driver leaves Python
        (and releases the GIL) once per statement instead of once per row, so
        the writer thread neither contends with the reactor thread for every
        message nor spends CPU on per-row statement overhead.
        """

        def run(txn: Cursor) -> list[int]:
            ids = self._reserveIds(txn, len(rows))
            for start in range(0, len(rows), ROWS_PER_INSERT):
                chunk = rows[start : start + ROWS_PER_INSERT]
                txn.execute(
                    self._sql(INSERT_MESSAGES + ", ".join([MESSAGE_VALUES] * len(chunk))),
                    [
                        value
                        for id, row in zip(ids[start : start + len(chunk)], chunk, strict=True)
                        for value in (id, *row[1:])
                    ],
                )
            return ids

        return self._run(run, what=None).addCallback(self._idsWritten, rows)

    def flush(self) -> Deferred[None]:
        return self._batch.flush()

    def queueDepth(self) -> int:
        return len(self._batch)

    def observeWrites(self, timed: Callable[[float], None]) -> None:
        self._batch.timed = timed

    async def _history(self, room: str, count: int, before: int | None) -> list[RoomMessage]:
        await self.flush()
        rows = await self._select(
            "SELECT room, sender, body, sent FROM messages WHERE room_key = ? AND id < ?"
            " ORDER BY id DESC LIMIT ?",
            key(room),
            NO_LIMIT if before is None else before,
            count,
        )
        return [
            RoomMessage(name, sender, tuple(body.split("\n")), int(sent))
            for name, sender, body, sent in reversed(rows)
        ]

    def history(
        self, room: str, count: int, before: int | None = None
    ) -> Deferred[list[RoomMessage]]:
        return Deferred.fromCoroutine(self._history(room, count, before))

    async def _undelivered(
        self, nick: str, after: int, limit: int | None
    ) -> list[tuple[int, PrivateMessage]]:
        await self.flush()
        rows = await self._select(
            "SELECT id, sender, recipient, body, sent FROM messages"
            " WHERE recipient_key = ? AND pending = 1 AND id > ? ORDER BY id LIMIT ?",
            key(nick),
            after,
            NO_LIMIT if limit is None else limit,
        )
        return [
            (int(id), PrivateMessage(sender, recipient, tuple(body.split("\n")), int(sent)))
            for id, sender, recipient, body, sent in rows
        ]

    def undelivered(
        self, nick: str, after: int = 0, limit: int | None = None
    ) -> Deferred[list[tuple[int, PrivateMessage]]]:
        return Deferred.fromCoroutine(self._undelivered(nick, after, limit))

    async def _waitingCount(self, nick: str) -> int:
        await self.flush()
        rows = await self._select(
            "SELECT COUNT(*) FROM messages WHERE recipient_key = ? AND pending = 1", key(nick)
        )
        return int(rows[0][0])

    def waitingCount(self, nick: str) -> Deferred[int]:
        return Deferred.fromCoroutine(self._waitingCount(nick))

    def markDelivered(self, ids: list[int]) -> Deferred[None]:
        def run(txn: Cursor) -> None:
            txn.executemany(
                self._sql("UPDATE messages SET pending = 0 WHERE id = ?"), [(i,) for i in ids]
            )

        return self._run(run)
