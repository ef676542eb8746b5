"""
Tests for C{redis+sentinel://} addresses and L{SentinelEndpoint}: the URL's
parsing, and finding the master before each connection (a Sentinel down, a
Sentinel that names no master, a named Redis that is a replica, the master
changing between two connections of a C{ClientService}), on a
L{MemoryReactorClock} with fake Sentinels; and the real RESP client asking one
question over a L{StringTransport}.
"""

from __future__ import annotations

from typing import Any

from twisted.application.internet import ClientService
from twisted.internet.defer import Deferred
from twisted.internet.endpoints import TCP4ClientEndpoint
from twisted.internet.error import ConnectionRefusedError
from twisted.internet.interfaces import IProtocol
from twisted.internet.protocol import Factory, Protocol
from twisted.internet.testing import MemoryReactorClock, StringTransport
from twisted.python.failure import Failure
from twisted.trial.unittest import SynchronousTestCase

from chatd.cluster.address import RedisAddress, SentinelAddress, parseAddress
from chatd.cluster.sentinel import QUERY_TIMEOUT, NoMaster, SentinelEndpoint, askRedis
from chatd.optionvalues import clusterURL
from tests.support.fakesentinels import FakeServers

URL = "redis+sentinel://10.0.0.1:26379,10.0.0.2:26380,10.0.0.3/chat/2"


class AddressTests(SynchronousTestCase):
    def test_sentinelURL(self) -> None:
        """
        A C{redis+sentinel://} URL lists the Sentinels (26379 by default),
        then the master's name and the db.
        """
        address = parseAddress(URL)
        assert isinstance(address, SentinelAddress)
        self.assertEqual(
            address.sentinels, [("10.0.0.1", 26379), ("10.0.0.2", 26380), ("10.0.0.3", 26379)]
        )
        self.assertEqual((address.master, address.db, address.password), ("chat", 2, None))
        self.assertEqual(
            repr(address),
            "redis+sentinel://10.0.0.1:26379,10.0.0.2:26380,10.0.0.3:26379/chat/2",
        )

    def test_passwordAndDefaultDb(self) -> None:
        """
        The password (the master's) comes before the Sentinels; without a
        db number, db 0.
        """
        address = SentinelAddress.fromURL("redis+sentinel://:s%40cret@h1,[::1]:7/mymaster")
        self.assertEqual(address.sentinels, [("h1", 26379), ("::1", 7)])
        self.assertEqual((address.master, address.db, address.password), ("mymaster", 0, "s@cret"))

    def test_plainRedisUnchanged(self) -> None:
        """
        A C{redis://} URL still names one Redis.
        """
        address = parseAddress("redis://:pw@127.0.0.1:7000/3")
        assert isinstance(address, RedisAddress)
        self.assertEqual(
            (address.host, address.port, address.db, address.password), ("127.0.0.1", 7000, 3, "pw")
        )

    def test_bad(self) -> None:
        """
        A Sentinel URL without a master name, with a bad port, an empty
        Sentinel or more than a db after the name is refused, by the option
        check too.
        """
        for bad in (
            "redis+sentinel://h1:26379",
            "redis+sentinel://h1:26379/",
            "redis+sentinel://h1:port/m",
            "redis+sentinel://h1:0/m",
            "redis+sentinel://h1,,h2/m",
            "redis+sentinel:///m",
            "redis+sentinel://h1/m/0/x",
            "redis+sentinel://h1/m/x",
            "sentinel://h1/m",
        ):
            with self.assertRaises(ValueError, msg=bad):
                parseAddress(bad)
            with self.assertRaises(ValueError, msg=bad):
                clusterURL(bad)
        self.assertEqual(clusterURL(URL), URL)


class EndpointTests(SynchronousTestCase):
    def setUp(self) -> None:
        self.reactor = MemoryReactorClock()
        self.servers = FakeServers()
        address = SentinelAddress.fromURL(
            "redis+sentinel://:pw@127.0.0.1:1,127.0.0.1:2,127.0.0.1:3/mymaster"
        )
        self.endpoint = SentinelEndpoint(
            self.reactor,
            address,
            ask=self.servers.ask,
            endpointFor=lambda host, port: TCP4ClientEndpoint(self.reactor, host, port),
        )

    def connected(self) -> list[tuple[str, int]]:
        return [(host, port) for host, port, *_ in self.reactor.tcpClients]

    def test_firstSentinelDown(self) -> None:
        """
        A Sentinel that cannot be reached is skipped; the next one's master
        is asked its role (with the URL's password) and connected to.
        """
        self.servers.sentinel(2, ("127.0.0.1", 6380))
        self.servers.redis(6380, "master")
        self.endpoint.connect(Factory.forProtocol(Protocol))
        self.assertEqual(self.connected(), [("127.0.0.1", 6380)])
        self.assertEqual(
            self.servers.asked,
            [
                ("127.0.0.1", 1, None, "SENTINEL"),
                ("127.0.0.1", 2, None, "SENTINEL"),
                ("127.0.0.1", 6380, "pw", "ROLE"),
            ],
        )
        self.assertEqual(self.endpoint.master, ("127.0.0.1", 6380))

    def test_sentinelAnsweringNull(self) -> None:
        """
        A Sentinel that names no master (null) is skipped.
        """
        self.servers.sentinel(1, None)
        self.servers.sentinel(2, ("127.0.0.1", 6380))
        self.servers.redis(6380, "master")
        self.endpoint.connect(Factory.forProtocol(Protocol))
        self.assertEqual(self.connected(), [("127.0.0.1", 6380)])

    def test_replicaSkipped(self) -> None:
        """
        A Sentinel that still names a Redis that is now a replica is
        skipped: the link never connects to a replica.
        """
        self.servers.sentinel(1, ("127.0.0.1", 6379))
        self.servers.redis(6379, "slave")
        self.servers.sentinel(2, ("127.0.0.1", 6379))
        self.servers.sentinel(3, ("127.0.0.1", 6380))
        self.servers.redis(6380, "master")
        self.endpoint.connect(Factory.forProtocol(Protocol))
        self.assertEqual(self.connected(), [("127.0.0.1", 6380)])

    def test_noMaster(self) -> None:
        """
        When no Sentinel names a master that says it is one, the connection
        attempt fails with L{NoMaster} and nothing is connected to.
        """
        self.servers.sentinel(1, None)
        self.servers.sentinel(2, ("127.0.0.1", 6379))  # down
        self.servers.sentinel(3, ("127.0.0.1", 6380))
        self.servers.redis(6380, "slave")
        failure = self.failureResultOf(self.endpoint.connect(Factory.forProtocol(Protocol)))
        failure.trap(NoMaster)
        self.assertEqual(self.connected(), [])

    def test_masterChangesBetweenConnections(self) -> None:
        """
        Under a L{ClientService}, each connection after a lost one asks the
        Sentinels again: after a failover it reaches the new master.
        """
        self.servers.sentinel(1, ("127.0.0.1", 6379))
        self.servers.redis(6379, "master")
        service = ClientService(
            self.endpoint,
            Factory.forProtocol(Protocol),
            retryPolicy=lambda attempt: 1.0,
            clock=self.reactor,
        )
        service.startService()
        self.addCleanup(service.stopService)
        self.assertEqual(self.connected(), [("127.0.0.1", 6379)])
        protocol = self.accept(-1)

        del self.servers.replies[("127.0.0.1", 6379)]  # the master dies
        self.servers.sentinel(1, ("127.0.0.1", 6379))  # not failed over yet
        protocol.connectionLost(Failure(ConnectionRefusedError()))
        self.reactor.advance(1.0)
        self.assertEqual(len(self.connected()), 1)  # its ROLE went unanswered

        self.servers.sentinel(1, ("127.0.0.1", 6380))  # the failover
        self.servers.redis(6380, "master")
        self.reactor.advance(1.0)
        self.assertEqual(self.connected()[1:], [("127.0.0.1", 6380)])
        self.accept(-1)
        self.assertEqual(self.endpoint.master, ("127.0.0.1", 6380))

    def test_announcedFirst(self) -> None:
        """
        A master announced by a Sentinel (L{SentinelEndpoint.announce}) is
        tried first: a Sentinel not yet told of the failover, naming the
        old master (demoted alive, still a master for a while), is not
        asked.  Each connection's master is known (L{masterOf}).
        """
        self.servers.sentinel(1, ("127.0.0.1", 6379))  # not yet told
        self.servers.redis(6379, "master")  # the old master, not yet demoted
        self.servers.redis(6380, "master")
        self.endpoint.announce(("127.0.0.1", 6380), "127.0.0.1:2")
        d = self.endpoint.connect(Factory.forProtocol(Protocol))
        self.assertEqual(self.connected(), [("127.0.0.1", 6380)])
        self.assertEqual(self.servers.asked, [("127.0.0.1", 6380, "pw", "ROLE")])
        self.accept(-1)
        self.assertEqual(self.endpoint.masterOf(self.successResultOf(d)), ("127.0.0.1", 6380))
        self.assertEqual(self.endpoint.masterOf(Protocol()), None)  # not connected

    def test_announcedGoneAsksTheSentinels(self) -> None:
        """
        An announced master that is no longer one (a later failover, not
        heard of) is forgotten, and the Sentinels are asked.
        """
        self.servers.sentinel(1, ("127.0.0.1", 6381))
        self.servers.redis(6380, "slave")
        self.servers.redis(6381, "master")
        self.endpoint.announce(("127.0.0.1", 6380), "127.0.0.1:2")
        self.endpoint.connect(Factory.forProtocol(Protocol))
        self.assertEqual(self.connected(), [("127.0.0.1", 6381)])
        self.assertIsNone(self.endpoint.announced)

    def test_announcedWhileSearching(self) -> None:
        """
        A master announced while the Sentinels were being asked wins: the
        old master found meanwhile is not connected to, and the attempt
        fails (the next one tries the announced master first).
        """
        role: Deferred[Any] = Deferred()
        self.servers.sentinel(1, ("127.0.0.1", 6379))
        ask = self.servers.ask
        self.endpoint.ask = lambda *args: role if args[-1] == "ROLE" else ask(*args)
        d = self.endpoint.connect(Factory.forProtocol(Protocol))
        self.endpoint.announce(("127.0.0.1", 6380), "127.0.0.1:2")
        role.callback(["master", 0, []])
        self.failureResultOf(d).trap(NoMaster)
        self.assertEqual(self.connected(), [])

    def accept(self, index: int) -> IProtocol:
        """
        Complete the C{index}th TCP connection the reactor was asked for.
        """
        protocol = self.reactor.tcpClients[index][2].buildProtocol(None)
        assert protocol is not None
        protocol.makeConnection(StringTransport())
        return protocol


class AskRedisTests(SynchronousTestCase):
    """
    L{askRedis} over a L{MemoryReactorClock}: the real RESP client on a
    L{StringTransport}.
    """

    def setUp(self) -> None:
        self.reactor = MemoryReactorClock()
        self.ask = askRedis(
            self.reactor, lambda host, port: TCP4ClientEndpoint(self.reactor, host, port)
        )

    def server(self) -> StringTransport:
        """
        Accept the last connection asked for; its transport shows what was sent.
        """
        protocol = self.reactor.tcpClients[-1][2].buildProtocol(None)
        assert protocol is not None
        transport = StringTransport()
        protocol.makeConnection(transport)
        self.protocol = protocol
        return transport

    def test_answered(self) -> None:
        """
        The command goes out as RESP, the reply comes back, and the
        connection is closed.
        """
        d = self.ask("127.0.0.1", 26379, None, "SENTINEL", "get-master-addr-by-name", "m")
        transport = self.server()
        self.assertEqual(
            transport.value(),
            b"*3\r\n$8\r\nSENTINEL\r\n$23\r\nget-master-addr-by-name\r\n$1\r\nm\r\n",
        )
        self.protocol.dataReceived(b"*2\r\n$9\r\n127.0.0.1\r\n$4\r\n6380\r\n")
        self.assertEqual(self.successResultOf(d), ["127.0.0.1", 6380])
        self.assertTrue(transport.disconnecting)

    def test_null(self) -> None:
        """
        A Sentinel that knows no such master answers null: C{None}.
        """
        d = self.ask("127.0.0.1", 26379, None, "SENTINEL", "get-master-addr-by-name", "m")
        self.server().clear()
        self.protocol.dataReceived(b"*-1\r\n")
        self.assertIsNone(self.successResultOf(d))

    def test_passwordFirst(self) -> None:
        """
        With a password, C{AUTH} goes first, then the command.
        """
        d = self.ask("127.0.0.1", 6379, "pw", "ROLE")
        transport = self.server()
        self.assertEqual(transport.value(), b"*2\r\n$4\r\nAUTH\r\n$2\r\npw\r\n")
        transport.clear()
        self.protocol.dataReceived(b"+OK\r\n")
        self.assertEqual(transport.value(), b"*1\r\n$4\r\nROLE\r\n")
        self.protocol.dataReceived(b"*3\r\n$6\r\nmaster\r\n:10\r\n*0\r\n")
        self.assertEqual(self.successResultOf(d), ["master", 10, []])

    def test_hung(self) -> None:
        """
        A server that accepts the connection but never answers fails the
        question after L{QUERY_TIMEOUT}, and the connection is dropped.
        """
        d = self.ask("127.0.0.1", 26379, None, "SENTINEL", "get-master-addr-by-name", "m")
        transport = self.server()
        self.assertNoResult(d)
        self.reactor.advance(QUERY_TIMEOUT)
        self.failureResultOf(d)
        self.assertTrue(transport.disconnecting or transport.disconnected)

    def test_unreachable(self) -> None:
        """
        A connection that is never made fails after L{QUERY_TIMEOUT}.
        """
        d = self.ask("127.0.0.1", 26379, None, "SENTINEL", "get-master-addr-by-name", "m")
        self.assertNoResult(d)
        self.reactor.advance(QUERY_TIMEOUT)
        self.failureResultOf(d)
