# -*- test-case-name: tests.unit.test_tchat_allowance,tests.unit.irc.test_irc_allowance,tests.unit.core.test_history_allowance -*-  # noqa: E501
"""
How often one person may change name, and enter and leave rooms: each is
told to others (a rename to every room the person shares, an entry or exit
to the room), so a loop of them would fill everyone's screens at the pace a
front-end lets lines in.  One token bucket per person (L{RENAMES_BURST} then
one per L{RENAME_EVERY} seconds; L{MOVES_BURST} exits then one per
L{MOVE_EVERY} seconds), on the service's clock, asked by the service for
every front-end: a person's connections share it, and a guest keeps it
across renames.  Chatd operators are not counted, nor the daemon's own
doings (autojoin, always-on stand-ins, approvals, another node's replicas),
which never pass here.

An exit is counted but never refused: anyone may always leave a room; the
entries after it wait the longer.  An entry is not counted: a client may
enter as many rooms as it likes at once (an autojoin list of 40 channels),
and entering a room one is in already shows nobody anything; only leaving
and entering again can loop.

History requests cost what their answers hold (L{HistoryAllowance}): every
front-end's, asked by L{chatd.core.chathistory}; found and sent a page at a
time, a few large answers a second kept the reactor busy for everyone.  An
answer is counted once found, and its pages go out at the allowance's pace
(L{Release}, L{chatd.lines.paced}): what the allowance held at once, then
C{rate} bytes a second, so one request of many megabytes is no spike
either.  Operators are not counted there either: moderating, they read
history as much as they need.  A person signed in to an account is counted
as the account, whatever its connections, one after another too; a guest
as its address (L{chatd.core.admission.Admission.group}: an IPv6 C{/64}
as one), which all guests of that address share, so that reconnecting
under another name brings no new allowance (L{whoseHistory}).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import TypeAlias, TypeVar
from weakref import WeakKeyDictionary

from twisted.internet.defer import Deferred
from twisted.internet.interfaces import IReactorTime
from twisted.internet.task import deferLater

from chatd.core import errors
from chatd.core.events import PrivateMessage, RoomMessage
from chatd.core.limits import (
    HISTORY_BURST,
    HISTORY_PATIENCE,
    HISTORY_RATE,
    MOVE_EVERY,
    MOVES_BURST,
    RENAME_EVERY,
    RENAMES_BURST,
)
from chatd.core.pacing import wireSize
from chatd.core.participant import IParticipant
from chatd.core.tokenbucket import TokenBucket

T = TypeVar("T")

#: Whose allowance of history a request takes (L{whoseHistory}): an
#: account's or an address group's, by a (kind, name) key, or one person's.
Whose: TypeAlias = "tuple[str, str] | IParticipant"
#: How many accounts' and addresses' allowances are kept before those full
#: again (as good as new) are forgotten.
KEPT_ALLOWANCES = 1024


def whoseHistory(person: IParticipant, account: str | None, group: str) -> Whose:
    """
    Whose allowance of history C{person}'s requests take: its account's
    (C{account}, the account's key), from every connection and device,
    one after another too; a guest's address's (C{group}, its address
    group, L{chatd.core.admission.Admission.group}), shared by every guest
    of that address, one that reconnects under another name included; or,
    for a guest of a C{--limit-exempt} network or of no IP address
    (C{group} empty), its own, for as long as it is connected.
    """
    if account is not None:
        return ("account", account)
    if group:
        return ("address", group)
    return person


class Allowance:
    """
    C{burst} actions per person at once, then one per C{every} seconds.
    """

    def __init__(self, clock: IReactorTime, burst: int, every: float) -> None:
        self.clock = clock
        self.burst = burst
        self.every = every
        # A person's bucket lasts as long as the person (its connections).
        self._buckets: WeakKeyDictionary[IParticipant, TokenBucket] = WeakKeyDictionary()

    def _bucket(self, person: IParticipant) -> TokenBucket:
        bucket = self._buckets.get(person)
        if bucket is None:
            bucket = self._buckets[person] = TokenBucket(self.clock, 1 / self.every, self.burst)
        return bucket

    def wait(self, person: IParticipant) -> int:
        """
        Whole seconds before C{person} may act again (0: now).
        """
        return math.ceil(self._bucket(person).wait())

    def take(self, person: IParticipant) -> None:
        """
        Count one action of C{person}'s, if it has a token left.
        """
        self._bucket(person).take()


class HistoryAllowance:
    """
    The history each account, each guests' address and each exempt guest
    may be sent (L{whoseHistory}), in bytes on the wire: C{burst} at once,
    then C{rate} a second.  An answer is counted once found (its size is
    not known before), so one may leave its allowance owing; the next
    request taking it waits until the debt is paid, or is refused if that
    would take more than C{patience} seconds.
    """

    def __init__(
        self,
        clock: IReactorTime,
        burst: float = HISTORY_BURST,
        rate: float = HISTORY_RATE,
        patience: float = HISTORY_PATIENCE,
    ) -> None:
        self.clock = clock
        self.burst = burst
        self.rate = rate
        self.patience = patience
        self._buckets: WeakKeyDictionary[IParticipant, TokenBucket] = WeakKeyDictionary()
        #: Accounts' and addresses' allowances, which outlive connections.
        self._kept: dict[tuple[str, str], TokenBucket] = {}
        self._sweepAt = KEPT_ALLOWANCES

    def _bucket(self, whose: Whose) -> TokenBucket:
        if not isinstance(whose, tuple):
            bucket = self._buckets.get(whose)
            if bucket is None:
                bucket = self._buckets[whose] = TokenBucket(self.clock, self.rate, self.burst)
            return bucket
        bucket = self._kept.get(whose)
        if bucket is None:
            if len(self._kept) >= self._sweepAt:
                for full in [key for key, kept in self._kept.items() if kept.full()]:
                    del self._kept[full]
                self._sweepAt = max(KEPT_ALLOWANCES, 2 * len(self._kept))
            bucket = self._kept[whose] = TokenBucket(self.clock, self.rate, self.burst)
        return bucket

    def turn(self, whose: Whose) -> Deferred[None] | None:
        """
        When a request taking C{whose} allowance (L{whoseHistory}) may be
        answered: now (C{None}), or when the L{Deferred} fires.

        @raise errors.TooFast: not within C{patience} seconds.
        """
        wait = max(0.0, -self._bucket(whose).available() / self.rate)  # the debt paid
        if wait > self.patience:
            raise errors.TooFast(f"you ask for history too fast: try again in {math.ceil(wait)}s")
        return deferLater(self.clock, wait) if wait else None

    def charge(self, whose: Whose, messages: Iterable[RoomMessage | PrivateMessage]) -> Release:
        """
        Count the C{messages} sent in answer to a request taking C{whose}
        allowance, in bytes (L{wireSize}).

        @return: when each part of them is due (L{Release}).
        """
        bucket = self._bucket(whose)
        ahead = bucket.available()
        bucket.charge(sum(map(wireSize, messages)))
        return Release(self.clock, ahead, self.rate)


class Release:
    """
    When the parts of one answer are due: C{ahead} bytes at once (what the
    allowance held when it was counted; less than 0 if its person still
    owed), then C{rate} bytes a second; so the answers of one person go out
    one after the other, in the order they were found.  A part goes once
    what comes before it is covered: the first at once, however large,
    unless its person owes.
    """

    __slots__ = ("clock", "start", "ahead", "rate")

    def __init__(self, clock: IReactorTime, ahead: float, rate: float) -> None:
        self.clock = clock
        self.start = clock.seconds()
        self.ahead = ahead
        self.rate = rate

    def due(self, sent: int) -> Deferred[None] | None:
        """
        When the part of the answer that starts C{sent} bytes (L{wireSize})
        into it may go: now (C{None}), or when the L{Deferred} fires.
        """
        wait = self.start + max(0.0, sent - self.ahead) / self.rate - self.clock.seconds()
        return deferLater(self.clock, wait) if wait > 0 else None


class Answer(list[T]):
    """
    The messages that answer a history request, oldest first, and when
    they are due (C{release}; C{None}: at once, not counted).  A front-end
    that sends only some of them keeps the pace with L{keep}.
    """

    release: Release | None = None


def keep(answer: list[T], items: list[T]) -> list[T]:
    """
    C{items}, some of C{answer}'s, due as C{answer} is if it is an L{Answer}.
    """
    if not isinstance(answer, Answer) or answer.release is None:
        return items
    kept = Answer(items)
    kept.release = answer.release
    return kept


class Allowances:
    """
    The renames and the room entries and exits of every person, for
    L{chatd.core.service.ChatService}.
    """

    def __init__(self, clock: IReactorTime) -> None:
        self.renames = Allowance(clock, RENAMES_BURST, RENAME_EVERY)
        self.moves = Allowance(clock, MOVES_BURST, MOVE_EVERY)
        self.history = HistoryAllowance(clock)

    def checkRename(self, person: IParticipant) -> None:
        """
        @raise errors.TooFast: C{person} changed name too often lately.
        """
        wait = self.renames.wait(person)
        if wait:
            raise errors.TooFast(f"you change your nickname too fast: try again in {wait}s")

    def checkEntry(self, person: IParticipant) -> None:
        """
        @raise errors.TooFast: C{person} entered and left rooms too often lately.
        """
        wait = self.moves.wait(person)
        if wait:
            raise errors.TooFast(f"you enter and leave rooms too fast: try again in {wait}s")
