# -*- test-case-name: tests.unit.core.test_roomlimits,tests.unit.core.test_names -*-
"""
The rooms that exist: created, found, listed and dropped here, with the
limits on how many users may create (L{RoomLimits}).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from chatd.core import errors
from chatd.core.delivery import connectionsOf
from chatd.core.events import PrivateMessage, RoomMessage
from chatd.core.interfaces import IParticipant
from chatd.core.names import hasInvisible, isValidRoomName, key, newNameRefusal, normalize
from chatd.core.room import Room
from chatd.core.roomlimits import RoomLimits

Said = TypeVar("Said", RoomMessage, RoomMessage | PrivateMessage)


class Rooms:
    """
    The registry of rooms by name key.

    @ivar limits: how many rooms users may create.
    """

    def __init__(self, limits: RoomLimits) -> None:
        self.limits = limits
        self._rooms: dict[str, Room] = {}
        #: Of each room made anew, from when (milliseconds) its past starts.
        self._pastFrom: dict[str, int] = {}

    def __len__(self) -> int:
        return len(self._rooms)

    def __contains__(self, name: str) -> bool:
        return key(name) in self._rooms

    def all(self) -> list[Room]:
        return list(self._rooms.values())

    def find(self, name: str) -> Room | None:
        return self._rooms.get(key(name))

    def get(self, name: str) -> Room:
        """
        The room C{name}, as a user gave it.

        @raise InvalidGroup: C{name} has an invisible character, so is no
            valid room name, though its key may be an existing room's; or
            no room has it, and the room-name rule refuses it (no room ever
            could: what creating it would answer).
        @raise NoSuchGroup: there is no room C{name}, a valid name.
        """
        if hasInvisible(name):
            raise errors.InvalidGroup()
        try:
            return self._rooms[key(name)]
        except KeyError:
            if not isValidRoomName(normalize(name)):
                raise errors.InvalidGroup() from None
            raise errors.NoSuchGroup() from None

    def create(
        self, name: str, allowed: Callable[[], None] | None = None, anew: bool = False
    ) -> Room:
        """
        Create the room C{name}, once C{allowed()} (if given) did not raise.
        A room a user makes C{anew} (not one the store, another node, the
        options or the console have) may not mix scripts
        (L{newNameRefusal}).
        """
        name = normalize(name)
        if not isValidRoomName(name):
            raise errors.InvalidGroup()
        if key(name) in self._rooms:
            raise errors.GroupExists()
        refusal = newNameRefusal(name) if anew else None
        if refusal is not None:
            raise errors.InvalidGroup(refusal)
        if allowed is not None:
            allowed()
        room = self._rooms[key(name)] = Room(name)
        return room

    def ensure(self, name: str) -> tuple[Room, bool]:
        """
        The room C{name}, created if need be, and whether it was.
        """
        room = self._rooms.get(key(name))
        if room is not None:
            return room, False
        return self.create(name), True

    def madeAnew(self, name: str, millis: int) -> None:
        """
        The room C{name} was made anew at C{millis}: what was said under
        its name before (a guest's room that vanished) is not its past.
        """
        self._pastFrom[key(name)] = millis

    def ownPast(self, said: list[Said]) -> list[Said]:
        """
        C{said}, read from the store, less what was said in a room before
        it was made anew: the store forgets it then, but another node may
        write it late, or the store be down.
        """
        if not self._pastFrom:
            return said
        return [each for each in said if not self._before(each)]

    def _before(self, said: RoomMessage | PrivateMessage) -> bool:
        if not isinstance(said, RoomMessage):
            return False
        return said.millis < self._pastFrom.get(said.roomKey, 0)

    def vanishIfEmpty(self, room: Room) -> None:
        """
        An ephemeral room nobody is in any more is gone.
        """
        if room.ephemeral and not room.members and self._rooms.get(key(room.name)) is room:
            del self._rooms[key(room.name)]
            self._pastFrom.pop(key(room.name), None)
            self.limits.vanished(key(room.name), room.creator)
            room.creatorLeft()

    def holds(self, room: Room) -> bool:
        """
        Whether C{room} is still the room of its name (not deleted).
        """
        return self._rooms.get(key(room.name)) is room

    def drop(self, room: Room) -> None:
        """
        C{room} is deleted (its members taken out first): it is gone, and
        no longer counts among the rooms its creator made.
        """
        if self.holds(room):
            del self._rooms[key(room.name)]
            self._pastFrom.pop(key(room.name), None)
        if room.ephemeral:
            self.limits.vanished(key(room.name), room.creator)
            room.creatorLeft()
        elif room.settings.founder:
            self.limits.deleted(room.settings.founder)

    def creatorGone(self, participant: IParticipant) -> None:
        """
        C{participant}'s session ended: the rooms it created no longer have
        it as creator, and those of them nobody is in vanish if ephemeral.
        """
        for roomKey in self.limits.sessionEnded(participant):
            founded = self.find(roomKey)
            if founded is not None and founded.creator is participant:
                founded.creatorLeft()
                self.vanishIfEmpty(founded)

    def keep(self, room: Room) -> None:
        """
        Make C{room} last: it no longer vanishes when emptied.
        """
        if room.ephemeral:
            self.limits.vanished(key(room.name), room.creator)
            room.lasts()

    def listing(self) -> list[tuple[str, int]]:
        """
        Every room's name and member count, in the order people read
        names (case aside), not by their look-alike keys (which read
        C{0} as C{o}).
        """
        return sorted(
            ((room.name, len(room.members)) for room in self._rooms.values()),
            key=lambda item: (item[0].casefold(), item[0]),
        )

    @staticmethod
    def canSee(room: Room, participant: IParticipant, operator: bool) -> bool:
        """
        Whether C{room} shows in C{participant}'s room lists: a secret
        room (mode C{s}) shows only to its members and chatd C{operator}s.
        """
        if "s" not in room.modes or operator:
            return True
        member = None if participant.nick is None else room.members.get(key(participant.nick))
        return member is not None and participant in connectionsOf(member)
