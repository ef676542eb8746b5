# -*- test-case-name: tests.unit.core.test_masks,tests.unit.cluster.test_cluster_rooms -*-
"""
A room's copies: its settings as plain data for another process
(L{snapshot}), the changes that make a room match such a copy
(L{differences}), and the part of them the store keeps (L{savedRules},
L{restore}).  They read a L{Room} and change it only through its own
methods (C{apply}, C{keepSetters}), so L{Room} stays the one code that
changes a room.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from chatd.core import errors
from chatd.core.events import Administrator
from chatd.core.masks import MASK_LISTS, ROOM_MODES
from chatd.core.names import key

if TYPE_CHECKING:
    from chatd.core.room import Room

#: What L{savedRules} keeps: the room's own settings that operators set
#: (mode letters, key, the three mask lists), not its members' status.
SAVED = ("m", "k", *MASK_LISTS)


def snapshot(room: Room) -> dict[str, Any]:
    """
    C{room}'s settings as plain data for another process's copy: C{m} modes,
    C{k} key, C{b}/C{e}/C{I} masks, C{l} capacity, C{t} topic with its
    setter, time and whether the setter is an administrator (at the
    console), C{o}/C{v} operators' and voiced members' keys.
    """
    setter = room.topicSetter or (None, None)
    return {
        "m": "".join(sorted(room.modes)),
        "k": room.key,
        **{mode: [list(entry) for entry in room.maskList(mode).entries] for mode in MASK_LISTS},
        "l": room.settings.capacity,
        "t": [room.settings.topic, *setter, isinstance(setter[0], Administrator)],
        "o": sorted(room.ops),
        "v": sorted(room.voiced),
    }


def differences(
    room: Room, state: dict[str, Any], nicks: Iterable[str], flags: str = ROOM_MODES
) -> list[tuple[bool, str, str | None]]:
    """
    The changes that make C{room} match C{state} (a L{snapshot},
    maybe partial): its own settings that C{state} holds, and
    the status (C{o}, C{v}) of the members C{nicks} only.
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
        haveMasks = {key(mask): mask for mask, _, _ in room.maskList(mode).entries}
        changes += [(False, mode, m) for k, m in haveMasks.items() if k not in wantedMasks]
        changes += [(True, mode, m) for k, m in wantedMasks.items() if k not in haveMasks]
    if "l" in state and state["l"] != room.settings.capacity:
        limit = state["l"]
        changes.append((False, "l", None) if limit is None else (True, "l", str(limit)))
    for nick in nicks:
        member = room.members.get(key(nick))
        if member is None:
            continue
        for mode, have in (("o", room.ops), ("v", room.voiced)):
            wantedStatus = key(nick) in {key(n) for n in state.get(mode, ())}
            if (key(nick) in have) != wantedStatus:
                changes.append((wantedStatus, mode, member.nick or nick))
    return changes


def savedRules(room: Room) -> str:
    """
    C{room}'s operator settings as JSON, for the store: L{snapshot}'s mode letters, key and
    mask lists (capacity and topic have columns of their own; o/v lasts a session).
    """
    state = snapshot(room)
    return json.dumps({name: state[name] for name in SAVED}, sort_keys=True)


def restore(room: Room, saved: str, flags: str = ROOM_MODES) -> None:
    """
    Give C{room} the settings L{savedRules} wrote (at start, before anyone is in: nobody is
    told), but those that no longer apply (a mode letter this chatd does not know).
    """
    if not saved:
        return
    state = {name: value for name, value in json.loads(saved).items() if name in SAVED}
    for adding, mode, argument in differences(room, state, (), flags):
        try:
            room.apply("", adding, mode, argument or "", 0, flags)
        except errors.ChatError:
            continue
    room.keepSetters(state)
