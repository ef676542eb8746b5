# -*- test-case-name: tests.unit.web.test_web_search -*-
"""
The web page's C{search} request: the messages of the user's rooms and own
private conversations that hold every word asked, a page at a time.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from twisted.internet.defer import maybeDeferred

from chatd.core.errors import InvalidArgument
from chatd.core.limits import MAX_SEARCH_RESULTS, SEARCH_RESULTS
from chatd.core.search import Found
from chatd.core.search import search as searchHistory
from chatd.lines.paced import pagesFor
from chatd.web import wire

if TYPE_CHECKING:
    from chatd.web.socket import WebParticipant

Reply = dict[str, Any]


def search(web: WebParticipant, request: dict[str, Any]) -> Any:
    """
    The messages of the user's rooms and own private conversations whose
    text holds every word of C{text}, newest first (L{chatd.core.search}):
    each with C{room}, or C{with} (the other person of a private one).  A
    long list goes out a page at a time, as a history does, so that a
    search never exceeds what the page may have waiting.
    """
    text = request.get("text")
    if not isinstance(text, str):
        raise InvalidArgument("'text' must be a string")
    limit = request.get("limit", SEARCH_RESULTS)
    if not isinstance(limit, int) or isinstance(limit, bool):
        raise InvalidArgument(f"'limit' must be a whole number from 1 to {MAX_SEARCH_RESULTS}")

    def results(found: list[Found]) -> wire.Paged:
        paged = pagesFor(web.outbox, found, Found.wireSize)
        pages = ([_result(one) for one in page] for page in paged)
        return wire.Paged({"text": text}, "results", pages)

    return maybeDeferred(searchHistory, web.service, web, text, limit).addCallback(results)


def _result(found: Found) -> Reply:
    event = found.message
    entry = wire.markAction(
        {"from": event.sender, "text": wire.messageText(event.sender, event.lines)},
        event.lines,
        event.msgid,
    )
    entry["room" if found.isRoom else "with"] = found.conversation
    entry.update(time=event.when, millis=event.millis)
    return entry
