# -*- test-case-name: tests.unit.core.test_alwayson,tests.unit.cluster.test_cluster_alwaysonback -*-  # noqa: E501
"""
What an always-on account back from an absence is told: how many messages
came in each of its rooms since it last read there, then the refusals and
the private messages that waited.  A part of L{chatd.core.alwayson.AlwaysOn},
kept apart as the one place that decides who is told, whatever the
front-end and whichever cluster node the stand-in was on.

A connection is back from an absence when it signs in to an always-on
account and is the account's only live connection anywhere: it took over a
stand-in here (L{AlwaysOn.returned}), or it signed in afresh, the stand-in
being on another node (let go, L{chatd.cluster.profiles}), ended by an
operator, or not put back yet.  Its account's read markers and when it was
last connected (L{LastSeen}) say what is counted, so the rule needs to know
nothing of where the stand-in was.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from weakref import WeakSet

from twisted.internet.defer import Deferred

from chatd.core import errors
from chatd.core.events import Notice
from chatd.core.keptrefusals import tellKept
from chatd.core.participant import IParticipant

if TYPE_CHECKING:
    from chatd.core.persistence import Persistence
    from chatd.core.service import ChatService


class CatchUp:
    """
    Telling a connection back from an absence what it missed, once; for
    L{chatd.core.alwayson.AlwaysOn}.
    """

    service: ChatService
    persistence: Persistence
    #: The connections told what they missed (or being told): a login that
    #: found its person here meanwhile is not told twice.
    _caughtUp: WeakSet[IParticipant]

    def isOn(self, nick: str) -> bool:
        raise NotImplementedError  # AlwaysOn's

    def offerMissed(self, connection: IParticipant) -> None:
        """
        On the next turn, tell C{connection}, which took over its account's
        stand-in here, what it missed (L{missed}).
        """
        nick = connection.nick
        assert nick is not None
        self.service.clock.callLater(0, self._offerMissed, connection, nick)

    def _offerMissed(self, connection: IParticipant, nick: str) -> None:
        missed = Deferred.fromCoroutine(self.missed(connection, nick))
        self.persistence.background(missed, "always-on catch-up")

    async def missed(self, connection: IParticipant, nick: str) -> None:
        """
        Tell C{connection} how many messages came in each of its rooms
        while it was away (L{tellMissed}), then the refusals and the
        private messages that waited.
        """
        await self.tellMissed(connection, nick)
        if self.service.isLoggedIn(connection):
            await tellKept(self.persistence, connection, nick)
        if self.service.isLoggedIn(connection):
            await self.persistence.inbox.deliver(connection, nick)

    async def tellMissed(self, connection: IParticipant, account: str) -> None:
        """
        C{connection} just signed in to C{account} as its only live
        connection (on any node): if the account is always on, tell it,
        once, how many messages came in each of its rooms since the account
        last read there, or, in a room it never marked read, since it was
        last connected or entered it (L{LastSeen.unread}).  No room
        counted, or the store unavailable, nothing is said (what waited
        follows all the same).
        """
        if not self.isOn(account) or connection in self._caughtUp:
            return
        self._caughtUp.add(connection)
        counts = []
        lastSeen = self.persistence.lastSeen
        try:
            moments = await lastSeen.moments(account)
            for room in self.service.roomsOf(connection):
                if not self.service.isLoggedIn(connection):
                    return
                unread = await lastSeen.unread(connection, room, moments)
                if unread:
                    counts.append(f"{unread} in {room}")
        except errors.StoreUnavailable:
            return
        if counts and self.service.isLoggedIn(connection):
            text = "while you were away: " + ", ".join(counts) + " new since you last read"
            connection.notice(Notice(text, self.service.clock.seconds()))
