# -*- test-case-name: tests.unit.core.test_service,tests.unit.core.test_roomlimits -*-
"""
The rooms' part of the service's facade: the questions about a room
(L{RoomQueries}) and the room operators' commands (L{RoomOps}), each handed
to its owner in one line, as the rest of L{chatd.core.service.ChatService}
does.  A base class of its own so that the facade's module stays short; it
holds no state and no rule.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from chatd.core.calls import MaybeDeferred
from chatd.core.participant import IParticipant

if TYPE_CHECKING:
    from chatd.core.errors import ChatError
    from chatd.core.room import Room
    from chatd.core.roomops import RoomOps
    from chatd.core.roomqueries import RoomQueries


class RoomFacade:
    """
    L{chatd.core.roomoperations.IRoomOperations}'s calls (but
    C{grantOperator}, a person's), C{invite}, and whether a guest's room
    vanishes or is kept, for L{chatd.core.service.ChatService}, which
    builds C{roomOps} and C{roomQueries}.
    """

    roomOps: RoomOps
    roomQueries: RoomQueries

    # Room questions (L{RoomQueries})

    def roomVanishes(self, room: str) -> bool:
        return self.roomQueries.roomVanishes(room)

    def keepRoomsOf(self, participant: IParticipant) -> list[Room]:
        return self.roomQueries.keepRoomsOf(participant)

    def keepRoom(self, room: str) -> str:
        return self.roomQueries.keepRoom(room)

    def isRoomOperator(self, participant: IParticipant, room: str) -> bool:
        return self.roomQueries.isRoomOperator(participant, room)

    def memberStatus(self, room: str, nick: str) -> str:
        return self.roomQueries.memberStatus(room, nick)

    def memberStatuses(self, participant: IParticipant, room: str) -> list[tuple[str, str]]:
        return self.roomQueries.memberStatuses(participant, room)

    def shownMembers(self, participant: IParticipant, room: str) -> list[tuple[str, str]]:
        return self.roomQueries.shownMembers(participant, room)

    def roomName(self, room: str) -> str:
        return self.roomQueries.roomName(room)

    def storedName(self, room: str) -> str:
        return self.roomQueries.storedName(room)

    def enteredAt(self, participant: IParticipant, room: str) -> float | None:
        return self.roomQueries.enteredAt(participant, room)

    def roomModes(self, room: str) -> str:
        return self.roomQueries.roomModes(room)

    def topicSetter(self, room: str) -> tuple[str, int] | None:
        return self.roomQueries.topicSetter(room)

    def roomCreatedAt(self, room: str) -> int:
        return self.roomQueries.roomCreatedAt(room)

    def canSee(self, participant: IParticipant, room: str) -> bool:
        return self.roomQueries.canSee(participant, room)

    def roomsVisibleTo(self, participant: IParticipant) -> list[tuple[str, int]]:
        return self.roomQueries.roomsVisibleTo(participant)

    def roomKey(self, room: str) -> str | None:
        return self.roomQueries.roomKey(room)

    def roomBans(self, room: str, mode: str = "b") -> list[tuple[str, str, int]]:
        return self.roomQueries.roomBans(room, mode)

    # Room operators' commands (L{RoomOps})

    def changeRoomMode(
        self, participant: IParticipant, room: str, adding: bool, mode: str, nick: str = ""
    ) -> MaybeDeferred[bool]:
        return self.roomOps.changeRoomMode(participant, room, adding, mode, nick)

    def changeRoomModes(
        self, participant: IParticipant, room: str, changes: Iterable[tuple[bool, str, str]]
    ) -> MaybeDeferred[list[tuple[bool, str, str, ChatError]]]:
        return self.roomOps.changeRoomModes(participant, room, changes)

    def setTopic(self, participant: IParticipant, room: str, topic: str) -> MaybeDeferred[str]:
        return self.roomOps.setTopic(participant, room, topic)

    def kickFromRoom(
        self, participant: IParticipant, room: str, nick: str, reason: str = ""
    ) -> MaybeDeferred[str]:
        return self.roomOps.kickFromRoom(participant, room, nick, reason)

    def invite(self, participant: IParticipant, nick: str, room: str) -> MaybeDeferred[None]:
        return self.roomOps.invite(participant, nick, room)
