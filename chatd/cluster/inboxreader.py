# -*- test-case-name: tests.integration.test_cluster_redis,tests.unit.cluster.test_cluster_retries,tests.unit.cluster.test_cluster_snapshot -*-  # noqa: E501
"""
The reading half of L{chatd.cluster.redis.RedisLink}: this node's inbox
stream, read with C{XREAD BLOCK} from the last entry id seen (kept across
reconnections), each entry's message handed on in order.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import txredisapi
from twisted.internet.defer import Deferred
from twisted.internet.interfaces import IDelayedCall, IReactorTime
from twisted.logger import Logger
from twisted.python.failure import Failure

from chatd.cluster.connections import REPLY_TIMEOUT, Preparations, ReaderConnection, whenReady

#: Milliseconds one C{XREAD} waits for new entries before it is sent again.
BLOCK_MS = 2000

#: Entries one C{XREAD} returns at most.
READ_COUNT = 500


class InboxReader:
    """
    What L{chatd.cluster.redis.RedisLink} does to read its inbox.

    @ivar lastId: the id of the last stream entry read (C{None} before the
        first connection), where reading resumes after a reconnection.
    """

    log: Logger
    clock: IReactorTime
    stream: str
    onMessage: Callable[[str, str], None]
    lastId: str | None
    running: bool | int
    _reader: ReaderConnection | None
    _watchdog: IDelayedCall | None
    _preparations: Preparations
    # The link's:
    _unprepared: Callable[[Failure, Any], None]
    _checkUp: Callable[[], None]

    def _prepareReader(self, proto: Any) -> Deferred[None]:
        """
        Find where to read from: the stream's end on the first connection;
        afterwards the last entry read, if the stream still holds it, else
        the stream's start (L{_position}).
        """

        def positioned(found: list[Any]) -> None:
            if self.lastId is None:
                self.lastId = str(found[0][0]) if found else "0-0"
            elif self.lastId != "0-0" and (not found or str(found[0][0]) != self.lastId):
                self.log.warn(
                    "the inbox in Redis no longer holds the last event read (Redis restarted "
                    "empty or from an older snapshot, or the inbox was trimmed past it): "
                    "reading it from its start, events already handled dropped"
                )
                self.lastId = "0-0"
            self._reader = proto.unwrapped()
            self._read(proto.unwrapped())
            self._checkUp()

        d: Deferred[Any] = whenReady(proto.unwrapped())
        d.addCallback(lambda _: self._position(proto))
        done: Deferred[None] = d.addCallback(positioned).addErrback(self._unprepared, proto)
        return self._preparations.track(proto.unwrapped(), done)

    def _position(self, proto: Any) -> Deferred[Any]:
        """
        The newest entry on the first connection; afterwards the last entry
        read, if the stream still has it.  Without it, the stream went back
        in time (a Redis restarted empty, or from a snapshot older than what
        was read, holds fewer entries, or older ones) or on past it: what
        follows the last entry read cannot be told by id (a failover's new
        master may have another clock), so the whole stream is read again.
        The sequence numbers drop what was already handled, gone nodes' too
        (L{chatd.cluster.bus.Bus.goneSeq}), and the resends asked for once
        the link is up fill in what Redis lost (L{chatd.cluster.replay}).
        """
        if self.lastId is None:
            args: tuple[object, ...] = ("XREVRANGE", self.stream, "+", "-", "COUNT", 1)
        else:
            args = ("XRANGE", self.stream, self.lastId, self.lastId)
        found: Deferred[Any] = proto.execute_command(*args)
        return found

    def _read(self, proto: ReaderConnection) -> None:
        """
        Wait for the entries after L{lastId}, hand them on, and read again,
        for as long as C{proto} is this link's reader.  A read unanswered
        for L{REPLY_TIMEOUT} past its block is a hung Redis: the reader's
        connection is dropped and made again.
        """
        if proto is not self._reader or not self.running:
            return
        assert self.lastId is not None
        d = proto.execute_command(
            "XREAD",
            "COUNT",
            READ_COUNT,
            "BLOCK",
            BLOCK_MS,
            "STREAMS",
            self.stream,
            self.lastId,
            apply_timeout=False,
        )
        self._watchdog = self.clock.callLater(
            BLOCK_MS / 1000 + REPLY_TIMEOUT, proto.transport.abortConnection
        )
        d.addBoth(self._answered)
        d.addCallback(self._entries, proto)
        d.addErrback(self._readFailed, proto)

    def _answered(self, result: object) -> object:
        if self._watchdog is not None and self._watchdog.active():
            self._watchdog.cancel()
        self._watchdog = None
        return result

    def _entries(self, reply: list[Any] | None, proto: ReaderConnection) -> None:
        for _, entries in reply or ():
            for ident, fields in entries:
                self.lastId = ident
                for index in range(0, len(fields) - 1, 2):  # no dict per entry
                    if fields[index] == "m":
                        self.messageArrived(self.stream, fields[index + 1])
                        break
        self._read(proto)

    def _readFailed(self, failure: Failure, proto: ReaderConnection) -> None:
        if failure.check(txredisapi.ConnectionError):
            return  # the connection is lost: the next one reads on
        self.log.failure("reading the cluster's stream failed", failure)
        if proto is self._reader and proto.transport is not None:
            proto.transport.loseConnection()

    def messageArrived(self, channel: str, message: str) -> None:
        """
        A stream message for this link's handler (whose failure is logged).
        """
        try:
            self.onMessage(channel, message)
        except Exception:
            self.log.failure("handling a Redis message on {channel} failed", channel=channel)
