# -*- test-case-name: tests.unit.core.test_service,tests.unit.cluster.test_cluster_recovery -*-
"""
What another node of a cluster already checked, applied here: its users
logging in, entering, leaving and renaming, and its operators' room
changes, kicks and invitations.  Members served here are told as if it
all happened here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from twisted.internet.defer import Deferred
from twisted.logger import Logger
from twisted.python.failure import Failure
from zope.interface import implementer

from chatd.core import errors, roomcopy, roomremoval, status, statusmsg
from chatd.core.absent import isAbsent
from chatd.core.ctcp import ctcpOf
from chatd.core.delivery import deliver, deliverToAll
from chatd.core.events import (
    PART,
    Invitation,
    Notice,
    PrivateMessage,
    Redaction,
    RoomChange,
    RoomMessage,
)
from chatd.core.interfaces import IParticipant
from chatd.core.masks import modeString, parseModes
from chatd.core.names import key, normalize
from chatd.core.redaction import tellHere
from chatd.core.roles import IReplica
from chatd.core.room import Room
from chatd.core.rooms import Rooms

if TYPE_CHECKING:
    from chatd.core.service import ChatService


@implementer(IReplica)
class Replica:
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
            recipient.privateMessage(event)  # an absent person's drops it
            if (persistence := self.service.persistence) is not None:
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

    def deliverWaiting(self) -> Deferred[None] | None:
        """
        Contact with the other nodes is back after they counted this one
        gone: what they kept meanwhile for the registered users connected
        here, who never left, is theirs now, not at their next login.
        """
        persistence = self.service.persistence
        if persistence is None:
            return None
        people = [
            user
            for user in self.service.users()
            if persistence.isLocal(user)
            and user.nick is not None
            and persistence.isRegisteredNow(user.nick)
        ]
        return persistence.inbox.deliverConnected(people)

    def sayRemote(self, participant: IParticipant, event: RoomMessage) -> bool:
        """
        Deliver a message another process's user said in a room to its
        members here, as one fan-out over the room's connections (proxies
        in it ignore a message they did not send); false if the sender is
        not in the room here while only members may speak there (C{+n}),
        so the caller can hold it until states agree.  Without C{+n}, one
        from outside the room is delivered, as it was where it was sent.
        """
        target = self.rooms.find(event.room)
        if target is None:
            return False
        if target.members.get(key(event.sender)) is not participant and "n" in target.modes:
            return False  # only members speak there: the states differ
        if event.status:  # for the room's operators only, here as where it was sent
            deliver(statusmsg.audience(self.service, target), "roomMessage", event, participant)
        else:
            deliverToAll(target.members, "roomMessage", event, skip=participant)
        persistence = self.service.persistence
        if persistence is not None:  # received live: not in the replay of an entry under way
            persistence.replays.arrived(event)
        return True

    def sayLate(self, room: str, events: list[RoomMessage], notice: Notice) -> bool:
        """
        Show the members served here the room messages said in C{room} on a
        node that was lost with them, read back from the shared store, each
        with its own time (IRC's C{server-time}), after a C{notice} that
        says they come late; the stand-ins of other nodes' users are not
        given them, so they go nowhere else, and they are not stored again.
        """
        target = self.rooms.find(room)
        if target is None:
            return False
        isHere = self.service.people.isConnected
        here = [m for m in target.members.values() if isHere(m)]
        deliver(here, "notice", notice)
        persistence = self.service.persistence
        for event in events:
            deliver(here, "roomMessage", event)
            if persistence is not None:  # received now: not in the replay of an entry under way
                persistence.replays.arrived(event)
        return True

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

    # Room settings: changes an operator made elsewhere, checked there,
    # applied here without checks; members here are told as if the
    # operator were here.

    def applyRemoteRoomChange(
        self,
        room: str,
        by: str,
        modes: str = "",
        args: tuple[str, ...] | list[str] = (),
        topic: str | None = None,
        when: float | None = None,
    ) -> RoomChange | None:
        """
        Apply a L{RoomChange} made elsewhere: C{topic}, or C{modes} with
        C{args} as in L{RoomChange} (parsed by L{parseModes}).
        Members here get ONE L{RoomChange} with the changes that applied or
        were already so (this copy may have learnt them another way: a
        stored setting); a change that cannot apply here (C{+o} for
        someone not in the room here) is left out.  Returns what members
        were told, if anything.
        """
        target = self.rooms.ensure(room)[0]
        now = self.service.clock.seconds() if when is None else when
        if topic is not None:
            target.setTopic(topic, by, int(now))
            event = RoomChange(target.name, by, now, topic=topic)
            target.broadcast(event)
            return event
        return self._applyRemoteModes(target, by, parseModes(modes, args), now)

    def _applyRemoteModes(
        self, target: Room, by: str, changes: list[tuple[bool, str, str | None]], now: float
    ) -> RoomChange | None:
        shown: list[tuple[str, str | None]] = []
        for adding, mode, argument in changes:
            try:
                done = target.apply(by, adding, mode, argument or "", int(now))
            except errors.ChatError as error:
                self.log.info(
                    "{room}: {mode} from {by} does not apply here ({error})",
                    room=target.name,
                    mode=("+" if adding else "-") + mode,
                    by=by,
                    error=error.text,
                )
                continue
            shown.append(done or (("+" if adding else "-") + mode, argument))
        if not shown:
            return None
        modes, args = modeString(shown)
        event = RoomChange(target.name, by, now, modes, args)
        target.broadcast(event)
        self.service.roomOps.saveRules(target)
        return event

    def roomState(self, room: str) -> dict[str, Any]:
        """
        C{room}'s modes, key, ban list, capacity and its members' status,
        as plain data (L{roomcopy.snapshot}) for another process's copy.
        """
        return roomcopy.snapshot(self.rooms.get(room))

    def syncRoomState(
        self, room: str, by: str, state: dict[str, Any], nicks: Iterable[str] = ()
    ) -> RoomChange | None:
        """
        Make C{room} match C{state} (a L{roomState}, maybe partial: only
        the settings it holds, and the status of members C{nicks}), telling
        members here the difference in one L{RoomChange} by C{by} (and a
        second for a new topic, by whoever set it).
        """
        target = self.rooms.ensure(room)[0]
        changes = roomcopy.differences(target, state, nicks)
        event = self._applyRemoteModes(target, by, changes, self.service.now())
        target.keepSetters(state)  # who set each mask, and when, as there
        self.service.roomOps.saveRules(target)
        if "t" in state and state["t"][0] != target.settings.topic:
            topic, setter, when = state["t"]
            told = self.applyRemoteRoomChange(room, setter or by, topic=topic, when=when)
            return event or told
        return event

    def kickRemote(self, room: str, nick: str, by: str, reason: str = "") -> bool:
        """
        Remove C{nick} from C{room} on an operator's order given elsewhere,
        wherever C{nick} is served: every member here, the kicked one
        included, is told with a L{Membership} of kind L{KICK}.  Returns
        whether C{nick} was in the room here.
        """
        target = self.rooms.find(room)
        kicked = None if target is None else target.members.get(key(nick))
        if target is None or kicked is None:
            return False
        self.service.membership.kickOut(target, kicked, nick, by, reason)
        if self.service.persistence is not None and self.service.people.isConnected(kicked):
            self.service.persistence.left(kicked, target).addErrback(
                lambda f: self.log.failure("recording a kick from {room}", f, room=target.name)
            )
        return True

    def inviteRemote(
        self, room: str, nick: str, by: str, admitted: bool, when: int | None = None
    ) -> None:
        """
        C{by} invited C{nick} to C{room} elsewhere: if that let C{nick} in
        (C{admitted}: past C{i} and ban masks, once), it does here too, and
        C{nick}, if here, gets the L{Invitation}, and so do the members here
        who could have invited them (L{status.tellInvitation}).
        """
        target = self.rooms.ensure(room)[0]
        if admitted:
            target.invite(nick)
        recipient = self.service.find(nick)
        now = self.service.clock.seconds() if when is None else when
        invitation = Invitation(target.name, by, nick if recipient is None else recipient.nick, now)
        if recipient is not None and recipient.nick is not None:
            recipient.notice(invitation)
        inviter = self.service.find(by)  # the members here who could have invited see it too
        if inviter is not None:
            status.tellInvitation(self.service, target, inviter, invitation)

    def roomCreatedRemote(
        self,
        room: str,
        creator: str | None,
        when: int | None = None,
        ephemeral: bool = False,
        millis: int | None = None,
        group: str = "",
    ) -> str:
        """
        C{creator} created C{room} elsewhere (at C{millis}, if told): it
        exists here too, and the creator runs it, as in L{createRoom}; an
        C{ephemeral} one (a guest's) vanishes here too once nobody is in it,
        and counts here too against the address C{group} of its creator.
        """
        target, new = self.rooms.ensure(room)
        target.founded(creator, when)
        persistence = self.service.persistence
        if new:
            made = millis if millis is not None else (when or self.service.now()) * 1000
            shared = persistence is not None and persistence.sharedStore
            roomremoval.madeAnew(self.service, target.name, made, forgetStored=not shared)
        if new and ephemeral:
            founder = self.service.find(creator or "") if creator else None
            target.makeEphemeral(founder)
            if founder is not None and creator:
                self.service.roomLimits.created(key(target.name), founder, creator, True)
            self.service.roomLimits.countAgainst(key(target.name), group)
        return target.name

    def deleteRoomRemote(self, room: str, by: str, reason: str = "") -> None:
        """
        C{by} deleted C{room} on another node: its members here are taken
        out and told as there; the store forgets it here too, unless the
        nodes share it (deleted there already).
        """
        target = self.rooms.find(room)
        if target is not None:
            roomremoval.removeRoom(self.service, target, by, reason)
        persistence = self.service.persistence
        if persistence is not None and not persistence.sharedStore:
            roomremoval.forget(self.service, room)

    def redactedRemote(self, event: Redaction) -> None:
        """
        A message was deleted on another node: the connections here that
        may show it are told, as for a deletion here.
        """
        tellHere(self.service, event)
