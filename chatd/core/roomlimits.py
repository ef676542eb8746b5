# -*- test-case-name: tests.unit.core.test_roomlimits -*-
"""
How many rooms users may create, and which rooms vanish when emptied.

One user once created ten thousand lasting rooms in half a minute, and every
newcomer's room list grew to 300 KB.  So L{ChatService.createRoom} asks
L{RoomLimits} first: no new room beyond C{maxRooms} in all, nor beyond
C{maxPerUser} rooms created by one user that still exist.  chatd operators
are not limited (nor are configured rooms, the admin console's, or rooms
another cluster node created).

A room a guest creates (a user not logged in with a registered name) is
I{ephemeral}: never stored, and gone once its last member leaves (or, if
nobody ever entered it, once its creator disconnects).  Rooms founded by a
registered user or a chatd operator, and configured rooms, last.
"""

from __future__ import annotations

from chatd.core import errors
from chatd.core.interfaces import IParticipant
from chatd.core.limits import DEFAULT_MAX_ROOMS, DEFAULT_MAX_ROOMS_PER_USER
from chatd.core.names import key


class RoomLimits:
    """
    The creation limits, and who created which room that still exists.

    Guests' (ephemeral) rooms are counted per session, until they vanish;
    lasting rooms per registered name, since the daemon started (the store
    does not record who founded a room).

    @ivar maxRooms: rooms that may exist before users create no more
        (C{None}: no limit).
    @ivar maxPerUser: rooms one user may have created (C{None}: no limit).
    """

    def __init__(
        self,
        maxRooms: int | None = DEFAULT_MAX_ROOMS,
        maxPerUser: int | None = DEFAULT_MAX_ROOMS_PER_USER,
    ) -> None:
        self.maxRooms = maxRooms
        self.maxPerUser = maxPerUser
        self._guestRooms: dict[IParticipant, set[str]] = {}
        self._lasting: dict[str, int] = {}

    def check(self, existing: int, participant: IParticipant, nick: str) -> None:
        """
        May C{participant}, logged in as C{nick}, create a room while
        C{existing} rooms exist?

        @raise errors.TooManyRooms: no.
        """
        if self.maxRooms is not None and existing >= self.maxRooms:
            raise errors.TooManyRooms(
                f"the server has {existing} rooms, its limit: no new room can be created now"
            )
        if self.maxPerUser is not None and self.createdBy(participant, nick) >= self.maxPerUser:
            raise errors.TooManyRooms(
                f"you already created {self.maxPerUser} rooms, the most one user may have"
            )

    def createdBy(self, participant: IParticipant, nick: str) -> int:
        """
        How many existing rooms C{participant} (logged in as C{nick})
        created: its session's ephemeral ones, and the lasting ones its name
        founded.
        """
        return len(self._guestRooms.get(participant, ())) + self._lasting.get(key(nick), 0)

    def created(self, roomKey: str, participant: IParticipant, nick: str, ephemeral: bool) -> None:
        """
        C{participant} (as C{nick}) created the room C{roomKey}.
        """
        if ephemeral:
            self._guestRooms.setdefault(participant, set()).add(roomKey)
        else:
            self._lasting[key(nick)] = self._lasting.get(key(nick), 0) + 1

    def vanished(self, roomKey: str, creator: IParticipant | None) -> None:
        """
        The ephemeral room C{roomKey}, created by C{creator}, is gone (or
        now lasts: it no longer counts as a guest's).
        """
        if creator is None:
            return
        rooms = self._guestRooms.get(creator)
        if rooms is not None:
            rooms.discard(roomKey)
            if not rooms:
                del self._guestRooms[creator]

    def deleted(self, founder: str) -> None:
        """
        A lasting room C{founder} created was deleted: it counts no more.
        """
        count = self._lasting.pop(key(founder), 0)
        if count > 1:
            self._lasting[key(founder)] = count - 1

    def guestRoomsOf(self, participant: IParticipant) -> list[str]:
        """
        The keys of the ephemeral rooms C{participant} created that exist.
        """
        return sorted(self._guestRooms.get(participant, ()))

    def sessionEnded(self, participant: IParticipant) -> list[str]:
        """
        C{participant} disconnected: forget its rooms, and return their keys
        (those nobody is in must vanish now).
        """
        return sorted(self._guestRooms.pop(participant, ()))
