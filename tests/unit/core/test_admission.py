"""
Tests for L{chatd.core.admission}: the connection limits per address and in
total, and what each front-end tells a connection they refuse, driven in
memory with L{StringTransport} and a L{Clock}.
"""

from __future__ import annotations

from ipaddress import ip_network

from twisted.internet.address import IPv4Address, IPv6Address
from twisted.internet.error import ConnectionDone
from twisted.internet.task import Clock
from twisted.internet.testing import MemoryReactorClock, StringTransport
from twisted.logger import capturedLogs, formatEvent
from twisted.python.failure import Failure
from twisted.python.usage import UsageError
from twisted.trial.unittest import SynchronousTestCase

from chatd.core import errors
from chatd.core.admission import UNGROUPED, Admission, parseNetworks
from chatd.core.service import ChatService
from chatd.irc.factory import IRCFactory
from chatd.options import Options
from chatd.talk.protocol import TalkFactory
from chatd.tap import makeService
from chatd.tchat import TchatFactory
from chatd.web.guard import GuardProtocol
from chatd.web.site import makeSite
from tests.support.helpers import connect, output
from tests.support.webclient import handshake, toldAndClosed


class AdmissionPolicyTests(SynchronousTestCase):
    def setUp(self) -> None:
        self.clock = Clock()
        self.clock.advance(1000)
        self.admission = Admission(self.clock, maxClients=100, perAddress=3, perMinute=6)

    def test_perAddress(self) -> None:
        """
        An address holds at most C{perAddress} connections at once; others
        still get in; a closed connection frees its place.
        """
        tickets = [self.admission.admit("192.0.2.1") for _ in range(3)]
        self.assertRaises(errors.TooManyConnections, self.admission.admit, "192.0.2.1")
        self.assertRaises(errors.TooManyConnections, self.admission.admit, "192.0.2.1")
        self.assertEqual(self.admission.refused, {"address": 2})
        self.admission.admit("192.0.2.2")
        self.assertEqual(self.admission.openFrom("192.0.2.1"), 3)
        self.assertEqual(self.admission.count, 4)
        self.admission.release(tickets[0])
        self.admission.admit("192.0.2.1")
        self.assertEqual(self.admission.count, 4)

    def test_perMinute(self) -> None:
        """
        An address opens at most C{perMinute} connections at once, then one
        every C{60 / perMinute} seconds, even if it closes each at once; a
        refusal does not spend the allowance.
        """
        for _ in range(6):
            self.admission.release(self.admission.admit("192.0.2.1"))
        error = self.assertRaises(errors.TooManyConnections, self.admission.admit, "192.0.2.1")
        self.assertIsInstance(error, errors.TooManyNewConnections)
        self.assertEqual(error.code, 4)
        self.admission.admit("192.0.2.9")
        self.clock.advance(9.9)
        self.assertRaises(errors.TooManyNewConnections, self.admission.admit, "192.0.2.1")
        self.clock.advance(0.1)
        self.admission.release(self.admission.admit("192.0.2.1"))
        self.assertRaises(errors.TooManyNewConnections, self.admission.admit, "192.0.2.1")
        self.clock.advance(60)
        for _ in range(6):
            self.admission.release(self.admission.admit("192.0.2.1"))
        self.assertRaises(errors.TooManyNewConnections, self.admission.admit, "192.0.2.1")

    def test_balancerCheck(self) -> None:
        """
        A load balancer's health check is admitted whatever the limits (a
        full server, its address's allowances spent) and spends none of
        them; giving its ticket back, directly or after L{leaving}, gives
        back nothing else.
        """
        admission = Admission(self.clock, maxClients=1, perAddress=1, perMinute=1)
        for _ in range(5):
            admission.release(admission.admit("10.0.0.2", balancerCheck=True))
            admission.release(admission.leaving(admission.admit("10.0.0.2", balancerCheck=True)))
        self.assertEqual(admission.count, 0)
        ticket = admission.admit("10.0.0.2")  # a client at the balancer's address: its allowance
        for _ in range(5):
            admission.release(admission.admit("10.0.0.2", balancerCheck=True))
        self.assertEqual((admission.count, admission.openFrom("10.0.0.2")), (1, 1))
        self.assertEqual(admission.refused, {})
        admission.release(ticket)
        self.assertEqual(admission.count, 0)

    def test_maxClients(self) -> None:
        """
        Past C{maxClients} everyone is refused with L{errors.ServerFull},
        exempt addresses included.
        """
        admission = Admission(
            self.clock, maxClients=2, perAddress=5, exempt=parseNetworks("10.0.0.0/8")
        )
        admission.admit("192.0.2.1")
        admission.admit("10.1.2.3")
        self.assertRaises(errors.ServerFull, admission.admit, "192.0.2.2")
        self.assertRaises(errors.ServerFull, admission.admit, "10.1.2.3")
        self.assertEqual(admission.refused, {"full": 2})

    def test_fullLoggedOncePerRun(self) -> None:
        """
        Refusals because the server is full are logged as those of an
        address are: one line per run, again once a connection got in.
        """
        admission = Admission(self.clock, maxClients=1)
        with capturedLogs() as events:
            ticket = admission.admit("192.0.2.1")
            for address in ("192.0.2.2", "192.0.2.3", "192.0.2.2"):
                self.assertRaises(errors.ServerFull, admission.admit, address)
            admission.release(ticket)
            ticket = admission.admit("192.0.2.3")
            self.assertRaises(errors.ServerFull, admission.admit, "192.0.2.4")
        lines = [formatEvent(event) for event in events]
        self.assertEqual(
            lines,
            [
                "refusing new connections from everyone, 192.0.2.2 first (full: 1 connections"
                " open, --max-clients 1); not logged again until one is admitted",
                "refusing new connections from everyone, 192.0.2.4 first (full: 1 connections"
                " open, --max-clients 1); not logged again until one is admitted",
            ],
        )
        self.assertEqual(admission.refused, {"full": 4})

    def test_exempt(self) -> None:
        """
        Exempt addresses and networks are only counted by C{maxClients}.
        """
        self.admission.exempt = parseNetworks("10.0.0.0/8, 192.0.2.7,2001:db8::/32")
        for address in ("10.1.2.3", "192.0.2.7", "2001:db8:1:2::5", "::ffff:10.9.9.9"):
            tickets = [self.admission.admit(address) for _ in range(20)]
            self.assertEqual(set(tickets), {UNGROUPED})
        self.assertEqual(self.admission.count, 80)
        self.admission.admit("192.0.2.8")

    def test_ipv6GroupedBySlash64(self) -> None:
        """
        The addresses of one IPv6 /64 count as one; another /64 is another.
        """
        for host in range(1, 4):
            self.admission.admit(f"2001:db8:0:1::{host}")
        self.assertRaises(errors.TooManyConnections, self.admission.admit, "2001:db8:0:1:ffff::9")
        self.admission.admit("2001:db8:0:2::1")
        self.assertEqual(self.admission.group("2001:db8:0:1::1"), "2001:db8:0:1::/64")
        self.assertEqual(self.admission.openFrom("2001:db8:0:1:abcd::"), 3)

    def test_ipv4Mapped(self) -> None:
        """
        An IPv4-mapped IPv6 address (a dual-stack listener) counts as the
        IPv4 address.
        """
        self.admission.admit("192.0.2.1")
        self.admission.admit("::ffff:192.0.2.1")
        self.admission.admit("::ffff:c000:201")
        self.assertRaises(errors.TooManyConnections, self.admission.admit, "192.0.2.1")

    def test_notAnIPAddress(self) -> None:
        """
        A peer that is not an IP address (a UNIX socket) is counted by
        C{maxClients} only.
        """
        tickets = [self.admission.admit("UNIXAddress('/run/chatd.sock')") for _ in range(10)]
        self.assertEqual(set(tickets), {UNGROUPED})
        for ticket in tickets:
            self.admission.release(ticket)
        self.assertEqual(self.admission.count, 0)

    def test_limitsOff(self) -> None:
        """
        With every limit C{None}, everything is admitted and counted.
        """
        admission = Admission(self.clock)
        for _ in range(50):
            admission.admit("192.0.2.1")
        self.assertEqual(admission.count, 50)

    def test_forgetsIdleAddresses(self) -> None:
        """
        Addresses with nothing open and a full allowance are forgotten, so
        connections from ever new addresses do not grow the table for ever.
        """
        for n in range(3000):
            self.admission.release(self.admission.admit(f"10.{n // 256}.{n % 256}.1"))
            self.clock.advance(1)
        self.assertLess(len(self.admission._hosts), 1100)
        held = self.admission.admit("192.0.2.1")
        self.clock.advance(3600)
        for n in range(3000):
            self.admission.release(self.admission.admit(f"10.{n // 256}.{n % 256}.2"))
        self.assertEqual(self.admission.openFrom("192.0.2.1"), 1)
        self.admission.release(held)

    def test_parseNetworks(self) -> None:
        """
        C{--limit-exempt} takes addresses and networks, comma-separated;
        anything else is an error.
        """
        self.assertEqual(
            parseNetworks("127.0.0.1,10.0.0.0/8,,::1"),
            [ip_network("127.0.0.1/32"), ip_network("10.0.0.0/8"), ip_network("::1/128")],
        )
        self.assertEqual(parseNetworks(""), [])
        self.assertRaises(ValueError, parseNetworks, "10.0.0.0/8,school")


class FrontEndTests(SynchronousTestCase):
    """
    Every listener asks the service's admission; each tells a refused
    newcomer why in its own way.
    """

    def setUp(self) -> None:
        self.clock = MemoryReactorClock()
        self.clock.advance(1000)
        self.service = ChatService(
            self.clock, admission=Admission(self.clock, maxClients=100, perAddress=2)
        )

    def fill(self, factory: object, host: str = "192.0.2.1") -> list[StringTransport]:
        transports = []
        for _ in range(2):
            proto, transport = connect(factory, self.clock, host)
            output(transport, self.clock)
            self.assertFalse(transport.disconnecting)
            transports.append(transport)
        return transports

    def test_tchat(self) -> None:
        """
        Over the per-address limit a TCHAT newcomer gets C{ERROR 04} and is
        closed; another address still gets in; a closed connection frees its
        place.
        """
        factory = TchatFactory(self.service, self.clock, aliveAfter=None)
        proto, _ = connect(factory, self.clock, "192.0.2.1")
        self.fill(factory, "192.0.2.5")
        _, transport = connect(factory, self.clock, "192.0.2.1")
        self.assertEqual(output(transport, self.clock), b"srv: TCHAT 1\n")
        _, transport = connect(factory, self.clock, "192.0.2.1")
        self.assertEqual(output(transport, self.clock), b"srv: ERROR 04\n")
        self.assertTrue(transport.disconnecting)
        self.assertEqual(self.service.admission.count, 4)
        self.assertEqual(len(self.service.connections()), 4)
        proto.connectionLost(Failure(ConnectionDone()))
        self.assertEqual(self.service.admission.count, 3)
        _, transport = connect(factory, self.clock, "192.0.2.1")
        self.assertEqual(output(transport, self.clock), b"srv: TCHAT 1\n")

    def test_refusedReleasesNothing(self) -> None:
        """
        A refused connection's close does not give back a place it never
        had; one refused by a later check (a banned address) gives back the
        one it was counted in.
        """
        factory = TchatFactory(self.service, self.clock, aliveAfter=None)
        self.fill(factory)
        refused, _ = connect(factory, self.clock, "192.0.2.1")
        refused.connectionLost(Failure(ConnectionDone()))
        self.assertEqual(self.service.admission.count, 2)
        self.service.moderation.banAddress(ip_network("192.0.2.9"), "spam", "root")
        banned, transport = connect(factory, self.clock, "192.0.2.9")
        self.assertEqual(output(transport, self.clock), b"srv: ERROR 24\n")
        self.assertTrue(transport.disconnecting)
        self.assertEqual(self.service.admission.count, 2)
        banned.connectionLost(Failure(ConnectionDone()))
        self.assertEqual(self.service.admission.count, 2)

    def test_talk(self) -> None:
        """
        A talk newcomer over the limit reads why, then is closed.
        """
        factory = TalkFactory(self.service, self.clock)
        self.fill(factory)
        _, transport = connect(factory, self.clock, "192.0.2.1")
        self.assertEqual(
            output(transport, self.clock),
            b"Sorry, too many connections are open from your address: close one first.\r\n",
        )
        self.assertTrue(transport.disconnecting)

    def test_talkTooFast(self) -> None:
        """
        Over the per-minute limit, the talk newcomer is told to wait.
        """
        self.service.admission.perMinute = 1
        factory = TalkFactory(self.service, self.clock)
        connect(factory, self.clock, "192.0.2.1")
        _, transport = connect(factory, self.clock, "192.0.2.1")
        self.assertIn(b"wait a minute", output(transport, self.clock))

    def test_irc(self) -> None:
        """
        An IRC newcomer over the limit gets one C{ERROR} line, then is closed.
        """
        factory = IRCFactory(self.service, self.clock)
        self.fill(factory)
        _, transport = connect(factory, self.clock, "192.0.2.1")
        self.assertEqual(
            output(transport, self.clock),
            b"ERROR :Closing Link: 192.0.2.1 (too many connections from your address)\r\n",
        )
        self.assertTrue(transport.disconnecting)

    def test_limitsAreShared(self) -> None:
        """
        The limit counts the connections of every listener together.
        """
        connect(TchatFactory(self.service, self.clock, aliveAfter=None), self.clock, "192.0.2.1")
        connect(IRCFactory(self.service, self.clock), self.clock, "192.0.2.1")
        _, transport = connect(TalkFactory(self.service, self.clock), self.clock, "192.0.2.1")
        self.assertTrue(transport.disconnecting)

    def webConnect(self, site: object, address: object) -> tuple[GuardProtocol, StringTransport]:
        protocol = site.buildProtocol(address)  # type: ignore[attr-defined]
        assert isinstance(protocol, GuardProtocol)
        transport = StringTransport(peerAddress=address)
        protocol.makeConnection(transport)
        return protocol, transport

    def test_web(self) -> None:
        """
        A web connection counts once its WebSocket handshake is admitted
        (plain HTTP counts nothing): over the limit, the WebSocket is told
        why (error 4) and closed, holding no place; the place of one that
        closes is given back.
        """
        site = makeSite(self.service, self.clock)
        address = IPv4Address("TCP", "192.0.2.1", 1234)
        first, _ = self.webConnect(site, address)
        first.dataReceived(handshake())
        self.webConnect(site, address)[0].dataReceived(handshake())
        refused, transport = self.webConnect(site, address)
        self.assertEqual(transport.value(), b"")
        refused.dataReceived(handshake())
        _, texts, closeCode = toldAndClosed(transport.value())
        told = b'{"type":"error","code":4,"text":"too many connections from your address"}'
        self.assertEqual((texts, closeCode), ([told], 1013))
        refused.connectionLost(Failure(ConnectionDone()))
        self.assertEqual(self.service.admission.count, 2)
        first.connectionLost(Failure(ConnectionDone()))
        self.assertEqual(self.service.admission.count, 1)
        other, _ = self.webConnect(site, IPv6Address("TCP", "2001:db8::1", 1234))
        other.dataReceived(handshake())
        self.assertEqual(self.service.admission.count, 2)


class OptionTests(SynchronousTestCase):
    def build(self, *args: str) -> ChatService:
        options = Options()
        options.parseOptions([*args, "--data-dir", self.mktemp(), "--admin", "off"])
        top = makeService(options, MemoryReactorClock())
        [chat] = [s for s in top if isinstance(s, ChatService)]  # type: ignore[attr-defined]
        return chat

    def test_defaults(self) -> None:
        """
        The limits are on by default, with no address exempt, loopback
        included.
        """
        admission = self.build().admission
        self.assertEqual(
            (admission.maxClients, admission.perAddress, admission.perMinute, admission.exempt),
            (1000, 10, 30, []),
        )
        self.assertEqual(admission.group("127.0.0.1"), "127.0.0.1")

    def test_options(self) -> None:
        """
        The options reach the service's admission; 0 switches a limit off.
        """
        admission = self.build(
            "--max-per-address",
            "0",
            "--connects-per-minute",
            "5",
            "--limit-exempt",
            "127.0.0.1,10.0.0.0/8",
        ).admission
        self.assertEqual((admission.perAddress, admission.perMinute), (None, 5))
        self.assertEqual(admission.exempt, parseNetworks("127.0.0.1,10.0.0.0/8"))

    def test_badOptions(self) -> None:
        """
        A malformed exemption or a negative limit is a usage error.
        """
        for args in (
            ["--limit-exempt", "10.0.0.0/8,school"],
            ["--max-per-address", "-1"],
            ["--connects-per-minute", "-1"],
            ["--http-header-timeout", "-1"],
        ):
            self.assertRaises((UsageError, ValueError), Options().parseOptions, args)
