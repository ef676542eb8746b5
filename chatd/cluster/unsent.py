# -*- test-case-name: tests.unit.cluster.test_cluster_unsent,tests.unit.cluster.test_cluster_receipts -*-  # noqa: E501
"""
The copies stored as sent of private messages that were not delivered.

A private message to a user of another node is stored as sent once Redis
holds it (L{chatd.core.messages}).  When it cannot be kept for its
registered recipient after all (they left, or their node died, and their
inbox is full, or the store is away), its sender is told it was not
delivered (L{chatd.cluster.receipts}), and that copy is deleted, so that
history and search do not show it as delivered.  While the store is away,
the deletion is tried again on the service's clock
(L{chatd.core.storeretry}) until it is back: the copy, written meanwhile
from the writer's queue, goes then.  At most L{LIMIT} deletions wait so;
beyond, the oldest is given up, and logged.  A message that reaches its
recipient after all (their node only stalled) is stored again: its
deletion, if still waiting, is given up first (L{Unsent.keep}), so that it
does not take the new copy.
"""

from __future__ import annotations

from twisted.internet.defer import Deferred, succeed
from twisted.logger import Logger
from twisted.python.failure import Failure

from chatd.core.errors import StoreUnavailable
from chatd.core.service import ChatService
from chatd.core.storeretry import Retries

#: Deletions waiting for the store at most (the oldest is given up).
LIMIT = 10_000


class Unsent:
    """
    Deletes the copies stored as sent of messages not delivered, on
    C{service}'s store.
    """

    log = Logger()

    def __init__(self, service: ChatService, limit: int = LIMIT) -> None:
        self.service = service
        self.limit = limit
        self.retries = Retries(service.clock)
        self._waiting: dict[str, None] = {}
        #: The deletions under way, by msgid: each fires once it has ended.
        self._deleting: dict[str, Deferred[None]] = {}

    def forget(self, msgid: str) -> None:
        """
        Delete the copy stored as sent of the private message C{msgid},
        which was not delivered; again while the store is away.
        """
        persistence = self.service.persistence
        if not msgid or persistence is None or msgid in self._waiting:
            return
        self._waiting[msgid] = None
        if len(self._waiting) > self.limit:
            oldest = next(iter(self._waiting))
            del self._waiting[oldest]
            self.log.warn(
                "the private message {msgid}, not delivered, stays stored as sent:"
                " more than {limit} such deletions wait for the store",
                msgid=oldest,
                limit=self.limit,
            )
            self.retries.wake(oldest)
        store = persistence.store
        deleting = self.retries.until(
            lambda: store.deleteMessage(msgid), lambda: msgid in self._waiting, msgid
        )
        ending = Deferred.fromCoroutine(deleting).addBoth(self._ended, msgid)
        if not ending.called:
            self._deleting[msgid] = ending

    def keep(self, msgid: str) -> Deferred[None]:
        """
        The private message C{msgid} was delivered after all: its deletion,
        if one waits for the store, is given up; fires once none is under
        way, so that a copy stored then stays.
        """
        self._waiting.pop(msgid, None)
        self.retries.wake(msgid)
        deleting = self._deleting.get(msgid)
        if deleting is None:
            return succeed(None)
        ended: Deferred[None] = Deferred()
        deleting.addBoth(lambda _: ended.callback(None))
        return ended

    def waiting(self) -> int:
        """
        How many deletions wait for the store.
        """
        return len(self._waiting)

    def _ended(self, result: object, msgid: str) -> None:
        self._waiting.pop(msgid, None)
        self._deleting.pop(msgid, None)
        if isinstance(result, Failure) and not result.check(StoreUnavailable):  # (given up)
            why = "deleting the private message {msgid} that was not delivered"
            self.log.failure(why, result, msgid=msgid)
