# -*- test-case-name: tests.unit.test_tchat_allowance,tests.unit.irc.test_irc_allowance -*-
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
"""

from __future__ import annotations

import math
from weakref import WeakKeyDictionary

from twisted.internet.interfaces import IReactorTime

from chatd.core import errors
from chatd.core.limits import MOVE_EVERY, MOVES_BURST, RENAME_EVERY, RENAMES_BURST
from chatd.core.participant import IParticipant
from chatd.lines.throttle import TokenBucket


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


class Allowances:
    """
    The renames and the room entries and exits of every person, for
    L{chatd.core.service.ChatService}.
    """

    def __init__(self, clock: IReactorTime) -> None:
        self.renames = Allowance(clock, RENAMES_BURST, RENAME_EVERY)
        self.moves = Allowance(clock, MOVES_BURST, MOVE_EVERY)

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
