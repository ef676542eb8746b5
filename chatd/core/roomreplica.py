# -*- test-case-name: tests.unit.core.test_service,tests.unit.cluster.test_cluster_recovery,tests.unit.cluster.test_cluster_banreach,tests.unit.cluster.test_cluster_adminby -*-  # noqa: E501
"""
What another node of a cluster already checked about a room, applied
here: its operators' room changes, kicks and invitations, and rooms made
or deleted there.  Members served here are told as if it all happened
here.  The base class of L{chatd.core.replica.Replica}, which adds the
people's side.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from twisted.logger import Logger

from chatd.core import errors, roomcopy, roommerge, roomremoval, status
from chatd.core.events import Administrator, Invitation, RoomChange
from chatd.core.masks import modeString, parseModes
from chatd.core.names import key
from chatd.core.person import Person
from chatd.core.room import Room
from chatd.core.rooms import Rooms

if TYPE_CHECKING:
    from chatd.core.service import ChatService


class RoomReplica:
    """
    Applies what another node decided about a room, through the
    service's public methods and the room registry.
    """

    log = Logger()
    service: ChatService
    rooms: Rooms

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
        requester: str | None = None,
    ) -> RoomChange | None:
        """
        Apply a L{RoomChange} made elsewhere: C{topic}, or C{modes} with
        C{args} as in L{RoomChange} (parsed by L{parseModes}).
        Members here get ONE L{RoomChange} with the changes that applied or
        were already so (this copy may have learnt them another way: a
        stored setting); a change that cannot apply here (C{+o} for
        someone not in the room here) is left out.  Returns what members
        were told, if anything.  C{requester}, the nickname of the user
        (on another node) who asked for it, is told of the members here a
        ban mask it set holds unseen (L{RoomOps.tellHeldUnseen}).
        """
        target = self.rooms.ensure(room)[0]
        now = self.service.clock.seconds() if when is None else when
        if topic is not None:
            target.setTopic(topic, by, int(now))
            event = RoomChange(target.name, by, now, topic=topic)
            target.broadcast(event)
            self.service.roomOps.saveApplied(target)
            return event
        told = self._applyRemoteModes(target, by, parseModes(modes, args), now)
        asker = None if requester is None else self.service.people.find(requester)
        if told is not None and asker is not None and not isinstance(asker, Person):
            held = parseModes(told.modes, told.args)  # what holds here now
            applied = [(("+" if adding else "-") + mode, mask) for adding, mode, mask in held]
            self.service.roomOps.tellHeldUnseen(asker, target, applied)
        return told

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
        as plain data (L{roomcopy.snapshot}) for another process's copy,
        with the stamps of the room (C{s}) and of each setting (C{ss}).
        """
        target = self.rooms.get(room)
        state = roomcopy.snapshot(target)
        state["s"], state["ss"] = list(target.settings.stamp), dict(target.settings.stamps)
        return state

    def syncRoomState(
        self, room: str, by: str, state: dict[str, Any], nicks: Iterable[str] = ()
    ) -> RoomChange | None:
        """
        Merge C{state} (a L{roomState}, maybe partial: only the settings it
        holds, and the status of members C{nicks}) into C{room} setting by
        setting, each setting's newer copy winning (L{roommerge.merged}),
        telling members here the difference: one L{RoomChange} for the
        changes of each setter (C{by} for a status or an unstamped
        setting), and one for a new topic, by whoever set it.
        """
        target = self.rooms.ensure(room)[0]
        wanted, taken = roommerge.merged(target, state)
        changes = roomcopy.differences(target, wanted, nicks)
        target.keepStamp(state.get("s") or [])  # first: stored with what they stamp
        for setting, stamp in taken.items():
            target.keepStamp(stamp, [setting])
        now = self.service.now()
        events = [
            self._applyRemoteModes(target, setter, grouped, now)
            for setter, grouped in roommerge.byAuthor(changes, taken, by)
        ]
        target.keepSetters(wanted)  # who set each mask, and when, as there
        self._forgetOldRemovals(target)
        self.service.roomOps.saveRules(target)
        told = None
        if "t" in wanted and wanted["t"][0] != target.settings.topic:
            topic, setter, when, *administrator = wanted["t"]
            if setter and administrator and administrator[0]:
                setter = Administrator(setter)  # set from the console: shown so everywhere
            told = self.applyRemoteRoomChange(room, setter or by, topic=topic, when=when)
        elif taken:
            self.service.roomOps.saveApplied(target)  # the stamps, for a restart
        return next((event for event in events if event is not None), told)

    def roomStamp(self, room: str) -> list[Any]:
        """
        The stamp of the latest change to C{room}'s own settings made or
        applied here (kept across restarts: L{Room.keepStamp}); C{[]}: none.
        """
        found = self.rooms.find(room)
        return [] if found is None else list(found.settings.stamp)

    def settingStamp(self, room: str, setting: str) -> list[Any]:
        """
        The stamp of the latest change to C{setting} of C{room} made or
        applied here (L{roommerge.settingName}); C{[]}: none.
        """
        found = self.rooms.find(room)
        return [] if found is None else list(found.settings.stamps.get(setting, []))

    def keepRoomStamp(self, room: str, stamp: list[Any], settings: Iterable[str] = ()) -> None:
        """
        C{room} had a change stamped C{stamp} to C{settings}, here or on
        another node.
        """
        target, settings = self.rooms.ensure(room)[0], list(settings)
        target.keepStamp(stamp, settings)
        self._forgetOldRemovals(target, settings)

    def _forgetOldRemovals(self, target: Room, keep: Iterable[str] = ()) -> None:
        """
        Drop the stamps of masks removed from C{target} long ago, but
        C{keep}'s (L{roommerge.withoutOldRemovals}); stored with the
        room's next write.
        """
        now = self.service.clock.seconds()
        target.settings.stamps = roommerge.withoutOldRemovals(target, now, keep)

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
        Administrator C{by} deleted C{room} on another node: its members
        here are taken out and told as there (by the administrator, never a
        user of that name); the store forgets it here too, unless the nodes
        share it (deleted there already).
        """
        target = self.rooms.find(room)
        if target is not None:
            roomremoval.removeRoom(self.service, target, Administrator(by), reason)
        persistence = self.service.persistence
        if persistence is not None and not persistence.sharedStore:
            roomremoval.forget(self.service, room)
