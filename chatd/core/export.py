# -*- test-case-name: tests.unit.admin.test_admin_export -*-
"""
A span of room history for an administrator (the admin console's
C{messages}): every stored message of one room, or of every room, from
one moment to another, read from the store a page (L{PAGE}) at a time.

An export is bounded: it holds at most L{MAX_EXPORT} messages, and one
that stops there says so with the moment the rest starts from
(L{Exported.rest}), so that nothing is left out without a word and the
next export, from that moment, goes on without a gap or a repeat (an
export stops between two milliseconds, never inside one).  Private
messages are not exported.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, cast

from twisted.internet.defer import Deferred

from chatd.core import errors
from chatd.core.chathistory import othersWritten
from chatd.core.events import RoomMessage
from chatd.storage.conversations import Bound

if TYPE_CHECKING:
    from chatd.core.service import ChatService

#: Messages read from the store at once.
PAGE = 500

#: The most messages one export holds.
MAX_EXPORT = 10_000


@dataclass
class Exported:
    """
    The messages of an export, oldest first, and C{rest}: if it stopped
    at L{MAX_EXPORT}, the moment (Unix milliseconds) from which the rest
    follows, else C{None}.
    """

    messages: list[RoomMessage] = field(default_factory=list)
    rest: int | None = None


def export(chat: object, room: str | None, since: float, until: float | None) -> Deferred[Exported]:
    """
    The messages of C{chat} (a L{ChatService}) said in C{room} (C{None}:
    every room) at C{since} (Unix time) or later, and before C{until}
    (C{None}: up to now), at most L{MAX_EXPORT}.

    @raise NotPermitted: the server keeps no history.
    @raise NoSuchGroup: the room named does not exist.
    """
    service = cast("ChatService", chat)
    persistence = service.persistence
    if persistence is None:
        raise errors.NotPermitted("this server keeps no messages")
    name = None if room is None else service.registry.get(room).name
    store = persistence.store
    first = Bound(round(since * 1000) - 1)  # a moment's bound is exclusive
    end = None if until is None else Bound(round(until * 1000))

    async def exporting() -> Exported:
        await othersWritten(service)  # said a moment ago on another node: written
        found: list[tuple[Bound, RoomMessage]] = []
        after = first
        while len(found) <= MAX_EXPORT:
            wanted = min(PAGE, MAX_EXPORT + 1 - len(found))
            page = await store.roomMessages(name, after, end, wanted)
            found.extend(page)
            if len(page) < wanted:
                return Exported([message for _, message in found])
            after = page[-1][0]
        rest = found[MAX_EXPORT][0].millis
        kept = [message for bound, message in found if bound.millis < rest]
        if not kept:  # more than MAX_EXPORT in one millisecond: never seen
            kept, rest = [message for _, message in found[:MAX_EXPORT]], rest + 1
        return Exported(kept, rest)

    return Deferred.fromCoroutine(exporting())
