# -*- test-case-name: tests.integration.test_store -*-
"""
L{MessageWriter}: how an SQL store writes chat messages.  They are queued
on the reactor thread (a list append, see L{chatd.storage.batch}) and
inserted in batches; each gets its database id only when its batch is
written, so a history mark asked for meanwhile waits for that id.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from twisted.internet.defer import Deferred
from twisted.internet.interfaces import IReactorTime
from twisted.logger import Logger
from twisted.python.failure import Failure

from chatd.core import errors
from chatd.core.names import key
from chatd.storage.batch import WriteBehind
from chatd.storage.database import Cursor, Database
from chatd.storage.health import QUERY, WRITE, isRefusal, oneLine
from chatd.storage.historymarks import HistoryMarks
from chatd.storage.insertrows import INSERT_MESSAGES, insertSizes, rowsPerInsert
from chatd.storage.journal import Journal, storedMsgids
from chatd.storage.rowshapes import (
    KEPT_MSGID,
    MessageRow,
    Shape,
    currentRow,
    shapeOf,
    withSearchText,
)
from chatd.storage.schema import RESERVE_IDS
from chatd.storage.search import INDEX_BATCH
from chatd.storage.spool import Spool
from chatd.storage.uniquemsgid import SKIP_STORED

#: What fails when the journal cannot keep a message (L{StoreHealth}).
JOURNALING = "keep messages in the journal"


class MessageWriter:
    """
    The message queue of one SQL store, written to C{database}.
    """

    log = Logger()

    def __init__(
        self,
        database: Database,
        clock: IReactorTime,
        flushInterval: float = 0.1,
        maxBatch: int = 1000,
        retryMax: float = 5.0,
    ) -> None:
        self.database = database
        self._batch: WriteBehind[MessageRow] = WriteBehind(
            clock,
            self._writeMessages,
            flushInterval,
            maxBatch,
            transient=lambda failure: failure.check(errors.StoreUnavailable) is not None,
            health=database.health,
            retryMax=retryMax,
        )
        self._batch.refused = self._refused
        # Messages are numbered locally ("tickets") as they are queued, and
        # get their database ids when their batch is written; marks wait for
        # the id of a ticket (see mark()).
        self._queued = 0
        self._writtenTicket = 0
        self._marks = HistoryMarks(database)
        self._rowsPerInsert = 0  # known once the writer has a connection
        self._statements: dict[tuple[str, int], str] = {}
        self._shapes: dict[tuple[bool, ...], Shape] = {}
        #: SQLite's single writer numbers a batch on from the highest id, so
        #: a row's id is its ticket plus one offset; PostgreSQL's sequence,
        #: shared by nodes, gives ids with gaps, bound one by one.
        self._idsFollowTickets = database.paramstyle == "qmark"
        #: Where a stop during an outage keeps what it could not write, and
        #: the last ticket of what was read from there (the file goes once
        #: they are written).
        self._spool: Spool | None = None
        self._spooledUpTo = 0
        self._journal: Journal | None = None

    def __len__(self) -> int:
        """
        Messages queued and not yet written.
        """
        return len(self._batch)

    def add(
        self,
        room: str | None,
        sender: str,
        recipient: str | None,
        lines: tuple[str, ...],
        when: int,
        pending: bool,
        msgid: str = "",
        millis: int = 0,
        accounts: tuple[bool, bool] = (False, False),
        notice: bool = False,
        userhost: str = "",
    ) -> None:
        """
        Queue one message (see L{chatd.storage.interfaces.IChatStore.addMessage}).
        """
        self._queue(
            (
                self._queued + 1,
                None if room is None else key(room),
                room,
                sender,
                None if recipient is None else key(recipient),
                recipient,
                "\n".join(lines),
                when,
                int(pending),
                msgid or None,
                millis or when * 1000,
                key(sender),
                key(sender) if accounts[0] else None,
                None if recipient is None or not accounts[1] else key(recipient),
                int(notice),
                userhost or None,
            )
        )

    def _queue(self, row: MessageRow) -> None:
        """
        Queue C{row}, the next ticket, kept in the journal first (if any)
        until written.

        @raise errors.StoreUnavailable: the journal cannot keep it (a full
            disk): the message is refused rather than acknowledged and lost.
        """
        if self._journal is not None:
            try:
                self._journal.append(row[0], row[1:])
            except OSError as error:
                self.database.health.failed(JOURNALING, Failure())
                raise errors.StoreUnavailable() from error
            self.database.health.recovered(JOURNALING)
        self._queued = row[0]
        self._batch.add(row)

    def mark(self) -> Deferred[int]:
        """
        Where history stands now (L{HistoryMarks}).
        """
        return self._marks.mark(self._queued, self._writtenTicket)

    def flush(self) -> Deferred[None]:
        """
        Fires once everything queued so far is written.
        """
        return self._batch.flush()

    def observeWrites(self, timed: Callable[[float], None]) -> None:
        """
        Tell C{timed} how many seconds each batch took to write.
        """
        self._batch.timed = timed

    def keepUnwrittenIn(self, spool: Spool, journal: Journal | None = None) -> int:
        """
        Queue first the messages a stop during an outage kept in C{spool},
        and keep there what a later such stop cannot write; how many.  Each
        message queued from now on is kept in C{journal} until written
        (L{replayJournal} takes back what an unexpected end left there).
        """
        self._spool, self._journal = spool, journal
        if journal is not None:
            self.database.health.recheck(JOURNALING, journal.probe)
        for row in spool.read():
            self._queued += 1
            self._batch.add((self._queued, *row))
        self._spooledUpTo = self._queued
        if self._queued:
            self.log.info(
                "{count} messages kept by the last stop are written first", count=self._queued
            )
        return self._queued

    async def replayJournal(self) -> None:
        """
        Open the journal, and queue the messages it kept from a run that ended without
        writing them (C{kill -9}, a crash), but those the database has: its
        batch may have been written just before the end.
        """
        if self._journal is None:
            return
        self._journal.open()  # now that the daemon runs as its own user
        if not self._journal.leftovers:
            return
        rows = self._journal.leftovers
        msgids = [row[KEPT_MSGID] for row in rows if row[KEPT_MSGID] is not None]
        stored = await self.database.run(storedMsgids, self.database.sql, msgids, what=QUERY)
        missing = [row for row in rows if row[KEPT_MSGID] is None or row[KEPT_MSGID] not in stored]
        for row in missing:
            self._queue((self._queued + 1, *currentRow(row)))
        self._journal.forgetLeftovers()
        self.log.warn(
            "{count} messages acknowledged before the last run ended (it did not stop"
            " cleanly, or this data directory was restored from a backup taken while it ran)"
            " were not yet stored: they are written now",
            count=len(missing),
        )

    async def drain(self) -> None:
        """
        Write every queued message (for a clean shutdown); if the database
        is unavailable, keep them for the next start (or say how many are
        lost).
        """
        try:
            while len(self._batch):
                await self._batch.flush()
            await self._batch.flush()
        except errors.StoreUnavailable as error:
            self._keep(self._batch.take(), oneLine(error))
        else:
            if self._journal is not None:
                self._journal.close(keep=False)

    def _keep(self, rows: list[MessageRow], reason: str) -> None:
        """
        Keep C{rows}, which a stop could not write, in the spool; if it
        cannot take them, the journal keeps them.
        """
        keptIn = ""
        try:
            if self._spool is not None:
                self._spool.write([row[1:] for row in rows])
                keptIn = str(self._spool.path)
        except OSError as failure:
            reason += f"; they could not be kept in the spool: {failure}"
        if self._journal is not None:
            self._journal.close(keep=not keptIn)
            keptIn = keptIn or str(self._journal.directory)
        (self.log.warn if keptIn else self.log.error)(
            "stopping with {count} messages not written ({reason}){kept}",
            count=len(rows),
            reason=reason,
            kept=f": kept in {keptIn}, written at the next start" if keptIn else "",
        )

    def stop(self) -> None:
        """
        Write nothing more.
        """
        self._batch.stop()

    def _reserveIds(self, txn: Cursor, rows: list[MessageRow]) -> list[int]:
        """
        New message ids, ascending, in the writing transaction: one per
        ticket from C{rows}' first to their last (the tickets of a batch
        follow each other).
        """
        count = rows[-1][0] - rows[0][0] + 1
        if self.database.paramstyle == "format":
            txn.execute(RESERVE_IDS["format"], (count,))
            return sorted(int(row[0]) for row in txn.fetchall())
        txn.execute(RESERVE_IDS["qmark"])
        # Not below an id already handed out: the last rows of a batch may
        # have been skipped (stored already), and marks were given past them.
        start = max(int(txn.fetchone()[0]), self._marks.lastId)
        return list(range(start + 1, start + count + 1))

    def _idsWritten(self, written: tuple[list[int], int], rows: list[MessageRow]) -> None:
        """
        A batch is in the database (back on the reactor thread), with its
        ids and how many of its rows were skipped: resolve the marks whose
        ticket it holds.
        """
        ids, skipped = written
        for what in (QUERY, WRITE):  # the batch's transaction read and wrote
            self.database.health.recovered(what)
        if skipped:
            self.log.info(
                "{count} of a batch of {size} messages were stored already (by another"
                " node, or before the journal was read back): each is stored once",
                count=skipped,
                size=len(rows),
            )
        self._writtenTicket = rows[-1][0]
        if self._journal is not None:
            self._journal.written(self._writtenTicket)
        if self._spool is not None and 0 < self._spooledUpTo <= self._writtenTicket:
            self._spool.remove()  # what the last stop kept is in the database now
            self._spooledUpTo = 0
        self._marks.written(ids, rows)

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
        if self._journal is not None:
            self._journal.written(self._writtenTicket)
        # (a later batch written resolves the marks, with its first id)
        self._marks.refused(self._writtenTicket, moreQueued=len(self._batch) > 0)

    def _insertStatement(self, values: str, size: int) -> str:
        """
        The C{INSERT} of C{size} messages, each as C{values}, in the
        driver's parameter style.
        """
        statement = self._statements.get((values, size))
        if statement is None:
            rows = ", ".join([values] * size)
            statement = self.database.sql(INSERT_MESSAGES + rows + SKIP_STORED)
            self._statements[values, size] = statement
        return statement

    def _byShape(self, rows: list[MessageRow]) -> list[tuple[Shape, list[tuple[Any, ...]]]]:
        """
        C{rows} grouped by which columns are NULL, each group in order; a
        row whose body has a search form of its own gets it (L{withSearchText}).
        """
        groups: dict[tuple[bool, ...], list[tuple[Any, ...]]] = {}
        for row in rows:
            shape = shapeOf(row)
            groups.setdefault(shape, []).append(row if shape[-1] else withSearchText(row))
        shaped = []
        for shape, group in groups.items():
            if shape not in self._shapes:
                self._shapes[shape] = Shape(shape, self._idsFollowTickets)
            shaped.append((self._shapes[shape], group))
        return shaped

    def _writeMessages(self, rows: list[MessageRow]) -> Deferred[None]:
        """
        Insert a batch with a few multi-row C{INSERT ... VALUES (...), (...)}
        statements: each costs the pool thread a release and a retaking of
        the GIL, and parsing one costs about as much as inserting its rows,
        so their sizes come from a dozen (L{insertSizes}), each text made
        and parsed once (the driver caches statements).  Rows are grouped by
        the columns they leave NULL, which the statement writes as text
        rather than binding C{None} (L{messageValues}); every row has its id
        (on SQLite, computed from its ticket: L{Shape}), so the order they
        are inserted in does not matter.  A body that is not ASCII is
        written with its search form (L{chatd.storage.search}).  A row whose
        msgid is stored already is skipped (L{SKIP_STORED}): its id is left
        unused, and the full-text index, which takes the batch's ids in one
        more statement, has no row there to index.
        """

        def run(txn: Cursor) -> tuple[list[int], int]:
            if not self._rowsPerInsert:
                self._rowsPerInsert = rowsPerInsert(txn.connection)
            ids = self._reserveIds(txn, rows)
            first, inserted = rows[0][0], 0
            for shape, group in self._byShape(rows):
                start = 0
                for size in insertSizes(len(group), self._rowsPerInsert):
                    parameters = shape.parameters(group[start : start + size], ids, first)
                    txn.execute(self._insertStatement(shape.values, size), parameters)
                    inserted += txn.rowcount
                    start += size
            index = INDEX_BATCH[self.database.paramstyle]
            if index is not None:
                txn.execute(index, (ids[0], ids[-1]))
            return ids, len(rows) - inserted

        return self.database.run(run, what=None).addCallback(self._idsWritten, rows)
