# -*- test-case-name: tests.integration.test_cluster_redis -*-
"""
chatd's link to Redis: one connection for commands, one that reads this
node's inbox stream.

Events travel in Redis streams, one inbox per node: a node appends to
others' inboxes (L{APPEND}, a batch at a time, one entry per inbox: see
L{chatd.cluster.bus}) on its command connection and reads its own with
C{XREAD BLOCK} from the last entry id it has seen, which the link keeps
across reconnections, so a dropped connection or a hung Redis delays
events instead of losing them (L{chatd.cluster.inboxreader}, which also
reads again an inbox that went back in time).

Both connections are kept up by L{ClientService} with exponential back-off
(to the Sentinels' current master with a C{redis+sentinel://} address, see
L{chatd.cluster.sentinel}), so a Redis restart, a failover or a network
blip never reaches the chat: while the link is down L{RedisLink.execute}
fails at once with L{RedisUnavailable} (callers queue or refuse, see
L{chatd.cluster.bus}), every loss and recovery is logged once, and
listeners are told so they can resynchronise.

The wire protocol is U{txredisapi<https://pypi.org/project/txredisapi/>}'s
Twisted-native RESP client; we use its protocol classes only, and do the
connecting ourselves so the clock and the back-off policy are injectable.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import txredisapi
from twisted.application.service import MultiService
from twisted.internet.defer import CancelledError, Deferred, fail, succeed
from twisted.internet.interfaces import IDelayedCall, IReactorTime
from twisted.logger import Logger
from twisted.python.failure import Failure

from chatd.cluster.address import ClusterAddress, RedisAddress, RedisUnavailable
from chatd.cluster.connections import (
    REPLY_TIMEOUT,
    CommandConnection,
    ConnectionFactory,
    Preparations,
    QuietClientService,
    ReaderConnection,
    Retries,
    whenReady,
)
from chatd.cluster.inboxreader import InboxReader
from chatd.cluster.masterwatch import MasterWatch
from chatd.cluster.sentinel import SentinelEndpoint, endpointFor

__all__ = ["REPLY_TIMEOUT", "RedisAddress", "RedisLink", "RedisUnavailable"]

#: Entries an inbox keeps by default (C{--cluster-stream-length}); an entry
#: is one reactor turn's envelopes for that node (L{chatd.cluster.bus}).
STREAM_LENGTH = 10000

#: Append ARGV[i + 1] to stream KEYS[i] as one entry (field C{m}), each
#: stream kept to about ARGV[1] entries.
APPEND = """
for i = 1, #KEYS do
  redis.call('XADD', KEYS[i], 'MAXLEN', '~', ARGV[1], '*', 'm', ARGV[i + 1])
end
return #KEYS
"""


class RedisLink(InboxReader, MultiService):
    """
    A self-healing pair of Redis connections: commands, and the reader of
    the stream C{stream} (this node's inbox), whose entries' messages (field
    C{m}) go to C{onMessage(stream, message)}.

    @ivar up: whether both connections are ready (the reader's position known).
    @ivar handshake: run with each new command connection's C{execute}
        before the link is up (L{chatd.cluster.cloaks}); its failure drops it.
    """

    log = Logger()

    def __init__(
        self,
        reactor: Any,
        address: ClusterAddress,
        stream: str,
        onMessage: Callable[[str, str], None],
        maxDelay: float = 2.0,
        streamLength: int = STREAM_LENGTH,
    ) -> None:
        super().__init__()
        self.clock: IReactorTime = reactor
        self.address = address
        self.stream = stream
        self.streamLength = streamLength
        self.onMessage = onMessage
        self.lastId: str | None = None
        self.up = False
        self._everUp = False
        self._commands: CommandConnection | None = None
        self._reader: ReaderConnection | None = None
        self._watchdog: IDelayedCall | None = None
        self._upListeners: list[Callable[[], None]] = []
        self._readyWaiters: list[Deferred[None]] = []
        self._downListeners: list[Callable[[], None]] = []
        self._preparations = Preparations(self.clock)
        self._stopping = False
        self.handshake: Callable[[Callable[..., Deferred[Any]]], Deferred[Any]] = succeed
        self._retries = Retries(self, maxDelay)
        endpoint = endpointFor(reactor, address)  # asks the Sentinels first, if any
        for protocol, prepare in (
            (CommandConnection, self._prepareCommands),
            (ReaderConnection, self._prepareReader),
        ):
            policy = self._retries.policy(protocol.__name__)
            QuietClientService(
                endpoint, ConnectionFactory(self, protocol), policy, self.clock, prepare
            ).setServiceParent(self)
        if isinstance(endpoint, SentinelEndpoint):  # and follows their failovers
            MasterWatch(reactor, endpoint, self.connections).setServiceParent(self)

    def whenUp(self, listener: Callable[[], None]) -> None:
        """
        Call C{listener} every time the link comes (back) up.
        """
        self._upListeners.append(listener)

    def whenDown(self, listener: Callable[[], None]) -> None:
        """
        Call C{listener} every time the link goes down.
        """
        self._downListeners.append(listener)

    def ready(self) -> Deferred[None]:
        """
        Fires once the link is up: at once if it is, else when it comes
        (back) up, after the L{whenUp} listeners (so a node's own claims are
        renewed before new ones are sent).  Never times out by itself: the
        caller bounds the wait (L{Presence.claim} does), and cancelling
        the result withdraws it.  Fails with L{RedisUnavailable} if the
        link is stopped meanwhile.
        """
        if self.up:
            return succeed(None)

        def withdraw(d: Deferred[None]) -> None:
            if d in self._readyWaiters:
                self._readyWaiters.remove(d)

        d: Deferred[None] = Deferred(withdraw)
        self._readyWaiters.append(d)
        return d

    # Connection life cycle

    def _prepareCommands(self, proto: Any) -> Deferred[None]:
        """
        A command connection is ready once Redis answers on it: a hung
        Redis still accepts connections (the kernel does), and the link
        must not call itself back while nothing answers.
        """

        def ready(_: object) -> None:
            self._commands = proto.unwrapped()
            self._checkUp()

        d = whenReady(proto.unwrapped()).addCallback(lambda _: proto.execute_command("PING"))
        d.addCallback(lambda _: self.handshake(proto.execute_command)).addCallback(ready)
        return self._preparations.track(proto.unwrapped(), d.addErrback(self._unprepared, proto))

    def _unprepared(self, failure: Failure, proto: Any) -> None:
        """
        A new connection could not be made ready (a hung Redis did not
        answer): it is closed, and the link goes on waiting for Redis, the
        attempt counted as failed for the back-off (L{Retries}).
        Reported to C{ClientService} as made, so that the close is what it
        hears and it tries again: a preparation that fails while its
        connection closes leaves C{ClientService} in a state where the close
        raises (Twisted's C{NoTransition}, logged as critical).
        """
        if failure.check(CancelledError) or not self.running:
            failure.raiseException()  # the link is stopping, and so is ClientService
        if not self._stopping:
            self._retries.notReady(failure.getErrorMessage())
        transport = proto.transport
        if transport is not None and transport.connected:
            transport.abortConnection()

    def _checkUp(self) -> None:
        if self.up or self._stopping or self._commands is None or self._reader is None:
            return
        self.up = True
        self._retries.reset()
        if self._everUp:
            self.log.info("Redis at {address} is back; resynchronising", address=self.address)
        else:
            self.log.info("connected to Redis at {address}", address=self.address)
        self._everUp = True
        for listener in list(self._upListeners):
            listener()
        waiters, self._readyWaiters = self._readyWaiters, []
        for waiter in waiters:
            waiter.callback(None)

    def protocolLost(self, proto: object, why: Failure) -> None:
        """
        One of the link's two connections (C{proto}) closed: the link is down
        until both are made again.
        """
        if proto is self._commands:
            self._commands = None
        elif proto is self._reader:
            self._reader = None
        else:
            return
        if not self.up:
            return
        self.up = False
        if self.running:
            self.log.warn(
                "lost Redis at {address} ({why}); chatting continues on this node "
                "only, reconnecting",
                address=self.address,
                why=why.getErrorMessage(),
            )
        for listener in list(self._downListeners):
            listener()

    def connections(self) -> list[CommandConnection]:
        """
        The link's connections, those still being prepared included.
        """
        made = [self._commands, self._reader, *self._preparations.protocols()]
        return [proto for proto in made if proto is not None]

    def startService(self) -> None:
        self._stopping = False
        super().startService()

    def stopService(self) -> Deferred[None]:
        """
        Close both connections, the ones still being prepared (a hung Redis)
        first: C{ClientService} stops cleanly only once no preparation is
        pending (L{Preparations}).
        """
        if self._stopping:
            return succeed(None)  # already stopping (a second stop, from a callback of the first)
        self.up = False
        self._stopping = True
        self._answered(None)
        waiters, self._readyWaiters = self._readyWaiters, []
        for waiter in waiters:
            waiter.errback(RedisUnavailable("the Redis link is stopping"))

        def stop(_: object) -> Deferred[None]:
            for proto in (self._commands, self._reader):
                if proto is not None and proto.transport is not None:
                    proto.transport.loseConnection()
            stopped: Deferred[None] = MultiService.stopService(self)
            return stopped

        return self._preparations.abandon(timeout=1.0).addCallback(stop)

    # Commands

    def execute(self, *args: object, timeout: bool = True) -> Deferred[Any]:
        """
        Run one Redis command; fails at once with L{RedisUnavailable} while
        the link is down, so no caller ever waits on a dead Redis.

        @param timeout: whether a reply slower than L{REPLY_TIMEOUT} drops
            the connection (the heartbeat relies on it to notice a hung
            Redis; a publication need not pay for a timer of its own).
        """
        if self._commands is None or not self.up:
            return fail(RedisUnavailable(f"Redis at {self.address} is unreachable"))
        try:
            d: Deferred[Any] = self._commands.execute_command(*args, apply_timeout=timeout)
        except txredisapi.ConnectionError as e:
            return fail(RedisUnavailable(str(e)))
        return d.addErrback(self._unavailable)

    def _unavailable(self, failure: Failure) -> Failure:
        """
        A command cut short by a lost connection or a reply timeout is
        Redis being unavailable, like a command that could not be sent.
        """
        if failure.check(txredisapi.ConnectionError):
            return Failure(RedisUnavailable(failure.getErrorMessage()))
        return failure

    def publish(self, entries: list[tuple[str, str]]) -> Deferred[Any]:
        """
        Append each C{(stream, message)} as one entry, in order, in one
        command; each stream keeps about L{streamLength} entries.  Commands
        on the one command connection reach Redis, and hence the streams, in
        call order.
        """
        streams, messages = [s for s, _ in entries], [m for _, m in entries]
        args = (len(streams), *streams, self.streamLength, *messages)
        return self.execute("EVAL", APPEND, *args, timeout=False)
