# -*- test-case-name: tests.unit.test_proxied,tests.integration.test_proxied_live -*-
"""
Listeners behind a TCP load balancer: the PROXY protocol (versions 1 and 2,
as HAProxy's C{send-proxy} and C{send-proxy-v2}, nginx's C{proxy_protocol}
and cloud load balancers send it), so that every connection has its
client's address, not the load balancer's.

Without it every user of a node would share the load balancer's address:
the per-address connection limit would lock out everyone past the tenth,
one address ban or one bad-password throttle would hit all of them, and
the logs would name nobody.

Twisted's own C{haproxy:} endpoint gives the wrapped protocol its
connection before the header is read, so a front-end that checks the
address as the connection opens (admission, bans) would see the load
balancer's.  Here the wrapped protocol is only built, with the client's
address, once the header has been read; a connection that sends no valid
header within L{HEADER_TIMEOUT} seconds is closed unseen, and at most
L{MAX_WAITING} connections wait for theirs at once.  A C{LOCAL}
(version 2) or C{UNKNOWN} (version 1) header, which load balancers send
for their health checks, keeps the load balancer's address.
"""

from __future__ import annotations

import copy
import struct
from ipaddress import IPv4Address as IP4
from ipaddress import IPv6Address as IP6
from ipaddress import ip_address
from typing import Any

from twisted.internet.address import IPv4Address, IPv6Address
from twisted.internet.defer import Deferred
from twisted.internet.interfaces import (
    IAddress,
    IDelayedCall,
    IHalfCloseableProtocol,
    IListeningPort,
    ILoggingContext,
    IProtocol,
    IProtocolFactory,
    IReactorTime,
    IStreamServerEndpoint,
)
from twisted.internet.protocol import Protocol
from twisted.logger import Logger
from twisted.protocols.policies import ProtocolWrapper, WrappingFactory
from twisted.python.failure import Failure
from zope.interface import alsoProvides, directlyProvides, implementer, providedBy

from chatd.core.admission import IBalancerCheck

log = Logger()

#: What begins the endpoint of a listener whose connections come through a
#: load balancer that sends the PROXY protocol (Twisted's own prefix for it).
PREFIX = "haproxy:"

#: Seconds a new connection has to send its header.
HEADER_TIMEOUT = 10.0
#: Connections that may wait for their header at once: beyond, a new one
#: is closed at once (connections no front-end has seen yet are counted by
#: no other limit).
MAX_WAITING = 1024
V1_PREFIX = b"PROXY "
#: The longest version-1 header, its CRLF included (the specification's bound).
V1_LIMIT = 107
V2_SIGNATURE = b"\r\n\r\n\x00\r\nQUIT\n"
#: A version-2 header's fixed part: the signature, version and command,
#: family and transport, and the length of what follows.
V2_FIXED = 16
#: The longest version-2 header read: the addresses of any family and the
#: extensions (TLVs) load balancers add, which are skipped.
V2_LIMIT = V2_FIXED + 1024


#: What a connection without a header is told before it is closed.
REFUSAL = b"this port takes connections from a load balancer that sends the PROXY protocol\r\n"
#: What a connection is told while L{MAX_WAITING} others wait for their header.
BUSY = b"too many connections are waiting to start here; try again later\r\n"


class InvalidHeader(ValueError):
    """
    What a connection sent first is no PROXY header (version 1 or 2).
    """


def _address(host: str, port: int) -> IAddress:
    parsed = ip_address(host)
    kind = IPv4Address if isinstance(parsed, IP4) else IPv6Address
    return kind("TCP", str(parsed), port)


def parseV1(line: bytes) -> IAddress | None:
    """
    The client's address from a version-1 header line (without its CRLF),
    C{None} for C{UNKNOWN}.
    """
    fields = line.split(b" ")
    if len(fields) >= 2 and fields[:2] == [b"PROXY", b"UNKNOWN"]:
        return None
    if len(fields) != 6 or fields[0] != b"PROXY" or fields[1] not in (b"TCP4", b"TCP6"):
        raise InvalidHeader("not a PROXY TCP4, TCP6 or UNKNOWN line")
    try:
        source, destination = (ip_address(field.decode("ascii")) for field in fields[2:4])
        ports = [int(field) for field in fields[4:6] if field.isdigit()]
    except ValueError as error:
        raise InvalidHeader(str(error)) from None
    family = IP4 if fields[1] == b"TCP4" else IP6
    valid = len(ports) == 2 and all(0 <= port <= 65535 for port in ports)
    if not (valid and isinstance(source, family) and isinstance(destination, family)):
        raise InvalidHeader("bad address or port")
    return _address(str(source), ports[0])


def parseV2(header: bytes) -> IAddress | None:
    """
    The client's address from a whole version-2 header, C{None} for
    C{LOCAL} or an address family other than IPv4 and IPv6.
    """
    version, family = header[12], header[13]
    if version >> 4 != 2 or version & 0x0F not in (0, 1):
        raise InvalidHeader("not a PROXY version 2 header")
    if version & 0x0F == 0:  # LOCAL: the load balancer's own connection
        return None
    body = header[V2_FIXED:]
    if family == 0x11 and len(body) >= 12:  # TCP over IPv4
        source, _, port, _ = struct.unpack("!4s4sHH", body[:12])
        return _address(str(IP4(source)), port)
    if family == 0x21 and len(body) >= 36:  # TCP over IPv6
        source, _, port, _ = struct.unpack("!16s16sHH", body[:36])
        return _address(str(IP6(source)), port)
    if family >> 4 in (1, 2):
        raise InvalidHeader("addresses shorter than their family")
    return None  # UNSPEC, UNIX sockets, datagrams: nothing to take


def readHeader(data: bytes) -> tuple[IAddress | None, int] | None:
    """
    C{(address, length)} once C{data} begins with a whole header
    (C{address} C{None}: keep the connection's own); C{None} while more is
    needed.  Raises L{InvalidHeader} as soon as it cannot be one.
    """
    if data[:1] == V2_SIGNATURE[:1]:
        if V2_SIGNATURE[: len(data)] != data[: len(V2_SIGNATURE)]:
            raise InvalidHeader("not a PROXY header")
        if len(data) < V2_FIXED:
            return None
        length = V2_FIXED + struct.unpack("!H", data[14:16])[0]
        if length > V2_LIMIT:
            raise InvalidHeader("a PROXY header longer than this server reads")
        if len(data) < length:
            return None
        return parseV2(data[:length]), length
    if V1_PREFIX[: len(data)] != data[: len(V1_PREFIX)]:
        raise InvalidHeader("not a PROXY header")
    end = data.find(b"\r\n", 0, V1_LIMIT)
    if end < 0:
        if len(data) >= V1_LIMIT:
            raise InvalidHeader("a PROXY line longer than 107 bytes")
        return None
    return parseV1(data[:end]), end + 2


def _sameEnd(named: IAddress, peer: IAddress) -> bool:
    """
    Whether a header names the connection's own source address and port:
    the load balancer speaking for itself (HAProxy's version-1 health
    checks name their own connection rather than C{UNKNOWN}).
    """
    host = getattr(peer, "host", None)
    return host is not None and (getattr(named, "host", None), getattr(named, "port", None)) == (
        host,
        getattr(peer, "port", None),
    )


class ProxiedConnection(ProtocolWrapper):
    """
    One connection from the load balancer: its header is read first, then
    the front-end's protocol is built for the client's address and given
    the connection and what followed the header.
    """

    wrappedProtocol: IProtocol | None  # type: ignore[assignment]
    factory: ProxiedFactory

    def __init__(self, factory: ProxiedFactory) -> None:
        super().__init__(factory, None)  # type: ignore[arg-type]
        self._received = b""
        self._peer: IAddress | None = None
        self._timeout: IDelayedCall | None = None

    def makeConnection(self, transport: Any) -> None:
        """
        As L{ProtocolWrapper.makeConnection}, but the wrapped protocol waits
        for the header (L{dataReceived}).
        """
        directlyProvides(self, providedBy(transport))
        Protocol.makeConnection(self, transport)
        self.factory.registerProtocol(self)

    def connectionMade(self) -> None:
        factory = self.factory
        if factory.waiting >= factory.maxWaiting:
            if not factory.full:  # once per run of refusals
                factory.full = True
                self._refuse(f"{factory.waiting} connections wait for their PROXY header", BUSY)
            else:
                self._close(BUSY)
            return
        factory.waiting += 1
        factory.full = False
        self._timeout = factory.clock.callLater(factory.timeout, self._tooSlow)

    def _stopWaiting(self) -> None:
        """
        The header came, or cannot any more: stop the clock and the count.
        """
        if self._timeout is not None:
            if self._timeout.active():
                self._timeout.cancel()
            self._timeout = None
            self.factory.waiting -= 1

    def _tooSlow(self) -> None:
        self._stopWaiting()
        self._refuse("sent no PROXY header in time")

    def _refuse(self, why: str, reply: bytes = REFUSAL) -> None:
        peer = self.getPeer()
        log.warn(
            "closing a connection from {host}: {why}",
            host=getattr(peer, "host", peer),
            why=why,
        )
        self._close(reply)

    def _close(self, reply: bytes) -> None:
        # Plain text, whatever the port serves: what an operator trying
        # the port by hand (telnet, nc) should read.
        self.transport.write(reply)  # type: ignore[union-attr]
        self.transport.loseConnection()  # type: ignore[union-attr]

    def dataReceived(self, data: bytes) -> None:
        if self.wrappedProtocol is not None:
            self.wrappedProtocol.dataReceived(data)
            return
        if self.transport is None or self._timeout is None:
            return  # refused already: what still comes is dropped
        received = self._received = self._received + data
        try:
            found = readHeader(received)
        except InvalidHeader as error:
            self._stopWaiting()
            self._refuse(str(error))
            return
        if found is None:
            return
        self._stopWaiting()
        address, length = found
        self._received = b""
        own = self.transport.getPeer()
        if address is None or _sameEnd(address, own):  # the load balancer's own connection
            address = copy.copy(own)
            alsoProvides(address, IBalancerCheck)
        self._peer = address
        protocol = self.factory.wrappedFactory.buildProtocol(self.getPeer())
        if protocol is None:
            self.transport.loseConnection()
            return
        self.wrappedProtocol = protocol
        if IHalfCloseableProtocol.providedBy(protocol):  # its client's half-close reaches it
            alsoProvides(self, IHalfCloseableProtocol)
        protocol.makeConnection(self)
        if received[length:] and self.wrappedProtocol is not None:
            self.wrappedProtocol.dataReceived(received[length:])

    def getPeer(self) -> IAddress:
        if self._peer is not None:
            return self._peer
        return self.transport.getPeer()  # type: ignore[union-attr]

    def connectionLost(self, reason: Failure | None = None) -> None:
        self._stopWaiting()
        self.factory.unregisterProtocol(self)
        if self.wrappedProtocol is not None:
            self.wrappedProtocol.connectionLost(reason)  # type: ignore[arg-type]

    def readConnectionLost(self) -> None:
        """The client shut its sending side (a wrapped protocol that takes it)."""
        IHalfCloseableProtocol(self.wrappedProtocol).readConnectionLost()

    def writeConnectionLost(self) -> None:
        IHalfCloseableProtocol(self.wrappedProtocol).writeConnectionLost()

    def logPrefix(self) -> str:
        if self.wrappedProtocol is None:
            return "PROXY"
        return str(super().logPrefix())


class ProxiedFactory(WrappingFactory):
    """
    Builds a L{ProxiedConnection} for each connection; the wrapped factory
    builds its protocol once the client's address is known.
    """

    protocol = ProxiedConnection

    def __init__(
        self, wrappedFactory: IProtocolFactory, clock: IReactorTime, timeout: float = HEADER_TIMEOUT
    ) -> None:
        super().__init__(wrappedFactory)
        self.clock = clock
        self.timeout = timeout
        self.maxWaiting = MAX_WAITING
        #: Connections waiting for their header now.
        self.waiting = 0
        self.full = False  # refusing since the last one admitted: logged once

    def buildProtocol(self, addr: IAddress) -> ProxiedConnection:  # type: ignore[override]
        return ProxiedConnection(self)

    def logPrefix(self) -> str:
        wrapped = self.wrappedFactory
        if ILoggingContext.providedBy(wrapped):
            return f"{wrapped.logPrefix()} (PROXY)"
        return f"{type(wrapped).__name__} (PROXY)"


@implementer(IStreamServerEndpoint)
class ProxiedEndpoint:
    """
    C{inner}, whose connections begin with a PROXY header: what listens on
    it is given each connection as from the client the header names.
    """

    def __init__(self, inner: IStreamServerEndpoint, clock: IReactorTime, wrap: Any = None) -> None:
        """
        @param wrap: what to put between the PROXY layer and the factory
            (a TLS layer: the header comes before the handshake), or C{None}.
        """
        self.inner = inner
        self.clock = clock
        self.wrap = wrap

    def listen(self, protocolFactory: IProtocolFactory) -> Deferred[IListeningPort]:
        factory = protocolFactory if self.wrap is None else self.wrap(protocolFactory)
        return self.inner.listen(ProxiedFactory(factory, self.clock))
