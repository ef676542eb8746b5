"""
Tests for L{chatd.web.channel} and L{chatd.web.handshake}: the HTTP side's
deadline for request headers, its refusal of request bodies, and the checks a
WebSocket handshake must pass; and that no remote input to the web front-end
(a malformed handshake, odd JSON) leaves a traceback.
"""

from __future__ import annotations

import tempfile
from base64 import b64encode
from typing import Any

from twisted.internet.address import IPv4Address
from twisted.internet.error import ConnectionDone
from twisted.internet.testing import StringTransport
from twisted.logger import ILogObserver, globalLogPublisher
from twisted.python.failure import Failure
from zope.interface import provider

from chatd.web.guard import GuardProtocol
from chatd.web.handshake import validKey
from tests.support.webclient import WebTestCase, handshake

GET_PAGE = b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n"


class ChannelTests(WebTestCase):
    def options(self) -> dict[str, Any]:
        return {"headerTimeout": 10.0}

    def setUp(self) -> None:
        super().setUp()
        self.failures: list[dict[str, Any]] = []

        @provider(ILogObserver)
        def observe(event: dict[str, Any]) -> None:
            if "log_failure" in event:
                self.failures.append(event)

        globalLogPublisher.addObserver(observe)
        self.addCleanup(globalLogPublisher.removeObserver, observe)

    def open(self) -> tuple[GuardProtocol, StringTransport]:
        address = IPv4Address("TCP", "192.0.2.1", 5555)
        protocol = self.web.site.buildProtocol(address)
        assert isinstance(protocol, GuardProtocol)
        transport = StringTransport(peerAddress=address)
        protocol.makeConnection(transport)
        return protocol, transport

    def written(self, transport: StringTransport) -> bytes:
        self.reactor.advance(0)
        data: bytes = transport.value()
        transport.clear()
        return data

    def test_slowHeaders(self) -> None:
        """
        A client trickling its request headers a byte at a time is answered
        408 and closed once the deadline passes, however often it sends.
        """
        protocol, transport = self.open()
        for byte in b"GET / HTTP/1.1\r\nHost: localhost\r\nX-Slow: ":
            protocol.dataReceived(bytes([byte]))
            self.reactor.advance(0.2)  # 41 bytes: 8.2 s
        self.assertFalse(transport.disconnecting)
        self.reactor.advance(1.7)
        protocol.dataReceived(b"x")
        self.assertFalse(transport.disconnecting)
        self.reactor.advance(0.1)
        self.assertTrue(self.written(transport).startswith(b"HTTP/1.1 408 Request Timeout\r\n"))
        self.assertTrue(transport.disconnecting)
        protocol.connectionLost(Failure(ConnectionDone()))
        self.assertEqual(self.service.admission.count, 0)
        self.assertEqual(self.failures, [])

    def test_silentConnection(self) -> None:
        """
        A connection that never sends a request is closed at the deadline,
        without a response: there was no request to answer.
        """
        protocol, transport = self.open()
        self.reactor.advance(9.9)
        self.assertFalse(transport.disconnecting)
        self.reactor.advance(0.1)
        self.assertTrue(transport.disconnecting)
        self.assertEqual(self.written(transport), b"")

    def test_idleKeepAlive(self) -> None:
        """
        After a response, the next request's headers have the same deadline:
        an idle keep-alive connection does not hold its place for ever.
        """
        protocol, transport = self.open()
        self.reactor.advance(9)
        protocol.dataReceived(GET_PAGE)
        self.assertTrue(self.written(transport).startswith(b"HTTP/1.1 200 OK\r\n"))
        self.reactor.advance(9)
        self.assertFalse(transport.disconnecting)
        protocol.dataReceived(GET_PAGE)
        self.assertTrue(self.written(transport).startswith(b"HTTP/1.1 200 OK\r\n"))
        self.reactor.advance(10)
        self.assertTrue(transport.disconnecting)
        self.assertEqual(self.written(transport), b"")

    def test_pipelined(self) -> None:
        """
        Requests sent together are answered together; the deadline then
        runs for the next one only.
        """
        protocol, transport = self.open()
        protocol.dataReceived(GET_PAGE * 3)
        self.assertEqual(self.written(transport).count(b"HTTP/1.1 200 OK\r\n"), 3)
        self.reactor.advance(9.9)
        self.assertFalse(transport.disconnecting)
        self.reactor.advance(0.1)
        self.assertTrue(transport.disconnecting)

    def test_webSocketNotTimed(self) -> None:
        """
        Once the handshake is read, the WebSocket lives on without the
        header deadline (its own keepalive watches it).
        """
        client = self.web.connect("alice")
        self.reactor.advance(25)
        self.web.flush()
        self.assertIsNone(client.lost)
        self.assertEqual(self.request(client, type="ping")["type"], "ping")

    def test_bodyRefused(self) -> None:
        """
        A request with a body (1 MB here) is answered 413 as soon as its
        headers are in, and closed: nothing of the body is stored, in memory
        or in a temporary file.
        """

        def noSpooling(*args: object, **kwargs: object) -> None:
            raise AssertionError("a request body was spooled to disk")

        self.patch(tempfile, "TemporaryFile", noSpooling)
        protocol, transport = self.open()
        body = b"x" * (1 << 20)
        protocol.dataReceived(
            b"POST / HTTP/1.1\r\nHost: localhost\r\nContent-Length: %d\r\n\r\n" % len(body)
        )
        written = self.written(transport)
        self.assertTrue(written.startswith(b"HTTP/1.1 413 Content Too Large\r\n"), written)
        self.assertTrue(transport.disconnecting)
        protocol.dataReceived(body)
        self.assertEqual(self.written(transport), b"")
        protocol.connectionLost(Failure(ConnectionDone()))
        self.assertEqual(self.service.admission.count, 0)
        self.assertEqual(self.failures, [])

    def test_tooLongLines(self) -> None:
        """
        A request line too long to read is answered 414, a header line too
        long, one header too many or too many bytes of them 431, and the
        connection closed (Twisted alone closes without a word, or says 400);
        a second request on a kept-alive connection is read anew.
        """
        for request, status in [
            (b"GET /" + b"a" * 20000 + b" HTTP/1.1\r\n", b"414 URI Too Long"),
            (b"GET / HTTP/1.1\r\nX-Big: " + b"b" * 20000 + b"\r\n", b"431 Request Header"),
            (GET_PAGE + b"GET /" + b"a" * 20000 + b" HTTP/1.1\r\n", b"414 URI Too Long"),
            (b"GET / HTTP/1.1\r\n" + b"X-A: b\r\n" * 501, b"431 Request Header"),
            (b"GET / HTTP/1.1\r\n" + (b"X-A: " + b"b" * 4000 + b"\r\n") * 5, b"431 Request Header"),
        ]:
            protocol, transport = self.open()
            protocol.dataReceived(request)
            written = self.written(transport)
            self.assertIn(b"HTTP/1.1 " + status, written)
            self.assertTrue(transport.disconnecting)
            protocol.connectionLost(Failure(ConnectionDone()))
        protocol, transport = self.open()  # as many headers as allowed: served
        protocol.dataReceived(b"GET / HTTP/1.1\r\nHost: x\r\n" + b"X-A: b\r\n" * 499 + b"\r\n")
        self.assertTrue(self.written(transport).startswith(b"HTTP/1.1 200 OK"))
        protocol.connectionLost(Failure(ConnectionDone()))
        self.assertEqual(self.failures, [])

    def test_chunkedBodyRefused(self) -> None:
        """
        A chunked body (of unknown length) is refused the same way.
        """
        protocol, transport = self.open()
        protocol.dataReceived(
            b"POST /ws HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n"
            b"5\r\nhello\r\n"
        )
        self.assertTrue(self.written(transport).startswith(b"HTTP/1.1 413 "))
        self.assertTrue(transport.disconnecting)

    def test_emptyBodyAllowed(self) -> None:
        """
        C{Content-Length: 0} is no body: the request is handled as usual.
        """
        protocol, transport = self.open()
        protocol.dataReceived(b"GET / HTTP/1.1\r\nHost: localhost\r\nContent-Length: 0\r\n\r\n")
        self.assertTrue(self.written(transport).startswith(b"HTTP/1.1 200 OK\r\n"))

    def assertHandshakeRefused(self, request: bytes, reason: bytes) -> None:
        written, transport, _ = self.web.rawRequest(request)
        self.assertTrue(
            written.startswith(b"HTTP/1.") and b" 400 Bad Request\r\n" in written, written
        )
        self.assertTrue(written.endswith(reason + b"\n"), written)
        self.assertEqual(self.failures, [])
        self.assertEqual(self.service.connections(), [])

    def test_http10WithoutHost(self) -> None:
        """
        C{GET /ws HTTP/1.0} without C{Host} (wsproto raised on it: 500 and a
        traceback) is a 400.
        """
        self.assertHandshakeRefused(
            b"GET /ws HTTP/1.0\r\n\r\n", b"a WebSocket handshake needs HTTP/1.1"
        )
        self.assertHandshakeRefused(
            handshake().replace(b"HTTP/1.1", b"HTTP/1.0").replace(b"Host: localhost\r\n", b""),
            b"a WebSocket handshake needs HTTP/1.1",
        )

    def test_noHost(self) -> None:
        """
        An HTTP/1.1 handshake without C{Host} is a 400.
        """
        self.assertHandshakeRefused(
            handshake().replace(b"Host: localhost\r\n", b""),
            b"a WebSocket handshake needs a Host header",
        )

    def test_badKey(self) -> None:
        """
        A C{Sec-WebSocket-Key} that is not the base64 encoding of 16 bytes,
        or none, or two, is a 400 (RFC 6455 section 4.2.1).
        """
        good = b"dGhlIHNhbXBsZSBub25jZQ=="
        for key in (
            b"abc",
            b64encode(b"x" * 15),
            b64encode(b"x" * 17),
            b"dGhlIHNhbXBsZSBub25jZQ!!",
        ):
            self.assertHandshakeRefused(
                handshake().replace(good, key),
                b"Sec-WebSocket-Key must be the base64 encoding of 16 bytes",
            )
        self.assertHandshakeRefused(
            handshake().replace(b"Sec-WebSocket-Key: " + good + b"\r\n", b""),
            b"Sec-WebSocket-Key must be the base64 encoding of 16 bytes",
        )
        self.assertHandshakeRefused(
            handshake().replace(good, good + b"\r\nSec-WebSocket-Key: " + good),
            b"Sec-WebSocket-Key must be the base64 encoding of 16 bytes",
        )

    def test_goodHandshake(self) -> None:
        """
        A valid handshake is still accepted (101).
        """
        written, _, _ = self.web.rawRequest(handshake())
        self.assertTrue(written.startswith(b"HTTP/1.1 101 "), written)

    def test_headerWsprotoRefuses(self) -> None:
        """
        A header that Twisted takes but wsproto's HTTP parser (h11) refuses,
        here C{Transfer-Encoding: identity} (with no body), is a 400, not a
        500.
        """
        written, _, _ = self.web.rawRequest(
            handshake().replace(
                b"Host: localhost\r\n", b"Host: localhost\r\nTransfer-Encoding: identity\r\n"
            )
        )
        self.assertIn(b" 400 Bad Request\r\n", written)
        self.assertIn(b"not a valid WebSocket handshake", written)
        self.assertEqual(self.failures, [])

    def test_validKey(self) -> None:
        self.assertTrue(validKey(b"dGhlIHNhbXBsZSBub25jZQ=="))
        self.assertFalse(validKey(b"dGhlIHNhbXBsZSBub25jZQ"))
        self.assertFalse(validKey(b""))


class JSONTests(WebTestCase):
    def sendRaw(self, text: str) -> list[dict[str, Any]]:
        client = self.web.connect()
        assert client.transport is not None
        client.transport.sendTextMessage(text)
        self.web.flush()
        frames = client.take()
        self.assertIsNone(client.lost)
        self.assertEqual(self.request(client, type="ping")["type"], "ping")
        return frames

    def test_deeplyNested(self) -> None:
        """
        JSON nested deeper than the parser goes gets an error frame; the
        connection goes on.
        """
        for text in ("[" * 10_000, '{"a":' * 3_000):
            self.assertEqual(
                self.sendRaw(text),
                [{"type": "error", "code": 10, "text": "JSON nested too deeply"}],
            )

    def test_nonFiniteNumbers(self) -> None:
        """
        C{NaN}, C{Infinity} and numbers too large for a float (C{1e999}) are
        refused, never echoed back as C{NaN} or C{Infinity} (not JSON).
        """
        cases = {
            '{"type":"ping","id":1e999}': "numbers must be finite",
            '{"type":"ping","id":-1e999}': "numbers must be finite",
            '{"type":"ping","id":NaN}': "NaN is not a JSON number",
            '{"type":"ping","id":Infinity}': "Infinity is not a JSON number",
            '{"type":"join","room":"lobby","x":[-Infinity]}': "-Infinity is not a JSON number",
        }
        for text, reason in cases.items():
            self.assertEqual(self.sendRaw(text), [{"type": "error", "code": 10, "text": reason}])

    def test_finiteIds(self) -> None:
        """
        Ordinary numbers are still fine as ids.
        """
        client = self.web.connect("alice")
        assert client.transport is not None
        client.transport.sendTextMessage('{"type":"ping","id":1.5e3}')
        self.web.flush()
        self.assertEqual(client.take(), [{"type": "ping", "id": 1500.0}])
