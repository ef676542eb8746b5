# -*- test-case-name: tests.unit.web.test_web_forwarded -*-
"""
The client's address behind an HTTP reverse proxy (nginx, Apache, Caddy
in front of the web page), C{--web-trusted-proxies}.

Every request a proxy forwards comes from the proxy's address; the client's
is in a header the proxy adds.  For a connection whose peer is a trusted
proxy, the client is the rightmost address of C{X-Forwarded-For} that is not
itself a trusted proxy (each proxy appends the address it got the request
from, so what lies left of that is what the client claimed, and is
ignored); without C{X-Forwarded-For}, the C{for=} parameters of RFC 7239
C{Forwarded} are read the same way.  A peer that is not trusted has these
headers ignored: a client never chooses its own address.

The scheme is read the same way: a trusted proxy that terminates TLS says
the request came over https with C{X-Forwarded-Proto: https} (or, without
that header, RFC 7239's C{proto=https}), so the request is secure
(L{ForwardedRequest.isSecure}) and the WebSocket's same-origin check
accepts C{https://host}.  The value read is the last one, the one the
proxy chatd is connected to wrote (a proxy that passes an earlier proxy's
on, as nginx's C{proxy_set_header X-Forwarded-Proto $http_x_forwarded_proto},
is trusted for it).

That address is the request's (L{ForwardedRequest.getClientAddress}), so a
WebSocket's participant is logged, banned and limited under it, and the
admission policy counts the WebSocket under it (L{chatd.web.admit}).
"""

from __future__ import annotations

from collections.abc import Iterable
from ipaddress import IPv4Address as IP4
from ipaddress import IPv6Address as IP6
from typing import Any

from twisted.internet.address import IPv4Address, IPv6Address
from twisted.internet.interfaces import IAddress
from twisted.web.http_headers import Headers
from twisted.web.server import Request

from chatd.core.admission import Network, addressOf


def entryAddress(entry: str) -> IP4 | IP6 | None:
    """
    The address one entry of C{X-Forwarded-For} or one C{for=} value names
    (C{192.0.2.7}, C{192.0.2.7:4711}, C{2001:db8::1},
    C{"[2001:db8::1]:4711"}), or C{None} (C{unknown}, an obfuscated
    identifier, anything else).
    """
    entry = entry.strip().strip('"')
    if entry.startswith("["):
        entry = entry[1:].partition("]")[0]
    elif entry.count(":") == 1:
        entry = entry.partition(":")[0]
    return addressOf(entry)


def forwardedChain(headers: Headers) -> list[str]:
    """
    The addresses the proxies named, the client's first: C{X-Forwarded-For}'s
    entries, or if there is none, C{Forwarded}'s C{for=} values.
    """
    lines = headers.getRawHeaders(b"x-forwarded-for")
    if lines:
        return [entry for line in lines for entry in line.decode("latin-1").split(",")]
    chain = []
    for line in headers.getRawHeaders(b"forwarded") or []:
        for element in line.decode("latin-1").split(","):
            for pair in element.split(";"):
                name, _, value = pair.partition("=")
                if name.strip().lower() == "for":
                    chain.append(value)
    return chain


def forwardedScheme(headers: Headers) -> str | None:
    """
    The scheme (C{"https"}, C{"http"}) the last proxy named: the last value
    of C{X-Forwarded-Proto}, or, if there is none, the last C{proto=} of
    C{Forwarded}; C{None} if neither names one of those two.
    """
    values = [
        value
        for line in headers.getRawHeaders(b"x-forwarded-proto") or []
        for value in line.decode("latin-1").split(",")
    ]
    if not values:
        for line in headers.getRawHeaders(b"forwarded") or []:
            for element in line.decode("latin-1").split(","):
                for pair in element.split(";"):
                    name, _, value = pair.partition("=")
                    if name.strip().lower() == "proto":
                        values.append(value)
    scheme = values[-1].strip().strip('"').lower() if values else None
    return scheme if scheme in ("https", "http") else None


class TrustedProxies:
    """
    The networks whose connections are HTTP proxies forwarding requests
    for clients (C{--web-trusted-proxies}).
    """

    def __init__(self, networks: Iterable[Network] = ()) -> None:
        self.networks = list(networks)

    def trusts(self, host: str | None) -> bool:
        """
        Whether C{host}, a connection's peer address, is a trusted proxy.
        """
        address = addressOf(host) if host else None
        return address is not None and any(address in network for network in self.networks)

    def clientOf(self, peer: str, headers: Headers) -> str:
        """
        The address of the client a request from C{peer} with C{headers} is
        for: C{peer} itself unless it is trusted; else the rightmost
        forwarded address that is not a trusted proxy (all of them trusted:
        the leftmost; one that is not an address: the trusted proxy that
        named it).
        """
        if not self.trusts(peer):
            return peer
        for entry in reversed(forwardedChain(headers)):
            address = entryAddress(entry)
            if address is None:
                break
            peer = str(address)
            if not self.trusts(peer):
                break
        return peer


def proxiesOf(request: Request) -> TrustedProxies | None:
    channel = request.channel
    return getattr(getattr(channel, "site", None), "trustedProxies", None)


class ForwardedRequest(Request):
    """
    A request whose client address and scheme are the ones its trusted
    proxy names (L{TrustedProxies.clientOf}, L{forwardedScheme}); the
    connection's otherwise.
    """

    _forwarded: IAddress | None = None

    def _viaTrustedProxy(self) -> bool:
        host = getattr(self.client, "host", None)
        proxies = proxiesOf(self)
        return host is not None and proxies is not None and proxies.trusts(host)

    def isSecure(self) -> bool:
        """
        Whether the client's request came over TLS: as its trusted proxy
        says, if it says; else whether this connection is TLS.
        """
        if self._viaTrustedProxy():
            scheme = forwardedScheme(self.requestHeaders)
            if scheme is not None:
                return scheme == "https"
        return bool(super().isSecure())

    def getClientAddress(self) -> IAddress:
        if self._forwarded is not None:
            return self._forwarded
        peer: Any = self.client
        host = getattr(peer, "host", None)
        proxies = proxiesOf(self)
        if host is None or proxies is None or not self._viaTrustedProxy():
            return peer  # type: ignore[no-any-return]
        client = proxies.clientOf(host, self.requestHeaders)
        kind = IPv6Address if ":" in client else IPv4Address
        self._forwarded = kind("TCP", client, 0)
        return self._forwarded
