# -*- test-case-name: tests.unit.core.test_service,tests.unit.cluster.test_cluster_recovery,tests.unit.cluster.test_cluster_kickrace -*-  # noqa: E501
"""
What another node of a cluster already checked, applied here: its users
logging in, entering, leaving and renaming, and messages said there
(its operators' room changes, kicks and invitations: L{RoomReplica}).
Members served here are told as if it all happened here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from twisted.internet.defer import Deferred
from twisted.logger import Logger
from twisted.python.failure import Failure
from zope.interface import implementer

from chatd.core import errors, statusmsg
from chatd.core.absent import isAbsent
from chatd.core.ctcp import ctcpOf
from chatd.core.delivery import deliver, deliverToAll
from chatd.core.events import (
    PART,
    Notice,
    PrivateMessage,
    Redaction,
    RoomMessage,
)
from chatd.core.interfaces import IParticipant
from chatd.core.names import key, normalize
from chatd.core.redaction import tellHere
from chatd.core.roles import IReplica
from chatd.core.roomreplica import RoomReplica
from chatd.core.rooms import Rooms

if TYPE_CHECKING:
    from chatd.core.service import ChatService


@implementer(IReplica)
class Replica(RoomReplica):
    """
    The cluster's way in: applies what another node decided, through the
    service's public methods and the room registry.
    """

    log = Logger()

    def __init__(self, service: ChatService, rooms: Rooms) -> None:
        self.service = service
        self.rooms = rooms

    def admitRemote(self, participant: IParticipant, nick: str) -> str:
        """
        Log in a participant connected to another process, where the name
        was claimed and any password checked.

        @raise NickTaken: someone here has the name.
        """
        nick = normalize(nick)
        if self.service.find(nick) is not None:
            raise errors.NickTaken()
        return self.service.logins.admit(participant, nick, alone=True)

    def ensureRoom(self, room: str, ephemeral: bool = False, group: str = "") -> str:
        """
        The display name of C{room}, created here first if another process
        created it; as a guest's room (not stored, gone once empty) if it is
        C{ephemeral} there, counted against the address C{group} its creator
        came from.
        """
        target, new = self.rooms.ensure(room)
        if new and ephemeral:
            target.makeEphemeral(None)
            self.service.roomLimits.countAgainst(key(target.name), group)
        return target.name

    def enterRemote(self, participant: IParticipant, room: str, when: float | None = None) -> None:
        """
        Put a participant served by another process in C{room} (created if
        need be), where its entry was already checked; members here are told.
        A room this process only learns of this way (a guest's room it
        already dropped, in a race) lasts here only while someone is in it.
        """
        nick = self.service.requireLogin(participant)
        target, new = self.rooms.ensure(room)
        if new:
            target.makeEphemeral(None)
        if key(nick) in target.members:
            return
        self.service.membership.join(participant, nick, target, remote=True, when=when)
        target.useInvitation(nick)  # used up, as by enter()

    def tellRemote(
        self, event: PrivateMessage, refused: Callable[[errors.ChatError], None] | None = None
    ) -> bool:
        """
        Hand a private message another process's user sent (checked and
        stored there, and acknowledged once it was on its way) to its
        recipient here.  One who left before it came, or an always-on
        person without a connection, has it kept for their next login if
        the name is registered, as if it had been sent here; otherwise it
        reaches nobody: false.  CTCP machinery is never kept, and is
        answered here for a recipient without IRC client
        (L{chatd.core.ctcp}).  One that cannot be kept after all (a full
        inbox) is C{refused}, with why, so that its sender is told.
        """
        recipient = self.service.find(event.recipient)
        sender = self.service.find(event.sender)
        if recipient is not None and sender is not None:
            if self.service.ignores.ignores(recipient, sender):
                return True  # dropped (L{chatd.core.ignores}), as here
        machinery = ctcpOf(event.lines) is not None
        if recipient is not None and (machinery or not isAbsent(recipient)):
            if (persistence := self.service.persistence) is None:
                recipient.privateMessage(event)  # an absent person's drops it
            else:  # behind the messages that waited, if they are being handed over
                persistence.inbox.live.hand(recipient, event)
                persistence.inbox.handedLive(event)
            if machinery and not event.notice:  # answered here for one without IRC
                self.service.messages.answerCtcp(sender, recipient, event)
            return True
        if not event.lines or machinery:  # client tags alone, CTCP: for now or never
            return True
        kept = self.service.messages.keepForLater(event)
        if kept is None:
            return False

        def unkept(failure: Failure) -> None:
            if refused is not None and isinstance(failure.value, errors.ChatError):
                return refused(failure.value)
            self.log.failure("keeping a private message for {nick}", failure, nick=event.recipient)

        kept.addErrback(unkept)
        return True

    def deliverWaiting(self, nick: str | None = None) -> Deferred[None] | None:
        """
        Contact with the other nodes is back after they counted this one
        gone: what they kept meanwhile for the registered users connected
        here, who never left, is theirs now, not at their next login.
        With C{nick}: only that user's (another node just kept messages
        for them that their dead node never handled, after their welcome
        here read what waited).
        """
        persistence = self.service.persistence
        if persistence is None:
            return None
        users = self.service.users() if nick is None else [self.service.find(nick)]
        people = [
            user
            for user in users
            if user is not None
            and persistence.isLocal(user)
            and user.nick is not None
            and persistence.isRegisteredNow(user.nick)
        ]
        return persistence.inbox.deliverConnected(people)

    def sayRemote(
        self, participant: IParticipant, event: RoomMessage, removedHere: bool = False
    ) -> bool:
        """
        Deliver a message another process's user said in a room to its
        members here, as one fan-out over the room's connections (proxies
        in it ignore a message they did not send); false if the sender is
        not in the room here while only members may speak there (C{+n}),
        so the caller can hold it until states agree.  Without C{+n}, one
        from outside the room is delivered, as it was where it was sent.

        @param removedHere: the sender was in the room until an order given
            here took them out of it (a kick), and their process had not
            applied that order when it sent this: said before the removal
            there, by a member, it is delivered as from a member.
        """
        target = self.rooms.find(event.room)
        if target is None:
            return False
        member = target.members.get(key(event.sender)) is participant or removedHere
        if not member and "n" in target.modes:
            return False  # only members speak there: the states differ
        if event.status:  # for the room's operators only, here as where it was sent
            deliver(statusmsg.audience(self.service, target), "roomMessage", event, participant)
        else:
            deliverToAll(target.members, "roomMessage", event, skip=participant)
        persistence = self.service.persistence
        if persistence is not None:  # received live: not in the replay of an entry under way
            persistence.replays.arrived(event)
        return True

    def sayLate(self, events: list[RoomMessage], notices: Mapping[str, Notice]) -> None:
        """
        Show the members served here the room messages said on a node that
        was lost with them, read back from the shared store, each with its
        own time (IRC's C{server-time}), in the order given (their senders',
        across rooms), after each room's C{notice} that they come late; the
        stand-ins of other nodes' users are not given them, so they go
        nowhere else, and they are not stored again.
        """
        isHere = self.service.people.isConnected
        members: dict[str, list[IParticipant]] = {}
        for room, notice in notices.items():
            target = self.rooms.find(room)
            if target is not None:
                members[key(room)] = here = [m for m in target.members.values() if isHere(m)]
                deliver(here, "notice", notice)
        persistence = self.service.persistence
        for event in events:
            room = key(event.room)
            if room not in members:
                continue
            deliver(members[room], "roomMessage", event)
            if persistence is not None:  # received now: not in the replay of an entry under way
                persistence.replays.arrived(event)

    def leaveRemote(
        self, participant: IParticipant, room: str, reason: str = "", when: float | None = None
    ) -> None:
        """
        Take a participant served by another process out of C{room} (where
        its leaving was already recorded), by choice, with its C{reason}:
        members here are told.
        """
        nick = self.service.requireLogin(participant)
        target = self.rooms.find(room)
        if target is None or target not in self.service.roomsJoined(participant):
            return
        self.service.membership.part(participant, nick, target, reason, PART, when)

    def renameRemote(self, participant: IParticipant, nick: str) -> str:
        """
        Rename a participant served by another process, where the new name
        was claimed and checked; members of its rooms here are told.

        @raise NickTaken: someone else here has the name.
        """
        old = self.service.requireLogin(participant)
        nick = normalize(nick)
        holder = self.service.find(nick)
        if holder is not None and holder is not participant:
            raise errors.NickTaken()
        return self.service.logins.applyRename(participant, old, nick)

    def redactedRemote(self, event: Redaction) -> None:
        """
        A message was deleted on another node: the connections here that
        may show it are told, as for a deletion here.
        """
        tellHere(self.service, event)
