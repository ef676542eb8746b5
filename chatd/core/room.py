# -*- test-case-name: tests.unit.core.test_masks -*-
"""
A room and the rules that change it: L{Room} is the only code that does;
the others ask it to admit, remove, rename, apply a change or broadcast.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from chatd.core import errors, roomcopy
from chatd.core.delivery import Members, deliverToAll
from chatd.core.events import Administrator, Membership, Notice, RoomMessage
from chatd.core.interfaces import IParticipant
from chatd.core.masks import MASK_LISTS, ROOM_MODES, BanList, checkKey, normalizeMask, sameKey
from chatd.core.names import key
from chatd.storage.interfaces import OPEN, RoomSettings

#: What a new room starts with, as on most IRC servers.
DEFAULT_ROOM_MODES = "nt"


class Room:
    """
    A room's name as created and its members, in the order they entered
    (C{entered}: each member's nick key to the moment its entry carried);
    its stored C{settings} (C{storedSettings}: a copy of those the store
    confirmed holding, with the operator settings, L{savedRules}), and for
    an approval room the nick keys that asked to enter (C{pending}, to
    their display nick; C{requestedAt}, to when they asked, if known) or
    were accepted.
    C{ops} and C{voiced}: the nick keys of its operators and voiced members
    (kept while they stay); C{modes}: its mode letters (L{ROOM_MODES}). An
    C{ephemeral} room (a guest's, L{chatd.core.roomlimits}) is not stored and
    vanishes when emptied; C{creator}: the guest's session while it lasts.
    """

    __slots__ = (
        "name",
        "members",
        "entered",
        "settings",
        "storedSettings",
        "pending",
        "requestedAt",
        "approved",
        "ops",
        "voiced",
        "modes",
        "invited",
        "key",
        "bans",
        "exceptions",
        "invex",
        "ephemeral",
        "creator",
    )

    def __init__(self, name: str) -> None:
        self.name = name
        self.members = Members()
        self.entered: dict[str, float] = {}
        self.settings = RoomSettings(name, OPEN)
        self.storedSettings: RoomSettings | None = None
        self.pending: dict[str, str] = {}
        self.requestedAt: dict[str, int] = {}
        self.approved: set[str] = set()
        self.ops: set[str] = set()
        self.voiced: set[str] = set()
        self.modes: set[str] = set(DEFAULT_ROOM_MODES)
        self.invited: set[str] = set()
        self.key: str | None = None
        self.bans = BanList()
        self.exceptions = BanList("ban exception")
        self.invex = BanList("invite exception")
        self.ephemeral = False
        self.creator: IParticipant | None = None

    # Entering and leaving

    def checkEntry(
        self,
        seenAs: tuple[str, ...],
        nick: str,
        roomKey: str | None,
        operator: bool,
        aboveBans: bool = False,
    ) -> None:
        """
        Refuse C{nick} (seen as C{seenAs}, its C{nick!user@host} forms:
        L{chatd.core.hosts.Hosts.masksOf}) if it is in already, banned
        (unless invited, or C{aboveBans}: L{chatd.core.founders.aboveBans}),
        without the key, or not invited to an invite-only room (nor an
        invite exception); a chatd operator passes all but the first.
        """
        if key(nick) in self.members:
            raise errors.AlreadyMember()
        if operator:
            return
        if not aboveBans:
            self.checkNotBanned(seenAs, nick)
        if self.key is not None and not sameKey(roomKey, self.key):
            raise errors.BadRoomKey()
        if "i" in self.modes and key(nick) not in self.invited:
            if not self.invex.matches(seenAs):
                raise errors.InviteOnly()

    def checkNotBanned(self, seenAs: tuple[str, ...], nick: str) -> None:
        """Refuse C{nick} if a ban matches it and no invitation lets it past (at a login too)."""
        if self.bans.entries and key(nick) not in self.invited and self.banned(seenAs):
            raise errors.BannedFromRoom()

    def banned(self, seenAs: tuple[str, ...]) -> bool:
        """
        Whether one of the ban masks matches a participant seen as
        C{seenAs} and none of the ban exceptions (mode C{e}) does.
        """
        return self.bans.matches(seenAs) and not self.exceptions.matches(seenAs)

    def add(
        self, participant: IParticipant, nick: str, now: float, limit: int | None = None
    ) -> None:
        """
        Put C{participant} in as C{nick}, telling the members; refused past
        C{limit} members (L{capacity}; C{None}: an entry decided elsewhere).
        """
        if limit is not None and len(self.members) >= limit:
            raise errors.GroupFull()
        self.broadcast(Membership(self.name, nick, True, now))
        self.members[key(nick)] = participant
        self.entered[key(nick)] = now

    def capacity(self, default: int | None) -> int | None:
        """The members it takes: its own capacity, or the server's C{default}."""
        return default if self.settings.capacity is None else self.settings.capacity

    def invite(self, nick: str) -> None:
        """Let C{nick} in once, past C{i} and the ban masks."""
        self.invited.add(key(nick))

    def useInvitation(self, nick: str) -> None:
        self.invited.discard(key(nick))

    def remove(self, nick: str, event: Membership, tellRemoved: bool = False) -> None:
        """
        Take C{nick} out (and its status), telling the members with
        C{event}: the one removed too when C{tellRemoved} (a kick).
        """
        if tellRemoved:
            self.broadcast(event)
        del self.members[key(nick)]
        self.entered.pop(key(nick), None)
        self.ops.discard(key(nick))
        self.voiced.discard(key(nick))
        if not tellRemoved:
            self.broadcast(event)

    def rename(self, old: str, nick: str) -> None:
        """Member C{old} is now C{nick}: same place, same status."""
        self.members = Members(
            ((key(nick) if k == key(old) else k), member) for k, member in self.members.items()
        )
        if key(old) in self.entered:
            self.entered[key(nick)] = self.entered.pop(key(old))
        for status in (self.ops, self.voiced):
            if key(old) in status:
                status.discard(key(old))
                status.add(key(nick))

    def broadcast(
        self, event: Notice | Membership | RoomMessage, skip: IParticipant | None = None
    ) -> None:
        """
        Give C{event}, one object for all (each wire format encodes it once),
        to every member but C{skip}, through the one method each expects;
        one member's failure does not keep it from the others.
        """
        if isinstance(event, RoomMessage):
            deliverToAll(self.members, "roomMessage", event, skip)
        elif isinstance(event, Membership):
            deliverToAll(self.members, "membershipChanged", event)
        else:
            deliverToAll(self.members, "notice", event, skip)

    # Status, topic and approvals

    def hasVoice(self, nick: str) -> bool:
        return key(nick) in self.voiced or key(nick) in self.ops

    def makeOperator(self, nick: str) -> None:
        self.ops.add(key(nick))

    def founded(self, by: str | None, when: int | None) -> None:
        """C{by} created the room at C{when}: it runs it."""
        if by:
            self.makeOperator(by)
        if when:
            self.settings.created = when

    @property
    def topicSetter(self) -> tuple[str, int] | None:
        """Who set the topic (an L{Administrator} from the console), and when."""
        by = self.settings.topicBy
        if not by:
            return None
        return (Administrator(by) if self.settings.topicByAdmin else by), self.settings.topicAt

    def makeEphemeral(self, creator: IParticipant | None) -> None:
        """The room vanishes once empty (a guest's: C{creator}'s session)."""
        self.ephemeral, self.creator = True, creator

    def lasts(self) -> None:
        self.ephemeral, self.creator = False, None

    def creatorLeft(self) -> None:
        self.creator = None

    def setTopic(self, topic: str, by: str, when: int) -> None:
        self.settings.topic = topic
        self.settings.topicBy, self.settings.topicAt = str(by), when
        self.settings.topicByAdmin = isinstance(by, Administrator)

    def adopt(self, settings: RoomSettings) -> None:
        """
        Take the stored C{settings} (and the name as stored), but the newer
        of the two stamps of the room and of each setting (L{keepStamp}): a
        stamp is never taken back.  The store holds them (L{storedSettings}).
        """
        self.storedSettings = _copy(settings)
        settings.stamp = max(settings.stamp, self.settings.stamp)
        mine, stored = self.settings.stamps, settings.stamps
        settings.stamps = {
            name: max(stored.get(name, []), mine.get(name, [])) for name in {**stored, **mine}
        }
        self.name, self.settings = settings.name, settings

    def keepStamp(self, stamp: list[Any], settings: Iterable[str] = ()) -> None:
        """
        In a cluster, C{stamp} (C{[time, node, by, administrator]}) is of a
        change to the room's own C{settings} (named as by
        L{chatd.core.roommerge.settingName}) made or applied here: kept, for
        the room and for each of them, if newer, and stored with the room's
        next write (L{chatd.cluster.rooms}).
        """
        self.settings.stamp = max(list(stamp), self.settings.stamp)
        stamps = dict(self.settings.stamps)  # a new dict: a store may hold the old one
        for name in settings:
            stamps[name] = max(list(stamp), stamps.get(name, []))
        self.settings.stamps = stamps

    def request(self, nickKey: str, nick: str, when: int | None = None) -> None:
        """
        Record C{nick}'s request to enter (an approval room), made at
        C{when} if known.
        """
        self.pending[nickKey] = nick
        if when is not None:
            self.requestedAt[nickKey] = when

    def approve(self, nickKey: str) -> str | None:
        """Accept C{nickKey}; its request's display nick, if it had one."""
        self.approved.add(nickKey)
        self.requestedAt.pop(nickKey, None)
        return self.pending.pop(nickKey, None)

    def configure(
        self,
        mode: str | None = None,
        capacity: int | None = None,
        topic: str | None = None,
        autojoin: bool | None = None,
    ) -> RoomSettings:
        """
        Change the settings given (an administrator's; C{capacity} 0: the
        server's limit) and return them, named as the room is, for the store.
        """
        settings = self.stored()
        if mode is not None:
            settings.mode = mode
        if capacity is not None:
            settings.capacity = capacity or None
        if topic is not None:
            settings.topic = topic
        if autojoin is not None:
            settings.autojoin = autojoin
        return settings

    def stored(self) -> RoomSettings:
        """The settings as the store keeps them, named as the room is."""
        self.settings.name = self.name
        return self.settings

    def unstored(self) -> RoomSettings | None:
        """
        A copy of the settings as they are now, the operator settings
        (L{savedRules}) in them, for the store, if it has not confirmed
        holding them (L{storedSettings}); else C{None}.
        """
        settings = self.stored()
        settings.rules = self.savedRules()
        return None if settings == self.storedSettings else _copy(settings)

    def settingsStored(self, settings: RoomSettings) -> None:
        """The store confirmed it holds C{settings} (an L{unstored} copy)."""
        self.storedSettings = settings

    # Modes

    def maskList(self, mode: str) -> BanList:
        """The mask list for mode letter C{mode} (of L{MASK_LISTS})."""
        masks: BanList = getattr(self, MASK_LISTS[mode][0])
        return masks

    def apply(
        self, by: str, adding: bool, mode: str, argument: str, now: int, flags: str = ROOM_MODES
    ) -> tuple[str, str | None] | None:
        """
        Set (C{adding}) or clear one mode (a flag of C{flags}, C{o}/C{v} for
        member C{argument}, C{l}, C{k}, C{b}/C{e}/C{I}) on C{by}'s order.
        Returns what changed (C{("+k", "key")}, C{("-m", None)}) or C{None}.

        @raise errors.InvalidArgument: an unknown mode or a bad argument.
        @raise errors.NotInRoom: C{o} or C{v} for someone not in the room.
        """
        sign = "+" if adding else "-"
        if mode in "ov":
            member = self.members.get(key(argument))
            if member is None:
                raise errors.NotInRoom()
            status = self.ops if mode == "o" else self.voiced
            if (key(argument) in status) == adding:
                return None
            (status.add if adding else status.discard)(key(argument))
            return sign + mode, member.nick or argument
        if mode == "l":
            return self._capacity(argument if adding else None)
        if mode == "k":
            if adding:
                if self.key == checkKey(argument):
                    return None
                self.key = checkKey(argument)
                return "+k", self.key
            if self.key is None:
                return None
            self.key = None
            return "-k", "*"
        if mode in MASK_LISTS:
            masks = self.maskList(mode)
            mask = normalizeMask(argument)
            if adding:
                return (sign + mode, mask) if masks.add(mask, by, now) else None
            removed = masks.remove(mask)
            return None if removed is None else (sign + mode, removed)
        if mode not in flags:
            raise errors.InvalidArgument(f"unknown room mode {mode!r}")
        if (mode in self.modes) == adding:
            return None
        (self.modes.add if adding else self.modes.discard)(mode)
        return sign + mode, None

    def _capacity(self, limit: str | None) -> tuple[str, str | None] | None:
        if limit is not None and not (limit.isascii() and limit.isdigit() and int(limit) > 0):
            raise errors.InvalidArgument("a room's capacity is a whole number above 0")
        capacity = None if limit is None else int(limit)
        if capacity == self.settings.capacity:
            return None
        self.settings.capacity = capacity
        return ("-l", None) if capacity is None else ("+l", str(capacity))

    # Copies: the store's (another process's, and how both are made: L{roomcopy})

    def savedRules(self) -> str:
        """The operator settings as JSON, for the store (L{roomcopy.savedRules})."""
        return roomcopy.savedRules(self)

    def restore(self, saved: str, flags: str = ROOM_MODES) -> None:
        """Take the settings L{savedRules} wrote, at start (L{roomcopy.restore})."""
        roomcopy.restore(self, saved, flags)

    def keepSetters(self, state: dict[str, Any]) -> None:
        """Give the masks the setter and time C{state} (a L{roomcopy.snapshot}) records."""
        for mode in MASK_LISTS:
            recorded = {key(entry[0]): entry for entry in state.get(mode, ())}
            masks = self.maskList(mode)
            masks.entries = [
                (mask, *recorded[key(mask)][1:3]) if key(mask) in recorded else (mask, who, when)
                for mask, who, when in masks.entries
            ]


def _copy(settings: RoomSettings) -> RoomSettings:
    """C{settings} apart from the room's, which change on (its stamp too)."""
    return replace(settings, stamp=list(settings.stamp))
