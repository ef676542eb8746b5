# -*- test-case-name: tests.unit.core.test_inbox,tests.unit.test_inbox_outage -*-
"""
How many private messages wait, counted by some key (a recipient, or a
recipient and one sender), read from the store once then kept up to date
by the process (L{chatd.core.inbox.Inbox}): a message kept costs no query
while the count is known.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Generic, TypeVar, cast

from twisted.internet.defer import Deferred, fail, succeed
from twisted.python.failure import Failure

from chatd.core import errors
from chatd.core.calls import whenFired
from chatd.core.limits import MAX_SHARE, MAX_WAITING
from chatd.core.names import key

__all__ = ["InboxCounts", "WaitCounts"]

Label = TypeVar("Label")


class WaitCounts(Generic[Label]):
    """
    Counts of waiting messages, each under a limit.

    A label names what is counted as the store and the error read it (a
    name, or a pair of names); C{keyOf} gives the key it is counted under.

    @ivar limit: messages that may wait under one key (C{None}: no limit).
    @ivar epoch: how many times counts were forgotten (L{forget}); L{give}
        takes it, to give back only to a count that still holds the message.
    """

    def __init__(
        self,
        read: Callable[[Label], Deferred[int]],
        keyOf: Callable[[Label], Hashable],
        refusal: Callable[[Label, int], errors.InboxFull],
        shared: Callable[[], bool],
        limit: int | None,
    ) -> None:
        self.read, self.keyOf, self.refusal, self.shared = read, keyOf, refusal, shared
        self.limit = limit
        self.epoch = 0
        self._counts: dict[Hashable, int] = {}
        # The callers waiting for a count being read, with their label.
        self._loading: dict[Hashable, list[tuple[Deferred[None], Label]]] = {}

    def take(self, label: Label, after: Deferred[None] | None = None) -> Deferred[None]:
        """
        Count one more message under C{label}, or refuse it
        (L{errors.InboxFull}, as a failed L{Deferred}).  The count is read
        from the store once, after C{after} fires if it is given (then a
        known count is not trusted); callers that arrive while it is being
        read share the read and are counted one after the other, in order.
        """
        if self.limit is None:
            return succeed(None)
        countKey = self.keyOf(label)
        if countKey in self._counts and after is None:
            try:
                self._take(countKey, label)
            except errors.InboxFull:
                return fail()
            return succeed(None)
        waiter: Deferred[None] = Deferred()
        waiting = self._loading.get(countKey)
        if waiting is not None:
            waiting.append((waiter, label))
            return waiter
        self._loading[countKey] = [(waiter, label)]
        if after is None:
            self._readCount(None, label)
        else:
            whenFired(after).addCallback(self._readCount, label)
        return waiter

    def give(self, label: Label, epoch: int) -> None:
        """
        A message counted under C{label} when L{epoch} was C{epoch} is not
        kept after all: it no longer counts.
        """
        countKey = self.keyOf(label)
        if epoch == self.epoch and countKey in self._counts:
            self._counts[countKey] -= 1

    def forget(self, matches: Callable[[Hashable], bool]) -> None:
        """
        Messages were delivered: the counts whose key C{matches} are read
        afresh, and a count being read now is not kept.
        """
        self.epoch += 1
        for countKey in [each for each in self._counts if matches(each)]:
            del self._counts[countKey]

    def _readCount(self, ignored: None, label: Label) -> None:
        self.read(label).addBoth(self._countRead, label, self.epoch)

    def _take(self, countKey: Hashable, label: Label) -> None:
        count = self._counts[countKey]
        if self.limit is not None and count >= self.limit:
            raise self.refusal(label, count)
        self._counts[countKey] = count + 1

    def _countRead(self, result: int | Failure, label: Label, epoch: int) -> None:
        countKey = self.keyOf(label)
        waiters = self._loading.pop(countKey)
        if isinstance(result, Failure):
            for waiter, _ in waiters:
                waiter.errback(result)
            return
        self._counts[countKey] = result
        for waiter, each in waiters:
            try:
                self._take(countKey, each)
            except errors.InboxFull:
                waiter.errback()
            else:
                waiter.callback(None)
        if self.shared() or epoch != self.epoch:
            # Other processes add messages too, or some were delivered
            # while it was read: this count served the callers that waited
            # for it, and the next caller reads it again.
            del self._counts[countKey]


class InboxCounts:
    """
    The counts L{chatd.core.inbox.Inbox} keeps: how many private messages
    wait for each recipient (C{totals}), and from each sender for each
    recipient (C{shares}), each under its limit, read from the store
    (C{waitingCount(recipient)}, C{waitingFrom(recipient, sender)}).
    """

    def __init__(
        self,
        waitingCount: Callable[[str], Deferred[int]],
        waitingFrom: Callable[[str, str], Deferred[int]],
        shared: Callable[[], bool],
    ) -> None:
        self.totals: WaitCounts[str] = WaitCounts(waitingCount, key, _full, shared, MAX_WAITING)
        self.shares: WaitCounts[tuple[str, str]] = WaitCounts(
            lambda pair: waitingFrom(*pair), _pairKey, _shareReached, shared, MAX_SHARE
        )

    async def admit(
        self, recipient: str, sender: str, after: Deferred[None] | None
    ) -> Callable[[], None]:
        """
        Count one more message from C{sender} for C{recipient}, or refuse
        it (L{errors.InboxFull}): first against the sender's share, then
        against the inbox, each read after C{after} if given.  Gives what
        counts it no more, for a message not kept after all (the store
        refused it).
        """
        pair, epoch, total = (recipient, sender), self.shares.epoch, self.totals.epoch
        await self.shares.take(pair, after)
        try:
            await self.totals.take(recipient, after)
        except BaseException:
            self.shares.give(pair, epoch)
            raise

        def giveBack() -> None:
            self.shares.give(pair, epoch)
            self.totals.give(recipient, total)

        return giveBack

    def forget(self, nick: str) -> None:
        """
        Messages for C{nick} were delivered: read their counts afresh.
        """
        nickKey = key(nick)
        self.totals.forget(lambda countKey: countKey == nickKey)
        self.shares.forget(lambda countKey: cast(tuple[str, str], countKey)[0] == nickKey)


def _full(recipient: str, count: int) -> errors.InboxFull:
    return errors.InboxFull(
        f"{recipient}'s inbox is full ({count} messages wait):"
        " it takes more once they log in and read it"
    )


def _shareReached(pair: tuple[str, str], count: int) -> errors.InboxFull:
    return errors.InboxFull(
        f"you have {count} messages waiting for {pair[0]} already:"
        " they take more from you once they log in and read them"
    )


def _pairKey(pair: tuple[str, str]) -> tuple[str, str]:
    return key(pair[0]), key(pair[1])
