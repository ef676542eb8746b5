# -*- test-case-name: tests.unit.web.test_web_admit -*-
"""
A bound on the plain HTTP connections one address holds open on the web
listener.

The admission policy counts only chat connections (L{chatd.web.admit}): a
page's files come over several keep-alive connections that are no chat
session.  Uncounted, though, one address could open connections until the
daemon runs out of file descriptors and nobody else gets in.  So each
address (grouped and exempted as the admission policy groups them: an IPv6
/64, C{--limit-exempt}) holds at most L{PER_ADDRESS} connections at once, a
bound far above what browsers open (six per page); past it, a new one is
closed at once.
"""

from __future__ import annotations

from collections import Counter

from twisted.logger import Logger

from chatd.core.admission import UNGROUPED, Admission

#: Connections one address may hold open on the web listener: ten browsers
#: loading the page at once (six connections each) and their WebSockets.
PER_ADDRESS = 80


class HTTPConnections:
    """
    The web listener's open connections, by address group.
    """

    log = Logger()

    def __init__(self, admission: Admission | None, perAddress: int = PER_ADDRESS) -> None:
        self.admission = admission
        self.perAddress = perAddress
        self.open: Counter[str] = Counter()
        self._warned: set[str] = set()

    def opened(self, address: str) -> str | None:
        """
        Count a new connection from C{address}: its group, to give to
        L{closed}, or C{None} if that address holds too many already.
        """
        group = self.admission.group(address) if self.admission is not None else UNGROUPED
        if group == UNGROUPED:
            return group
        if self.open[group] >= self.perAddress:
            if group not in self._warned:
                self._warned.add(group)
                self.log.warn(
                    "refusing web connections from {address}: {count} open",
                    address=address,
                    count=self.open[group],
                )
            return None
        self.open[group] += 1
        return group

    def closed(self, group: str) -> None:
        """
        A connection L{opened} under C{group} closed.
        """
        if group == UNGROUPED:
            return
        self.open[group] -= 1
        if self.open[group] <= 0:
            del self.open[group]
            self._warned.discard(group)
