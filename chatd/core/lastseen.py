# -*- test-case-name: tests.unit.core.test_lastseen -*-
"""
When each registered account was last connected, kept in the store
(L{chatd.storage.alwayson}) so that an always-on account coming back is
told what came in a room it never marked read since it was last there
(L{AlwaysOn.missed}): a read marker says where it last read, this says
when it left.  The store keeps when the account entered each room with its
membership (L{chatd.core.accountrooms}), so a room is counted from the later
of the two (L{countedFrom}): nothing said there before it entered.

It is written when the account's last connection served by this node
closes, those a stopping daemon closes as it says goodbye included (the
store, stopped after, writes it first); in a cluster, by the node that
served the connection only.  A stand-in for an absent account is not a
connection: its end writes nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from chatd.core.absent import Absent
from chatd.core.interfaces import IParticipant
from chatd.core.person import Person

if TYPE_CHECKING:
    from chatd.core.persistence import Persistence
    from chatd.core.service import ChatService


class LastSeen:
    """
    The one owner of when C{service}'s accounts were last connected, kept
    in C{persistence}'s store.
    """

    def __init__(self, service: ChatService, persistence: Persistence) -> None:
        self.service = service
        self.persistence = persistence

    def left(self, connection: IParticipant) -> None:
        """
        The last connection of a person closed: if it was signed in to a
        registered account, here, the account was last connected now.
        """
        if isinstance(connection, (Person, Absent)) or not self.persistence.isLocal(connection):
            return
        account = self.service.accountName(connection)
        if account is None or not self.service.isLoggedIn(connection):
            return
        millis = self.service.messages.latestMillis()  # (what was said before is not missed)
        writing = self.persistence.store.setLastSeen([account], millis)
        self.persistence.background(writing, "keeping when an account was last connected")

    async def moments(self, account: str) -> tuple[int | None, dict[str, int]]:
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
