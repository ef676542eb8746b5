# -*- test-case-name: tests.unit.web.test_web_output -*-
"""
What chatd does with wsproto's side of a WebSocket connection's frames.
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


def lighterEvents(protocol: Any) -> None:
    """
    Give the wsproto connection under Twisted's WebSocket C{protocol} an
    L{EventList}.  Both attributes are private (Twisted's C{_wsconn}, wsproto
    1.x's C{_events}), with no public way to choose the queue: anything other
    than the expected empty deque is left alone
    (docs/dev/decisions/websocket-event-list.md).
    """
    connection: Any = getattr(protocol, "_wsconn", None)
    events = getattr(connection, "_events", None)
    if type(events) is deque and not events:
        connection._events = EventList()
