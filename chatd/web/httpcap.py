# -*- test-case-name: tests.unit.web.test_web_admit,tests.unit.web.test_web_httpcap -*-
"""
Bounds on the plain HTTP connections the web listener holds open.

The admission policy counts only chat connections (L{chatd.web.admit}): a
page's files come over several keep-alive connections that are no chat
session.  Uncounted, though, connections could be opened until the daemon
runs out of file descriptors and nobody else gets in, on any listener.  So:

  - each address (grouped and exempted as the admission policy groups them:
    an IPv6 /64, C{--limit-exempt}) holds at most L{PER_ADDRESS} web
    connections at once, a bound far above what browsers open (six per
    page); past it, a new one is closed at once;
  - all addresses together (exempt ones included) hold at most
    L{descriptorShare} plain HTTP connections, a quarter of the process's
    file descriptor limit, so the chat listeners always keep the rest.  A
    new connection past it takes the place of the one that has waited
    longest for a request (an idle keep-alive one, or one that never sent
    a request), which is closed; if every one is in the middle of a
    request, the new one is closed at once.  A connection that became a
    WebSocket is a chat connection, counted by the admission policy, and
    leaves this total.

Each keep-alive connection also serves a bounded number of requests for a
bounded time (L{chatd.web.channel.ChatChannel}), so none holds a place for
ever.
"""

from __future__ import annotations

import resource
from collections import Counter
from typing import Protocol

from twisted.logger import Logger

from chatd.core.admission import UNGROUPED, Admission

#: Connections one address may hold open on the web listener: ten browsers
#: loading the page at once (six connections each) and their WebSockets.
PER_ADDRESS = 80

#: The share of the file descriptor limit plain HTTP connections may hold.
DESCRIPTOR_SHARE = 4

#: The file descriptor limit assumed when the process has none.
UNLIMITED_DESCRIPTORS = 65536


def descriptorShare() -> int:
    """
    Plain HTTP connections all addresses may hold open together: a quarter
    of the process's file descriptor limit (C{RLIMIT_NOFILE}, its soft
    limit), at least 8.
    """
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    limit = next(
        (n for n in (soft, hard) if n != resource.RLIM_INFINITY and n > 0),
        UNLIMITED_DESCRIPTORS,
    )
    return max(limit // DESCRIPTOR_SHARE, 8)


class Closable(Protocol):
    """
    What L{HTTPConnections} counts: a connection it may close.
    """

    def evict(self) -> None:
        """
        Close this connection at once: another needs its place.
        """


class HTTPConnections:
    """
    The web listener's open connections, by address group, and the plain
    HTTP ones in all; see the module docstring.

    @ivar maxTotal: plain HTTP connections all addresses may hold.
    """

    log = Logger()

    def __init__(
        self,
        admission: Admission | None,
        perAddress: int = PER_ADDRESS,
        maxTotal: int | None = None,
    ) -> None:
        self.admission = admission
        self.perAddress = perAddress
        self.maxTotal = descriptorShare() if maxTotal is None else maxTotal
        self.open: Counter[str] = Counter()
        self._warned: set[str] = set()
        self._groups: dict[Closable, str] = {}
        #: The plain HTTP connections, in the total.
        self.plain: set[Closable] = set()
        #: Those waiting for a request, longest waiting first.
        self._idle: dict[Closable, None] = {}
        self._full = False

    def opened(self, address: str, connection: Closable) -> bool:
        """
        Count C{connection}, new from C{address}, closing the longest idle
        one if all together hold too many: C{False} (not counted) if its
        address holds too many, or all hold too many and none is idle.
        """
        group = self.admission.group(address) if self.admission is not None else UNGROUPED
        if group != UNGROUPED and self.open[group] >= self.perAddress:
            if group not in self._warned:
                self._warned.add(group)
                self.log.warn(
                    "refusing web connections from {address}: {count} open",
                    address=address,
                    count=self.open[group],
                )
            return False
        if len(self.plain) >= self.maxTotal and not self._evictOne(address):
            return False
        self._full = False
        if group != UNGROUPED:
            self.open[group] += 1
        self._groups[connection] = group
        self.plain.add(connection)
        self._idle[connection] = None
        return True

    def _evictOne(self, address: str) -> bool:
        """
        Close the connection that has waited longest for a request, if one
        does; whether one did.
        """
        if not self._idle:
            if not self._full:
                self._full = True
                self.log.warn(
                    "refusing web connections from everyone, {address} first:"
                    " {count} plain HTTP connections open, all busy",
                    address=address,
                    count=len(self.plain),
                )
            return False
        oldest = next(iter(self._idle))
        self.closed(oldest)
        oldest.evict()
        return True

    def waiting(self, connection: Closable, waits: bool) -> None:
        """
        C{connection} waits for a request (it opened, or answered one), or
        (C{waits} false) started sending one.
        """
        self._idle.pop(connection, None)
        if waits and connection in self.plain:
            self._idle[connection] = None

    def upgraded(self, connection: Closable) -> None:
        """
        C{connection} became a WebSocket: out of the plain HTTP total (its
        address still counts it).
        """
        self.plain.discard(connection)
        self._idle.pop(connection, None)

    def closed(self, connection: Closable) -> None:
        """
        C{connection} closed (or was closed to make room); nothing if it
        was not counted, or no longer is.
        """
        group = self._groups.pop(connection, None)
        self.plain.discard(connection)
        self._idle.pop(connection, None)
        if group is None or group == UNGROUPED:
            return
        self.open[group] -= 1
        if self.open[group] <= 0:
            del self.open[group]
            self._warned.discard(group)
