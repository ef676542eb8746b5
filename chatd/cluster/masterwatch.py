# -*- test-case-name: tests.unit.cluster.test_cluster_masterwatch -*-
"""
Following the Sentinels' failovers as they happen.

A master the Sentinels demote alive (a manual C{SENTINEL FAILOVER}, or one
cut off and back) stays a writable master for about 10 s after they name
the new one, its clients still connected: a node whose connections drop
then (a blip, a restart) would reach the new master while the others stay
on the old one, and the cluster would split.  So, as Sentinel clients do,
L{MasterWatch} keeps a subscription to the C{+switch-master} channel of
every Sentinel in the URL at once, so that one down or hung (C{kill -STOP}:
its connection open, nothing coming) does not hold the news back; each one
lost, or that cannot be made, is made again on its own after a back-off
(L{RESUBSCRIBE_AFTER}, doubled each time in a row, L{RESUBSCRIBE_MAX} at
most).  When any of them names a new master for this link's, it tells the
endpoint (L{SentinelEndpoint.announce}) and drops each of the link's
connections not made to it: they are made again, to the new master.

Every L{CHECK_EVERY} seconds, and on each new subscription (a switch may
have gone unheard), it also asks each Sentinel subscribed to which master
it names: one that names, twice in a row, another master than a
connection's is followed the same way (twice: a Sentinel not yet told of
a failover may have named the old one a moment ago).  A Sentinel that does
not answer loses its subscription, made again as above.  A Sentinel that
cannot be reached or does not answer is logged once (a warning) until it
answers again (logged too).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any
from weakref import WeakSet

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

#: Seconds before subscribing to a Sentinel again after its subscription was
#: lost or could not be made; doubled each time in a row.
RESUBSCRIBE_AFTER = 1.0

#: Seconds between two attempts to subscribe to one Sentinel, at most.
RESUBSCRIBE_MAX = 10.0

#: A Sentinel's (host, port).
Where = tuple[str, int]


class Listener(txredisapi.SubscriberProtocol):  # type: ignore[misc]
    """
    A subscription to one Sentinel's L{CHANNEL}.
    """

    watch: MasterWatch
    where: Where

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

    def __init__(self, watch: MasterWatch, where: Where) -> None:
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

    @ivar listeners: the subscriptions made, by Sentinel (host, port).
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
        self.listeners: dict[Where, Listener] = {}
        self._retries: dict[Where, IDelayedCall] = {}
        self._backoff: dict[Where, float] = {}  # the next delay, after a failure in a row
        self._odd: dict[Where, tuple[str, int]] = {}  # named once, not by a connection
        self._silent: set[Where] = set()  # logged as not answering
        self._dropped: WeakSet[Any] = WeakSet()  # transports dropped, not yet lost
        self._checks = LoopingCall(self.check)
        self._checks.clock = reactor

    def startService(self) -> None:
        super().startService()
        for where in self.endpoint.address.sentinels:
            self.subscribe(where)
        self._checks.start(CHECK_EVERY, now=False)

    def stopService(self) -> None:
        super().stopService()
        if self._checks.running:
            self._checks.stop()
        retries, self._retries = self._retries, {}
        for retry in retries.values():
            if retry.active():
                retry.cancel()
        listeners, self.listeners = self.listeners, {}
        for listener in listeners.values():
            if listener.transport is not None:
                listener.transport.loseConnection()

    def subscribe(self, where: Where) -> None:
        """
        Subscribe to the L{CHANNEL} of the Sentinel at C{where}.
        """
        self._retries.pop(where, None)
        connecting = self.endpointFor(*where).connect(_ListenerFactory(self, where))
        d: Deferred[Any] = connecting.addTimeout(QUERY_TIMEOUT, self.clock)
        d.addCallback(self._subscribing)
        d.addErrback(self._failed, where)

    def _subscribing(self, listener: Listener) -> Deferred[Any]:
        def subscribed(_: object) -> None:
            if not self.running:
                listener.transport.loseConnection()
                return
            self.log.debug("following {sentinel}'s failovers", sentinel=listener.sentinel)
            self.listeners[listener.where] = listener
            self._backoff.pop(listener.where, None)
            self._answers(listener.where)
            self._ask(listener)  # a switch may have gone unheard meanwhile

        ready: Deferred[Any] = listener.whenConnected()
        ready.addCallback(lambda _: listener.subscribe(CHANNEL))
        ready.addTimeout(QUERY_TIMEOUT, self.clock).addCallback(subscribed)
        ready.addErrback(lambda f: listener.transport.abortConnection() or f)
        return ready

    def _failed(self, failure: Failure, where: Where) -> None:
        self._unanswering(where, failure)
        self._later(where)

    def _unanswering(self, where: Where, failure: Failure) -> None:
        """
        The Sentinel at C{where} cannot be reached or does not answer:
        logged once until it answers again.
        """
        if where not in self._silent and self.running:
            self._silent.add(where)
            self.log.warn(
                "Sentinel {sentinel} does not answer: {why}",
                sentinel="{}:{}".format(*where),
                why=failure.value,
            )

    def _answers(self, where: Where) -> None:
        if where in self._silent:
            self._silent.discard(where)
            self.log.info("Sentinel {sentinel} answers again", sentinel="{}:{}".format(*where))

    def lost(self, listener: Listener) -> None:
        """
        C{listener}'s connection is lost: subscribe to its Sentinel again.
        """
        if self.listeners.get(listener.where) is listener:
            del self.listeners[listener.where]
            self._odd.pop(listener.where, None)
            self._later(listener.where)

    def _later(self, where: Where) -> None:
        if self.running and where not in self._retries:
            delay = self._backoff.get(where, RESUBSCRIBE_AFTER)
            self._backoff[where] = min(delay * 2, RESUBSCRIBE_MAX)
            self._retries[where] = self.clock.callLater(delay, self.subscribe, where)

    def announced(self, listener: Listener, message: str) -> None:
        """
        C{listener}'s Sentinel announced a failover in C{message}.
        """
        parts = message.split()
        current = self.listeners.get(listener.where) is listener
        if current and len(parts) == 5 and parts[0] == self.masterName:
            self.switch((parts[3], int(parts[4])), listener.sentinel)

    def check(self) -> None:
        """
        Ask each Sentinel subscribed to which master it names.
        """
        for listener in list(self.listeners.values()):
            self._ask(listener)

    def _ask(self, listener: Listener) -> None:
        d = self.endpoint.ask(
            *listener.where, None, "SENTINEL", "get-master-addr-by-name", self.masterName
        )
        d.addCallback(self._named, listener).addErrback(self._unanswered, listener)

    def _named(self, named: object, listener: Listener) -> None:
        where = listener.where
        if self.listeners.get(where) is not listener:
            return
        self._answers(where)
        if not isinstance(named, list) or len(named) != 2:
            return
        master = (str(named[0]), int(named[1]))
        using = {self.endpoint.masterOf(proto) for proto in self.connections()}
        if using <= {master, None}:
            self._odd.pop(where, None)
        elif self._odd.get(where) == master:
            self.switch(master, listener.sentinel)
        else:
            self._odd[where] = master

    def _unanswered(self, failure: Failure, listener: Listener) -> None:
        if self.listeners.get(listener.where) is listener and listener.transport is not None:
            self._unanswering(listener.where, failure)
            listener.transport.abortConnection()  # and subscribe to it again later

    def switch(self, master: tuple[str, int], sentinel: str) -> None:
        """
        The Sentinel C{sentinel} names C{master}: drop the connections to
        any other (each once, though every Sentinel announces it).
        """
        self._odd.clear()
        self.endpoint.announce(master, sentinel)
        stale = [
            p
            for p in self.connections()
            if self.endpoint.masterOf(p) not in (master, None) and p.transport not in self._dropped
        ]
        if stale:
            self.log.info(
                "Sentinel {sentinel} names {master} as master {name}: moving to it",
                sentinel=sentinel,
                master="{}:{}".format(*master),
                name=self.masterName,
            )
        for proto in stale:
            self._dropped.add(proto.transport)
            proto.transport.abortConnection()
