# -*- test-case-name: tests.unit.core.test_service,tests.unit.core.test_multiconnection -*-
"""
Who is logged in and in which rooms: users entering (a room made as they
enter it: L{chatd.core.creation}), leaving and being taken out, kept apart
from the facade that delegates to them.  Rooms hold persons
(L{chatd.core.person.Person}): a connection acts for its person, whose
other connections hear of what it did.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from twisted.internet.defer import Deferred
from twisted.python.failure import Failure

from chatd.core import errors, roomremoval
from chatd.core.calls import afterHeard
from chatd.core.delivery import deliver
from chatd.core.events import KICK, PART
from chatd.core.events import Membership as MembershipEvent
from chatd.core.founders import aboveBans, enteredAsFounder
from chatd.core.interfaces import MaybeDeferred
from chatd.core.names import key
from chatd.core.participant import IParticipant
from chatd.core.speaking import heardReason, partingWords

if TYPE_CHECKING:
    from chatd.core.room import Room
    from chatd.core.service import ChatService


class Membership:
    """
    The rooms' members, changed through each L{Room}, and the rooms each
    logged-in person is in (being logged in is having that list).  Every
    method takes a connection (for its person) or a person.
    """

    def __init__(self, service: ChatService) -> None:
        self.service = service
        self.personOf = service.people.personOf
        #: The rooms each logged-in person is in, in entry order.
        self._joined: dict[IParticipant, list[Room]] = {}

    def loggedIn(self, participant: IParticipant) -> None:
        """
        C{participant}'s person was given its name: it is in no room yet.
        """
        self._joined[self.personOf(participant)] = []

    def isLoggedIn(self, participant: IParticipant) -> bool:
        return self.personOf(participant) in self._joined

    def roomsJoined(self, participant: IParticipant) -> list[Room]:
        """
        The rooms C{participant}'s person is in, in the order it entered them.
        """
        return list(self._joined.get(self.personOf(participant), ()))

    def tellOwn(self, participant: IParticipant, event: MembershipEvent) -> None:
        """
        Tell C{participant}'s person's connections that it entered or left
        a room: its other connections when a connection acted (that one
        has its reply), every one when C{participant} is the person itself
        (the service acted on it: an approval granted).
        """
        person = self.personOf(participant)
        deliver(
            [person], "membershipChanged", event, None if person is participant else participant
        )

    def requireLogin(self, participant: IParticipant) -> str:
        """
        C{participant}'s nickname.

        @raise NotLoggedIn: it has none yet.
        """
        if participant.nick is None or self.personOf(participant) not in self._joined:
            raise errors.NotLoggedIn()
        nick: str = participant.nick
        return nick

    def memberRoom(self, participant: IParticipant, name: str) -> Room:
        """
        The room C{name} that logged-in C{participant} is in.

        @raise NotLoggedIn, NoSuchGroup, NotMember: it is not.
        """
        self.requireLogin(participant)
        room = self.service.registry.get(name)
        if participant.nick is None or key(participant.nick) not in room.members:
            raise errors.NotMember()
        return room

    def loggedOut(self, participant: IParticipant) -> list[Room] | None:
        """
        C{participant}'s person is gone: the rooms it was in (C{None}: it
        was not logged in), which the caller takes it out of.
        """
        return self._joined.pop(self.personOf(participant), None)

    def enter(
        self,
        participant: IParticipant,
        room: str,
        roomKey: str | None = None,
        when: float | None = None,
    ) -> MaybeDeferred[str]:
        self.requireLogin(participant)
        # What other nodes decided just before (a key, a ban, an invitation) counts.
        return afterHeard(
            self.service.observer, lambda: self.enterNow(participant, room, roomKey, when)
        )

    def enterNow(
        self, participant: IParticipant, room: str, roomKey: str | None, when: float | None = None
    ) -> MaybeDeferred[str]:
        made = self.service.creation.beingMade(room)
        if made is not None:  # once every node knows of it (L{chatd.core.creation})
            return made.addCallback(lambda _: self.enterNow(participant, room, roomKey, when))
        nick = self.requireLogin(participant)
        target = self.service.registry.get(room)
        operator = self.service.isOperator(participant)
        target.checkEntry(
            self.service.people.hosts.masksOf(participant),
            nick,
            roomKey,
            operator,
            aboveBans(target, nick, self.service.provenAccount(participant), operator),
        )
        if self.service.persistence is not None:
            self.service.persistence.checkApproval(participant, nick, target)
        if not self.service.isOperator(participant):  # (L{chatd.core.allowance})
            self.service.allowances.checkEntry(self.personOf(participant))  # not counted
        self.join(participant, nick, target, when=when)
        target.useInvitation(nick)
        persistence = self.service.persistence
        if persistence is None:
            return afterHeard(self.service.observer, lambda: target.name)
        cut = persistence.replays.cut(participant, [target])  # as it entered
        # Recorded (and its history replayed) once the other nodes know.
        return afterHeard(
            self.service.observer,
            lambda: self.undoneUnlessStored(
                persistence.entered(participant, nick, target, cut), participant, nick, target
            ),
        )

    def undoneUnlessStored(
        self, stored: Deferred[str], participant: IParticipant, nick: str, room: Room
    ) -> Deferred[str]:
        """
        An entry the store could not record (an outage) is refused "try
        again later" (03), which says nothing changed: so it is undone, and
        those who saw it see it leave.
        """

        def undo(failure: Failure) -> Failure:
            person = self.personOf(participant)
            if failure.check(errors.StoreUnavailable) and room in self._joined.get(person, []):
                self.part(participant, nick, room, "", PART)
                if self.service.observer is not None:
                    self.service.observer.left(participant, room.name, "")
            return failure

        return stored.addErrback(undo)

    def join(
        self,
        participant: IParticipant,
        nick: str,
        target: Room,
        remote: bool = False,
        when: float | None = None,
        announced: bool = True,
    ) -> None:
        """
        Put logged-in C{participant}'s person in C{target} (its entry
        checked or decided elsewhere: autojoin, an approval) at C{when}
        (now, unless another node says), within its capacity; a C{remote}
        entry (checked on another node) is not limited, nor told to the
        observer; nor is one not C{announced} (a room's creator entering it
        as it is made: L{chatd.core.creation} tells the observer once the
        room is).  The room's founder is made its operator.  The person's
        connections are told (L{tellOwn}): the other ones, or all when
        C{participant} is the person (it asked for nothing just now: an
        approval); another node's user by its node.
        """
        limit = None if remote else target.capacity(self.service.maxGroupSize)
        member = self.personOf(participant)
        now = self.service.clock.seconds() if when is None else when
        target.add(member, nick, now, limit)
        self._joined[member].append(target)
        if not remote:
            self.tellOwn(participant, MembershipEvent(target.name, nick, True, now))
        if self.service.observer is not None and not remote and announced:
            self.service.observer.entered(participant, target.name)
        account = None if remote else self.service.provenAccount(participant)
        opped = enteredAsFounder(target, nick, account, self.service.clock.seconds())
        if opped is not None:  # what it is shown of the room shows it an operator
            self.service.roomOps.tellRoom(target, opped, participant)

    def leave(
        self, participant: IParticipant, room: str, reason: str = "", when: float | None = None
    ) -> MaybeDeferred[str]:
        nick = self.requireLogin(participant)
        try:
            target = self.memberRoom(participant, room)
        except errors.NotMember:
            persistence = self.service.persistence
            approvals = None if persistence is None else persistence.approvals
            withdrawn = None if approvals is None else approvals.withdraw(participant, room)
            if withdrawn is not None:  # leaving the room one waits for withdraws the request
                return withdrawn
            raise
        reason = heardReason(self.service, participant, partingWords(reason))
        if not self.service.isOperator(participant):  # counted, never refused
            self.service.allowances.moves.take(self.personOf(participant))
        self.part(participant, nick, target, reason, PART, when)
        observer = self.service.observer
        if observer is not None:
            observer.left(participant, target.name, reason)
        if self.service.persistence is not None:
            stored = self.service.persistence.left(participant, target)
            return afterHeard(observer, lambda: stored)  # as an entry: once every node heard
        return afterHeard(observer, lambda: target.name)

    def part(
        self,
        participant: IParticipant,
        nick: str,
        room: Room,
        reason: str,
        kind: str | None = None,
        when: float | None = None,
    ) -> None:
        """
        Take C{participant}'s person out of C{room} (at C{when}: now, unless
        another node says), telling the members left and its other connections.
        """
        self._joined[self.personOf(participant)].remove(room)
        self.tellOwn(participant, self.removeMember(room, nick, reason, kind, when))

    def removeMember(
        self, room: Room, nick: str, reason: str, kind: str | None = None, when: float | None = None
    ) -> MembershipEvent:
        now = self.service.clock.seconds() if when is None else when
        event = MembershipEvent(room.name, nick, False, now, reason, kind)
        room.remove(nick, event)
        self.service.registry.vanishIfEmpty(room)
        return event

    def members(self, participant: IParticipant, room: str) -> list[str]:
        target = self.memberRoom(participant, room)
        return [member.nick for member in target.members.values()]

    def kickOut(
        self,
        target: Room,
        kicked: IParticipant,
        nick: str,
        by: str,
        reason: str = "",
        requester: IParticipant | None = None,
        deletion: str | None = None,
    ) -> str:
        """
        Take C{kicked} out of C{target}, telling every member (the kicked
        one included) with a L{Membership} of kind L{KICK}, the answer to
        C{requester}'s request if a connection asked; returns the kicked
        nickname as shown.  With a C{deletion} (the administrator's reason)
        the room is being deleted: the event is a L{roomremoval.RoomDeleted}.
        """
        shown = kicked.nick or nick
        now = self.service.clock.seconds()
        event: MembershipEvent
        if deletion is None:
            event = MembershipEvent(target.name, shown, False, now, reason, KICK, by, requester)
        else:
            event = roomremoval.RoomDeleted(target.name, shown, now, by, deletion)
        target.remove(nick, event, tellRemoved=True)
        if target in self._joined.get(kicked, []):
            self._joined[kicked].remove(target)
        self.service.registry.vanishIfEmpty(target)
        return shown
