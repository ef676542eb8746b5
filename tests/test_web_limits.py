"""
Tests for the web participant's limits: request rate, keepalive, a full server.
"""

from __future__ import annotations

from typing import Any

from twisted.internet.defer import Deferred
from twisted.test.iosim import ConnectionCompleter
from twisted.web.websocket import WebSocketClientEndpoint

from tests.webclient import ClientFactory, WebTestCase


class LimitTests(WebTestCase):
    def options(self) -> dict[str, Any]:
        return {"rate": 1.0, "burst": 3, "floodLimit": 4, "pingInterval": 30.0}

    def test_rateLimit(self) -> None:
        """
        Beyond the burst, requests are refused with an error until tokens
        refill; a client that keeps flooding is disconnected (1008).
        """
        client = self.web.connect("alice")  # the login took one token
        for _ in range(3):
            client.send(type="ping")
        self.web.flush()
        replies = client.take()
        self.assertEqual([reply["type"] for reply in replies], ["ping", "ping", "error"])
        self.assertIn("slow down", replies[2]["text"])
        self.reactor.advance(1)
        self.assertEqual(self.request(client, type="ping")["type"], "ping")
        for _ in range(6):
            client.send(type="ping")
        self.web.flush()
        replies = client.take()
        self.assertEqual(replies[-1]["text"], "flooding: disconnected")
        self.assertIsNotNone(client.lost)
        self.assertEqual(self.service.stats.disconnects["web", "flood"], 1)

    def test_noRateLimit(self) -> None:
        """
        With no C{burst}, requests are not rate-limited.
        """
        self.web.site.site.resource.children[b"ws"].wrapped.factory.burst = None
        client = self.web.connect("alice")
        for _ in range(50):
            client.send(type="ping")
        self.web.flush()
        self.assertEqual([frame["type"] for frame in client.take()], ["ping"] * 50)
        self.assertIsNone(client.lost)

    def test_keepalive(self) -> None:
        """
        The server pings every C{pingInterval}; a client that answers stays,
        one that does not answer before the next ping is closed.
        """
        alive, dead = self.web.connect("alive"), self.web.connect("dead")
        deadPump = self.web.pumps.pop()
        for _ in range(3):
            self.reactor.advance(30)
            self.web.flush()
        self.assertIsNone(alive.lost)
        self.assertEqual(len(alive.take()), 0)
        deadPump.flush()
        self.assertIsNotNone(dead.lost)
        self.assertEqual(self.service.find("dead"), None)
        self.assertIsNotNone(self.service.find("alive"))
        self.assertEqual(self.service.stats.disconnects["web", "timeout"], 1)

    def test_serverFull(self) -> None:
        """
        When the service is full, the handshake completes, then an error with
        code 2 is sent and the connection closed (1013: try again later).
        """
        self.service.maxClients = 1
        self.web.connect("alice")
        endpoint = WebSocketClientEndpoint.new(self.reactor, "http://localhost/ws")
        connected = Deferred.fromCoroutine(endpoint.connect(ClientFactory()))
        pump = ConnectionCompleter(self.reactor).succeedOnce()
        assert pump is not None
        pump.flush()
        client = self.successResultOf(connected)
        self.assertEqual(client.received[0]["code"], 2)
        self.assertIsNotNone(client.lost)
        self.assertEqual(len(self.service.connections()), 1)
