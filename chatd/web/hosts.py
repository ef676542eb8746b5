# -*- test-case-name: tests.unit.web.test_web_hosts -*-
"""
Which C{Host} a request on a loopback address may name: a defence against
DNS rebinding.

A page at C{http://evil.example:8080} whose name the attacker then makes
resolve to C{127.0.0.1} is, for the visitor's browser, the same origin as a
chatd listening on the visitor's own loopback address: its requests carry
C{Host: evil.example:8080} and C{Origin: http://evil.example:8080}, which
agree, so the same-origin rule alone lets the page read the chat page and
drive the WebSockets in the visitor's name.  A request that came in on a
loopback address therefore names a loopback host (C{localhost}, a name
under C{.localhost}, C{127.0.0.0/8}, C{[::1]}) or the host of one of the
configured origins (C{--web-origins}), else it is answered 403, page,
WebSockets and all.  A request on any other address is not checked:
rebinding a name to a public address gains an attacker nothing, since the
browser keeps its cookies and storage per name.
"""

from __future__ import annotations

from collections.abc import Iterable
from ipaddress import ip_address
from urllib.parse import urlsplit

from twisted.internet.address import IPv4Address, IPv6Address
from twisted.internet.interfaces import IAddress
from twisted.web.resource import Resource
from twisted.web.server import Request

#: What a refused request is answered, after its 403.
REFUSED = b"host not allowed: name this server as localhost or as --web-origins names it\n"


def isLoopback(address: str) -> bool:
    """
    Whether C{address} (an IP address, IPv6 without brackets) is a
    loopback address, an IPv4-mapped one included.
    """
    try:
        ip = ip_address(address.partition("%")[0])
    except ValueError:
        return False
    mapped = getattr(ip, "ipv4_mapped", None)
    return bool(ip.is_loopback or (mapped is not None and mapped.is_loopback))


def cameInOnLoopback(local: IAddress) -> bool:
    """
    Whether a connection's own end, C{local}, is a loopback address (a
    UNIX socket, which no browser reaches, is not).
    """
    return isinstance(local, (IPv4Address, IPv6Address)) and isLoopback(local.host)


def hostName(header: str) -> str:
    """
    The name in a C{Host} header, lower case, without its port or an IPv6
    address's brackets or a final dot: C{[::1]:8080} is C{::1},
    C{Chat.example.:80} C{chat.example}.
    """
    host = header.strip().lower()
    if host.startswith("["):
        return host[1:].partition("]")[0]
    return (host.rpartition(":")[0] if host.count(":") == 1 else host).rstrip(".")


def isLoopbackName(name: str) -> bool:
    """
    Whether C{name} (L{hostName}) always means this machine: C{localhost}
    or a name under C{.localhost} (RFC 6761: browsers never ask DNS for
    them), or a loopback address.
    """
    return name == "localhost" or name.endswith(".localhost") or isLoopback(name)


class HostRule:
    """
    The hosts a request on a loopback address may name besides the loopback
    ones: those of C{origins} (C{--web-origins}); any, if they hold C{*}.
    """

    def __init__(self, origins: Iterable[str] = ()) -> None:
        names = set()
        self.anyHost = False
        for origin in origins:
            if origin.strip() == "*":
                self.anyHost = True
            else:
                names.add((urlsplit(origin.strip().lower()).hostname or "").rstrip("."))
        self.names = frozenset(names - {""})

    def allows(self, request: Request) -> bool:
        """
        Whether C{request} may be answered: it came in on an address that is
        not loopback, names no C{Host} (not a browser), or names a loopback
        or configured one.
        """
        if self.anyHost or not cameInOnLoopback(request.getHost()):
            return True
        header = request.getHeader(b"host")
        if header is None:
            return True
        name = hostName(header.decode("latin-1"))
        return isLoopbackName(name) or name in self.names


class HostRefused(Resource):
    """
    What a request naming a host L{HostRule} refuses gets: 403, in plain
    text, whatever its path or method.
    """

    isLeaf = True

    def render(self, request: Request) -> bytes:
        request.setResponseCode(403)
        request.setHeader(b"content-type", b"text/plain; charset=utf-8")
        return REFUSED
