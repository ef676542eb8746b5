# -*- test-case-name: tests.test_roomrules -*-
"""
A room's keys, mask lists and grouped mode changes: the rules behind IRC's
C{+k}, C{+b}, C{+e}, C{+I} and C{+s}, kept protocol-neutral.

A room keeps three mask lists: ban masks (C{b}: who may not enter, nor
speak unless voiced), ban exceptions (C{e}: who passes the ban masks all
the same) and invite exceptions (C{I}: who enters an invite-only room
without an invitation).

A ban mask is C{nick!user@host} with C{*} and C{?} wildcards, compared
without regard to case (L{chatd.core.names.key}).  Every participant, whatever
its protocol, is matched as C{nick!user@host} twice: with the host that IRC
shows for it (C{tchat.chatd}, C{web.chatd}, ...) and with its real
address, so a mask copied from an IRC prefix works and so does a network
ban such as C{*!*@192.0.2.*}.  The user part is the participant's C{ident}
when its protocol has one (IRC's USER), otherwise its nickname.

The service keeps these in memory, like the other room modes.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from chatd.core import errors
from chatd.core.interfaces import IParticipant
from chatd.core.names import key

if TYPE_CHECKING:
    from chatd.core.service import Room

#: Room modes the service enforces: C{t} only operators set the topic, C{n}
#: only members speak, C{m} only voiced members and operators speak, C{i}
#: only those invited enter, C{s} only members see the room in room lists.
ROOM_MODES = "imnst"
#: The longest room key, as in RFC 2812 (and ISUPPORT KEYLEN).
MAX_KEY_LENGTH = 23
#: The most masks a room's ban list holds (ISUPPORT MAXLIST), and each
#: of its exception lists.
MAX_BANS = 50
#: A room's mask lists by mode letter: the L{Room} attribute and the
#: list's name in refusals.
MASK_LISTS = {
    "b": ("bans", "ban"),
    "e": ("exceptions", "ban exception"),
    "I": ("invex", "invite exception"),
}
#: The longest ban mask accepted.
MAX_MASK_LENGTH = 100


def checkKey(roomKey: str) -> str:
    """
    C{roomKey} if it can be a room key: 1 to L{MAX_KEY_LENGTH} printable
    characters without spaces or commas (which separate keys in IRC's JOIN).

    @raise errors.InvalidArgument: it cannot.
    """
    if not 0 < len(roomKey) <= MAX_KEY_LENGTH or any(
        ch.isspace() or ch == "," or not ch.isprintable() for ch in roomKey
    ):
        raise errors.InvalidArgument(
            f"a room key is 1 to {MAX_KEY_LENGTH} characters without spaces or commas"
        )
    return roomKey


def normalizeMask(mask: str) -> str:
    """
    C{mask} in full C{nick!user@host} form: C{bob} is C{bob!*@*},
    C{bob!x} is C{bob!x@*}, C{*@host} is C{*!*@host}.

    @raise errors.InvalidArgument: an empty, overlong or spaced mask.
    """
    if not 0 < len(mask) <= MAX_MASK_LENGTH or any(ch.isspace() for ch in mask):
        raise errors.InvalidArgument(
            f"a ban mask is nick!user@host, at most {MAX_MASK_LENGTH} characters"
        )
    nick, bang, rest = mask.partition("!")
    if not bang:
        if "@" in mask:
            nick, rest = "*", mask
        else:
            rest = "*"
    user, at, host = rest.partition("@")
    return f"{nick or '*'}!{user or '*'}@{host if at and host else '*'}"


@lru_cache(maxsize=1024)
def _pattern(mask: str) -> re.Pattern[str]:
    parts = ("." if ch == "?" else ".*" if ch == "*" else re.escape(ch) for ch in key(mask))
    return re.compile("".join(parts), re.DOTALL)


def participantMasks(participant: IParticipant) -> tuple[str, str]:
    """
    The two C{nick!user@host} forms C{participant} is matched as: with the
    host IRC shows for it, and with its address.
    """
    nick = participant.nick or "*"
    user = getattr(participant, "ident", None) or nick
    return (
        f"{nick}!{user}@{participant.protocolName}.chatd",
        f"{nick}!{user}@{participant.address}",
    )


def matches(mask: str, participant: IParticipant) -> bool:
    """
    Whether ban mask C{mask} (normalized) matches C{participant}.
    """
    pattern = _pattern(mask)
    return any(pattern.fullmatch(key(form)) for form in participantMasks(participant))


class BanList:
    """
    A room's ban masks, each with who set it and when, in the order set.
    """

    __slots__ = ("entries", "name")

    def __init__(self, name: str = "ban") -> None:
        self.entries: list[tuple[str, str, int]] = []
        self.name = name

    def find(self, mask: str) -> int | None:
        wanted = key(mask)
        for index, (existing, _, _) in enumerate(self.entries):
            if key(existing) == wanted:
                return index
        return None

    def add(self, mask: str, by: str, when: int) -> bool:
        """
        Add C{mask} (normalized); C{False} if it is there already.

        @raise errors.ListFull: the list is full.
        """
        if self.find(mask) is not None:
            return False
        if len(self.entries) >= MAX_BANS:
            raise errors.ListFull(f"the {self.name} list is full ({MAX_BANS} masks)")
        self.entries.append((mask, by, when))
        return True

    def remove(self, mask: str) -> str | None:
        """
        Remove C{mask} (any case); the mask as it was set, or C{None}.
        """
        index = self.find(mask)
        if index is None:
            return None
        return self.entries.pop(index)[0]

    def matches(self, participant: IParticipant) -> bool:
        return any(matches(mask, participant) for mask, _, _ in self.entries)


def applyMode(
    room: Room, by: str, adding: bool, mode: str, argument: str, now: int, flags: str
) -> tuple[str, str | None] | None:
    """
    Set (C{adding}) or clear one mode of C{room}: a flag of C{flags}, C{o}
    or C{v} for member C{argument}, C{l} (the capacity), C{k} (the key) or
    C{b} (a ban mask), on C{by}'s order at C{now}.

    @return: what changed, C{("+k", "key")}, C{("-m", None)}, or C{None}
        when nothing did.
    @raise errors.InvalidArgument: an unknown mode or a bad argument.
    @raise errors.NotInRoom: C{o} or C{v} for someone not in the room.
    """
    sign = "+" if adding else "-"
    if mode in "ov":
        member = room.members.get(key(argument))
        if member is None:
            raise errors.NotInRoom()
        status = room.ops if mode == "o" else room.voiced
        if (key(argument) in status) == adding:
            return None
        (status.add if adding else status.discard)(key(argument))
        return sign + mode, member.nick or argument
    if mode == "l":
        return _capacity(room, argument if adding else None)
    if mode == "k":
        if adding:
            if room.key == checkKey(argument):
                return None
            room.key = argument
            return "+k", argument
        if room.key is None:
            return None
        room.key = None
        return "-k", "*"
    if mode in MASK_LISTS:
        masks = maskList(room, mode)
        mask = normalizeMask(argument)
        if adding:
            return (sign + mode, mask) if masks.add(mask, by, now) else None
        removed = masks.remove(mask)
        return None if removed is None else (sign + mode, removed)
    if mode not in flags:
        raise errors.InvalidArgument(f"unknown room mode {mode!r}")
    if (mode in room.modes) == adding:
        return None
    (room.modes.add if adding else room.modes.discard)(mode)
    return sign + mode, None


def maskList(room: Room, mode: str) -> BanList:
    """
    C{room}'s mask list for mode letter C{mode} (of L{MASK_LISTS}).
    """
    masks: BanList = getattr(room, MASK_LISTS[mode][0])
    return masks


def _capacity(room: Room, limit: str | None) -> tuple[str, str | None] | None:
    if limit is not None and not (limit.isascii() and limit.isdigit() and int(limit) > 0):
        raise errors.InvalidArgument("a room's capacity is a whole number above 0")
    capacity = None if limit is None else int(limit)
    if capacity == room.settings.capacity:
        return None
    room.settings.capacity = capacity
    return ("-l", None) if capacity is None else ("+l", str(capacity))


def modeString(applied: list[tuple[str, str | None]]) -> tuple[str, tuple[str, ...]]:
    """
    One IRC-style mode string and its arguments for C{applied} changes:
    C{[("-i", None), ("-n", None), ("+k", "x")]} is C{("-in+k", ("x",))}.
    """
    modes, sign = "", ""
    args: list[str] = []
    for change, argument in applied:
        if change[0] != sign:
            sign = change[0]
            modes += sign
        modes += change[1:]
        if argument is not None:
            args.append(argument)
    return modes, tuple(args)


#: Modes whose change carries an argument both ways (C{l} only when set).
ARGUMENT_MODES = "ovbeIk"


def parseModes(modes: str, args: tuple[str, ...] | list[str]) -> list[tuple[bool, str, str | None]]:
    """
    The changes in C{modes} and C{args} as L{modeString} wrote them:
    C{("+m-o", ("bob",))} is C{[(True, "m", None), (False, "o", "bob")]}.
    A change whose argument is missing gets C{None}.
    """
    changes: list[tuple[bool, str, str | None]] = []
    rest = list(args)
    adding = True
    for mode in modes:
        if mode in "+-":
            adding = mode == "+"
            continue
        takes = mode in ARGUMENT_MODES or (mode == "l" and adding)
        changes.append((adding, mode, rest.pop(0) if takes and rest else None))
    return changes


def snapshot(room: Room) -> dict[str, Any]:
    """
    C{room}'s settings kept in memory, as plain data (for another process
    that keeps a copy of the room): C{m} its mode letters, C{k} its key,
    C{b}, C{e} and C{I} its mask lists, C{l} its capacity, C{t} its topic with who set it
    and when, C{o}/C{v} its operators' and voiced members' nick keys.
    """
    return {
        "m": "".join(sorted(room.modes)),
        "k": room.key,
        **{mode: [list(entry) for entry in maskList(room, mode).entries] for mode in MASK_LISTS},
        "l": room.settings.capacity,
        "t": [room.settings.topic, *(room.topicSetter or (None, None))],
        "o": sorted(room.ops),
        "v": sorted(room.voiced),
    }


def differences(
    room: Room, state: dict[str, Any], nicks: Iterable[str], flags: str
) -> list[tuple[bool, str, str | None]]:
    """
    The changes that make C{room} match C{state} (a L{snapshot}, maybe
    partial): the room's own settings that C{state} holds, and the status
    (C{o}, C{v}) of the members C{nicks} only.
    """
    changes: list[tuple[bool, str, str | None]] = []
    if "m" in state:
        wanted = set(state["m"]) & set(flags)
        changes += [(False, mode, None) for mode in sorted(room.modes - wanted)]
        changes += [(True, mode, None) for mode in sorted(wanted - room.modes)]
    if "k" in state and state["k"] != room.key:
        changes.append((False, "k", "*") if state["k"] is None else (True, "k", state["k"]))
    for mode in MASK_LISTS:
        if mode not in state:
            continue
        wantedMasks = {key(entry[0]): entry[0] for entry in state[mode]}
        haveMasks = {key(mask): mask for mask, _, _ in maskList(room, mode).entries}
        changes += [(False, mode, m) for k, m in haveMasks.items() if k not in wantedMasks]
        changes += [(True, mode, m) for k, m in wantedMasks.items() if k not in haveMasks]
    if "l" in state and state["l"] != room.settings.capacity:
        changes.append((False, "l", None) if state["l"] is None else (True, "l", str(state["l"])))
    for nick in nicks:
        member = room.members.get(key(nick))
        if member is None:
            continue
        for mode, have in (("o", room.ops), ("v", room.voiced)):
            wantedStatus = key(nick) in {key(n) for n in state.get(mode, ())}
            if (key(nick) in have) != wantedStatus:
                changes.append((wantedStatus, mode, member.nick or nick))
    return changes


#: What L{savedRules} keeps: the room's own settings that operators set
#: (mode letters, key, the three mask lists), not its members' status.
SAVED = ("m", "k", *MASK_LISTS)


def savedRules(room: Room) -> str:
    """
    C{room}'s operator settings as JSON, for the store: L{snapshot}'s
    mode letters, key and mask lists (capacity and topic are stored in
    their own columns; o/v status lasts a session).
    """
    state = snapshot(room)
    return json.dumps({name: state[name] for name in SAVED}, sort_keys=True)


def restoreRules(room: Room, saved: str, flags: str) -> None:
    """
    Give C{room} the settings L{savedRules} wrote (at start, before anyone
    is in it, so nobody is told).  Settings that no longer apply (a mode
    letter this chatd does not know) are skipped.
    """
    if not saved:
        return
    state = {name: value for name, value in json.loads(saved).items() if name in SAVED}
    for adding, mode, argument in differences(room, state, (), flags):
        try:
            applyMode(room, "", adding, mode, argument or "", 0, flags)
        except errors.ChatError:
            continue
    keepSetters(room, state)


def keepSetters(room: Room, state: dict[str, Any]) -> None:
    """
    Give C{room}'s masks the setter and time C{state} (a L{snapshot})
    records for them, rather than whoever applied the copy and when.
    """
    for mode in MASK_LISTS:
        recorded = {key(entry[0]): entry for entry in state.get(mode, ())}
        masks = maskList(room, mode)
        masks.entries = [
            (mask, *recorded[key(mask)][1:3]) if key(mask) in recorded else (mask, who, when)
            for mask, who, when in masks.entries
        ]
