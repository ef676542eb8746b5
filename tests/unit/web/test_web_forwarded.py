"""
Tests for L{chatd.web.forwarded}: the client's address behind a trusted
HTTP reverse proxy, and the limits counted under it.
"""

from __future__ import annotations

from ipaddress import ip_network

from twisted.internet.address import IPv4Address
from twisted.internet.testing import MemoryReactorClock, StringTransport
from twisted.trial.unittest import SynchronousTestCase
from twisted.web.http_headers import Headers

from chatd.core.admission import Admission, parseNetworks
from chatd.core.service import ChatService
from chatd.irc.factory import IRCFactory
from chatd.web.forwarded import TrustedProxies, forwardedScheme
from chatd.web.guard import GuardProtocol
from chatd.web.ircsocket import IRCWebSocket
from chatd.web.site import makeSite
from chatd.web.socket import WebParticipant
from tests.support.webclient import HANDSHAKE, toldAndClosed


def headers(**fields: str | list[str]) -> Headers:
    result = Headers()
    for name, value in fields.items():
        values = value if isinstance(value, list) else [value]
        result.setRawHeaders(name.replace("_", "-"), values)
    return result


class ClientOfTests(SynchronousTestCase):
    """
    L{TrustedProxies.clientOf}: which address a request is for.
    """

    proxies = TrustedProxies(parseNetworks("127.0.0.1,::1,10.0.0.0/8"))

    def test_untrustedPeer(self) -> None:
        """
        A peer that is not a trusted proxy is the client, whatever its
        headers say: a client cannot choose its own address.
        """
        spoofed = headers(x_forwarded_for="192.0.2.7", forwarded="for=192.0.2.8")
        self.assertEqual(self.proxies.clientOf("198.51.100.1", spoofed), "198.51.100.1")

    def test_trustedPeer(self) -> None:
        """
        A trusted proxy's request is for the address it appended to
        C{X-Forwarded-For}.
        """
        self.assertEqual(
            self.proxies.clientOf("127.0.0.1", headers(x_forwarded_for="192.0.2.7")), "192.0.2.7"
        )
        self.assertEqual(
            self.proxies.clientOf("::1", headers(x_forwarded_for="2001:db8::5")), "2001:db8::5"
        )

    def test_noHeader(self) -> None:
        """
        A trusted proxy's request that names nobody is the proxy's own.
        """
        self.assertEqual(self.proxies.clientOf("127.0.0.1", Headers()), "127.0.0.1")

    def test_spoofedEntries(self) -> None:
        """
        What a client put in C{X-Forwarded-For} itself, left of what the
        proxy appended, is ignored.
        """
        spoofed = headers(x_forwarded_for=["10.0.0.1, 6.6.6.6", "203.0.113.9"])
        self.assertEqual(self.proxies.clientOf("127.0.0.1", spoofed), "203.0.113.9")

    def test_severalHops(self) -> None:
        """
        Through several trusted proxies, the client is the rightmost address
        that is not one of them; if all are, the leftmost.
        """
        chain = headers(x_forwarded_for="6.6.6.6, 198.51.100.4, 10.1.2.3, 10.9.9.9")
        self.assertEqual(self.proxies.clientOf("127.0.0.1", chain), "198.51.100.4")
        allTrusted = headers(x_forwarded_for="10.1.2.3, 10.9.9.9")
        self.assertEqual(self.proxies.clientOf("127.0.0.1", allTrusted), "10.1.2.3")

    def test_notAnAddress(self) -> None:
        """
        An entry that is not an address stops the walk: the request is the
        trusted proxy's that named it.
        """
        chain = headers(x_forwarded_for="192.0.2.7, unknown, 10.1.2.3")
        self.assertEqual(self.proxies.clientOf("127.0.0.1", chain), "10.1.2.3")

    def test_forwarded(self) -> None:
        """
        Without C{X-Forwarded-For}, RFC 7239 C{Forwarded}'s C{for=} values
        are read the same way, quoted IPv6 with a port included.
        """
        forwarded = headers(
            forwarded='for=6.6.6.6, for="[2001:db8:cafe::17]:4711";proto=https, For=10.0.0.2'
        )
        self.assertEqual(self.proxies.clientOf("127.0.0.1", forwarded), "2001:db8:cafe::17")

    def test_xForwardedForFirst(self) -> None:
        """
        C{X-Forwarded-For}, which nginx's, Apache's and Caddy's proxies set,
        is read rather than a C{Forwarded} the client may have sent.
        """
        both = headers(x_forwarded_for="192.0.2.7", forwarded="for=6.6.6.6")
        self.assertEqual(self.proxies.clientOf("127.0.0.1", both), "192.0.2.7")

    def test_portsAndMapped(self) -> None:
        """
        An entry with a port, or an IPv4-mapped IPv6 one, names its address.
        """
        entries = headers(x_forwarded_for="192.0.2.7:4711, ::ffff:10.0.0.3")
        self.assertEqual(self.proxies.clientOf("::ffff:127.0.0.1", entries), "192.0.2.7")


class ForwardedSchemeTests(SynchronousTestCase):
    """
    L{forwardedScheme}: the scheme the last proxy names.
    """

    def test_xForwardedProto(self) -> None:
        """
        The last C{X-Forwarded-Proto} value counts (the proxy chatd is
        connected to wrote it), over C{Forwarded}; case and spaces aside.
        """
        self.assertEqual(forwardedScheme(headers(x_forwarded_proto="HTTPS")), "https")
        self.assertEqual(forwardedScheme(headers(x_forwarded_proto="http, https ")), "https")
        self.assertEqual(forwardedScheme(headers(x_forwarded_proto=["https", "http"])), "http")
        both = headers(x_forwarded_proto="http", forwarded="for=192.0.2.7;proto=https")
        self.assertEqual(forwardedScheme(both), "http")

    def test_forwarded(self) -> None:
        """
        Without C{X-Forwarded-Proto}, the last C{proto=} of C{Forwarded}.
        """
        chain = headers(forwarded='for=192.0.2.7;proto=http, for="[2001:db8::1]";Proto="https"')
        self.assertEqual(forwardedScheme(chain), "https")

    def test_nothingKnown(self) -> None:
        """
        No header, or a scheme other than http and https, names none.
        """
        self.assertIsNone(forwardedScheme(headers()))
        self.assertIsNone(forwardedScheme(headers(x_forwarded_proto="gopher")))
        self.assertIsNone(forwardedScheme(headers(forwarded="for=192.0.2.7")))


class ProxiedSiteTests(SynchronousTestCase):
    """
    The web front-end behind a trusted proxy at 127.0.0.1: each WebSocket
    is counted, limited and known under its client's address.
    """

    def setUp(self) -> None:
        self.clock = MemoryReactorClock()
        self.admission = Admission(self.clock, maxClients=100, perAddress=1)
        self.service = ChatService(self.clock, admission=self.admission)
        self.site = makeSite(
            self.service,
            self.clock,
            trustedProxies=parseNetworks("127.0.0.1"),
            irc=IRCFactory(self.service, self.clock),
        )

    def upgrade(self, peer: str, extra: bytes, path: bytes = b"/ws") -> tuple[bytes, GuardProtocol]:
        address = IPv4Address("TCP", peer, 5555)
        protocol = self.site.buildProtocol(address)
        assert isinstance(protocol, GuardProtocol)
        transport = StringTransport(peerAddress=address)
        protocol.makeConnection(transport)
        request = HANDSHAKE % (b"localhost", extra)
        protocol.dataReceived(request.replace(b"GET /ws ", b"GET " + path + b" ", 1))
        self.clock.advance(0)
        return transport.value(), protocol

    def test_countedUnderClient(self) -> None:
        """
        Each WebSocket a trusted proxy forwards is its client's: the
        participant has the client's address, a second one from that client
        is over the limit of one (told so, code 4), while another client gets in; the
        proxy's own address counts nothing.
        """
        written, guard = self.upgrade("127.0.0.1", b"X-Forwarded-For: 6.6.6.6, 192.0.2.7\r\n")
        self.assertTrue(written.startswith(b"HTTP/1.1 101 "), written)
        assert isinstance(guard.listener, WebParticipant)
        self.assertEqual(guard.listener.address, "192.0.2.7")
        self.assertEqual(self.admission.openFrom("192.0.2.7"), 1)
        self.assertEqual(self.admission.openFrom("127.0.0.1"), 0)
        written, _ = self.upgrade("127.0.0.1", b"X-Forwarded-For: 192.0.2.7\r\n")
        _, texts, closeCode = toldAndClosed(written)
        self.assertEqual((len(texts), closeCode), (1, 1013))
        self.assertIn(b'"code":4,"text":"too many connections from your address"', texts[0])
        written, guard = self.upgrade("127.0.0.1", b"X-Forwarded-For: 192.0.2.8\r\n")
        self.assertTrue(written.startswith(b"HTTP/1.1 101 "), written)
        self.assertEqual(self.admission.count, 2)  # the refused one holds nothing

    def test_untrustedPeer(self) -> None:
        """
        A client that is not a trusted proxy and sends C{X-Forwarded-For}
        is known and counted under its own address.
        """
        written, guard = self.upgrade("192.0.2.50", b"X-Forwarded-For: 192.0.2.7\r\n")
        self.assertTrue(written.startswith(b"HTTP/1.1 101 "), written)
        assert isinstance(guard.listener, WebParticipant)
        self.assertEqual(guard.listener.address, "192.0.2.50")
        self.assertEqual(self.admission.openFrom("192.0.2.7"), 0)
        written, _ = self.upgrade("192.0.2.50", b"X-Forwarded-For: 192.0.2.9\r\n")
        self.assertIn(b'"code":4', toldAndClosed(written)[1][0])

    def test_ircOverWebSocket(self) -> None:
        """
        IRC over WebSocket (C{/socket}) through the proxy is its client's
        too: the IRC connection's peer is the client's address, counted
        under it; one over the limit is told so in IRC and closed 1013.
        """
        extra = b"X-Forwarded-For: 192.0.2.7\r\n"
        written, guard = self.upgrade("127.0.0.1", extra, b"/socket")
        self.assertTrue(written.startswith(b"HTTP/1.1 101 "), written)
        assert isinstance(guard.listener, IRCWebSocket)
        self.assertEqual(getattr(guard.listener.getPeer(), "host", None), "192.0.2.7")
        self.assertEqual(self.admission.openFrom("192.0.2.7"), 1)
        written, _ = self.upgrade("127.0.0.1", extra, b"/socket")
        _, texts, closeCode = toldAndClosed(written)
        self.assertEqual(len(texts), 1)
        self.assertTrue(texts[0].startswith(b"ERROR :Closing Link: "), texts)
        self.assertIn(b"(too many connections from your address)", texts[0])
        self.assertEqual(closeCode, 1013)  # try again later, as on /ws

    def test_httpsFromTrustedProxy(self) -> None:
        """
        Behind a trusted proxy that terminates TLS, the page served over
        https opens its WebSocket: the proxy's C{X-Forwarded-Proto: https}
        (or C{Forwarded: proto=https}) makes C{https://localhost} the same
        origin, with no C{--web-origins}; the proxy saying http, or saying
        nothing, leaves it another origin (403), as does a peer that is not
        a trusted proxy saying https.
        """
        origin = b"Origin: https://localhost\r\n"
        for said in (b"X-Forwarded-Proto: https\r\n", b"Forwarded: for=192.0.2.7;proto=https\r\n"):
            written, _ = self.upgrade("127.0.0.1", origin + said)
            self.assertTrue(written.startswith(b"HTTP/1.1 101 "), written)
        for peer, said in [
            ("127.0.0.1", b"X-Forwarded-Proto: http\r\n"),
            ("127.0.0.1", b""),
            ("192.0.2.50", b"X-Forwarded-Proto: https\r\n"),
        ]:
            written, _ = self.upgrade(peer, origin + said)
            self.assertTrue(written.startswith(b"HTTP/1.1 403 "), (peer, said, written))
        written, _ = self.upgrade("192.0.2.51", b"Origin: http://localhost\r\n" + said)
        self.assertTrue(written.startswith(b"HTTP/1.1 101 "), written)

    def test_addressBan(self) -> None:
        """
        An address ban reaches a client behind the proxy, and only that
        client: the proxy's other clients are served.
        """
        self.service.moderation.banAddress(ip_network("192.0.2.7"), "spam", "root")
        written, _ = self.upgrade("127.0.0.1", b"X-Forwarded-For: 192.0.2.7\r\n")
        self.assertIn(b"your address is banned", written)
        self.assertNotIn(b'"hello"', written)
        written, _ = self.upgrade("127.0.0.1", b"X-Forwarded-For: 192.0.2.8\r\n")
        self.assertIn(b'"hello"', written)
