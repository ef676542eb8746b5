# -*- test-case-name: tests.unit.admin.test_admin_purge -*-
"""
Deleting one sender's recent room messages at once, on an administrator's
order (the admin console's C{purge}): spam is cleaned up in one command,
not one message at a time.

Each message goes as one deletion of L{chatd.core.redaction} goes: from
the stored history, the search index and every screen (the rooms'
members are told with a L{Redaction} each, and in cluster mode every
other node tells its own), named as done by the administrator
(L{Administrator}), never as a user.  A purge is bounded: it looks at
the newest L{SCAN} messages of each room since the time given and
deletes at most L{MAX_PURGE} in all; it says whether it stopped there.
The console audits it once, with the count.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, cast

from twisted.internet.defer import Deferred

from chatd.core import errors
from chatd.core.chathistory import othersWritten, roomSince
from chatd.core.events import Administrator, Redaction, RoomMessage
from chatd.core.names import key
from chatd.core.redaction import tellHere

if TYPE_CHECKING:
    from chatd.core.service import ChatService

#: The most messages one purge deletes.
MAX_PURGE = 1000

#: The most messages of one room a purge looks through, the newest first.
SCAN = 10_000


@dataclass
class Purged:
    """
    What a purge deleted: how many messages, by room (in the order the
    rooms were looked at), and whether it stopped at L{MAX_PURGE}.
    """

    rooms: dict[str, int] = field(default_factory=dict)
    stopped: bool = False

    @property
    def count(self) -> int:
        return sum(self.rooms.values())


def purge(
    chat: object, sender: str, rooms: list[str] | None, since: float, by: Administrator
) -> Deferred[Purged]:
    """
    Delete, as administrator C{by}, the messages C{sender} said since
    C{since} (Unix time) in C{rooms} (C{None}: every room) of C{chat} (a
    L{ChatService}), at most L{MAX_PURGE} of them.

    @raise NotPermitted: the server keeps no history.
    @raise NoSuchGroup: a room named does not exist.
    """
    service = cast("ChatService", chat)
    persistence = service.persistence
    if persistence is None:
        raise errors.NotPermitted("this server keeps no messages, so none can be deleted")
    if rooms is None:
        names = [name for name, _ in service.rooms()]
    else:
        names = [service.registry.get(room).name for room in rooms]
    store, wanted = persistence.store, key(sender)

    async def purging() -> Purged:
        await othersWritten(service)  # said a moment ago on another node: written
        done = Purged()
        for room in names:
            messages = await roomSince(store, room, int(since * 1000), SCAN)
            for message in reversed(messages):  # the newest first
                if not isinstance(message, RoomMessage) or key(message.sender) != wanted:
                    continue
                if done.count >= MAX_PURGE:
                    done.stopped = True
                    return done
                if await store.deleteMessage(message.msgid):
                    _told(service, message, by)
                    done.rooms[room] = done.rooms.get(room, 0) + 1
        return done

    return Deferred.fromCoroutine(purging())


def _told(service: ChatService, message: RoomMessage, by: Administrator) -> None:
    """
    Everyone who may show C{message}, here and on every other node, is
    told that C{by} deleted it.
    """
    event = Redaction(message.msgid, by, "", service.clock.seconds(), message.room, message.sender)
    tellHere(service, event)
    if service.observer is not None:
        service.observer.messageRedacted(event)
