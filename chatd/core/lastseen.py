# -*- test-case-name: tests.unit.core.test_lastseen -*-
"""
When each registered account was last connected, kept in the store
(L{chatd.storage.alwayson}) so that an always-on account coming back is
told what came in a room it never marked read since it was last there
(L{AlwaysOn.missed}): a read marker says where it last read, this says
when it left.  The store keeps when the account entered each room with its
membership (L{chatd.core.accountrooms}), so a room is counted from the later
of the two (L{countedFrom}): nothing said there before it entered.  Every
front-end counts a room's unread messages with L{LastSeen.unread}, the
always-on catch-up and talk mode's C{/join} alike.

It is written when the account's last connection served by this node
closes, those a stopping daemon closes as it says goodbye included (the
store, stopped after, writes it first); in a cluster, by the node that
served the connection only.  A stand-in for an absent account is not a
connection: its end writes nothing.  A daemon killed says no goodbye, so
every L{LastSeen.interval} seconds the accounts connected here are written as
seen then, in one statement: after a crash, an account is told of at most
that long of what it was there for as missed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from twisted.internet.task import LoopingCall

from chatd.core import errors
from chatd.core.absent import Absent
from chatd.core.interfaces import IParticipant
from chatd.core.names import key
from chatd.core.person import Person

if TYPE_CHECKING:
    from chatd.core.persistence import Persistence
    from chatd.core.service import ChatService

#: When an account was last connected (C{None}: not known) and when it
#: entered each of its rooms where known, by room key (L{LastSeen.moments}).
SeenAndEntered = tuple[int | None, dict[str, int]]

#: Seconds between two writes of the accounts connected here as seen then
#: (C{--seen-interval}).
SEEN_EVERY = 60.0


def lastSeenOf(service: object) -> LastSeen | None:
    """
    When the accounts of C{service} (a L{ChatService}) were last connected,
    or C{None}: a service without a store keeps no accounts.
    """
    persistence = getattr(service, "persistence", None)
    return None if persistence is None else persistence.lastSeen


class LastSeen:
    """
    The one owner of when C{service}'s accounts were last connected, kept
    in C{persistence}'s store.

    @ivar interval: seconds between two writes of the accounts connected
        here (read as the service starts).
    """

    interval = SEEN_EVERY

    def __init__(self, service: ChatService, persistence: Persistence) -> None:
        self.service = service
        self.persistence = persistence
        self._writes = LoopingCall(self.stillConnected)
        self._writes.clock = service.clock

    def start(self) -> None:
        """Write the accounts connected here every L{interval} seconds."""
        self._writes.start(self.interval, now=False)

    def stop(self) -> None:
        """No more periodic writes (a stopping daemon's goodbyes write the last)."""
        if self._writes.running:
            self._writes.stop()

    def left(self, connection: IParticipant) -> None:
        """
        The last connection of a person closed: if it was signed in to a
        registered account, here, the account was last connected now.
        """
        account = self._accountHere(connection)
        if account is not None:
            self._write([account])

    def stillConnected(self) -> None:
        """
        Every account with a connection signed in here was last connected
        now (one write for all).
        """
        found = {self._accountHere(each) for each in self.service.connections()}
        accounts = sorted(account for account in found if account is not None)
        if accounts:
            self._write(accounts)

    def _accountHere(self, connection: IParticipant) -> str | None:
        """
        The registered account C{connection} is signed in to, if it is a
        connection served here (not a stand-in, nor another node's).
        """
        if isinstance(connection, (Person, Absent)) or not self.persistence.isLocal(connection):
            return None
        if not self.service.isLoggedIn(connection):
            return None
        return self.service.accountName(connection)

    def _write(self, accounts: list[str]) -> None:
        millis = self.service.messages.latestMillis()  # (what was said before is not missed)
        writing = self.persistence.store.setLastSeen(accounts, millis)
        self.persistence.background(writing, "keeping when accounts were last connected")

    async def unread(
        self, connection: IParticipant, room: str, moments: SeenAndEntered | None = None
    ) -> int | None:
        """
        How many messages others sent in C{room} since C{connection}'s
        account last read it or, in a room it never marked read, since it
        was last connected or entered the room (L{countedFrom}); C{None}:
        not known.  Every front-end counts with this; C{moments}, when
        given, are the account's (L{moments}), read once for many rooms.

        @raise NotLoggedIn, NotPermitted, NotMember, NoSuchGroup: as for
            L{chatd.core.readmarkers.ReadMarkers.unread}.
        """
        account = self.service.accountName(connection)
        if account is None:
            self.service.requireLogin(connection)
            raise errors.NotPermitted("a guest keeps no read markers")
        seen, entered = await self.moments(account) if moments is None else moments
        since = countedFrom(seen, entered.get(key(room)))
        return await self.persistence.readMarkers.unreadSince(connection, room, True, since)

    async def moments(self, account: str) -> SeenAndEntered:
        """
        When C{account} was last connected, in milliseconds (C{None}: not
        known, never since it registered), and when it entered each of its
        rooms where known, by room key.
        """
        store = self.persistence.store
        return await store.lastSeen(account), await store.enteredRooms(account)


def countedFrom(seen: int | None, entered: int | None) -> int | None:
    """
    From when a room an account never marked read is counted, for an
    account last connected at C{seen} that entered the room at C{entered}
    (C{None}: not known): the later of the two, none before it entered;
    C{None} (not counted) when C{seen} is not known.
    """
    if seen is None:
        return None
    return seen if entered is None else max(seen, entered)
