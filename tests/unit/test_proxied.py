"""
Tests for L{chatd.proxied}: the PROXY protocol a load balancer puts before
each connection, read before the front-end's protocol is built; and, through
the real TCHAT factory, the per-address limit and the address a login is
recorded under, both the client's and not the load balancer's.
"""

from __future__ import annotations

import struct
from ipaddress import ip_address
from typing import Any

from twisted.internet.address import IPv4Address, IPv6Address
from twisted.internet.error import ConnectionDone
from twisted.internet.interfaces import IHalfCloseableProtocol
from twisted.internet.protocol import Factory, Protocol
from twisted.internet.task import Clock
from twisted.internet.testing import StringTransport
from twisted.logger import capturedLogs, formatEvent
from twisted.python.failure import Failure
from twisted.trial.unittest import SynchronousTestCase

from chatd.core.admission import Admission, IBalancerCheck
from chatd.core.service import ChatService
from chatd.proxied import (
    BUSY,
    HEADER_TIMEOUT,
    REFUSAL,
    V1_LIMIT,
    V2_SIGNATURE,
    InvalidHeader,
    ProxiedFactory,
    readHeader,
)
from chatd.tchat import TchatFactory
from chatd.web.site import makeSite
from tests.support.helpers import output

BALANCER = IPv4Address("TCP", "10.0.0.2", 40000)


def v2(
    source: str, command: int = 1, port: int = 51000, extra: bytes = b"", family: int = 0
) -> bytes:
    """
    A version-2 header from C{source} (TCP), with C{extra} (TLVs) after the
    addresses.
    """
    packed = ip_address(source).packed
    if not family:
        family = 0x11 if len(packed) == 4 else 0x21
    body = packed + packed + struct.pack("!HH", port, 6667) + extra
    return V2_SIGNATURE + bytes([0x20 | command, family]) + struct.pack("!H", len(body)) + body


class ReadHeaderTests(SynchronousTestCase):
    """
    L{readHeader} on whole, partial and invalid headers of both versions.
    """

    def test_v1(self) -> None:
        data = b"PROXY TCP4 203.0.113.7 10.0.0.1 51000 6667\r\nNICK a\r\n"
        address, length = readHeader(data) or (None, 0)
        self.assertEqual(address, IPv4Address("TCP", "203.0.113.7", 51000))
        self.assertEqual(data[length:], b"NICK a\r\n")

    def test_v1IPv6(self) -> None:
        found = readHeader(b"PROXY TCP6 2001:db8::5 2001:db8::1 51000 6667\r\n")
        self.assertEqual(found, (IPv6Address("TCP", "2001:db8::5", 51000), 47))

    def test_v1Unknown(self) -> None:
        """
        C{UNKNOWN} (a health check, or a client the balancer cannot name)
        keeps the connection's own address.
        """
        self.assertEqual(readHeader(b"PROXY UNKNOWN\r\n"), (None, 15))
        self.assertEqual(readHeader(b"PROXY UNKNOWN ffff::1 ffff::2 1 2\r\nx"), (None, 35))

    def test_partial(self) -> None:
        """
        Every proper prefix of a header asks for more.
        """
        for header in (b"PROXY TCP4 203.0.113.7 10.0.0.1 51000 6667\r\n", v2("203.0.113.7")):
            for end in range(len(header)):
                self.assertIsNone(readHeader(header[:end]), header[:end])

    def test_invalidV1(self) -> None:
        for line in (
            b"clt: LOGIN bob\n",
            b"GET / HTTP/1.1\r\n",
            b"PROXY TCP4 203.0.113.7 10.0.0.1 51000\r\n",
            b"PROXY TCP4 2001:db8::5 10.0.0.1 51000 6667\r\n",
            b"PROXY TCP6 203.0.113.7 10.0.0.1 51000 6667\r\n",
            b"PROXY TCP4 203.0.113.7 10.0.0.1 70000 6667\r\n",
            b"PROXY TCP4 203.0.113.7 10.0.0.1 -1 6667\r\n",
            b"PROXY TCP4 203.0.113.999 10.0.0.1 1 6667\r\n",
            b"PROXY UDP4 203.0.113.7 10.0.0.1 1 6667\r\n",
            b"PROXY TCP4 \xff.0.113.7 10.0.0.1 1 6667\r\n",
        ):
            self.assertRaises(InvalidHeader, readHeader, line)

    def test_overlongV1(self) -> None:
        """
        A version-1 line that has not ended within 107 bytes is refused
        without waiting for more.
        """
        self.assertIsNone(readHeader(b"PROXY " + b"1" * (V1_LIMIT - 7)))
        self.assertRaises(InvalidHeader, readHeader, b"PROXY " + b"1" * (V1_LIMIT - 6))

    def test_v2(self) -> None:
        header = v2("203.0.113.7", extra=b"\x03\x00\x04abcd")  # a TLV, skipped
        self.assertEqual(
            readHeader(header + b"rest"),
            (IPv4Address("TCP", "203.0.113.7", 51000), len(header)),
        )
        header = v2("2001:db8::5")
        self.assertEqual(
            readHeader(header), (IPv6Address("TCP", "2001:db8::5", 51000), len(header))
        )

    def test_v2Local(self) -> None:
        """
        C{LOCAL} (the balancer's own health check) and families without an
        IP address keep the connection's own address.
        """
        header = v2("203.0.113.7", command=0)
        self.assertEqual(readHeader(header), (None, len(header)))
        header = v2("203.0.113.7", family=0x31)  # a UNIX socket
        self.assertEqual(readHeader(header), (None, len(header)))

    def test_invalidV2(self) -> None:
        good = v2("203.0.113.7")
        for data in (
            good[:5] + b"X" + good[6:],  # a wrong signature
            good[:12] + b"\x11" + good[13:],  # version 1 in a version 2 header
            good[:12] + b"\x22" + good[13:],  # an unknown command
            good[:13] + b"\x21" + good[14:],  # IPv6 addresses in 12 bytes
            good[:14] + struct.pack("!H", 2000) + good[16:],  # longer than read
        ):
            self.assertRaises(InvalidHeader, readHeader, data)


class Recorder(Protocol):
    """
    What the wrapped front-end was given.
    """

    def __init__(self) -> None:
        self.peer: Any = None
        self.data = b""
        self.lost = False

    def connectionMade(self) -> None:
        assert self.transport is not None
        self.peer = self.transport.getPeer()

    def dataReceived(self, data: bytes) -> None:
        self.data += data

    def connectionLost(self, reason: object = None) -> None:
        self.lost = True


class Recording(Factory):
    """
    Builds L{Recorder}s, and keeps each with the address it was built for.
    """

    def __init__(self) -> None:
        self.built: list[tuple[Any, Recorder]] = []

    def buildProtocol(self, addr: Any) -> Recorder:
        protocol = Recorder()
        self.built.append((addr, protocol))
        return protocol


class ProxiedConnectionTests(SynchronousTestCase):
    """
    L{ProxiedFactory}'s connections build the front-end's protocol only
    once the header names the client.
    """

    def setUp(self) -> None:
        self.clock = Clock()
        inner = Recording()
        self.built = inner.built
        self.factory = ProxiedFactory(inner, self.clock)

    def connect(self) -> tuple[Any, StringTransport]:
        proto = self.factory.buildProtocol(BALANCER)
        transport = StringTransport(peerAddress=BALANCER)
        proto.makeConnection(transport)
        return proto, transport

    def test_headerInPieces(self) -> None:
        """
        Nothing is built while the header is incomplete; then the protocol
        is built for, and sees, the client's address, and gets what
        followed the header.
        """
        proto, transport = self.connect()
        header = b"PROXY TCP4 203.0.113.7 10.0.0.1 51000 6667\r\n"
        for byte in header[:-1]:
            proto.dataReceived(bytes([byte]))
        self.assertEqual(self.built, [])
        proto.dataReceived(b"\nhello")
        client = IPv4Address("TCP", "203.0.113.7", 51000)
        [(addr, recorder)] = self.built
        self.assertEqual((addr, recorder.peer, recorder.data), (client, client, b"hello"))
        proto.dataReceived(b" there")
        self.assertEqual(recorder.data, b"hello there")
        self.assertEqual(proto.getHost(), transport.getHost())
        self.assertFalse(transport.disconnecting)
        self.assertEqual(self.clock.getDelayedCalls(), [])

    def test_healthCheck(self) -> None:
        """
        The balancer's own connection (version 2 C{LOCAL}, version 1
        C{UNKNOWN}, or a header naming the connection's own source, as
        HAProxy's version 1 checks send) is served as from the balancer, its
        address marked as the balancer's check; a client's address (even at
        the balancer's host) is not.
        """
        own = b"PROXY TCP4 10.0.0.2 10.0.0.1 40000 6667\r\n"  # HAProxy's version 1 checks
        for header in (v2("203.0.113.7", command=0), b"PROXY UNKNOWN\r\n", own, v2("10.0.0.2")):
            proto, _ = self.connect()
            proto.dataReceived(header)
        [*checks, client] = [recorder.peer for _, recorder in self.built]
        self.assertEqual(checks, [BALANCER] * 3)
        self.assertTrue(all(IBalancerCheck.providedBy(check) for check in checks))
        self.assertFalse(IBalancerCheck.providedBy(client))
        self.assertFalse(IBalancerCheck.providedBy(BALANCER))

    def test_noHeader(self) -> None:
        """
        A connection that speaks first without a header is told why and
        closed, and no front-end ever sees it.
        """
        proto, transport = self.connect()
        proto.dataReceived(b"clt: LOGIN bob\n")
        self.assertEqual(transport.value(), REFUSAL)
        self.assertTrue(transport.disconnecting)
        proto.dataReceived(b"clt: SPEAK x\n")
        proto.connectionLost(None)
        self.assertEqual(self.built, [])
        self.assertEqual(self.clock.getDelayedCalls(), [])
        self.assertEqual(len(self.flushLoggedErrors()), 0)

    def test_silent(self) -> None:
        """
        A connection that sends nothing is closed after L{HEADER_TIMEOUT}
        seconds, not held open unseen.
        """
        proto, transport = self.connect()
        proto.dataReceived(b"PROXY TCP4 ")
        self.clock.advance(HEADER_TIMEOUT - 0.1)
        self.assertFalse(transport.disconnecting)
        self.clock.advance(0.1)
        self.assertTrue(transport.disconnecting)
        self.assertEqual(self.built, [])

    def test_waitingBounded(self) -> None:
        """
        Beyond the connections that may wait for their header at once, a
        new one is told so and closed; a header read, a connection lost or
        timed out makes room again.
        """
        self.factory.maxWaiting = 2
        first, _ = self.connect()
        second, _ = self.connect()
        _, refused = self.connect()
        self.assertEqual(refused.value(), BUSY)
        self.assertTrue(refused.disconnecting)
        first.dataReceived(v2("203.0.113.7"))
        third, transport = self.connect()
        self.assertFalse(transport.disconnecting)
        self.assertEqual(self.factory.waiting, 2)
        second.connectionLost(None)
        self.assertEqual(self.factory.waiting, 1)
        self.clock.advance(HEADER_TIMEOUT)
        self.assertTrue(transport.disconnecting)
        third.connectionLost(None)
        self.assertEqual((self.factory.waiting, self.clock.getDelayedCalls()), (0, []))
        self.assertEqual(len(self.built), 1)

    def test_lostBeforeHeader(self) -> None:
        proto, _ = self.connect()
        proto.connectionLost(None)
        self.assertEqual((self.built, self.clock.getDelayedCalls()), ([], []))

    def test_lostAfterHeader(self) -> None:
        proto, _ = self.connect()
        proto.dataReceived(v2("203.0.113.7"))
        proto.connectionLost(None)
        self.assertTrue(self.built[0][1].lost)


class TchatBehindBalancerTests(SynchronousTestCase):
    """
    The TCHAT front-end behind a balancer: every connection comes from the
    balancer's address, and each is counted and recorded under its client's.
    """

    def setUp(self) -> None:
        self.clock = Clock()
        self.clock.advance(1_700_000_000)
        self.service = ChatService(self.clock, admission=Admission(self.clock, perAddress=2))
        self.factory = ProxiedFactory(
            TchatFactory(self.service, self.clock, floodBurst=None), self.clock
        )

    def connect(self, client: str, header: bytes = b"") -> tuple[Any, StringTransport]:
        proto = self.factory.buildProtocol(BALANCER)
        transport = StringTransport(peerAddress=BALANCER)
        proto.makeConnection(transport)
        proto.dataReceived(header or f"PROXY TCP4 {client} 10.0.0.1 51000 6667\r\n".encode())
        return proto, transport

    def test_healthChecksCountAgainstNoLimit(self) -> None:
        """
        The balancer's health checks (version 2 C{LOCAL}, version 1
        C{UNKNOWN}), two a second, are greeted, count against no limit and
        are not logged; a client at the balancer's own address still gets
        in, and so do health checks while its allowance is spent.
        """
        self.service.admission.perMinute = 2
        own = b"PROXY TCP4 10.0.0.2 10.0.0.1 40000 6667\r\n"
        checks = [v2("203.0.113.7", command=0), b"PROXY UNKNOWN\r\n", own] * 40
        with capturedLogs() as events:
            for header in checks:
                proto, transport = self.connect("", header)
                self.assertEqual(output(transport, self.clock), b"srv: TCHAT 1\n")
                proto.connectionLost(Failure(ConnectionDone()))
                self.clock.advance(0.5)
            for _ in range(2):
                _, transport = self.connect(BALANCER.host)
                self.assertEqual(output(transport, self.clock), b"srv: TCHAT 1\n")
            _, transport = self.connect("", checks[0])
            self.assertEqual(output(transport, self.clock), b"srv: TCHAT 1\n")
        self.assertEqual([formatEvent(event) for event in events], [])
        self.assertEqual(self.service.admission.refused, {})

    def test_halfClose(self) -> None:
        """
        A client's half-close reaches the TCHAT protocol through the PROXY
        layer: it is answered what it sent, then the connection closes.
        Before the header, the layer takes no half-close (a close).
        """
        waiting = self.factory.buildProtocol(BALANCER)
        waiting.makeConnection(StringTransport(peerAddress=BALANCER))
        self.assertFalse(IHalfCloseableProtocol.providedBy(waiting))
        proto, transport = self.connect("203.0.113.7")
        self.assertEqual(output(transport, self.clock), b"srv: TCHAT 1\n")
        proto.dataReceived(b"clt: LOGIN zed\n")
        IHalfCloseableProtocol(proto).readConnectionLost()
        self.assertEqual(output(transport, self.clock), b"srv: OKAY!\n")
        self.assertTrue(transport.disconnecting)
        self.assertIsNone(self.service.find("zed"))

    def test_webHealthChecksCountAgainstNoLimit(self) -> None:
        """
        So are the web listener's: none is refused.
        """
        self.service.admission.perMinute = 2
        factory = ProxiedFactory(makeSite(self.service, self.clock), self.clock)
        for _ in range(10):
            proto = factory.buildProtocol(BALANCER)
            transport = StringTransport(peerAddress=BALANCER)
            proto.makeConnection(transport)
            proto.dataReceived(v2("203.0.113.7", command=0))
            self.assertEqual((transport.value(), transport.disconnecting), (b"", False))
            proto.connectionLost(Failure(ConnectionDone()))
        self.assertEqual((self.service.admission.count, self.service.admission.refused), (0, {}))

    def test_perAddressLimit(self) -> None:
        """
        Two clients of one address fill its allowance; a third from it is
        refused while another address still gets in.
        """
        for _ in range(2):
            _, transport = self.connect("203.0.113.7")
            self.assertEqual(output(transport, self.clock), b"srv: TCHAT 1\n")
        _, refused = self.connect("203.0.113.7")
        self.assertEqual(output(refused, self.clock), b"srv: ERROR 04\n")
        proto, other = self.connect("198.51.100.9")
        self.assertEqual(output(other, self.clock), b"srv: TCHAT 1\n")
        proto.dataReceived(b"clt: LOGIN bob\n")
        self.assertEqual(output(other, self.clock), b"srv: OKAY!\n")
        self.assertEqual(self.service.find("bob").address, "198.51.100.9")  # type: ignore[union-attr]
