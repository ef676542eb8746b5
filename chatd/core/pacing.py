# -*- test-case-name: tests.unit.core.test_pacing,tests.unit.core.test_inbox -*-
"""
Pages of stored messages: what one piece of a long answer holds.

Every front-end cuts a reader off when more than C{--max-output} bytes wait
for it, and a history replay or a waiting inbox can be more than that by
itself.  Such answers are sent a page at a time, the next page once the
connection has taken the previous one (the inbox here, through
L{chatd.core.interfaces.IParticipant.whenDrained}; history replies through
L{chatd.lines.paced}).  A page's size is reckoned here, once, for every
front-end, from an upper bound of what a message takes on any wire.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import TypeVar

from chatd.core.events import PrivateMessage, RoomMessage
from chatd.core.limits import PAGE_BYTES

#: What a message costs on the wire beyond its text, per line, as an upper
#: bound: the TCHAT, IRC or WebSocket framing, sender and timestamp.
LINE_OVERHEAD = 128

T = TypeVar("T")


def wireSize(message: RoomMessage | PrivateMessage) -> int:
    """
    An upper bound of the bytes C{message} takes on any front-end's wire
    (UTF-8 text, plus L{LINE_OVERHEAD} per line).
    """
    return sum(len(line.encode("utf-8")) + LINE_OVERHEAD for line in message.lines)


def pageBytes(limit: int) -> int:
    """
    The bytes of one page for a connection cut off past C{limit} bytes
    waiting: a quarter of it, at most L{PAGE_BYTES} (Twisted's own write
    buffer size), so a page and what else is queued stay well under it.
    """
    return max(1, min(PAGE_BYTES, limit // 4))


def pages(
    items: Sequence[T],
    size: int,
    measure: Callable[[T], int] = wireSize,  # type: ignore[assignment]
) -> Iterator[list[T]]:
    """
    C{items} in order, in pages of at most C{size} bytes (C{measure}); a
    page holds at least one item, however large.
    """
    page: list[T] = []
    used = 0
    for item in items:
        cost = measure(item)
        if page and used + cost > size:
            yield page
            page, used = [], 0
        page.append(item)
        used += cost
    if page:
        yield page
