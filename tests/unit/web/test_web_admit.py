"""
Tests for L{chatd.web.admit}: the page's plain HTTP requests are not chat
connections and count against no admission limit; only a WebSocket that
becomes a chat connection does, as a TCHAT, talk or IRC connection does.
And for L{chatd.web.httpcap}: the connections one address holds open are
bounded all the same.
"""

from __future__ import annotations

import json

from twisted.internet.address import IPv4Address
from twisted.internet.error import ConnectionDone
from twisted.internet.testing import MemoryReactorClock, StringTransport
from twisted.python.failure import Failure
from twisted.trial.unittest import SynchronousTestCase

from chatd.core.admission import Admission, parseNetworks
from chatd.core.service import ChatService
from chatd.irc.factory import IRCFactory
from chatd.web.guard import GuardProtocol
from chatd.web.httpcap import PER_ADDRESS
from chatd.web.site import makeSite
from tests.support.webclient import handshake, toldAndClosed

#: What a browser fetches to load the page: the page, its style, and its
#: modules (a few of them), several on each keep-alive connection.
PAGE = (b"", b"style.css", b"app.js", b"net.js", b"state.js", b"view.js", b"log.js")


def get(path: bytes) -> bytes:
    return b"GET /" + path + b" HTTP/1.1\r\nHost: localhost\r\n\r\n"


class WebAdmissionTests(SynchronousTestCase):
    """
    The web listener under the default per-address limit (10) and a
    connections-per-minute limit the page's connections would exhaust.
    """

    def setUp(self) -> None:
        self.clock = MemoryReactorClock()
        self.clock.advance(1000)
        self.admission = Admission(self.clock, maxClients=1000, perAddress=10, perMinute=30)
        self.service = ChatService(self.clock, admission=self.admission)
        self.site = makeSite(self.service, self.clock, irc=IRCFactory(self.service, self.clock))

    def open(self, host: str = "192.0.2.1") -> tuple[GuardProtocol, StringTransport]:
        address = IPv4Address("TCP", host, 5555)
        protocol = self.site.buildProtocol(address)
        assert isinstance(protocol, GuardProtocol)
        transport = StringTransport(peerAddress=address)
        protocol.makeConnection(transport)
        return protocol, transport

    def send(self, request: bytes, host: str = "192.0.2.1") -> tuple[bytes, GuardProtocol]:
        protocol, transport = self.open(host)
        protocol.dataReceived(request)
        self.clock.advance(0)
        return transport.value(), protocol

    def test_pageCountsNothing(self) -> None:
        """
        Forty keep-alive HTTP connections from one address, each fetching
        the page's files, are all served (200) and counted by nothing: the
        address's ten chat connections and the total are left whole.
        """
        for _ in range(40):
            protocol, transport = self.open()
            for path in PAGE:
                protocol.dataReceived(get(path))
            written = transport.value()
            self.assertEqual(written.count(b"HTTP/1.1 200 OK\r\n"), len(PAGE), written[:200])
            self.assertNotIn(b" 429 ", written)
            self.assertFalse(transport.disconnecting)
        self.assertEqual((self.admission.count, self.admission.openFrom("192.0.2.1")), (0, 0))
        self.assertEqual(self.admission.refused, {})

    def test_eleventhChatConnectionRefused(self) -> None:
        """
        With page connections open, ten WebSockets from the address are
        chat connections, counted; the eleventh is upgraded only to be told
        why it is refused (an error frame, code 4, as TCHAT's C{ERROR 04}),
        then closed 1013 (try again later), holding no place; once one
        closes, the next gets in.
        """
        for _ in range(7):
            protocol, _ = self.open()
            protocol.dataReceived(get(b"app.js"))
        sockets = []
        for n in range(10):
            path = b"/socket" if n % 2 else b"/ws"
            written, guard = self.send(handshake().replace(b"/ws", path, 1))
            self.assertTrue(written.startswith(b"HTTP/1.1 101 "), written)
            sockets.append(guard)
        self.assertEqual(self.admission.openFrom("192.0.2.1"), 10)
        written, refused = self.send(handshake())
        status, texts, closeCode = toldAndClosed(written)
        self.assertEqual(status, b"HTTP/1.1 101 Switching Protocols")
        told = [json.loads(text) for text in texts]
        error = {"type": "error", "code": 4, "text": "too many connections from your address"}
        self.assertEqual((told, closeCode), ([error], 1013))
        self.assertIsNone(refused.ticket)
        self.assertEqual(self.admission.count, 10)
        self.assertEqual(self.admission.refused, {"address": 1})
        written, _ = self.send(get(b""))
        self.assertTrue(written.startswith(b"HTTP/1.1 200 "), written)
        sockets[0].connectionLost(Failure(ConnectionDone()))
        self.assertEqual(self.admission.count, 9)
        written, _ = self.send(handshake())
        self.assertTrue(written.startswith(b"HTTP/1.1 101 "), written)
        self.assertEqual(self.admission.count, 10)

    def test_fullServerServesThePage(self) -> None:
        """
        A full server (C{--max-clients}) still serves the page; a
        WebSocket is told the server is full (code 2) and closed 1013.
        """
        self.admission.maxClients = 1
        written, _ = self.send(handshake(), "192.0.2.9")
        self.assertTrue(written.startswith(b"HTTP/1.1 101 "), written)
        written, _ = self.send(get(b"app.js"))
        self.assertTrue(written.startswith(b"HTTP/1.1 200 "), written)
        written, _ = self.send(handshake())
        _, texts, closeCode = toldAndClosed(written)
        self.assertEqual([json.loads(text)["code"] for text in texts], [2])
        self.assertEqual(closeCode, 1013)
        self.assertEqual(self.admission.count, 1)

    def test_refusedHandshakeHoldsNothing(self) -> None:
        """
        A handshake turned away before the upgrade (another site's origin,
        a malformed request) holds no place.
        """
        written, guard = self.send(handshake(origin=b"http://evil.example"))
        self.assertTrue(written.startswith(b"HTTP/1.1 403 "), written)
        written, guard = self.send(handshake().replace(b"Sec-WebSocket-Version: 13", b"X: y"))
        self.assertFalse(written.startswith(b"HTTP/1.1 101 "), written)
        self.assertIsNone(guard.ticket)
        self.assertEqual(self.admission.count, 0)


class HTTPConnectionBoundTests(SynchronousTestCase):
    """
    The plain HTTP connections one address holds open are bounded
    (L{chatd.web.httpcap}), so that uncounted by the admission policy they
    still cannot use up the daemon's file descriptors.
    """

    def setUp(self) -> None:
        self.clock = MemoryReactorClock()
        exempt = parseNetworks("198.51.100.0/24")
        self.admission = Admission(self.clock, perAddress=10, exempt=exempt)
        self.service = ChatService(self.clock, admission=self.admission)
        self.site = makeSite(self.service, self.clock)

    def open(self, host: str) -> GuardProtocol | None:
        address = IPv4Address("TCP", host, 5555)
        protocol = self.site.buildProtocol(address)
        if protocol is not None:
            protocol.makeConnection(StringTransport(peerAddress=address))
        return protocol

    def test_boundPerAddress(self) -> None:
        """
        One address gets L{PER_ADDRESS} connections, then none more until
        one closes; another address is not held back, nor is an exempt one.
        """
        held = [self.open("192.0.2.1") for _ in range(PER_ADDRESS)]
        self.assertNotIn(None, held)
        self.assertIsNone(self.open("192.0.2.1"))
        self.assertIsNotNone(self.open("192.0.2.2"))
        for _ in range(PER_ADDRESS + 5):
            self.assertIsNotNone(self.open("198.51.100.7"))
        first = held[0]
        assert first is not None
        first.connectionLost(Failure(ConnectionDone()))
        self.assertIsNotNone(self.open("192.0.2.1"))
        self.assertIsNone(self.open("192.0.2.1"))
