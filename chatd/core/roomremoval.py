# -*- test-case-name: tests.unit.core.test_roomremoval -*-
"""
Deleting a room, on an administrator's order (the admin console's C{delete
room}).  Every member is taken out and told as by a kick from the
administrator, with the reason; the room leaves the registry, so the room
lists, and with it go its settings (topic, modes, key, masks, founder,
operators), approval requests and invitations; the autojoin list forgets
it; the store deletes it with its memberships and history
(L{chatd.storage.roomremoval}), so it does not come back after a restart
and a room made later under the name starts fresh.  In a cluster every
node does the same (L{IReplica.deleteRoomRemote}, told through
L{IChatObserver.roomDeleted}).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from chatd.core import errors
from chatd.core.approvalnotices import tellAsker
from chatd.core.events import KICK, Membership, Notice, shownBy
from chatd.core.names import isValidRoomName, key, normalize
from chatd.core.text import checkShortText

if TYPE_CHECKING:
    from chatd.core.room import Room
    from chatd.core.service import ChatService

#: The moderation action that carries a deletion to the other nodes.
DELETE_ROOM = "delete room"
#: What the members removed read as the reason, before the administrator's.
DELETED = "room deleted"


class RoomDeleted(Membership):
    """
    A member taken out of a room an administrator deleted: a L{KICK} by
    C{by}, whose C{reason} reads C{room deleted: ...} (what every front-end
    shows of a kick), and whose C{deletion} is the administrator's own
    reason (C{""}: none), for a front-end that says the room is gone.
    """

    __slots__ = ("deletion",)

    def __init__(self, room: str, nick: str, when: float, by: str, deletion: str) -> None:
        why = DELETED + (f": {deletion}" if deletion else "")
        super().__init__(room, nick, False, when, why, KICK, by)
        self.deletion = deletion


@dataclass(frozen=True)
class Deleted:
    """
    A room deleted: its C{name}, how many members were C{removed}, and the
    options that make it again at the next start unless it is taken out of
    them (L{remadeBy}), for the console to say so.
    """

    name: str
    removed: int
    remadeBy: tuple[str, ...]


def remadeBy(service: ChatService, room: str) -> tuple[str, ...]:
    """
    The options (C{rooms}, C{autojoin}) whose configured rooms name
    C{room}: each makes it at every start, so a deleted room comes back.
    """
    return tuple(
        option
        for option, names in service.startRooms.items()
        if key(room) in {key(name) for name in names}
    )


def deleteRoom(service: ChatService, room: str, by: str, reason: str = "") -> Deleted:
    """
    Delete C{room} as administrator C{by}, with C{reason} (may be empty).
    The store's write is kept in the persistence's C{writes}, which the
    console's reply waits for.

    @raise InvalidGroup: C{room} is not a valid room name.
    @raise NoSuchGroup: there is no such room.
    @raise InvalidArgument: C{reason} is too long or not one line.
    """
    name = normalize(room)
    if not isValidRoomName(name):
        raise errors.InvalidGroup()
    target = service.registry.get(name)
    checkShortText(reason, "reason")
    removed = removeRoom(service, target, by, reason)
    if service.observer is not None:
        service.observer.roomDeleted(target.name, by, reason)
    forget(service, target.name)
    return Deleted(target.name, removed, remadeBy(service, target.name))


def removeRoom(service: ChatService, target: Room, by: str, reason: str) -> int:
    """
    Take every member out of C{target}, each told (and the members left) by
    a kick from C{by}, a L{RoomDeleted}, then drop it from the registry and
    the autojoin list; how many members it had.  Nothing is written.
    """
    members = list(target.members.items())
    for nickKey, member in members:
        service.membership.kickOut(target, member, member.nick or nickKey, by, deletion=reason)
    for nick in list(target.pending.values()):  # their requests go with it
        tellDeleted(service, target.name, nick, by, reason)
    service.registry.drop(target)
    service.autojoin = tuple(name for name in service.autojoin if key(name) != key(target.name))
    return len(members)


def unmake(service: ChatService, room: Room, creator: str) -> None:
    """
    C{room}, which C{creator} has just created, could not be stored: it is
    not made after all, nor counted among their rooms.  Whoever entered it
    meanwhile is taken out, told why.
    """
    founder, room.settings.founder = room.settings.founder, ""  # (counted as created)
    removeRoom(service, room, service.serverName, "it could not be stored")
    room.settings.founder = founder
    service.roomLimits.deleted(creator)


def tellDeleted(service: ChatService, room: str, nick: str, by: str, reason: str) -> None:
    """
    Tell C{nick}, who waited to enter the approval room C{room}, that it
    was deleted, so their request is over.
    """
    why = f" ({reason})" if reason else ""
    text = f"{room} was deleted by {shownBy(by)}{why}: your request to enter it is over"
    tellAsker(service, nick, Notice(text, service.clock.seconds()))


def madeAnew(service: ChatService, name: str, millis: int, forgetStored: bool = True) -> None:
    """
    A user made the room C{name} anew: what was said under its name before
    C{millis} (a guest's room that vanished, even across a restart) is not
    its past, and the store forgets it (C{forgetStored}: not a store the
    node that made the room shares, which forgets it there).
    """
    service.registry.madeAnew(name, millis)
    persistence = service.persistence
    if persistence is not None and forgetStored:
        persistence.writes.keep(persistence.store.forgetHistory(name, millis))


def forget(service: ChatService, name: str) -> None:
    """
    Delete the room C{name} from the store, if there is one; the write is
    kept in the persistence's C{writes}.
    """
    persistence = service.persistence
    if persistence is not None:
        persistence.writes.keep(persistence.store.deleteRoom(name))
