# -*- test-case-name: tests.unit.core.test_roomlimits -*-
"""
How many rooms users may create, and which rooms vanish when emptied.

One user once created ten thousand lasting rooms in half a minute, and every
newcomer's room list grew to 300 KB.  So L{ChatService.createRoom} asks
L{RoomLimits} first: no new room beyond C{maxRooms} in all, nor beyond
C{maxPerUser} rooms created by one user that still exist.  chatd operators
are not limited (nor are configured rooms, the admin console's, or rooms
another cluster node created).

A guest counts as a new user on each connection, so one address could
otherwise fill the room list: a guest creates its rooms, a companion stays
in them, the guest reconnects as another.  So the guests' rooms also count
against their address group (C{maxPerAddress}, grouped as
L{chatd.core.admission.Admission.group} groups connections: the
C{--limit-exempt} networks are not limited) for as long as they exist,
whoever is still in them.  In a cluster, a guest's room another node
created counts against the group that node told (L{countAgainst}), so a
load balancer dealing one address's connections over N nodes does not give
it N times the rooms.

A room a guest creates (a user not logged in with a registered name) is
I{ephemeral}: never stored, and gone once its last member leaves (or, if
nobody ever entered it, once its creator disconnects).  Rooms founded by a
registered user or a chatd operator, and configured rooms, last.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

from chatd.core import errors
from chatd.core.admission import UNGROUPED
from chatd.core.interfaces import IParticipant
from chatd.core.limits import (
    DEFAULT_MAX_ROOMS,
    DEFAULT_MAX_ROOMS_PER_ADDRESS,
    DEFAULT_MAX_ROOMS_PER_USER,
)
from chatd.core.names import key


def _ungrouped(address: str) -> str:
    return UNGROUPED


class RoomLimits:
    """
    The creation limits, and who created which room that still exists.

    Guests' (ephemeral) rooms are counted per session and per address
    group, until they vanish; lasting rooms per registered name, since the
    daemon started (the store does not record who founded a room).

    @ivar maxRooms: rooms that may exist before users create no more
        (C{None}: no limit).
    @ivar maxPerUser: rooms one user may have created (C{None}: no limit).
    @ivar maxPerAddress: guests' rooms one address group may have created
        (C{None}: no limit).
    @ivar group: the address group of a connection's address (L{UNGROUPED}:
        not limited).
    """

    def __init__(
        self,
        maxRooms: int | None = DEFAULT_MAX_ROOMS,
        maxPerUser: int | None = DEFAULT_MAX_ROOMS_PER_USER,
        maxPerAddress: int | None = DEFAULT_MAX_ROOMS_PER_ADDRESS,
        group: Callable[[str], str] = _ungrouped,
    ) -> None:
        self.maxRooms = maxRooms
        self.maxPerUser = maxPerUser
        self.maxPerAddress = maxPerAddress
        self.group = group
        self._guestRooms: dict[IParticipant, set[str]] = {}
        self._lasting: dict[str, int] = {}
        #: The address group each existing guest's room counts against.
        self._roomGroups: dict[str, str] = {}
        self._perGroup: Counter[str] = Counter()

    def check(
        self, existing: int, participant: IParticipant, nick: str, guest: bool = False
    ) -> None:
        """
        May C{participant}, logged in as C{nick}, create a room while
        C{existing} rooms exist?  A C{guest}'s room (ephemeral) also counts
        against its address group.

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
        if guest and self.maxPerAddress is not None:
            group = self.group(participant.address)
            if group and self._perGroup[group] >= self.maxPerAddress:
                raise errors.TooManyRooms(
                    f"guests from your address already created {self.maxPerAddress} rooms"
                    " that exist, the most one address may have: log in to a registered"
                    " name to create more"
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
            self.countAgainst(roomKey, self.group(participant.address))
        else:
            self._lasting[key(nick)] = self._lasting.get(key(nick), 0) + 1

    def countAgainst(self, roomKey: str, group: str) -> None:
        """
        The guest's room C{roomKey} counts against the address group
        C{group} (L{UNGROUPED}: none) until it vanishes, once however often
        it is told.
        """
        if group and roomKey not in self._roomGroups:
            self._roomGroups[roomKey] = group
            self._perGroup[group] += 1

    def groupOf(self, roomKey: str) -> str:
        """
        The address group the guest's room C{roomKey} counts against
        (L{UNGROUPED}: none), for the other nodes of a cluster to count it.
        """
        return self._roomGroups.get(roomKey, UNGROUPED)

    def vanished(self, roomKey: str, creator: IParticipant | None) -> None:
        """
        The ephemeral room C{roomKey}, created by C{creator}, is gone (or
        now lasts: it no longer counts as a guest's).  Its address group
        counts it no more, even if its creator left long ago.
        """
        group = self._roomGroups.pop(roomKey, None)
        if group is not None:
            self._perGroup[group] -= 1
            if self._perGroup[group] <= 0:
                del self._perGroup[group]
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
