# -*- test-case-name: tests.unit.core.test_accountrooms -*-
"""
The rooms a registered account is put back in at its next login: every room
it entered and has not left.  A lasting room's membership is stored; a
guest's room is never stored (it vanishes once empty, and at a restart), so
its registered members are remembered here, in memory, while it lasts.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from twisted.internet.defer import Deferred, succeed

from chatd.core.interfaces import IParticipant
from chatd.core.names import key

if TYPE_CHECKING:
    from chatd.core.persistence import Persistence
    from chatd.core.room import Room


class AccountRooms:
    """
    Where the rooms of each registered account are kept (L{Persistence}'s
    store, and the guests' rooms here).
    """

    def __init__(self, persistence: Persistence) -> None:
        self.persistence = persistence
        #: Of each account key, the guests' rooms it is in, by room key.
        self._guestRooms: dict[str, dict[str, Room]] = {}

    def _account(self, participant: IParticipant) -> str | None:
        """
        The registered account C{participant} is signed in to, whatever its
        nickname now; C{None} for a guest.
        """
        account = self.persistence.service.accountName(participant)
        return (
            account if account is not None and key(account) in self.persistence.registered else None
        )

    async def entered(self, participant: IParticipant, room: Room) -> None:
        """
        C{participant} entered C{room}: if it is an account's, note it.
        """
        account = self._account(participant)
        if account is not None:
            await self.record(account, room)

    async def record(self, account: str, room: Room) -> None:
        """
        C{account} (registered) is in C{room}: its next login puts it back.
        """
        if room.ephemeral:
            self._guestRooms.setdefault(key(account), {})[key(room.name)] = room
        elif self.persistence.service.registry.holds(room):  # not deleted meanwhile
            entered = self.persistence.service.messages.latestMillis()
            await self.persistence.store.setMembership(account, room.name, True, entered)

    def left(self, participant: IParticipant, room: Room) -> Deferred[None]:
        """
        C{participant} left C{room} (or was removed): if it is an account's,
        its next login does not put it back there.
        """
        account = self._account(participant)
        if account is None:
            return succeed(None)
        rooms = self._guestRooms.get(key(account), {})
        if rooms.get(key(room.name)) is room:  # (it may have lasted since)
            del rooms[key(room.name)]
        if room.ephemeral:
            return succeed(None)
        return self.persistence.store.setMembership(account, room.name, False)

    def guestRooms(self, nick: str) -> list[str]:
        """
        The guests' rooms account C{nick} is in that still exist (not
        vanished, nor made anew by someone else since).
        """
        rooms = self._guestRooms.pop(key(nick), {})
        holds = self.persistence.service.registry.holds
        alive = {roomKey: room for roomKey, room in rooms.items() if holds(room)}
        if alive:
            self._guestRooms[key(nick)] = alive
        return [room.name for room in alive.values()]
