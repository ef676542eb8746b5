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
messages are not in a room's export; L{exportPrivate} reads those between
two people the same way.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from twisted.internet.defer import Deferred

from chatd.core import errors
from chatd.core.chathistory import othersWritten
from chatd.core.events import PrivateMessage, RoomMessage
from chatd.storage.conversations import Bound
from chatd.storage.interfaces import IChatStore

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

    messages: Sequence[RoomMessage | PrivateMessage] = ()
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
    store = _store(service)
    name = None if room is None else service.registry.get(room).name

    def read(after: Bound, end: Bound | None, limit: int) -> Deferred[Any]:
        return store.roomMessages(name, after, end, limit)

    return Deferred.fromCoroutine(_exporting(service, read, since, until))


def exportPrivate(
    chat: object, nick: str, other: str, since: float, until: float | None
) -> Deferred[Exported]:
    """
    As L{export}, the private messages between C{nick} and C{other},
    either way, all the store holds (for a reported conversation: the
    console audits who read which).

    @raise NotPermitted: the server keeps no history.
    """
    service = cast("ChatService", chat)
    store = _store(service)

    def read(after: Bound, end: Bound | None, limit: int) -> Deferred[Any]:
        return store.privateMessages(nick, other, after, end, limit)

    return Deferred.fromCoroutine(_exporting(service, read, since, until))


def _store(service: ChatService) -> IChatStore:
    persistence = service.persistence
    if persistence is None:
        raise errors.NotPermitted("this server keeps no messages")
    return persistence.store


async def _exporting(
    service: ChatService,
    read: Callable[[Bound, Bound | None, int], Deferred[Any]],
    since: float,
    until: float | None,
) -> Exported:
    """
    What C{read} gives, a page at a time, from C{since} to C{until}.
    """
    await othersWritten(service)  # said a moment ago on another node: written
    found: list[tuple[Bound, RoomMessage | PrivateMessage]] = []
    after = Bound(round(since * 1000) - 1)  # a moment's bound is exclusive
    end = None if until is None else Bound(round(until * 1000))
    while len(found) <= MAX_EXPORT:
        wanted = min(PAGE, MAX_EXPORT + 1 - len(found))
        page = await read(after, end, wanted)
        found.extend(page)
        if len(page) < wanted:
            return Exported([message for _, message in found])
        after = page[-1][0]
    rest = found[MAX_EXPORT][0].millis
    kept = [message for bound, message in found if bound.millis < rest]
    if not kept:  # more than MAX_EXPORT in one millisecond: never seen
        kept, rest = [message for _, message in found[:MAX_EXPORT]], rest + 1
    return Exported(kept, rest)
