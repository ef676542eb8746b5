# -*- test-case-name: tests.unit.storage.test_historymarks,tests.integration.test_store -*-
"""
History marks (L{chatd.storage.interfaces.IChatStore.mark}): the id before
which a room's history holds what was said up to a moment, so that an
entry's replay shows what came before it and none of what its user then
receives live, or says.

Messages get their ids only when their batch is written.  A mark asked
while messages of ours wait follows the newest of them, once its batch has
its ids.  Otherwise it is the database's high-water mark, which takes in
what other processes sharing the database wrote, read in a pool thread;
should a message queued after the mark was asked be written before that
answer comes (a busy pool), the mark stops at that message's id.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from twisted.internet.defer import Deferred
from twisted.python.failure import Failure

from chatd.storage.schema import HIGHEST_ID

if TYPE_CHECKING:
    from chatd.storage.database import Database
    from chatd.storage.rowshapes import MessageRow


class _Asked:
    """
    A high-water mark asked of the database: the last ticket queued then,
    and the id of the first later message written meanwhile.  Compared by
    identity: two asked with the same messages queued are two.
    """

    __slots__ = ("ticket", "later")

    def __init__(self, ticket: int) -> None:
        self.ticket = ticket
        self.later: list[int] = []


class HistoryMarks:
    """
    The marks of one message writer, which tells it of each batch written
    (L{written}) and each message refused (L{refused}); tickets are the
    writer's count of messages queued.
    """

    def __init__(self, database: Database) -> None:
        self.database = database
        #: The id of the last message written by this process.
        self.lastId = 0
        #: Marks waiting for the batch of a ticket: (ticket, waiter).
        self._waiting: list[tuple[int, Deferred[int]]] = []
        #: High-water marks asked of the database, not yet answered.
        self._asking: list[_Asked] = []

    def mark(self, queued: int, writtenTicket: int) -> Deferred[int]:
        """
        The mark now, with messages queued up to ticket C{queued} and
        written (or refused) up to C{writtenTicket}.
        """
        if writtenTicket < queued:
            waiter: Deferred[int] = Deferred()
            self._waiting.append((queued, waiter))
            return waiter
        last, asking = self.lastId, _Asked(queued)
        self._asking.append(asking)

        def forget() -> None:
            self._asking = [each for each in self._asking if each is not asking]

        def answered(rows: list[tuple[Any, ...]]) -> int:
            forget()
            return min([max(int(rows[0][0] or 0), last) + 1, *asking.later])

        def failed(failure: Failure) -> Failure:
            forget()
            return failure

        d = self.database.select(HIGHEST_ID[self.database.paramstyle])
        return d.addCallbacks(answered, failed)

    def written(self, ids: list[int], rows: list[MessageRow]) -> None:
        """
        A batch is in the database, C{ids} for its tickets from its first
        row's on: resolve the marks whose ticket it holds.
        """
        first, last = rows[0][0], rows[-1][0]
        self.lastId = ids[-1]
        for asked in self._asking:
            if not asked.later and last > asked.ticket:
                asked.later.append(ids[max(asked.ticket + 1, first) - first])
        waiting, self._waiting = self._waiting, []
        for ticket, waiter in waiting:
            if ticket <= last:
                waiter.callback(ids[ticket - first] + 1 if ticket >= first else ids[0])
            else:
                self._waiting.append((ticket, waiter))

    def refused(self, writtenTicket: int, moreQueued: bool) -> None:
        """
        A message was refused (skipped), the last up to C{writtenTicket}:
        unless a later batch resolves them (C{moreQueued}), the marks
        waiting for it are the database's high-water mark.
        """
        if moreQueued or not self._waiting:
            return
        waiting, self._waiting = self._waiting, []
        last = self.lastId

        def resolve(rows: list[tuple[Any, ...]]) -> None:
            mark = max(int(rows[0][0] or 0), last) + 1
            for _, waiter in waiting:
                waiter.callback(mark)

        def failed(failure: Failure) -> None:
            for _, waiter in waiting:
                waiter.errback(failure)

        self.database.select(HIGHEST_ID[self.database.paramstyle]).addCallbacks(resolve, failed)
