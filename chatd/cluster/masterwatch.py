# -*- test-case-name: tests.unit.cluster.test_cluster_masterwatch -*-
"""
Following the Sentinels' failovers as they happen.

A master the Sentinels demote alive (a manual C{SENTINEL FAILOVER}, or one
cut off and back) stays a writable master for about 10 s after they name
the new one, its clients still connected: a node whose connections drop
then (a blip, a restart) would reach the new master while the others stay
on the old one, and the cluster would split.  So, as Sentinel clients do,
L{MasterWatch} keeps a subscription to the C{+switch-master} channel of
one Sentinel at a time (the next in the URL's order once it is lost or
cannot be made) and, when it names a new master for this link's, tells the
endpoint (L{SentinelEndpoint.announce}) and drops each of the link's
connections not made to it: they are made again, to the new master.

Every L{CHECK_EVERY} seconds, and on each new subscription (a switch may
have gone unheard), it also asks that Sentinel which master it names: one
that names, twice in a row, another master than a connection's is
followed the same way (twice: another Sentinel, not yet told of a
failover, may have named the old one a moment ago).  A Sentinel that does
not answer loses the subscription to the next one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import txredisapi
from twisted.application.service import Service
from twisted.internet.defer import Deferred
from twisted.internet.endpoints import HostnameEndpoint
from twisted.internet.interfaces import IDelayedCall, IStreamClientEndpoint
from twisted.internet.protocol import Factory
from twisted.internet.task import LoopingCall
from twisted.logger import Logger
from twisted.python.failure import Failure

from chatd.cluster.sentinel import QUERY_TIMEOUT, SentinelEndpoint

#: The Sentinels' channel of failovers: C{<name> <old ip> <old port> <new ip> <new port>}.
CHANNEL = "+switch-master"

#: Seconds between two questions to the Sentinel subscribed to.
CHECK_EVERY = 5.0

#: Seconds before subscribing to the next Sentinel after one was lost.
RESUBSCRIBE_AFTER = 1.0


class Listener(txredisapi.SubscriberProtocol):  # type: ignore[misc]
    """
    A subscription to one Sentinel's L{CHANNEL}.
    """

    watch: MasterWatch
    where: tuple[str, int]

    @property
    def sentinel(self) -> str:
        return "{}:{}".format(*self.where)

    def messageReceived(self, pattern: object, channel: object, message: object) -> None:
        self.watch.announced(self, str(message))

    def connectionLost(self, why: Failure) -> None:
        super().connectionLost(why)
        self.watch.lost(self)


class _ListenerFactory(Factory):
    noisy = False
    isLazy = True

    def __init__(self, watch: MasterWatch, where: tuple[str, int]) -> None:
        self.watch, self.where = watch, where

    def buildProtocol(self, addr: object) -> Listener:
        proto = Listener(charset="utf-8", replyTimeout=QUERY_TIMEOUT)
        proto.factory, proto.watch, proto.where = self, self.watch, self.where
        proto.callLater = self.watch.clock.callLater
        return proto

    def stopTrying(self) -> None:
        """Sentinels are asked without a password: nothing to stop."""

    def connectionError(self, message: str) -> None:
        MasterWatch.log.warn("{message}", message=message)


class MasterWatch(Service):
    """
    Keeps C{connections()} (a link's connections, made with C{endpoint})
    on the master the Sentinels name.
    """

    log = Logger()

    def __init__(
        self,
        reactor: Any,
        endpoint: SentinelEndpoint,
        connections: Callable[[], Iterable[Any]],
        endpointFor: Callable[[str, int], IStreamClientEndpoint] | None = None,
    ) -> None:
        """
        @param endpointFor: the endpoint of a Sentinel's host and port (a
            L{HostnameEndpoint}).
        """
        self.clock, self.endpoint, self.connections = reactor, endpoint, connections
        self.masterName = endpoint.address.master
        self.endpointFor = endpointFor or (
            lambda host, port: HostnameEndpoint(reactor, host, port, timeout=QUERY_TIMEOUT)
        )
        self.listener: Listener | None = None
        self._next = 0  # the index of the Sentinel to subscribe to next
        self._retry: IDelayedCall | None = None
        self._odd: tuple[str, int] | None = None  # named once, not by a connection
        self._checks = LoopingCall(self.check)
        self._checks.clock = reactor

    def startService(self) -> None:
        super().startService()
        self.subscribe()
        self._checks.start(CHECK_EVERY, now=False)

    def stopService(self) -> None:
        super().stopService()
        if self._checks.running:
            self._checks.stop()
        if self._retry is not None and self._retry.active():
            self._retry.cancel()
        listener, self.listener = self.listener, None
        if listener is not None and listener.transport is not None:
            listener.transport.loseConnection()

    def subscribe(self) -> None:
        """
        Subscribe to the next Sentinel's L{CHANNEL}.
        """
        self._retry = None
        sentinels = self.endpoint.address.sentinels
        host, port = sentinels[self._next % len(sentinels)]
        self._next += 1
        connecting = self.endpointFor(host, port).connect(_ListenerFactory(self, (host, port)))
        d: Deferred[Any] = connecting.addTimeout(QUERY_TIMEOUT, self.clock)
        d.addCallback(self._subscribing)
        d.addErrback(self._failed, f"{host}:{port}")

    def _subscribing(self, listener: Listener) -> Deferred[Any]:
        def subscribed(_: object) -> None:
            if not self.running:
                listener.transport.loseConnection()
                return
            self.log.debug("following {sentinel}'s failovers", sentinel=listener.sentinel)
            self.listener = listener
            self.check()  # a switch may have gone unheard meanwhile

        ready: Deferred[Any] = listener.whenConnected()
        ready.addCallback(lambda _: listener.subscribe(CHANNEL))
        ready.addTimeout(QUERY_TIMEOUT, self.clock).addCallback(subscribed)
        ready.addErrback(lambda f: listener.transport.abortConnection() or f)
        return ready

    def _failed(self, failure: Failure, sentinel: str) -> None:
        self.log.debug("cannot follow {sentinel}: {why}", sentinel=sentinel, why=failure.value)
        self._later()

    def lost(self, listener: Listener) -> None:
        """
        C{listener}'s connection is lost: subscribe to the next Sentinel.
        """
        if listener is self.listener:
            self.listener = None
            self._later()

    def _later(self) -> None:
        if self.running and self._retry is None:
            self._retry = self.clock.callLater(RESUBSCRIBE_AFTER, self.subscribe)

    def announced(self, listener: Listener, message: str) -> None:
        """
        C{listener}'s Sentinel announced a failover in C{message}.
        """
        parts = message.split()
        if listener is self.listener and len(parts) == 5 and parts[0] == self.masterName:
            self.switch((parts[3], int(parts[4])), listener.sentinel)

    def check(self) -> None:
        """
        Ask the Sentinel subscribed to which master it names.
        """
        listener = self.listener
        if listener is None:
            return
        host, port = listener.where
        d = self.endpoint.ask(
            host, port, None, "SENTINEL", "get-master-addr-by-name", self.masterName
        )
        d.addCallback(self._named, listener).addErrback(self._unanswered, listener)

    def _named(self, named: object, listener: Listener) -> None:
        if listener is not self.listener or not isinstance(named, list) or len(named) != 2:
            return
        master = (str(named[0]), int(named[1]))
        using = {self.endpoint.masterOf(proto) for proto in self.connections()}
        if using <= {master, None}:
            self._odd = None
        elif self._odd == master:
            self.switch(master, listener.sentinel)
        else:
            self._odd = master

    def _unanswered(self, failure: Failure, listener: Listener) -> None:
        if listener is self.listener and listener.transport is not None:
            self.log.debug("{sentinel}: {why}", sentinel=listener.sentinel, why=failure.value)
            listener.transport.abortConnection()  # and subscribe to the next one

    def switch(self, master: tuple[str, int], sentinel: str) -> None:
        """
        The Sentinel C{sentinel} names C{master}: drop the connections to
        any other.
        """
        self._odd = None
        self.endpoint.announce(master, sentinel)
        stale = [p for p in self.connections() if self.endpoint.masterOf(p) not in (master, None)]
        if stale:
            self.log.info(
                "Sentinel {sentinel} names {master} as master {name}: moving to it",
                sentinel=sentinel,
                master="{}:{}".format(*master),
                name=self.masterName,
            )
        for proto in stale:
            proto.transport.abortConnection()
