# -*- test-case-name: tests.unit.cluster.test_cluster_sentinel -*-
"""
Finding the master through Redis Sentinel.

L{SentinelEndpoint} is the endpoint both of a link's connections are made
with (L{chatd.cluster.redis.RedisLink}), so the link's C{ClientService}s and
their back-off stay as they are: every connection attempt, the first and
each one after a connection was lost, first asks the Sentinels, in turn,
C{SENTINEL get-master-addr-by-name <name>}, then asks the Redis named
whether it is a master (C{ROLE}), and only then connects to it.  A
Sentinel that is down, answers nothing or names no master is skipped; a
named Redis that is a replica (a demoted master, a Sentinel not yet told
of a failover) is skipped too, so the link never writes to a replica.
When no Sentinel names a reachable master, the attempt fails and the
C{ClientService} tries again after its back-off.

A dead master closes its connections, but a master demoted alive (a
manual C{SENTINEL FAILOVER}) stays a writable master, its clients
connected, for about 10 s after the Sentinels name the new one: the
link's L{chatd.cluster.masterwatch.MasterWatch} hears the Sentinels'
announcement and drops the connections still on the old master, and the
endpoint tries the master announced (L{SentinelEndpoint.announce}) first,
so that a Sentinel not yet told does not send them back to the old one.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from weakref import WeakKeyDictionary

import txredisapi
from twisted.internet.defer import Deferred, inlineCallbacks
from twisted.internet.endpoints import HostnameEndpoint
from twisted.internet.error import ConnectError
from twisted.internet.interfaces import IProtocolFactory, IStreamClientEndpoint
from twisted.internet.protocol import Factory
from twisted.logger import Logger
from zope.interface import implementer

from chatd.cluster.address import ClusterAddress, SentinelAddress

#: Seconds one question to a Sentinel or a master may take, connecting included.
QUERY_TIMEOUT = 2.0

#: C{ask(host, port, password, *command)}: one command's reply from one server.
Ask = Callable[..., Deferred[Any]]


class NoMaster(ConnectError):
    """
    No Sentinel named a master that says it is one.
    """


class _OneQuestion(Factory):
    """
    Builds the txredisapi protocol of a connection that asks one thing.
    """

    isLazy = True
    noisy = False

    def __init__(self, clock: Any, password: str | None) -> None:
        self.clock, self.password = clock, password

    def buildProtocol(self, addr: object) -> Any:
        proto = txredisapi.RedisProtocol(
            charset="utf-8", replyTimeout=QUERY_TIMEOUT, password=self.password
        )
        proto.factory, proto.callLater = self, self.clock.callLater
        return proto

    def stopTrying(self) -> None:
        """
        txredisapi calls this on a refused password: the question then
        times out, and the next attempt asks again.
        """

    def connectionError(self, message: str) -> None:
        SentinelEndpoint.log.warn("{message}", message=message)


def askRedis(
    reactor: Any, endpointFor: Callable[[str, int], IStreamClientEndpoint] | None = None
) -> Ask:
    """
    An L{Ask} over a fresh connection from C{reactor} (made with
    C{endpointFor(host, port)}, a L{HostnameEndpoint} by default), closed
    once answered; one that takes longer than L{QUERY_TIMEOUT} to connect
    or to answer fails.
    """
    endpointFor = endpointFor or (
        lambda host, port: HostnameEndpoint(reactor, host, port, timeout=QUERY_TIMEOUT)
    )

    @inlineCallbacks
    def ask(host: str, port: int, password: str | None, *command: object) -> Any:
        connecting = endpointFor(host, port).connect(_OneQuestion(reactor, password))
        proto = yield connecting.addTimeout(QUERY_TIMEOUT, reactor)
        try:
            ready: Deferred[Any] = proto.whenConnected()
            yield ready.addTimeout(QUERY_TIMEOUT, reactor)
            reply = yield proto.execute_command(*command)  # the reply timeout bounds it
        finally:
            proto.transport.loseConnection()
        return reply

    return ask


@implementer(IStreamClientEndpoint)
class SentinelEndpoint:
    """
    Connects to the master that the Sentinels of C{address} name.

    @ivar master: the (host, port) of the master last connected to, or C{None}.
    @ivar announced: the (host, port) of the master a Sentinel announced
        last, tried first, and the Sentinel's (host:port), or C{None}.
    """

    log = Logger()

    def __init__(
        self,
        reactor: Any,
        address: SentinelAddress,
        ask: Ask | None = None,
        endpointFor: Callable[[str, int], IStreamClientEndpoint] | None = None,
    ) -> None:
        """
        @param ask: how to put one command to one server (L{askRedis}).
        @param endpointFor: the endpoint of a master's host and port
            (a L{HostnameEndpoint}).
        """
        self.address = address
        self.ask = ask or askRedis(reactor)
        self.endpointFor = endpointFor or (
            lambda host, port: HostnameEndpoint(reactor, host, port, timeout=5)
        )
        self.master: tuple[str, int] | None = None
        self.announced: tuple[tuple[str, int], str] | None = None
        self._masters: WeakKeyDictionary[Any, tuple[str, int]] = WeakKeyDictionary()

    def connect(self, protocolFactory: IProtocolFactory) -> Deferred[Any]:
        """
        Find the master, then connect C{protocolFactory} to it.
        """

        def made(proto: Any, master: tuple[str, int]) -> Any:
            self._masters[proto.transport] = master
            return proto

        def toMaster(master: tuple[str, int]) -> Deferred[Any]:
            if self.announced is not None and self.announced[0] != master:
                raise NoMaster(string=f"a Sentinel names another master than {master} now")
            return self.endpointFor(*master).connect(protocolFactory).addCallback(made, master)

        d: Deferred[Any] = self.findMaster()
        return d.addCallback(toMaster)

    def masterOf(self, proto: Any) -> tuple[str, int] | None:
        """
        The (host, port) of the master C{proto}, a protocol this endpoint
        connected, was connected to.
        """
        return self._masters.get(proto.transport) if proto.transport is not None else None

    def announce(self, master: tuple[str, int], sentinel: str) -> None:
        """
        The Sentinel C{sentinel} (host:port) names C{master} now: the next
        connections try it first.
        """
        self.announced = (master, sentinel)

    @inlineCallbacks
    def findMaster(self) -> Any:
        """
        The (host, port) of the master: the one last announced, if its
        C{ROLE} is master, else the first one a Sentinel names whose
        C{ROLE} is master.

        @raise NoMaster: none did.
        """
        announced = self.announced
        if announced is not None:
            if (yield self._isMaster(*announced)):
                return self._found(*announced)
            if self.announced == announced:
                self.announced = None  # a later failover, not heard of: ask
        name = self.address.master
        for host, port in self.address.sentinels:
            sentinel = f"{host}:{port}"
            try:
                named = yield self.ask(
                    host, port, None, "SENTINEL", "get-master-addr-by-name", name
                )
                if not isinstance(named, list) or len(named) != 2:
                    continue  # this Sentinel knows no such master (yet)
                master = (str(named[0]), int(named[1]))
            except Exception as e:
                self.log.debug("Sentinel {sentinel}: {e}", sentinel=sentinel, e=e)
                continue
            if (yield self._isMaster(master, sentinel)):
                return self._found(master, sentinel)
        raise NoMaster(string=f"no Sentinel of {self.address!r} names a reachable master")

    @inlineCallbacks
    def _isMaster(self, master: tuple[str, int], sentinel: str) -> Any:
        """
        Whether C{master}, named by C{sentinel}, answers C{ROLE} as a master.
        """
        try:
            role = yield self.ask(*master, self.address.password, "ROLE")
        except Exception as e:
            self.log.debug("{master} (from {sentinel}): {e}", master=master, sentinel=sentinel, e=e)
            return False
        return isinstance(role, list) and bool(role) and role[0] == "master"

    def _found(self, master: tuple[str, int], sentinel: str) -> tuple[str, int]:
        if master != self.master:
            self.log.info(
                "Sentinel {sentinel} names {master} as master {name}",
                sentinel=sentinel,
                master="{}:{}".format(*master),
                name=self.address.master,
            )
            self.master = master
        return master


def endpointFor(reactor: Any, address: ClusterAddress) -> IStreamClientEndpoint:
    """
    The endpoint a link's connections to C{address} are made with.
    """
    if isinstance(address, SentinelAddress):
        return SentinelEndpoint(reactor, address)
    return HostnameEndpoint(reactor, address.host, address.port, timeout=5)
