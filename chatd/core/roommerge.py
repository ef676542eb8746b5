# -*- test-case-name: tests.unit.cluster.test_cluster_statemerge,tests.unit.cluster.test_cluster_maskstamps,tests.unit.core.test_service -*-  # noqa: E501
"""
Another node's whole state of a room merged into this node's copy setting
by setting.  Each of a room's own settings (its topic, each mode letter,
its key, its capacity, each mask of a mask list) keeps the stamp
C{[time, node, by, administrator]} of its latest change
(C{RoomSettings.stamps}), and a state carries its node's stamps (C{ss}):
the newer stamp's value of each setting wins, so nodes that changed
different settings of one room at once end with both changes, whatever
the order in which their changes and states arrive.  Apart from
L{chatd.core.roomcopy} (plain copies) and L{chatd.core.roomreplica}
(applying), as the rule that decides which copy of a setting stands.

A mask removed keeps its stamp, so that an older copy that still has it
does not bring it back; for a while only (L{withoutOldRemovals}), or a
room whose masks churn would keep a stamp for every mask it ever had.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from chatd.core import roomcopy
from chatd.core.events import Administrator
from chatd.core.masks import MASK_LISTS

if TYPE_CHECKING:
    from chatd.core.room import Room

#: The setting a topic's stamp is kept under.
TOPIC = "topic"

#: A change with the stamps of the settings it touches, as L{merged} gives them.
Change = tuple[bool, str, str | None]

#: Seconds the stamp of a mask removed from a room's list is kept after its
#: removal (L{withoutOldRemovals}): a node cut off, or down, for longer than
#: that which still has the mask brings it back when it comes back.
REMOVALS_KEPT = 7 * 86400.0


def settingName(mode: str, argument: str | None) -> str | None:
    """
    The setting a change of mode C{mode} touches, as its stamp is kept: the
    letter (a flag, C{k}, C{l}), or C{"b:mask"} for a mask of a list mode
    (case-folded); C{None} for a member's status (C{o}, C{v}), which
    follows the member's own node.
    """
    if mode in "ov":
        return None
    if mode in MASK_LISTS:
        return f"{mode}:{(argument or '').casefold()}"
    return mode


def setterOf(stamp: list[Any], default: str) -> str:
    """
    Who made the change stamped C{stamp} (an L{Administrator} at a console,
    as its stamp marks), or C{default} for an unstamped one.
    """
    if len(stamp) < 3:
        return default
    return Administrator(stamp[2]) if len(stamp) > 3 and stamp[3] else str(stamp[2])


def newer(theirs: list[Any], ours: list[Any], theirRoom: list[Any], ourRoom: list[Any]) -> bool:
    """
    Whether a setting stamped C{theirs} elsewhere replaces ours, stamped
    C{ours}: the later stamp wins; a setting neither copy has a stamp for
    (a room's defaults, settings stored without stamps) goes by the rooms'
    own stamps (C{theirRoom}, C{ourRoom}), as every node decides alike.
    """
    if theirs != ours:
        return theirs > ours
    return not theirs and theirRoom > ourRoom


def merged(room: Room, state: dict[str, Any]) -> tuple[dict[str, Any], dict[str, list[Any]]]:
    """
    What C{room} holds once another node's C{state} (a L{roomcopy.snapshot}
    with its room stamp C{s} and setting stamps C{ss}; maybe partial) is
    merged in: of each setting C{state} holds, its value there if its stamp
    there is newer (L{newer}), else ours.  Returns that, as a partial
    snapshot (the members' status as C{state} has it), and the stamps of
    the settings taken from C{state}.
    """
    theirStamps: dict[str, list[Any]] = state.get("ss") or {}
    ourStamps = room.settings.stamps
    theirRoom, ourRoom = list(state.get("s") or []), list(room.settings.stamp)
    taken: dict[str, list[Any]] = {}

    def theirsWins(setting: str) -> bool:
        stamp = list(theirStamps.get(setting) or [])
        if not newer(stamp, list(ourStamps.get(setting) or []), theirRoom, ourRoom):
            return False
        if stamp:
            taken[setting] = stamp
        return True

    ours = roomcopy.snapshot(room)
    result: dict[str, Any] = {"o": state.get("o", []), "v": state.get("v", [])}
    if "m" in state:
        stamped = {name for name in (*theirStamps, *ourStamps) if len(name) == 1}
        letters = (set(state["m"]) | set(ours["m"]) | stamped) - {"k", "l"}
        result["m"] = "".join(
            sorted(m for m in letters if m in (state["m"] if theirsWins(m) else ours["m"]))
        )
    for field, setting in (("k", "k"), ("l", "l"), ("t", TOPIC)):
        if field in state:
            result[field] = state[field] if theirsWins(setting) else ours[field]
    for mode in MASK_LISTS:
        if mode not in state:
            continue
        theirs = {entry[0].casefold(): entry for entry in state[mode]}
        have = {entry[0].casefold(): entry for entry in ours[mode]}
        named = [name[2:] for name in (*theirStamps, *ourStamps) if name[:2] == f"{mode}:"]
        result[mode] = [
            source[mask]
            for mask in dict.fromkeys([*theirs, *have, *named])
            if mask in (source := theirs if theirsWins(f"{mode}:{mask}") else have)
        ]
    return result, taken


def withoutOldRemovals(room: Room, now: float, keep: Iterable[str] = ()) -> dict[str, list[Any]]:
    """
    C{room}'s setting stamps, but those of masks no longer in its lists
    that were removed more than L{REMOVALS_KEPT} seconds before C{now}
    (but C{keep}: settings stamped just now, maybe not applied yet).  Such
    a stamp only tells an older copy that still has the mask (a node that
    missed the removal) that the removal is newer; without it, that copy's
    mask is taken as a change this node missed, and every node then has it.
    """
    masks = {f"{mode}:" for mode in MASK_LISTS}
    listed = {
        settingName(mode, entry[0]) for mode in MASK_LISTS for entry in room.maskList(mode).entries
    }
    spared = listed | set(keep)

    def old(name: str, stamp: list[Any]) -> bool:
        removed = name[:2] in masks and name not in spared
        return removed and bool(stamp) and stamp[0] < now - REMOVALS_KEPT

    return {name: stamp for name, stamp in room.settings.stamps.items() if not old(name, stamp)}


def byAuthor(
    changes: list[Change], taken: dict[str, list[Any]], default: str
) -> list[tuple[str, list[Change]]]:
    """
    C{changes} grouped by who made each (L{setterOf} its setting's stamp
    in C{taken}; C{default} for a member's status or an unstamped
    setting), the groups in the order their latest changes were made.
    """
    groups: dict[tuple[str, bool], tuple[list[Any], str, list[Change]]] = {}
    for change in changes:
        setting = settingName(change[1], change[2])
        stamp = taken.get(setting, []) if setting is not None else []
        author = setterOf(stamp, default)
        group = (str(author), isinstance(author, Administrator))
        newest, _, grouped = groups.get(group, (stamp, author, []))
        groups[group] = (max(newest, stamp), author, [*grouped, change])
    return [(author, grouped) for _, author, grouped in sorted(groups.values(), key=_first)]


def _first(group: tuple[list[Any], str, list[Change]]) -> list[Any]:
    return group[0]
