# -*- test-case-name: tests.unit.core.test_service -*-
"""
The administrators' queries and commands (the admin console's needs,
L{IAdministration}), kept apart from the facade that delegates to them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from twisted.internet.defer import Deferred

from chatd.core import errors, roomremoval
from chatd.core.events import Administrator, Notice, shownBy
from chatd.core.names import key
from chatd.core.participant import IParticipant
from chatd.core.renaming import unknownNick
from chatd.core.sanctiontext import formatSpan
from chatd.core.text import checkShortText
from chatd.storage.interfaces import APPROVAL

if TYPE_CHECKING:
    from chatd.core.service import ChatService
    from chatd.modstore import Sanction


class Administration:
    """
    What an administrator (or a chatd operator) does server-wide, through
    the service's public API.
    """

    def __init__(self, service: ChatService) -> None:
        self.service = service

    def kick(self, participant: IParticipant, nick: str, reason: str = "") -> None:
        """
        A chatd operator ends C{nick}'s session (talk's C{/kill}, IRC's
        C{KILL}, the web's C{kick} without a room): a disconnection with no timeout, so
        the wire says L{errors.Killed} (they may come back at once), not
        L{errors.Kicked} (refused until a console kick's timeout).  It is
        audited, as the console's actions are, under the operator's
        account (or nickname).
        """
        service = self.service
        operator = service.requireLogin(participant)
        if not service.isOperator(participant):
            raise errors.NotPermitted()
        target = service.find(nick)
        if target is None:
            raise unknownNick(nick)
        checkShortText(reason, "reason")
        why = f"kicked by {operator}" + (f": {reason}" if reason else "")
        kicked = target.nick or nick  # as they spelled it
        self.endSession(target, errors.Killed(why))
        who = service.accountName(participant) or operator
        service.moderation.audit(who, f"kick {kicked} {reason}".rstrip(), "operator")

    def capacity(self, room: str) -> int | None:
        return self.service.registry.get(room).capacity(self.service.maxGroupSize)

    def acceptPending(self, room: str, nick: str) -> Deferred[None]:
        """
        An operator lets C{nick} into approval room C{room}: they are put in
        it and told if they are connected, or find it on their next login.
        """
        return Deferred.fromCoroutine(
            self.service.requirePersistence().approvals.acceptPending(room, nick)
        )

    def refusePending(self, room: str, nick: str, reason: str = "") -> Deferred[None]:
        """
        An operator refuses C{nick}'s request to enter approval room
        C{room}, for C{reason}: it ends, and they are told if connected.
        """
        checkShortText(reason, "reason")
        return Deferred.fromCoroutine(
            self.service.requirePersistence().approvals.refusePending(room, nick, reason)
        )

    def pendingRequests(self, room: str | None = None) -> list[tuple[str, str]]:
        """
        The requests to enter approval rooms (all of them, or C{room}'s), as
        (room, nickname) pairs.
        """
        registry = self.service.registry
        rooms = registry.all() if room is None else [registry.get(room)]
        return [(r.name, nick) for r in rooms for nick in r.pending.values()]

    def waitingRequests(self) -> list[tuple[str, str, int | None]]:
        """
        Every request waiting to enter an approval room, as (room,
        nickname, when it was made: C{None} if unknown), the oldest first
        (then by room and nickname).
        """
        waiting = [
            (room.name, nick, room.requestedAt.get(nickKey))
            for room in self.service.registry.all()
            if room.settings.mode == APPROVAL  # (one made open lets them in)
            for nickKey, nick in room.pending.items()
        ]
        return sorted(waiting, key=lambda r: (r[2] or 0, key(r[0]), key(r[1])))

    def configureRoom(
        self,
        room: str,
        mode: str | None = None,
        capacity: int | None = None,
        topic: str | None = None,
        autojoin: bool | None = None,
    ) -> Deferred[str]:
        """
        Create C{room} if needed and change the settings given (for the admin
        console): C{mode} L{OPEN} or C{"approval"}, C{capacity} (0: the
        server-wide limit), C{topic}, and whether newcomers are put in it.

        @raise InvalidArgument: an unknown mode or a negative capacity.
        """
        if topic is not None:
            checkShortText(topic, "topic")
        persistence = self.service.requirePersistence()
        return persistence.configureRoom(room, mode, capacity, topic, autojoin)

    def closeBanned(self, sanction: Sanction) -> int:
        """
        End the session of every connection served here whose address the
        address ban C{sanction} holds, saying who banned it, for how long
        and why; how many.  The console that set the ban asks it, and so
        does every other node of a cluster when the ban reaches it, so a
        ban typed on any console closes its connections on every node.
        """
        span = "" if sanction.until is None else f" for {formatSpan(sanction.until - sanction.at)}"
        by = shownBy(Administrator(sanction.by))
        text = f"your address was banned by {by}{span}: {sanction.reason}"
        moderation, closed = self.service.moderation, 0
        for participant in self.service.connections():
            if moderation.addressBan(participant.address) is not None:
                self.endSession(participant, errors.Banned(text))
                closed += 1
        return closed

    def endSession(self, participant: IParticipant, error: errors.ChatError) -> None:
        """
        End C{participant}'s session (kick, ban, kill): the rooms it was in
        are told C{error.text}, then the participant is told C{error} and
        disconnected.  An always-on account's presence ends with it, until
        its next login.
        """
        nick = participant.nick
        self.service.disconnect(participant, error.text, error)
        participant.disconnect(error)
        persistence = self.service.persistence
        if nick is not None and persistence is not None:
            persistence.alwaysOn.ended(nick)

    def addRoom(self, name: str) -> str:
        """
        Create the room C{name} on an administrator's behalf, or make a
        guest's room of that name last: an administrator's room lasts (a
        guest's would vanish once emptied, taking the room they added).

        @raise errors.InvalidGroup: bad name.  @raise errors.GroupExists: a
            lasting room has that name.
        """
        found = self.service.registry.find(name)
        if found is not None and found.ephemeral:
            return self.service.keepRoom(found.name)
        created = self.service.registry.create(name)
        created.founded(None, self.service.now())
        # Made anew: what a guest's room of that name said is not its past.
        roomremoval.madeAnew(self.service, created.name, int(self.service.clock.seconds() * 1000))
        return created.name

    def notify(self, participant: IParticipant, text: str) -> None:
        """
        Send one participant a server notice (a moderation note).
        """
        participant.notice(Notice(text, self.service.clock.seconds()))

    def roomMode(self, name: str) -> str:
        """
        The mode of room C{name}: C{"open"} or C{"approval"}.

        @raise errors.NoSuchGroup: there is no such room.
        """
        return self.service.registry.get(name).settings.mode

    def topic(self, room: str) -> str:
        return self.service.registry.get(room).settings.topic
