# -*- test-case-name: tests.unit.core.test_readmarkers -*-
"""
Read markers: how far a registered account has read each of its
conversations (a room, or a private conversation with a nickname), shared
by every connection it is signed in from (IRC's C{draft/read-marker}, the
web page's unread counts, talk mode's "N new since you last read").

A private conversation's marker is kept under the name its history is
(L{keptAs}: the other person's account when their nickname is signed in to
one), so that reading it under any of their names moves the one marker.

A marker is a moment in milliseconds (a message's time, as IRC's
C{server-time} and the web page show it) and only moves forward.  It is
kept in the store per account.  A guest's markers are kept in memory for
its session only (its conversations end with it): IRC's C{MARKREAD} works
for it, but nothing is stored, listed (L{ReadMarkers.all}) or counted
across sessions.  When one connection moves a marker, the account's other
connections that follow markers (L{ReadMarkers.follow}) are told.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING
from weakref import WeakKeyDictionary

from twisted.internet.defer import Deferred, succeed

from chatd.core import errors
from chatd.core.chathistory import LATEST, HistoryQuery, Selector
from chatd.core.delivery import connectionsOf
from chatd.core.interfaces import IParticipant
from chatd.core.limits import MAX_HISTORY
from chatd.core.moments import latestMarkable
from chatd.core.names import key
from chatd.core.signedin import keptAs
from chatd.storage.interfaces import IChatStore

if TYPE_CHECKING:
    from chatd.core.service import ChatService

#: What a following connection is told when its account's marker moves:
#: C{told(connection, conversation's name, is a room, millis)}.  A plain
#: function, not a bound method: the registry must not keep the
#: connection alive.
Told = Callable[[IParticipant, str, bool, int], None]

#: The most unread messages counted (more show as this many).
MAX_UNREAD = MAX_HISTORY

#: The most private conversations without a marker counted (L{ReadMarkers.unmarked}):
#: the latest.
MAX_UNMARKED = 50


def readMarkersOf(service: object) -> ReadMarkers | None:
    """
    The read markers of C{service} (a L{ChatService}), or C{None}: a
    service without a store keeps no accounts, so no markers.
    """
    persistence = getattr(service, "persistence", None)
    return None if persistence is None else persistence.readMarkers


class ReadMarkers:
    """
    The one owner of the read-marker rule, over C{store}, for the
    accounts signed in to C{service}.
    """

    def __init__(self, service: ChatService, store: IChatStore) -> None:
        self.service = service
        self.store = store
        self._followers: WeakKeyDictionary[IParticipant, Told] = WeakKeyDictionary()
        #: Markers known here: account key -> (is a room, target key) -> millis.
        self._known: dict[str, dict[tuple[bool, str], int]] = {}
        #: Guests' markers, for their session: person -> (is a room, target key) -> millis.
        self._guests: WeakKeyDictionary[IParticipant, dict[tuple[bool, str], int]] = (
            WeakKeyDictionary()
        )

    def account(self, participant: IParticipant) -> str | None:
        """
        The name of the registered account C{participant} is signed in to
        (whatever its nickname now), or C{None} (a guest, or not logged in).
        """
        if participant.nick is None:
            return None
        return self.service.accountName(participant)

    def requireAccount(self, participant: IParticipant) -> str:
        """
        @raise NotLoggedIn: C{participant} is not logged in.
        @raise NotPermitted: it is a guest.
        """
        self.service.requireLogin(participant)
        nick = self.account(participant)
        if nick is None:
            raise errors.NotPermitted("read markers are kept for registered accounts only")
        return nick

    def _guest(self, participant: IParticipant) -> dict[tuple[bool, str], int] | None:
        """
        The session's markers of C{participant} if it is a guest, else
        C{None} (an account's are in the store).

        @raise NotLoggedIn: C{participant} is not logged in.
        """
        self.service.requireLogin(participant)
        if self.account(participant) is not None:
            return None
        return self._guests.setdefault(self.service.people.personOf(participant), {})

    def _named(self, target: str, isRoom: bool) -> str:
        """
        The name C{target}'s marker is kept under: a room's own, or that
        of the private conversation's history (L{keptAs}).
        """
        if isRoom:
            return self.service.roomQueries.storedName(target)
        return keptAs(self.service.people, target)

    def follow(self, connection: IParticipant, told: Told) -> None:
        """
        Tell C{connection}, with C{told}, each time its account's marker in
        one of its conversations moves (set by another connection).
        """
        self._followers[connection] = told

    def get(self, participant: IParticipant, target: str, isRoom: bool) -> Deferred[int | None]:
        """
        C{participant}'s account's marker in C{target} (C{None}: none yet).

        @raise NotLoggedIn: C{participant} is not logged in.
        """
        guest = self._guest(participant)
        target = self._named(target, isRoom)
        if guest is not None:
            return succeed(guest.get((isRoom, key(target))))
        nick = self.requireAccount(participant)
        known = self._known.get(key(nick), {}).get((isRoom, key(target)))
        persistence = self.service.persistence
        if known is not None and not (persistence is not None and persistence.sharedStore):
            return succeed(known)  # (other nodes move markers in a shared store: read it)
        return self.store.readMarker(nick, target, isRoom).addCallback(
            self._remember, nick, target, isRoom
        )

    def all(self, participant: IParticipant) -> Deferred[list[tuple[str, bool, int]]]:
        """
        Every marker of C{participant}'s account, as C{(name, is a room,
        millis)}.
        """
        return self.store.readMarkers(self.requireAccount(participant))

    def mark(
        self, participant: IParticipant, target: str, isRoom: bool, millis: int
    ) -> Deferred[int]:
        """
        Move C{participant}'s account's marker in C{target} to C{millis},
        if later than where it is; a later moment than the end of the
        current second, or than a burst's last message
        (L{latestMarkable}), is read as that (markers never move back: one
        in the future would hide every message until then).  Fires with
        the marker as it now is; if it moved, the account's other following
        connections are told.

        @raise NotLoggedIn: C{participant} is not logged in.
        @raise InvalidArgument: a negative moment.
        """
        guest = self._guest(participant)
        target = self._named(target, isRoom)
        if millis < 0:
            raise errors.InvalidArgument("a read marker is a moment after 1970")
        millis = min(millis, latestMarkable(self.service.clock))
        if guest is not None:  # one connection: nobody else to tell
            conversation = (isRoom, key(target))
            guest[conversation] = max(millis, guest.get(conversation, 0))
            return succeed(guest[conversation])
        nick = self.requireAccount(participant)
        before = self._known.get(key(nick), {}).get((isRoom, key(target)))
        if before is not None and before >= millis:
            return succeed(before)  # no write: it would not move
        d = self.store.saveReadMarker(nick, target, isRoom, millis)
        d.addCallback(self._remember, nick, target, isRoom)
        return d.addCallback(self._moved, participant, target, isRoom, before)

    def _remember(self, millis: int | None, nick: str, target: str, isRoom: bool) -> int | None:
        if millis is not None:
            self._known.setdefault(key(nick), {})[(isRoom, key(target))] = millis
        return millis

    def _moved(
        self, millis: int, participant: IParticipant, target: str, isRoom: bool, before: int | None
    ) -> int:
        if before is None or millis > before:
            for connection in connectionsOf(self.service.people.personOf(participant)):
                told = self._followers.get(connection)
                if connection is not participant and told is not None:
                    told(connection, target, isRoom, millis)
        return millis

    def unread(self, participant: IParticipant, target: str, isRoom: bool) -> Deferred[int | None]:
        """
        How many messages others sent in C{target} after C{participant}'s
        account's marker (at most L{MAX_UNREAD}), or C{None}: no marker
        (nothing is known of what it read).

        @raise NotLoggedIn, NotPermitted, NotMember, NoSuchGroup: as for
            L{get} and history.
        """
        return Deferred.fromCoroutine(self._unread(participant, target, isRoom))

    async def _unread(
        self, participant: IParticipant, target: str, isRoom: bool, since: int | None = None
    ) -> int | None:
        marker = await self.get(participant, target, isRoom)
        if marker is None:
            marker = since
        if marker is None:
            return None
        return await self._saidAfter(participant, target, isRoom, marker)

    def unreadSince(
        self, participant: IParticipant, target: str, isRoom: bool, since: int | None
    ) -> Deferred[int | None]:
        """
        As L{unread}, but with no marker, how many others sent after the
        moment C{since} (in milliseconds; C{None}: not counted).
        """
        return Deferred.fromCoroutine(self._unread(participant, target, isRoom, since))

    async def _saidAfter(
        self, participant: IParticipant, target: str, isRoom: bool, millis: int
    ) -> int:
        query = HistoryQuery(LATEST, Selector(millis=millis), MAX_UNREAD)
        persistence = self.service.persistence
        assert persistence is not None
        found = await persistence.chathistory.window(participant, target, isRoom, query)
        # What it said under any nickname is kept as said by its account.
        mine = {key(name) for name in (participant.nick, self.account(participant)) if name}
        return sum(1 for event in found if key(event.sender) not in mine)

    def unmarked(self, participant: IParticipant) -> Deferred[list[tuple[str, int]]]:
        """
        The private conversations of C{participant}'s account with no marker
        yet (a first conversation with someone, received on a device that
        marks nothing) where others wrote: none of it was read, so each
        comes with all that others sent in it (at most L{MAX_UNREAD}), as
        C{(name, unread)}; the latest L{MAX_UNMARKED} conversations.

        @raise NotLoggedIn, NotPermitted: as for L{all}.
        """
        self.requireAccount(participant)
        return Deferred.fromCoroutine(self._unmarked(participant))

    async def _unmarked(self, participant: IParticipant) -> list[tuple[str, int]]:
        marked = {key(name) for name, isRoom, _ in await self.all(participant) if not isRoom}
        persistence = self.service.persistence
        assert persistence is not None
        until = int(self.service.clock.seconds() + 1) * 1000
        targets = await persistence.chathistory.targets(participant, 0, until, MAX_HISTORY)
        names = [name for name, isRoom, _ in targets if not isRoom and key(name) not in marked]
        found = []
        for name in names[-MAX_UNMARKED:]:  # the targets come earliest first
            if unread := await self._saidAfter(participant, name, False, 0):
                found.append((name, unread))
        return found
