# -*- test-case-name: tests.unit.talk.test_talk_floodbusy,tests.unit.test_flood_frontends -*-
"""
When a line client's flood ends its connection (L{FloodCut}), and which of
its lines count as waiting for the flood limit: kept apart from the reading
machinery of L{chatd.lines.lineproto}, which asks it.

Lines count once read.  A line read while the client's earlier command
still waits for its answer (a login, entering a room and its history from
the store) waits for the server, not for the flood limit: nothing is cut for
it then.  Once the server takes lines again and the flood limit holds one
back, every line read and not yet handled waits for the flood limit,
whenever it came: more than L{chatd.lines.throttle.waitingLines} of them is a
flood, as if they had come just then.  The allowance refilled while the
server was busy (up to the burst), so a client that kept to the rate
meanwhile is not cut.  What the server leaves unread in the network's
buffers (its reading paused while a turn's budget is spent, or while it
closes) counts only once it is read.
"""

from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING

from chatd.core.errors import ChatError, InvalidArgument
from chatd.lines.overlong import TooLong


class FloodCut:
    """
    The end of a flood, for L{chatd.lines.lineproto.ChatLineReceiver}:
    L{tooManyWaiting} says whether the lines waiting are a flood, L{flooded}
    ends it.
    """

    #: Lines read, not yet handled.
    _pending: deque[bytes | TooLong] | None
    #: What they cost (L{chatd.lines.overlong.cost}).
    _backlog: int

    if TYPE_CHECKING:

        def floodRefused(self, error: ChatError) -> None: ...

        def closeWith(self, reason: str) -> None: ...

    def tooManyWaiting(self, limit: int) -> bool:
        """
        Whether more than C{limit} lines wait, once the flood limit holds
        them back (L{chatd.lines.factory.ChatFactory.floodLines}).
        """
        return len(self._pending or ()) > limit

    def flooded(self) -> None:
        """
        The client sent too much too fast: what waits is dropped, it is told
        (the protocol's flood reply) and its connection closes.
        """
        if self._pending is not None:
            self._pending.clear()  # in place: a drain under way stops
            self._pending = None
        self._backlog = 0
        self.floodRefused(InvalidArgument("flooding: too many lines too fast"))
        self.closeWith("flooding")
