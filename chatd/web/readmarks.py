# -*- test-case-name: tests.unit.web.test_web_markers,tests.unit.web.test_web_roomnames -*-
"""
The web page's read markers (L{chatd.core.readmarkers}): C{markers} lists
the account's markers with the unread count after each, C{markread} moves
one when the page shows a conversation, and a C{markread} frame tells the
account's other pages when another connection (any protocol) moved one.

The page marks by a message's C{millis} (when it was said, as the marker
keeps it); C{"time": T} instead marks the end of second T, for a client
that knows only whole seconds.
Markers are kept for registered accounts only: a guest's page is refused
(code 12) and keeps its counts itself.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from twisted.internet.defer import Deferred, DeferredList, maybeDeferred

from chatd.core.errors import InvalidArgument, NotPermitted
from chatd.core.interfaces import IParticipant
from chatd.core.readmarkers import ReadMarkers, readMarkersOf
from chatd.web import wire

if TYPE_CHECKING:
    from chatd.web.socket import WebParticipant

Reply = dict[str, Any]


def _markers(web: WebParticipant) -> ReadMarkers:
    markers = readMarkersOf(web.service)
    if markers is None:
        raise NotPermitted("this server keeps no accounts")
    return markers


def _conversation(request: dict[str, Any]) -> tuple[str, bool]:
    for field, isRoom in (("room", True), ("to", False)):
        value = request.get(field)
        if isinstance(value, str) and value:
            return value, isRoom
    raise InvalidArgument("name a 'room' or a private conversation ('to')")


def _fields(name: str, isRoom: bool, millis: int) -> Reply:
    return {"room" if isRoom else "to": name, "time": millis // 1000, "millis": millis}


def told(connection: IParticipant, name: str, isRoom: bool, millis: int) -> None:
    """
    Another connection of the account moved its marker in C{name}.
    """
    web: Any = connection
    web.sendFrame(wire.dumps({"type": "markread", **_fields(name, isRoom, millis)}))


def markers(web: WebParticipant, request: dict[str, Any]) -> Any:
    """
    Every marker of the account, each with C{unread}: how many messages
    others sent there since (C{null} where it cannot be counted, e.g. a
    room left since); then the private conversations with none yet where
    others wrote, as marked at 0 (L{ReadMarkers.unmarked}).  From now on
    the page is told when one moves.
    """
    readMarkers = _markers(web)
    readMarkers.requireAccount(web)
    readMarkers.follow(web, told)

    def counted(found: list[tuple[str, bool, int]]) -> Deferred[Reply]:
        counts = [maybeDeferred(readMarkers.unread, web, n, r) for n, r, _ in found]

        def listed(results: list[tuple[bool, Any]]) -> Reply:
            entries = []
            for (name, isRoom, millis), (ok, unread) in zip(found, results, strict=True):
                entry = _fields(name, isRoom, millis)
                entry["unread"] = unread if ok else None
                entries.append(entry)
            return {"markers": entries}

        return DeferredList(counts, consumeErrors=True).addCallback(listed)

    def withUnmarked(reply: Reply) -> Deferred[Reply]:
        def added(unmarked: list[tuple[str, int]]) -> Reply:
            for name, unread in unmarked:  # nothing of it read: as marked at 0
                reply["markers"].append({**_fields(name, False, 0), "unread": unread})
            return reply

        return readMarkers.unmarked(web).addCallback(added)

    return readMarkers.all(web).addCallback(counted).addCallback(withUnmarked)


def _count(value: object, complaint: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise InvalidArgument(complaint)
    return value


def markread(web: WebParticipant, request: dict[str, Any]) -> Any:
    """
    The page has shown C{room} (or the conversation with C{to}) up to the
    message of C{millis} (a message's own), or of second C{time} (the
    marker moves to the end of that second).
    """
    name, isRoom = _conversation(request)
    if "millis" in request:
        millis = _count(request["millis"], "'millis' must be a message's millis")
    else:
        when = _count(request.get("time"), "'time' must be a message's time (whole seconds)")
        millis = when * 1000 + 999
    readMarkers = _markers(web)
    readMarkers.follow(web, told)
    d = maybeDeferred(readMarkers.mark, web, name, isRoom, millis)
    shown = web.service.storedName(name) if isRoom else name
    return d.addCallback(lambda millis: _fields(shown, isRoom, millis))
