# -*- test-case-name: tests.integration.test_cluster_redis,tests.unit.cluster.test_cluster_retries -*-  # noqa: E501
"""
The two kinds of connection of a L{chatd.cluster.redis.RedisLink}, as
txredisapi protocols, the factory that builds them, and the
C{ClientService} that keeps each connected without a log line per retry.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import txredisapi
from twisted.application.internet import ClientService, backoffPolicy
from twisted.internet.defer import Deferred, succeed
from twisted.internet.interfaces import IReactorTime
from twisted.internet.protocol import Factory
from twisted.logger import Logger
from twisted.python.failure import Failure

from chatd.cluster.resp import encodeCommand
from chatd.quietlog import loggerWithout

if TYPE_CHECKING:
    from chatd.cluster.redis import RedisLink

#: Seconds a command may wait for its reply before the connection is
#: declared dead and re-made: a hung Redis must not hang the chat.
REPLY_TIMEOUT = 5.0


class CommandConnection(txredisapi.RedisProtocol):  # type: ignore[misc]
    """
    The command connection; tells its link when it is lost.
    """

    link: RedisLink

    def unwrapped(self) -> CommandConnection:
        """
        This protocol itself: C{ClientService} hands C{prepareConnection} a
        proxy, and the link must compare the real protocol in L{RedisLink.protocolLost}.
        """
        return self

    def connectionLost(self, why: Failure) -> None:
        super().connectionLost(why)
        self.link.protocolLost(self, why)

    def _build_command(self, *args: object, **kwargs: object) -> bytes:
        """txredisapi's hook for a command's bytes, built in one pass."""
        return encodeCommand(args)


class ReaderConnection(CommandConnection):
    """
    The connection that reads the stream: one C{XREAD BLOCK} at a time.
    """


class ConnectionFactory(Factory):
    """
    Builds txredisapi protocols and answers the few factory calls they make.
    """

    isLazy = True
    noisy = False  # no "Starting factory" line per reconnection attempt
    log = Logger()

    def __init__(self, link: RedisLink, protocol: type[CommandConnection]) -> None:
        self.link, self.protocolClass = link, protocol

    def buildProtocol(self, addr: object) -> Any:
        address = self.link.address
        reader = self.protocolClass is ReaderConnection
        proto = self.protocolClass(
            charset="utf-8",
            replyTimeout=REPLY_TIMEOUT,
            password=address.password,
            dbid=address.db or None,
            convertNumbers=not reader,
        )
        proto.factory, proto.link = self, self.link
        proto.callLater = self.link.clock.callLater
        return proto

    def stopTrying(self) -> None:
        """
        txredisapi gives up on a bad password or database; we keep retrying
        (the operator may fix Redis) and the failure is logged.
        """

    def connectionError(self, message: str) -> None:
        self.log.error("{address}: {message}", address=self.link.address, message=message)


def whenReady(proto: CommandConnection) -> Deferred[None]:
    """
    Fires once C{proto} is ready for commands, or fails if it is lost
    first: txredisapi's C{whenConnected} alone never fires then, and a
    preparation that never settles keeps C{ClientService} from stopping.
    """
    ready: Deferred[None] = Deferred()

    def connected(_: object) -> None:
        if not ready.called:
            ready.callback(None)

    def lost(_: object) -> None:
        if not ready.called:
            ready.errback(txredisapi.ConnectionError("lost before it was ready"))

    proto.whenConnected().addCallback(connected)
    proto.whenDisconnected().addCallback(lost)
    return ready


class Preparations:
    """
    The connections a link is still preparing.  C{ClientService} must not
    stop while one is: cancelling a preparation leaves its connection
    open, and that connection's later close raises Twisted's
    C{NoTransition}.  So a stopping link closes them first (L{abandon})
    and waits until their preparations have settled.
    """

    def __init__(self, clock: IReactorTime) -> None:
        self.clock = clock
        self._pending: dict[CommandConnection, None] = {}
        self._waiters: list[Deferred[None]] = []

    def track(self, proto: CommandConnection, preparation: Deferred[None]) -> Deferred[None]:
        """
        Remember C{proto} until C{preparation} settles; returns it.
        """
        self._pending[proto] = None

        def settled(result: object) -> object:
            self._pending.pop(proto, None)
            if not self._pending and self._waiters:
                # After this turn: C{ClientService} hears of the connection's
                # close after its preparation settles, and must before it stops.
                self.clock.callLater(0, self._settled)
            return result

        preparation.addBoth(settled)
        return preparation

    def protocols(self) -> list[CommandConnection]:
        """
        The connections being prepared.
        """
        return list(self._pending)

    def abandon(self, timeout: float) -> Deferred[None]:
        """
        Close every connection being prepared; fires once each preparation
        has settled, or after C{timeout} seconds at most.
        """
        if not self._pending:
            return succeed(None)
        done: Deferred[None] = Deferred()
        self._waiters.append(done)
        timer = self.clock.callLater(timeout, self._giveUp, done)
        done.addBoth(lambda result: timer.cancel() if timer.active() else None)
        for proto in list(self._pending):
            if proto.transport is not None:
                proto.transport.abortConnection()
        return done

    def _settled(self) -> None:
        if not self._pending:
            waiters, self._waiters = self._waiters, []
            for waiter in waiters:
                waiter.callback(None)

    def _giveUp(self, waiter: Deferred[None]) -> None:
        if waiter in self._waiters:
            self._waiters.remove(waiter)
            waiter.callback(None)


class Retries:
    """
    How a link's connections retry through an outage.  The delay before
    each connection's next attempt (its C{ClientService} retry L{policy})
    grows with each attempt that failed since the link was last up
    (L{reset}): C{ClientService} counts from the last connection it made,
    but a connection made and lost before it was ready (a proxy that
    accepts and resets, a hung Redis) is a failed attempt too, and counted
    C{ClientService}'s way the back-off would start over after each.  And
    the outage is logged once, not once per attempt.
    """

    log = Logger()

    def __init__(self, link: RedisLink, maxDelay: float) -> None:
        self.link = link
        self.backoff = backoffPolicy(initialDelay=0.1, maxDelay=maxDelay, factor=2.0)
        self.failed: dict[str, int] = {}
        self.warned = self.unready = False

    def policy(self, name: str) -> Callable[[int], float]:
        """
        The retry policy of the connection called C{name}.
        """
        self.failed[name] = 0

        def delay(attempt: int) -> float:
            self.failed[name] += 1
            if not self.link.up and not self.warned:
                self.warned = True
                address = self.link.address
                self.log.warn("cannot reach Redis at {address}; retrying", address=address)
            return self.backoff(self.failed[name])

        return delay

    def notReady(self, why: str) -> None:
        """
        A new connection failed before it was ready, because of C{why}.
        """
        if not self.unready:
            self.unready = True
            self.log.info("a new connection to Redis was not ready: {why}", why=why)

    def reset(self) -> None:
        """
        The link is up: the next outage starts afresh.
        """
        self.failed = dict.fromkeys(self.failed, 0)
        self.warned = self.unready = False


class QuietClientService(ClientService):
    """
    Twisted's C{ClientService} without its line for every retry (two per
    retry through a Redis outage, one per connection): the link logs one
    line when Redis cannot be reached, and one when it is back.
    """

    _log = loggerWithout("Scheduling retry")
