# -*- test-case-name: tests.unit.core.test_admission,tests.unit.core.test_admissionlog -*-
"""
Which new chat connections the daemon accepts: the one admission policy
every listener asks (TCHAT, talk and IRC before any byte of the connection is
read; the web listener at a WebSocket's handshake, L{chatd.web.admit}: its
plain HTTP requests for the page are not chat connections, and not counted).

  - C{maxClients}: connections open at once, all listeners together;
  - C{perAddress}: connections open at once from one address;
  - C{perMinute}: new connections from one address per minute, a token
    bucket on the reactor's clock (bursts of C{perMinute}, refilled evenly);
  - C{exempt}: networks that only C{maxClients} limits (a school or an
    office behind one NAT address, a reverse proxy on this host).

An IPv6 address is judged by its /64 network: one host or one home usually
gets a whole /64, and would otherwise have 2**64 addresses to spread its
connections over.  An IPv4-mapped IPv6 address (C{::ffff:192.0.2.1}, seen on
a dual-stack listener) counts as the IPv4 address it maps.  A peer that is
not an IP address (a UNIX socket) is only counted by C{maxClients}.

A connection a load balancer opens for itself (its health check: a PROXY
header that names no client, L{IBalancerCheck}) is counted against no limit
and never refused: it would otherwise use up, every second or two, the
allowance of the balancer's address, and fill the log with its refusals.
A WebSocket from a trusted HTTP proxy (C{--web-trusted-proxies}) is counted
under the client the proxy names (L{chatd.web.forwarded}).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_address, ip_network

from twisted.internet.defer import Deferred, succeed
from twisted.internet.interfaces import IReactorTime
from twisted.logger import Logger
from zope.interface import Interface

from chatd.core import errors
from chatd.core.commalist import parseEach
from chatd.core.refusallog import RefusalLog
from chatd.core.tokenbucket import TokenBucket

#: An address ban's or an exemption's network.
Network = IPv4Network | IPv6Network

#: The networks an address is grouped by.
IPV6_GROUP = 64

#: What L{Admission.admit} returns for a connection counted only by
#: C{maxClients}.
UNGROUPED = ""
#: What L{Admission.admit} returns for a load balancer's health check,
#: counted by nothing.
UNCOUNTED = "(a load balancer's health check)"


class IBalancerCheck(Interface):
    """
    Marks the peer address of a connection a load balancer opened for
    itself (its health check), which names no client: the address is the
    load balancer's own.
    """


def parseNetworks(value: str) -> list[IPv4Network | IPv6Network]:
    """
    A comma-separated list of addresses and networks (C{127.0.0.1},
    C{10.0.0.0/8}, C{2001:db8::/48}), for C{--limit-exempt}.

    @raise ValueError: an entry is not an address or a network.
    """
    return parseEach(value, parseNetwork)


def parseNetwork(text: str) -> Network:
    """An address or CIDR network as an administrator typed it (C{ValueError}: neither)."""
    return ip_network(text.strip(), strict=False)


def addressOf(address: str) -> IPv4Address | IPv6Address | None:
    """
    The IP address a connection reports as C{address}, an IPv4-mapped IPv6
    address as the IPv4 address it maps; C{None} for a UNIX socket or a
    test double (no IP to match).
    """
    try:
        parsed = ip_address(address)
    except ValueError:
        return None
    if isinstance(parsed, IPv6Address) and parsed.ipv4_mapped is not None:
        return parsed.ipv4_mapped
    return parsed


class _Host:
    """
    One address group's open connections and its new connections' bucket.
    """

    __slots__ = ("open", "bucket")

    def __init__(self, bucket: TokenBucket) -> None:
        self.open = 0
        self.bucket = bucket


class Admission:
    """
    The admission policy; see the module docstring.  Each per-address
    limit is off when C{None} or 0; C{maxClients} when C{None}.

    @ivar count: connections admitted and not yet released.
    @ivar refused: connections refused so far, by reason: C{"full"}
        (C{maxClients}), C{"address"} (C{perAddress}), C{"rate"}
        (C{perMinute}).
    """

    log = Logger()

    def __init__(
        self,
        clock: IReactorTime,
        maxClients: int | None = None,
        perAddress: int | None = None,
        perMinute: int | None = None,
        exempt: Iterable[IPv4Network | IPv6Network] = (),
    ) -> None:
        self.clock = clock
        self.maxClients = maxClients
        self.perAddress = perAddress
        self.perMinute = perMinute
        self.exempt = list(exempt)
        self.count = 0
        self.refused: Counter[str] = Counter()
        self._hosts: dict[str, _Host] = {}
        self._sweepAt = 1024
        self._emptyWaiters: list[Deferred[None]] = []
        #: Whether the server is refusing everyone for being full (logged once).
        self._refusingAll = False
        #: An address's refusals are logged as a banned one's are: a loop is not a flood of lines.
        self.refusals = RefusalLog(clock, self.log)

    def group(self, address: str) -> str:
        """
        The key C{address} is counted under: the address itself (IPv4), its
        /64 (IPv6), or L{UNGROUPED} for an exempt address or one that is not
        an IP address.
        """
        try:
            ip = ip_address(address)
        except ValueError:
            return UNGROUPED
        if isinstance(ip, IPv6Address) and ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped
            address = str(ip)
        if any(ip in network for network in self.exempt):
            return UNGROUPED
        if isinstance(ip, IPv6Address):
            return str(IPv6Network((ip, IPV6_GROUP), strict=False))
        return address

    def admit(self, address: str, balancerCheck: bool = False) -> str:
        """
        Count a new connection from C{address}, or refuse it.

        @param balancerCheck: the connection is a load balancer's own (its
            peer address provides L{IBalancerCheck}): admitted, and
            counted against no limit.
        @return: the ticket to hand back to L{release} when it closes.
        @raise errors.TooManyConnections: C{perAddress} connections from
            that address are open.
        @raise errors.TooManyNewConnections: that address opened
            C{perMinute} connections in the last minute.
        @raise errors.ServerFull: C{maxClients} connections are open.
        """
        if balancerCheck:
            return UNCOUNTED
        key = self.group(address) if self.perAddress or self.perMinute else UNGROUPED
        host = self._check(key)
        if self.maxClients is not None and self.count >= self.maxClients:
            self._refuseAll(address)
            raise errors.ServerFull()
        self.count += 1
        self._refusingAll = False
        self._take(host)
        return key

    def admitPeer(self, peer: object) -> str:
        """
        L{admit} a new connection from C{peer}, its transport's peer
        address (a load balancer's health check when it provides
        L{IBalancerCheck}).
        """
        address = getattr(peer, "host", None) or str(peer)
        return self.admit(address, balancerCheck=IBalancerCheck.providedBy(peer))

    def _check(self, key: str) -> _Host | None:
        """
        The group C{key}'s counts, if it has any; raise if it is over a
        per-address limit.
        """
        if not key:
            return None
        host = self._hostFor(key)
        if self.perAddress and host.open >= self.perAddress:
            self._refuse(key, "address", f"--max-per-address {self.perAddress} open")
            raise errors.TooManyConnections()
        if self.perMinute and not host.bucket.ready():
            self._refuse(key, "rate", f"--connects-per-minute {self.perMinute}")
            raise errors.TooManyNewConnections()
        return host

    def _take(self, host: _Host | None) -> None:
        if host is not None:
            host.open += 1
            if self.perMinute:
                host.bucket.take()

    def _refuse(self, key: str, reason: str, limit: str) -> None:
        """
        Count a refusal for C{reason} (C{"address"}, C{"rate"}), over
        C{limit}; log it as L{RefusalLog} says (the first few of a minute
        from one address group, then how many more), so that a reconnect
        loop is not a flood of log lines.  The lines do not read as a
        sanction's refusal (C{connection from ... refused}): a limit is no
        abuse by itself, and fail2ban's filter is not to match them.
        """
        self.refused[reason] += 1
        kind = f"{reason}-limited connection"
        if self.refusals.shows(kind, key, f" ({limit})"):
            self.log.info(
                "{kind} from {group} refused ({limit})", kind=kind, group=key, limit=limit
            )

    def _refuseAll(self, address: str) -> None:
        """
        Count a refusal for a full server; log the first of a run only, as
        L{_refuse} does for an address group.
        """
        self.refused["full"] += 1
        if not self._refusingAll:
            self._refusingAll = True
            self.log.info(
                "refusing new connections from everyone, {address} first (full: {count}"
                " connections open, --max-clients {maxClients}); not logged again until"
                " one is admitted",
                address=address,
                count=self.count,
                maxClients=self.maxClients,
            )

    def whenEmpty(self) -> Deferred[None]:
        """
        A L{Deferred} that fires once no admitted connection is open (at
        once if none is): a stopping daemon waits for its goodbyes to leave.
        """
        if self.count <= 0:
            return succeed(None)
        waiter: Deferred[None] = Deferred()
        self._emptyWaiters.append(waiter)
        return waiter

    def leaving(self, ticket: str) -> str:
        """
        A connection counted under C{ticket} is closing: its address may
        open another at once (a TLS peer that hung up without its close
        alert lingers until it is cut), though it counts towards the total
        until it has closed.  The ticket to L{release} then.
        """
        if ticket == UNCOUNTED:
            return UNCOUNTED
        host = self._hosts.get(ticket) if ticket else None
        if host is not None:
            host.open -= 1
        return UNGROUPED

    def release(self, ticket: str) -> None:
        """
        A connection L{admit} counted has closed.
        """
        if ticket == UNCOUNTED:
            return
        self.count -= 1
        if self.count <= 0 and self._emptyWaiters:
            waiters, self._emptyWaiters = self._emptyWaiters, []
            for waiter in waiters:
                waiter.callback(None)
        host = self._hosts.get(ticket) if ticket else None
        if host is not None:
            host.open -= 1

    def openFrom(self, address: str) -> int:
        """
        How many connections from C{address}'s group are open.
        """
        host = self._hosts.get(self.group(address))
        return 0 if host is None else host.open

    def _hostFor(self, key: str) -> _Host:
        host = self._hosts.get(key)
        if host is None:
            if len(self._hosts) >= self._sweepAt:
                self._sweep()
            burst = float(self.perMinute or 0)
            host = self._hosts[key] = _Host(TokenBucket(self.clock, burst / 60.0, burst))
        return host

    def _sweep(self) -> None:
        """
        Forget the groups with nothing open and a full bucket: they are as
        good as new.  Runs when the table doubled since the last sweep, so
        its cost per connection stays constant.
        """
        for key, host in list(self._hosts.items()):
            if host.open == 0 and host.bucket.full():
                del self._hosts[key]
        self._sweepAt = max(1024, 2 * len(self._hosts))
