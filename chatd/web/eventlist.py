# -*- test-case-name: tests.unit.web.test_web_output -*-
"""
A lighter queue for wsproto's pending events: one per WebSocket
connection, nearly always empty, where wsproto's own deque costs 760 bytes
(docs/dev/decisions/websocket-event-list.md).
"""

from __future__ import annotations

from collections import deque
from typing import Any


class EventList(list[Any]):
    """
    A wsproto C{Connection}'s queue of pending events (it appends, pops from
    the left and tests for emptiness), as a list: empty, as it nearly always
    is, it costs 56 bytes where a deque costs 760.
    """

    __slots__ = ()

    def popleft(self) -> Any:
        return self.pop(0)


def lightenQueue(connection: Any) -> None:
    """
    Give a wsproto C{connection} an L{EventList}.  The attribute is private
    (wsproto 1.x's C{_events}), with no public way to choose the queue:
    anything other than the expected empty deque is left alone
    (docs/dev/decisions/websocket-event-list.md).
    """
    events = getattr(connection, "_events", None)
    if type(events) is deque and not events:
        connection._events = EventList()


def lighterEvents(protocol: Any) -> None:
    """
    L{lightenQueue} for the wsproto connection under Twisted's WebSocket
    C{protocol} (its private C{_wsconn}; IRC over WebSocket).
    """
    lightenQueue(getattr(protocol, "_wsconn", None))
