# -*- test-case-name: tests.unit.core.test_service,tests.unit.core.test_shownmembers -*-
"""
What front-ends ask about rooms (operators, status, modes, keys, masks,
visibility) and which rooms last, kept apart from the facade that delegates
to them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from chatd.core import errors
from chatd.core.founders import recordFounder, runsFromOutside
from chatd.core.names import key
from chatd.core.participant import IParticipant
from chatd.core.usermodes import userModesOf
from chatd.storage.interfaces import APPROVAL

if TYPE_CHECKING:
    from chatd.core.room import Room
    from chatd.core.service import ChatService


def inUse(members: int) -> bool:
    """
    Whether a room with C{members} members is in use, the one rule for
    which rooms IRC calls channels, in its C{LIST} and its C{LUSERS} count
    alike (an IRC channel exists while it has members); a room nobody is
    in, such as one a fresh data directory is seeded with, is kept all the
    same and listed, with its count, by the other front-ends' room lists.
    """
    return members > 0


class RoomQueries:
    """
    Room questions answered from the service's registry and people.
    """

    def __init__(self, service: ChatService) -> None:
        self.service = service

    def roomVanishes(self, room: str) -> bool:
        """
        Whether C{room} is ephemeral: a guest's room, not stored, gone once
        nobody is in it.
        """
        return self.service.registry.get(room).ephemeral

    def keepRoomsOf(self, participant: IParticipant) -> list[Room]:
        """
        C{participant} registered its name: the rooms it created as a guest
        that still exist now last, as if founded by the account (the
        caller stores them).
        """
        nick = participant.nick
        if nick is None or not self.service.isLoggedIn(participant):
            return []  # it left meanwhile: its rooms vanish as they empty
        kept = []
        for roomKey in self.service.roomLimits.guestRoomsOf(participant):
            room = self.service.registry.find(roomKey)
            if room is not None and room.creator is participant:
                self.keepRoom(room.name)
                recordFounder(room, nick)  # its password is now proven
                self.service.roomLimits.created(roomKey, participant, nick, False)
                kept.append(room)
        return kept

    def keepRoom(self, room: str) -> str:
        """
        Make C{room} last (an administrator configured it): it no longer
        vanishes when emptied, and its settings are stored from now on.
        """
        target = self.service.registry.get(room)
        self.service.registry.keep(target)
        return target.name

    def isRoomOperator(self, participant: IParticipant, room: str) -> bool:
        """
        Whether C{participant} runs C{room}: one of its operators, a chatd
        operator (operators everywhere), or its founder while not in it
        (L{runsFromOutside}).
        """
        target = self.service.registry.get(room)
        if self.service.isOperator(participant):
            return True
        nick = participant.nick
        if nick is None:
            return False
        if key(nick) in target.ops:
            return True
        return runsFromOutside(target, nick, self.service.provenAccount(participant))

    def memberStatus(self, room: str, nick: str) -> str:
        """
        C{nick}'s status letters in C{room}, highest first: C{"o"} for an
        operator (chatd operators included), C{"v"} for voice; C{"ov"} for
        both, C{""} for neither.
        """
        target = self.service.registry.get(room)
        return self._status(target, key(nick), self.service.people.find(nick))

    def memberStatuses(self, participant: IParticipant, room: str) -> list[tuple[str, str]]:
        """
        L{memberStatus} of every member of C{room}, for a member: one pass
        over the room's members by key, where a name at a time would look
        each up again (a join to a room of thousands lists them all).
        """
        return self.statusesIn(self.service.memberRoom(participant, room))

    def shownMembers(self, participant: IParticipant, room: str) -> list[tuple[str, str]]:
        """
        L{memberStatuses} of the members of C{room} C{participant} may see:
        all to a member or a chatd operator; to others, a public room's
        members that are not hidden (user mode C{i}); none of a secret or an
        approval room (its members are its own business).
        """
        target = self.service.registry.get(room)
        people = self.service.people
        nick = participant.nick
        if (nick is not None and key(nick) in target.members) or people.isOperator(participant):
            return self.statusesIn(target)
        if "s" in target.modes or target.settings.mode == APPROVAL:
            return []
        return [
            (nick, status)
            for (nick, status), member in zip(
                self.statusesIn(target), target.members.values(), strict=True
            )
            if "i" not in userModesOf(people, member)
        ]

    def statusesIn(self, target: Room) -> list[tuple[str, str]]:
        """Each member of C{target} with its status letters, in the order they entered."""
        status = self._status
        asked = self.service.people.anyOperators()  # usually nobody need be asked
        return [
            (member.nick, status(target, k, member if asked else None))
            for k, member in target.members.items()
        ]

    def _status(self, target: Room, nickKey: str, person: IParticipant | None) -> str:
        """
        The one rule for a status: C{o} for the room's operators and chatd
        operators, then C{v} for the voiced.
        """
        operator = nickKey in target.ops or (person is not None and self.service.isOperator(person))
        return ("o" if operator else "") + ("v" if nickKey in target.voiced else "")

    def roomName(self, room: str) -> str:
        """
        C{room}'s name as stored, whatever case or accents C{room} was
        given in.
        """
        return self.service.registry.get(room).name

    def storedName(self, room: str) -> str:
        """
        C{room}'s name as stored (L{roomName}), or C{room} as given when
        there is no such room: what a reply about C{room} names.
        """
        try:
            return self.service.registry.get(room).name
        except errors.ChatError:  # no such room (or no valid name)
            return room

    def enteredAt(self, participant: IParticipant, room: str) -> float | None:
        """
        The moment C{participant} is shown its own entry into C{room}: that
        of the entry (the moment everyone else's C{JOIN} carried) when its
        person entered since C{participant} signed in (its login put it
        there, or another connection did since); C{None} (now) for a room
        the person was in before (an account's other connection, an
        always-on account back), as Ergo shows a reattached client its
        channels, or one it is not in.
        """
        found, nick = self.service.registry.find(room), participant.nick
        entered = None if found is None or nick is None else found.entered.get(key(nick))
        signedOn = self.service.people.activity.signedOnAt(participant)
        if entered is None or signedOn is None or entered < signedOn:
            return None
        return entered

    def roomModes(self, room: str) -> str:
        """
        C{room}'s mode letters (of L{ROOM_MODES}), sorted.
        """
        return "".join(sorted(self.service.registry.get(room).modes))

    def topicSetter(self, room: str) -> tuple[str, int] | None:
        """
        Who last set C{room}'s topic, and when (Unix time; kept across
        restarts), or C{None} if that is not known.
        """
        return self.service.registry.get(room).topicSetter

    def roomCreatedAt(self, room: str) -> int:
        """
        When C{room} was created (Unix time, kept across restarts), or 0
        if that is not known (the rooms a fresh store is seeded with).
        """
        return self.service.registry.get(room).settings.created

    def canSee(self, participant: IParticipant, room: str) -> bool:
        """
        Whether C{room} shows in C{participant}'s room lists: a secret
        room (mode C{s}) shows only to its members and chatd operators.
        """
        return self.service.registry.canSee(
            self.service.registry.get(room), participant, self.service.isOperator(participant)
        )

    def roomsVisibleTo(self, participant: IParticipant) -> list[tuple[str, int]]:
        """
        L{rooms}, without the secret rooms C{participant} may not see.
        """
        return [
            (name, count) for name, count in self.service.rooms() if self.canSee(participant, name)
        ]

    def roomKey(self, room: str) -> str | None:
        """
        C{room}'s key (mode C{k}), or C{None}.
        """
        return self.service.registry.get(room).key

    def roomBans(self, room: str, mode: str = "b") -> list[tuple[str, str, int]]:
        """
        C{room}'s ban masks (or, with C{mode} C{e} or C{I}, its ban or
        invite exceptions), each with who set it and when, in the order set.
        """
        return list(self.service.registry.get(room).maskList(mode).entries)
