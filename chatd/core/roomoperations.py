# -*- test-case-name: tests.unit.core.test_service -*-
"""
L{IRoomOperations}: the part of L{chatd.core.interfaces.IChatService} that
runs rooms (operators, voice, modes, topics, keys, ban masks).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from zope.interface import Interface

from chatd.core.calls import MaybeDeferred
from chatd.core.participant import IParticipant

if TYPE_CHECKING:
    from chatd.core.errors import ChatError


class IRoomOperations(Interface):
    """
    What room operators may do, and what front-ends show of a room's rules.
    Methods raise L{chatd.core.errors.ChatError} subclasses to refuse.
    """

    # Room operators, voice and modes

    def isRoomOperator(participant: IParticipant, room: str) -> bool:
        """
        Whether C{participant} runs C{room}: its creator or someone given
        operator status there, or a chatd operator.
        """

    def memberStatus(room: str, nick: str) -> str:
        """
        Member C{nick}'s status letters, highest first: C{"o"} (operator),
        C{"v"} (voiced), both (C{"ov"}) or neither (C{""}).
        """

    def memberStatuses(participant: IParticipant, room: str) -> list[tuple[str, str]]:
        """
        Each member of C{room} with its status letters (as L{memberStatus}),
        in the order they entered: what a member's list of names shows, in
        one pass over the room.

        @raise NoSuchRoom, NotMember: only members may ask.
        """

    def shownMembers(participant: IParticipant, room: str) -> list[tuple[str, str]]:
        """
        The members of C{room} C{participant} may see, each with its status
        letters (as L{memberStatuses}), in the order they entered: all of
        them to a member and to a chatd operator; to anyone else, those
        not hidden (user mode C{i}) of a public room, as IRC servers show a
        channel that is not secret; nobody of a secret (C{s}) or an
        approval room.  IRC's C{NAMES} and C{WHO #room} show this.
        """

    def roomName(room: str) -> str:
        """
        C{room}'s name as stored, whatever case or accents C{room} was
        given in (C{general} for the room C{Général}): what a reply names.

        @raise NoSuchGroup: there is no such room.
        """

    def storedName(room: str) -> str:
        """
        C{room}'s name as stored (L{roomName}), or C{room} as given when
        there is no such room: what every reply about C{room} names.
        """

    def enteredAt(participant: IParticipant, room: str) -> float | None:
        """
        The moment C{participant} is shown its own C{JOIN} of C{room}:
        the entry's, as everyone else was shown it, when its person entered
        since C{participant} signed in; C{None} (now) for a room the person
        was in before, or is not in.
        """

    def roomModes(room: str) -> str:
        """
        C{room}'s mode letters: C{t} (only operators set the topic), C{n}
        (only members speak), C{m} (only voiced members and operators speak),
        C{i} (invite-only), C{s} (secret).
        """

    def changeRoomMode(
        participant: IParticipant, room: str, adding: bool, mode: str, nick: str = ""
    ) -> MaybeDeferred[bool]:
        """
        A room operator sets or clears a room mode, operator (C{o}) or
        voice (C{v}) for member C{nick}, the capacity (C{l}, C{nick} the
        number), the key (C{k}, C{nick} the key) or a ban mask (C{b},
        C{nick} the mask); members get a L{RoomChange} notice.  Returns whether
        anything changed (maybe as a L{Deferred}).

        @raise NotRoomOperator, NotInRoom, InvalidArgument: as they say.
        """

    def setTopic(participant: IParticipant, room: str, topic: str) -> MaybeDeferred[str]:
        """
        A member sets C{room}'s topic (only operators under mode C{t});
        members get a L{RoomChange} notice.
        """

    def kickFromRoom(
        participant: IParticipant, room: str, nick: str, reason: str = ""
    ) -> MaybeDeferred[str]:
        """
        A room operator removes C{nick} from C{room} (not from the server);
        every member, the kicked one included, gets a L{Membership} of kind
        C{kick} with C{reason}.

        @raise NotRoomOperator, NotInRoom: as they say.
        @raise InvalidNick: nobody can be called C{nick}.
        """

    def topicSetter(room: str) -> tuple[str, int] | None:
        """
        Who last set C{room}'s topic with L{setTopic}, and when, if known.
        """

    def roomCreatedAt(room: str) -> int:
        """
        When a user created C{room} (Unix time), or 0 if unknown.
        """

    def grantOperator(participant: IParticipant, through: str = "") -> None:
        """
        Make C{participant} a chatd operator until it disconnects (the
        password of administrator C{through} was checked by the front-end).
        """

    # Room keys, ban masks, secret rooms, grouped mode changes

    def canSee(participant: IParticipant, room: str) -> bool:
        """
        Whether C{room} shows in C{participant}'s room lists: a secret room
        (mode C{s}) only to its members and chatd operators.
        """

    def roomsVisibleTo(participant: IParticipant) -> list[tuple[str, int]]:
        """
        L{rooms} as C{participant} may see them: without secret rooms it is
        not in.  Every front-end's room list uses this.
        """

    def roomKey(room: str) -> str | None:
        """
        C{room}'s key (mode C{k}), or C{None}.
        """

    def roomBans(room: str, mode: str = "b") -> list[tuple[str, str, int]]:
        """
        C{room}'s ban masks (mode C{b}, C{nick!user@host} globs), each with
        the nickname that set it and when (Unix time); with C{mode} C{e} its
        ban exceptions (who passes the bans), with C{I} its invite
        exceptions (who enters without an invitation when it is C{+i}).
        """

    def changeRoomModes(
        participant: IParticipant, room: str, changes: Iterable[tuple[bool, str, str]]
    ) -> MaybeDeferred[list[tuple[bool, str, str, ChatError]]]:
        """
        A room operator makes several changes C{(adding, mode, argument)}
        at once (modes as for L{changeRoomMode}, plus C{k}, the key, and
        C{b}, a ban mask); members get ONE L{RoomChange} with every change
        made.  Returns the refused ones as C{(adding, mode, argument,
        error)} (maybe as a L{Deferred}).

        @raise NotRoomOperator, NotMember: as they say.
        """
