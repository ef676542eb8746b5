# -*- test-case-name: tests.unit.cluster.test_cluster_farewell -*-
"""
A node's clean stop (C{SIGTERM}): its goodbye, after what it had queued.

While Redis is away a node queues what it sends the others (L{Bus}): room
messages its users were answered C{OKAY!} for among them.  A node that
stopped then took its queue with it, and nobody was told.  L{Farewell}
waits for Redis first, at most the shutdown's grace (C{--close-grace}, as
long as its connections get to close), sends the queue and then its
goodbye; if Redis is not back in time, it logs an error saying how many
events were not sent.  It has its store write what it queued first (with
a shared database, that is where the others read back what never reached
them: L{chatd.cluster.recovery}).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from twisted.internet.defer import Deferred, succeed
from twisted.internet.interfaces import IReactorTime
from twisted.logger import Logger
from twisted.python.failure import Failure

from chatd.cluster.bus import Bus
from chatd.cluster.presence import Presence
from chatd.core.errors import StoreUnavailable


class Link(Protocol):
    """
    What a farewell needs of L{chatd.cluster.redis.RedisLink}.
    """

    stream: str

    def ready(self) -> Deferred[None]: ...

    def execute(self, *args: object, timeout: bool = True) -> Deferred[Any]: ...


class Farewell:
    """
    One clean stop of a node.
    """

    log = Logger()

    def __init__(
        self,
        bus: Bus,
        presence: Presence,
        link: Link,
        clock: IReactorTime,
        grace: float,
        written: Callable[[], Deferred[None]] = lambda: succeed(None),
    ) -> None:
        """
        @param written: fires once the node's store wrote what it queued.
        """
        self.bus, self.presence, self.link = bus, presence, link
        self.clock, self.grace, self.written = clock, grace, written
        self.queued = 0

    def _notWritten(self, failure: Failure) -> None:
        """
        The store could not write before the goodbye: the database is away
        (the store then keeps what it holds for the next start, and says
        so), or a bug, logged with its traceback.
        """
        if failure.check(StoreUnavailable):
            self.log.warn(
                "stopping while the database is away: the store could not write first ({why})",
                why=failure.getErrorMessage(),
            )
        else:
            self.log.failure("writing the store before stopping", failure)

    def leave(self) -> Deferred[None]:
        """
        Stop beating; send what waits for Redis (waiting for it, a bounded
        time), then the goodbye, and give back this node's claims:
        every other node sees this one's users leave at once, after all
        they said.  Fires once done (or given up).
        """
        self.presence.stop()
        self.queued = self.bus.waiting()
        written = self.written()  # before the goodbye: the others may read it then
        written.addTimeout(self.grace, self.clock)
        written.addErrback(self._notWritten)
        if not self.queued:
            return written.addCallback(lambda _: self._goodbye())
        self.log.info(
            "stopping: {count} events wait for Redis; waiting for it {grace:g} s at most",
            count=self.queued,
            grace=self.grace,
        )
        back = self.link.ready()
        back.addTimeout(self.grace, self.clock)
        back.addErrback(lambda _: None)  # not back in time: reported below
        back.addCallback(lambda _: written)
        return back.addCallback(lambda _: self._goodbye())

    def _goodbye(self) -> Deferred[None]:
        """
        Give the claims back, say goodbye (after the queue, in order), and
        leave the registry; with a queue, check once Redis answered the
        last command (commands are answered in order) what was not sent.
        """
        self.presence.giveBack()  # (its users now, and the claims on their way)
        self.bus.publish("state", users=[], rooms=[], r="their server shut down", bye=1)
        self.bus.flush()  # before the link closes, not after this turn
        node = self.presence.nodeId
        self.link.execute("SREM", self.presence.registryKey(), node).addErrback(lambda _: None)
        last = self.link.execute("DEL", self.presence.nodeKey(node), self.link.stream)
        if not self.queued:
            last.addErrback(lambda _: None)
            return succeed(None)  # the link closes once the commands are written
        return last.addBoth(self._report)

    def _report(self, _: object | Failure) -> None:
        if unsent := self.bus.waiting():  # never sent, or put back when the link failed
            self.log.error(
                "stopped with {count} events for the other nodes not sent, {says} of them"
                " room messages: Redis was not back within {grace:g} s; their members on"
                " the other nodes do not get them",
                count=unsent,
                says=self.bus.waiting("says"),
                grace=self.grace,
            )
        else:
            self.log.info("stopping: sent the {count} events that waited", count=self.queued)
