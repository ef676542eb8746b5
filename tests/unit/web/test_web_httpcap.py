"""
Tests for L{chatd.web.httpcap}'s bound on the plain HTTP connections all
addresses hold together, and for the bounded life of a keep-alive connection
(L{chatd.web.channel}): many addresses' idle HTTP connections cannot use up
the file descriptors the chat listeners need.
"""

from __future__ import annotations

import resource

from twisted.internet.address import IPv4Address
from twisted.internet.error import ConnectionDone
from twisted.internet.testing import MemoryReactorClock, StringTransport
from twisted.python.failure import Failure
from twisted.trial.unittest import SynchronousTestCase

from chatd.core.admission import Admission, parseNetworks
from chatd.core.service import ChatService
from chatd.web.channel import MAX_LIFETIME, MAX_REQUESTS
from chatd.web.guard import GuardProtocol
from chatd.web.httpcap import descriptorShare
from chatd.web.site import makeSite
from tests.support.webclient import handshake

HEALTH = b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n"


class TotalBoundTests(SynchronousTestCase):
    """
    At most C{maxTotal} plain HTTP connections are open at once, from every
    address together, exempt ones included.
    """

    def setUp(self) -> None:
        self.clock = MemoryReactorClock()
        self.clock.advance(1000)
        exempt = parseNetworks("198.51.100.0/24")
        self.admission = Admission(self.clock, perAddress=10, exempt=exempt)
        self.service = ChatService(self.clock, admission=self.admission)
        self.site = makeSite(self.service, self.clock)
        self.site.connections.maxTotal = 4

    def open(self, host: str) -> tuple[GuardProtocol, StringTransport] | None:
        address = IPv4Address("TCP", host, 5555)
        protocol = self.site.buildProtocol(address)
        if protocol is None:
            return None
        transport = StringTransport(peerAddress=address)
        protocol.makeConnection(transport)
        return protocol, transport

    def openAll(self, *hosts: str) -> list[tuple[GuardProtocol, StringTransport]]:
        opened = [self.open(host) for host in hosts]
        self.assertNotIn(None, opened)
        return [each for each in opened if each is not None]

    def test_busyConnectionsRefuseNewOnes(self) -> None:
        """
        When every counted connection is in the middle of a request, a new
        one from yet another address (or an exempt one) is refused; once one
        closes, a new one is let in.
        """
        held = self.openAll("192.0.2.1", "192.0.2.2", "198.51.100.7", "192.0.2.4")
        for protocol, _ in held:
            protocol.dataReceived(b"GET / HTTP/1.1\r\n")
        self.assertIsNone(self.open("192.0.2.5"))
        self.assertIsNone(self.open("198.51.100.8"))
        self.assertEqual([t.disconnecting for _, t in held], [False] * 4)
        held[0][0].connectionLost(Failure(ConnectionDone()))
        newcomer = self.open("192.0.2.5")
        assert newcomer is not None
        newcomer[0].dataReceived(b"GET")
        self.assertIsNone(self.open("192.0.2.6"))

    def test_longestIdleClosedFirst(self) -> None:
        """
        A new connection past the bound closes the one that has waited
        longest for a request: a keep-alive connection that just answered
        one waits anew, and one in the middle of a request is spared.  The
        closed one's own close later frees nothing twice.
        """
        (a, ta), (b, tb), (c, tc), (d, td) = self.openAll(
            "192.0.2.1", "192.0.2.2", "192.0.2.3", "192.0.2.4"
        )
        a.dataReceived(HEALTH)
        self.assertIn(b"200 OK", ta.value())
        b.dataReceived(b"GET / HTTP/1.1\r\n")
        # Waiting longest: c, then d, then a (answered since).
        self.assertIsNotNone(self.open("192.0.2.5"))
        self.assertEqual([t.disconnecting for t in (ta, tb, tc, td)], [False, False, True, False])
        c.connectionLost(Failure(ConnectionDone()))
        self.assertIsNotNone(self.open("192.0.2.6"))
        self.assertTrue(td.disconnecting)
        self.assertIsNotNone(self.open("192.0.2.7"))
        self.assertTrue(ta.disconnecting)
        self.assertFalse(tb.disconnecting)
        self.assertEqual(len(self.site.connections.plain), 4)
        self.assertEqual(self.site.connections.open["192.0.2.3"], 0)

    def test_webSocketLeavesTheTotal(self) -> None:
        """
        A connection that became a WebSocket is a chat connection, counted
        by the admission policy, and no longer holds a plain HTTP place.
        """
        socket, transport = self.openAll("192.0.2.1")[0]
        socket.dataReceived(handshake())
        self.clock.advance(0)
        self.assertIn(b"101 Switching Protocols", transport.value())
        for host in ("192.0.2.2", "192.0.2.3", "192.0.2.4", "192.0.2.5"):
            opened = self.open(host)
            assert opened is not None, host
            opened[0].dataReceived(b"GET / HTTP/1.1\r\n")
        self.assertIsNone(self.open("192.0.2.6"))
        self.assertFalse(transport.disconnecting)


class KeepAliveLifeTests(SynchronousTestCase):
    """
    A keep-alive connection serves L{MAX_REQUESTS} requests for
    L{MAX_LIFETIME} seconds, then closes after its response.
    """

    def setUp(self) -> None:
        self.clock = MemoryReactorClock()
        self.clock.advance(1000)
        self.site = makeSite(ChatService(self.clock), self.clock)
        address = IPv4Address("TCP", "192.0.2.1", 5555)
        protocol = self.site.buildProtocol(address)
        assert protocol is not None
        self.protocol = protocol
        self.transport = StringTransport(peerAddress=address)
        protocol.makeConnection(self.transport)

    def ask(self) -> bytes:
        self.transport.clear()
        self.protocol.dataReceived(HEALTH)
        self.clock.advance(0)
        written: bytes = self.transport.value()
        return written

    def test_requestCount(self) -> None:
        """
        The response to the last of L{MAX_REQUESTS} requests says
        C{Connection: close}, and the connection closes.
        """
        for _ in range(MAX_REQUESTS - 1):
            self.assertNotIn(b"onnection: close", self.ask())
        self.assertFalse(self.transport.disconnecting)
        answer = self.ask()
        self.assertIn(b"200 OK", answer)
        self.assertIn(b"onnection: close", answer)
        self.assertTrue(self.transport.disconnecting)

    def test_lifetime(self) -> None:
        """
        A request every 5 s keeps the connection open until L{MAX_LIFETIME}
        seconds have passed; the response after that closes it.
        """
        for _ in range(int(MAX_LIFETIME // 5)):
            self.assertNotIn(b"onnection: close", self.ask())
            self.clock.advance(5)
        self.assertFalse(self.transport.disconnecting)
        self.assertIn(b"onnection: close", self.ask())
        self.assertTrue(self.transport.disconnecting)


class DescriptorShareTests(SynchronousTestCase):
    """
    L{descriptorShare} is a quarter of the file descriptor limit.
    """

    def test_quarter(self) -> None:
        """
        A quarter of the soft limit; the hard limit if the soft one is
        unlimited; 65536's quarter if both are; never under 8.
        """
        inf = resource.RLIM_INFINITY
        for limits, expected in [
            ((200, 4096), 50),
            ((inf, 4096), 1024),
            ((inf, inf), 16384),
            ((16, 16), 8),
        ]:
            self.patch(resource, "getrlimit", lambda which, limits=limits: limits)
            self.assertEqual(descriptorShare(), expected)
