# -*- test-case-name: tests.unit.core.test_service -*-
"""
What a room's operators do: change its modes, set its topic, kick a member
out of it.  The rules are L{Room}'s; this applies them for a participant,
tells the members, and stores what must last.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, TypeVar

from chatd.core import errors
from chatd.core.banreach import heldUnseen
from chatd.core.calls import afterHeard
from chatd.core.delivery import deliver
from chatd.core.events import Invitation, Notice, RoomChange
from chatd.core.founders import aboveBans, runsFromOutside
from chatd.core.interfaces import IParticipant, MaybeDeferred
from chatd.core.masks import modeString
from chatd.core.names import key
from chatd.core.person import Person
from chatd.core.renaming import unknownNick
from chatd.core.room import Room
from chatd.core.speaking import checkHeard, heardReason
from chatd.core.status import tellInvitation
from chatd.core.text import checkShortText, checkText

if TYPE_CHECKING:
    from chatd.core.service import ChatService


_T = TypeVar("_T")


#: Room modes whose argument is text the members see: the key, the masks.
TEXT_MODES = "kbeI"


class RoomOps:
    """
    The room-operator commands of the L{ChatService} facade.
    """

    def __init__(self, service: ChatService) -> None:
        self.service = service

    def requireRoomOperator(self, participant: IParticipant, room: str) -> tuple[str, Room]:
        """
        C{participant}'s nick and C{room}, which it runs: a member with
        operator status, a chatd operator (in any room, even one it is
        not in: it may give operator status to anyone there, itself too),
        or the room's founder from outside it (L{runsFromOutside}).
        """
        nick = self.service.requireLogin(participant)
        found = self.service.registry.get(room)
        account = self.service.provenAccount(participant)
        if self.service.isOperator(participant) or runsFromOutside(found, nick, account):
            return nick, found
        target = self.service.memberRoom(participant, room)
        if not self.service.isRoomOperator(participant, room):
            raise errors.NotRoomOperator()
        return nick, target

    def tellRoom(self, room: Room, event: Notice, skip: IParticipant | None = None) -> None:
        """
        Tell C{room}'s members (but the connection C{skip}) of C{event}: in
        a cluster, once every other node has applied it, so a member told of
        a change (the operator's own client: IRC's C{MODE} echo) finds it on
        every node.
        """
        observer = self.service.observer
        if isinstance(event, RoomChange):
            if observer is not None:
                observer.roomChanged(event)
            if event.modes:
                self.saveRules(room)
        afterHeard(observer, lambda: self._broadcast(room, event, skip))

    def _broadcast(self, room: Room, event: Notice, skip: IParticipant | None) -> None:
        """
        L{tellRoom}'s telling: the members, and the connection that asked
        for a change from outside the room (its founder: L{runsFromOutside}),
        which would otherwise never see it done.
        """
        room.broadcast(event, skip)
        requester = event.requester if isinstance(event, RoomChange) else None
        if (
            requester is not None
            and requester is not skip
            and IParticipant.providedBy(requester)
            and key(requester.nick or "") not in room.members
        ):
            deliver([requester], "notice", event)

    def heard(self, result: MaybeDeferred[_T]) -> MaybeDeferred[_T]:
        """
        C{result}, once every other cluster node has heard of the change (as
        an arrival is answered): the operator's client then holds its later
        lines, so a member on another node told of the change by it (a
        voice, a kick, a key) finds it there already.
        """
        return afterHeard(self.service.observer, lambda: result)

    def saveRules(self, room: Room) -> None:
        """
        Store C{room}'s settings after a change of its modes, key or masks,
        if the store does not hold them yet, so a restart keeps them; the
        change holds in memory meanwhile, and a write the database refused
        is done again once it answers (L{chatd.core.storedsettings}).
        """
        persistence = self.service.storeOf(room)
        if persistence is not None:
            persistence.settingsWriter.save(room)

    def saveApplied(self, room: Room) -> None:
        """
        Store C{room}'s settings after a change another node made (its
        topic), applied here, so a restart keeps it, as L{saveRules} does;
        not in a store the nodes share, where that node wrote it.
        """
        persistence = self.service.storeOf(room)
        if persistence is not None and not persistence.sharedStore:
            persistence.settingsWriter.save(room)

    def changeRoomMode(
        self, participant: IParticipant, room: str, adding: bool, mode: str, nick: str = ""
    ) -> MaybeDeferred[bool]:
        """
        A room operator sets (C{adding}) or clears one mode of C{room}: a
        room mode of L{ROOM_MODES}, C{o}/C{v} for member C{nick}, C{l}:
        the room's capacity (C{nick} is the number; cleared, the server's
        limit applies), C{k}: the room's key (C{nick} is the key) or C{b}:
        a ban mask (C{nick} is the mask).  Every member is told with a L{RoomChange}; a change
        that changes nothing is not announced.  Returns whether something
        changed (a L{Deferred} for a stored capacity).

        @raise NotRoomOperator: C{participant} does not run the room.
        @raise NotInRoom: C{nick} is not a member.
        @raise InvalidArgument: an unknown mode, or a capacity that is not a
            whole number above 0.
        """
        by, target = self.requireRoomOperator(participant, room)
        if mode in "eI":  # exceptions come with changeRoomModes only
            raise errors.InvalidArgument(f"unknown room mode {mode!r}")
        if mode in TEXT_MODES:  # the key, a ban mask: C{nick} is the argument
            checkText(nick, "mode argument")
            self.checkHeard(participant)
        done = target.apply(by, adding, mode, nick, self.service.now())
        if done is None:
            return False
        args = () if done[1] is None else (done[1],)
        now = self.service.clock.seconds()
        self.tellRoom(target, RoomChange(target.name, by, now, done[0], args, None, participant))
        self.tellHeldUnseen(participant, target, [done])
        persistence = self.service.storeOf(target)
        if mode == "l" and persistence is not None:
            capacity = target.settings.capacity or 0
            d = persistence.configureRoom(target.name, None, capacity, None, None)
            return self.heard(d.addCallback(lambda _: True))
        return self.heard(True)

    def setTopic(self, participant: IParticipant, room: str, topic: str) -> MaybeDeferred[str]:
        """
        A member sets C{room}'s topic (only its operators when it has mode
        C{t}); every member is told with a L{RoomChange}.  With a store, a
        L{Deferred} that fires once it is saved.

        @raise NotRoomOperator: C{t} is set and C{participant} does not run it.
        """
        nick = self.service.requireLogin(participant)
        target = self.service.memberRoom(participant, room)
        if "t" in target.modes and not self.service.isRoomOperator(participant, room):
            raise errors.NotRoomOperator()
        self.checkHeard(participant)
        return self.applyTopic(target, topic, nick, participant)

    def checkHeard(self, participant: IParticipant) -> None:
        """
        @raise Muted: C{participant} may not put words before others (a
            topic, a key, a mask, an invitation): L{checkHeard}.
        """
        checkHeard(self.service.moderation, self.service.people, participant)

    def applyTopic(
        self, target: Room, topic: str, by: str, requester: IParticipant | None = None
    ) -> MaybeDeferred[str]:
        """
        C{by} sets C{target}'s topic (allowed already), at C{requester}'s
        request if a connection asked: every member is told, and the topic,
        its setter and the time are stored.
        """
        checkShortText(topic, "topic")
        target.setTopic(topic, by, self.service.now())
        now = self.service.clock.seconds()
        self.tellRoom(target, RoomChange(target.name, by, now, topic=topic, requester=requester))
        persistence = self.service.storeOf(target)
        if persistence is not None:
            return self.heard(persistence.configureRoom(target.name, None, None, topic, None))
        return self.heard(target.name)

    def kickFromRoom(
        self, participant: IParticipant, room: str, nick: str, reason: str = ""
    ) -> MaybeDeferred[str]:
        """
        A room operator removes C{nick} from C{room} (not from the server):
        every member, the kicked one included, is told with a L{Membership}
        of kind L{KICK} carrying C{reason}.  Returns the kicked nickname.

        @raise NotRoomOperator: C{participant} does not run the room.
        @raise NotInRoom: C{nick} is not a member.
        @raise InvalidNick: nobody can be called C{nick} (L{unknownNick}).
        """
        by, target = self.requireRoomOperator(participant, room)
        kicked = target.members.get(key(nick))
        if kicked is None:
            raise unknownNick(nick, errors.NotInRoom())
        reason = heardReason(self.service, participant, checkShortText(reason, "reason"))
        shown = self.service.membership.kickOut(target, kicked, nick, by, reason, participant)
        if self.service.observer is not None:
            self.service.observer.kickedFromRoom(target.name, shown, by, reason)
        if self.service.persistence is not None:
            return self.heard(
                self.service.persistence.left(kicked, target).addCallback(lambda _: shown)
            )
        return self.heard(shown)

    def changeRoomModes(
        self, participant: IParticipant, room: str, changes: Iterable[tuple[bool, str, str]]
    ) -> MaybeDeferred[list[tuple[bool, str, str, errors.ChatError]]]:
        """
        A room operator makes several mode changes at once, each
        C{(adding, mode, argument)} as for L{changeRoomMode}, plus C{k} (the
        room's key, the argument) and C{b} (a ban mask).  The changes that
        change something are announced in ONE L{RoomChange} (C{"-int"},
        C{"+kl" ("key", "9")}); those refused are returned as
        C{(adding, mode, argument, error)}, maybe as a L{Deferred} when a
        capacity is stored.

        @raise NotRoomOperator: C{participant} does not run the room.
        """
        by, target = self.requireRoomOperator(participant, room)
        applied: list[tuple[str, str | None]] = []
        refused: list[tuple[bool, str, str, errors.ChatError]] = []
        capacity = target.settings.capacity
        for adding, mode, argument in changes:
            try:
                checkText(argument, "mode argument")
                if mode in TEXT_MODES:
                    self.checkHeard(participant)
                done = target.apply(by, adding, mode, argument, self.service.now())
            except errors.ChatError as error:
                refused.append((adding, mode, argument, error))
            else:
                if done is not None:
                    applied.append(done)
        if applied:
            modes, args = modeString(applied)
            now = self.service.clock.seconds()
            self.tellRoom(target, RoomChange(target.name, by, now, modes, args, None, participant))
            self.tellHeldUnseen(participant, target, applied)
        persistence = self.service.storeOf(target)
        if persistence is not None and capacity != target.settings.capacity:
            d = persistence.configureRoom(
                target.name, None, target.settings.capacity or 0, None, None
            )
            return self.heard(d.addCallback(lambda _: refused))
        return self.heard(refused) if applied else refused

    def tellHeldUnseen(
        self, participant: IParticipant, target: Room, applied: list[tuple[str, str | None]]
    ) -> None:
        """
        Tell C{participant}, who just set the ban masks among C{applied},
        of the members served here each holds unseen (L{heldUnseen}: signed
        in to an account from an address it matches), but those above its
        bans.  In a cluster, only a member's own node knows its address:
        each node that applies the ban tells the operator of its own
        members, one notice each (L{chatd.core.roomreplica}).
        """
        people = self.service.people

        def bound(member: IParticipant) -> bool:
            if not isinstance(member, Person):
                return False  # another node's user: its node tells of it
            account = people.accounts.key(member)
            if target.exceptions.matches(people.hosts.masksOf(member)):
                return False  # a ban exception (+e) lets them through
            return not aboveBans(target, member.nick or "", account, people.isOperator(member))

        for change, mask in applied:
            if change != "+b" or mask is None:
                continue
            members = [member for member in target.members.values() if bound(member)]
            held = heldUnseen(mask, members, people.hosts)
            if held:
                text = (
                    f"{mask} also holds {', '.join(held)}, signed in to accounts from an address"
                    f" it matches: they may not come back to {target.name} once they leave, nor"
                    " speak there unless voiced (*!*@user/<account> holds one account)"
                )
                participant.notice(Notice(text, self.service.clock.seconds()))

    def invite(self, participant: IParticipant, nick: str, room: str) -> MaybeDeferred[None]:
        """
        A member invites C{nick} into C{room}: needed to enter an
        invite-only room (then only its operators may), and an operator's
        invitation lets them past a ban mask once.
        """
        sender = self.service.requireLogin(participant)
        target = self.service.memberRoom(participant, room)
        self.checkHeard(participant)
        recipient = self.service.people.find(nick)
        if recipient is None:
            raise unknownNick(nick)
        assert recipient.nick is not None
        if key(recipient.nick) in target.members:
            raise errors.AlreadyMember()
        if "i" in target.modes:
            if not self.service.isRoomOperator(participant, target.name):
                raise errors.NotRoomOperator()
            target.invite(recipient.nick)
        elif self.service.isRoomOperator(participant, target.name):
            target.invite(recipient.nick)  # lets them past a ban mask, once
        invitation = Invitation(target.name, sender, recipient.nick, self.service.clock.seconds())
        if not self.service.ignores.ignores(recipient, participant):
            recipient.notice(invitation)  # an ignored inviter's is dropped
        tellInvitation(self.service, target, participant, invitation)
        if self.service.observer is not None:
            admitted = key(recipient.nick) in target.invited
            self.service.observer.invited(target.name, recipient.nick, sender, admitted)
        return self.heard(None)
