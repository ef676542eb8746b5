# -*- test-case-name: tests.unit.web.test_web_history,tests.unit.web.test_web_msgid -*-
"""
The C{history} request: the stored messages of a room the user is in, or
of the user's private conversation C{with} someone (the service's history
windows, L{chatd.core.chathistory}, which say who may read what), a page
at a time as the page reads them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from twisted.internet.defer import maybeDeferred
from twisted.python.failure import Failure

from chatd.core.allowance import keep
from chatd.core.chathistory import AFTER, BEFORE, LATEST, HistoryQuery, Selector, historyLimit
from chatd.core.errors import InvalidArgument, NotPermitted
from chatd.core.events import PrivateMessage, RoomMessage
from chatd.core.limits import MAX_HISTORY
from chatd.lines.paced import pagesFor
from chatd.web import wire

if TYPE_CHECKING:
    from chatd.web.socket import WebParticipant

Reply = dict[str, Any]


def _target(request: dict[str, Any]) -> tuple[str, str]:
    """
    Which conversation: C{("room", name)} or C{("with", person)}.
    """
    field = "with" if "with" in request and "room" not in request else "room"
    value = request.get(field)
    if not isinstance(value, str):
        raise InvalidArgument("'room' (or 'with', a person) must be a string")
    return field, value


def _point(request: dict[str, Any], field: str) -> str | None:
    """The request's C{before} or C{after}: a message id, if given."""
    msgid = request.get(field)
    if msgid is not None and (not isinstance(msgid, str) or not msgid):
        raise InvalidArgument(f"'{field}' must be a message id (a string)")
    return msgid


def history(web: WebParticipant, request: dict[str, Any]) -> Any:
    """
    Stored messages of a C{room} the user is in, or of its private
    conversation C{with} someone, oldest first; with C{before} (a message
    id), those before that message (the core's history window, as IRC's
    C{CHATHISTORY BEFORE}), for a page that scrolls back; with C{after},
    those after it, oldest first (C{later}: more follow them), for a page
    that catches up after a reconnect.  At most C{limit}
    messages, by default as many as entering a room replays
    (L{historyLimit}); one more is read, to tell whether the conversation
    holds any before them (C{earlier}), as the replay's end does.  Where
    nothing is kept (no store; a guest's private conversations) the list is
    empty and C{stored} false.
    """
    field, target = _target(request)
    isRoom = field == "room"
    limit = request.get("limit")
    if limit is not None and (
        not isinstance(limit, int) or isinstance(limit, bool) or not 0 < limit <= MAX_HISTORY
    ):
        raise InvalidArgument(f"'limit' must be a whole number from 1 to {MAX_HISTORY}")
    before, after = _point(request, "before"), _point(request, "after")
    if before is not None and after is not None:
        raise InvalidArgument("'before' and 'after' do not go together")
    if isRoom:
        web.service.members(web, target)  # only members may read it
        target = web.service.storedName(target)  # named as stored in the reply
    count = historyLimit(web.service.historyCount, limit)
    asked = min(count + 1, MAX_HISTORY)  # (1000 asked: earlier if 1000 came)
    notKept: Reply = {field: target, "messages": [], "stored": False, "earlier": False}
    # service.history comes with message storage; a service without a
    # store refuses it with NotPermitted.
    latest = getattr(web.service, "history", None)
    if latest is None:
        return notKept
    kept: type[RoomMessage] | type[PrivateMessage] = RoomMessage if isRoom else PrivateMessage

    def stored(events: list[RoomMessage | PrivateMessage]) -> wire.Paged:
        more = len(events) == asked  # earlier, or (after) later
        window = events[:count] if after else events[-count:]
        found = keep(events, [e for e in window if isinstance(e, kept)])
        pages = ([wire.historyEntry(e) for e in page] for page in pagesFor(web.outbox, found))
        fields = {field: target, "stored": True, "earlier": bool(after) or more}
        if after is not None:
            fields["later"] = more
        return wire.Paged(fields, "messages", pages)

    def refused(failure: Failure) -> Reply:
        failure.trap(NotPermitted)
        return notKept

    if before is None and after is None and isRoom:
        return maybeDeferred(latest, web, target, asked).addCallbacks(stored, refused)
    point = before or after
    kind = BEFORE if before else AFTER if after else LATEST
    query = HistoryQuery(kind, None if point is None else Selector(msgid=point), asked)
    return maybeDeferred(web.service.historyWindow, web, target, isRoom, query).addCallbacks(
        stored, refused
    )
