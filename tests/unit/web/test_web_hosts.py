"""
DNS rebinding: a request that came in on a loopback address names a
loopback host or one of the configured origins' hosts, else it gets 403,
page and WebSockets alike; a listener on a public address answers as
before.
"""

from __future__ import annotations

from twisted.internet.address import IPv4Address, IPv6Address, UNIXAddress
from twisted.internet.testing import MemoryReactorClock
from twisted.trial.unittest import SynchronousTestCase

from chatd.core.service import ChatService
from chatd.irc.listener import IRCListener
from chatd.web.hosts import REFUSED, HostRule, hostName, isLoopbackName
from tests.support.webclient import WebHarness, handshake

LOOPBACK = IPv4Address("TCP", "127.0.0.1", 8080)
PUBLIC = IPv4Address("TCP", "192.0.2.7", 8080)


def get(path: bytes, host: bytes) -> bytes:
    return b"GET " + path + b" HTTP/1.1\r\nHost: " + host + b"\r\n\r\n"


class HostTestCase(SynchronousTestCase):
    origins: tuple[str, ...] = ()

    def setUp(self) -> None:
        self.reactor = MemoryReactorClock()
        self.service = ChatService(self.reactor, rooms=["lobby"])
        irc = IRCListener(self.service, self.reactor)
        self.web = WebHarness(self.service, self.reactor, origins=self.origins, irc=irc)

    def status(self, request: bytes, local: object = LOOPBACK) -> bytes:
        response, _, _ = self.web.rawRequest(request, local)  # type: ignore[arg-type]
        return response.split(b"\r\n", 1)[0]


class LoopbackTests(HostTestCase):
    def test_rebound(self) -> None:
        """
        On a loopback address, a request naming another host (a rebound
        name, the evil page's own Origin with it) gets 403: the page, the
        WebSocket and IRC-over-WebSocket handshakes, and no participant
        exists.
        """
        evil = b"evil.example:8080"
        origin = b"http://evil.example:8080"
        for request in [
            get(b"/", evil),
            get(b"/app.js", evil),
            get(b"/healthz", evil),
            handshake(evil, origin),
            handshake(evil, origin).replace(b"GET /ws ", b"GET /socket "),
        ]:
            response, _, _ = self.web.rawRequest(request, LOOPBACK)
            self.assertTrue(response.startswith(b"HTTP/1.1 403 "), response)
            self.assertTrue(response.endswith(REFUSED), response)
        self.assertEqual(self.service.connections(), [])

    def test_loopbackNames(self) -> None:
        """
        C{localhost} (a name under it too), C{127.0.0.0/8} and C{[::1]},
        with or without a port, are served on a loopback address, over
        IPv4 and IPv6.
        """
        for host in [
            b"localhost",
            b"LOCALHOST:8080",
            b"chat.localhost:8080",
            b"127.0.0.1:8080",
            b"127.1.2.3",
            b"[::1]:8080",
        ]:
            for local in (LOOPBACK, IPv6Address("TCP", "::1", 8080)):
                self.assertEqual(self.status(get(b"/", host), local), b"HTTP/1.1 200 OK", host)
        response, _, _ = self.web.rawRequest(
            handshake(b"localhost:8080", b"http://localhost:8080"), LOOPBACK
        )
        self.assertTrue(response.startswith(b"HTTP/1.1 101 "), response)

    def test_mappedLoopback(self) -> None:
        """
        An IPv4 loopback connection on a dual-stack listener (an
        IPv4-mapped local address) is checked too.
        """
        local = IPv6Address("TCP", "::ffff:127.0.0.1", 8080)
        self.assertEqual(self.status(get(b"/", b"evil.example"), local)[9:12], b"403")

    def test_public(self) -> None:
        """
        On a public address, or a UNIX socket, any C{Host} is served as
        before (the Origin check still guards the WebSockets).
        """
        for local in (PUBLIC, UNIXAddress(b"/run/chatd.sock")):
            self.assertEqual(self.status(get(b"/", b"evil.example:8080"), local)[9:12], b"200")
        response, _, _ = self.web.rawRequest(
            handshake(b"chat.example:8080", b"http://chat.example:8080"), PUBLIC
        )
        self.assertTrue(response.startswith(b"HTTP/1.1 101 "), response)


class ConfiguredTests(HostTestCase):
    origins = ("https://Chat.example.org/",)

    def test_configuredHost(self) -> None:
        """
        On a loopback address (behind a proxy on the same machine), the
        host of a configured origin is served, any port; others are not.
        """
        self.assertEqual(self.status(get(b"/", b"chat.example.org")), b"HTTP/1.1 200 OK")
        self.assertEqual(self.status(get(b"/", b"chat.example.org.:443"))[9:12], b"200")
        self.assertEqual(self.status(get(b"/", b"evil.example"))[9:12], b"403")
        response, _, _ = self.web.rawRequest(
            handshake(b"chat.example.org", b"https://chat.example.org"), LOOPBACK
        )
        self.assertTrue(response.startswith(b"HTTP/1.1 101 "), response)


class RuleTests(SynchronousTestCase):
    def test_names(self) -> None:
        """
        L{hostName} drops the port, brackets and a final dot; only
        loopback names are loopback.
        """
        self.assertEqual(hostName("[::1]:8080"), "::1")
        self.assertEqual(hostName("Chat.Example.:80"), "chat.example")
        self.assertEqual(hostName("::1"), "::1")
        self.assertTrue(isLoopbackName("localhost"))
        for name in ("localhost.evil.example", "evil.example", "128.0.0.1", "::2", "0.0.0.0"):
            self.assertFalse(isLoopbackName(name), name)

    def test_anyOrigin(self) -> None:
        """
        C{*} among the origins lets any host through (the operator allowed
        any page).
        """
        self.assertTrue(HostRule(["*"]).anyHost)
        self.assertEqual(
            HostRule(["https://a.example:8443", "http://[::2]"]).names, {"a.example", "::2"}
        )
