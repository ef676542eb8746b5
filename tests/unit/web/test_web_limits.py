"""
Tests for the web participant's limits: request rate, keepalive, a full server.
"""

from __future__ import annotations

from typing import Any

from twisted.internet.error import ConnectionDone
from twisted.python.failure import Failure

from tests.support.webclient import WebTestCase, handshake


class LimitTests(WebTestCase):
    def options(self) -> dict[str, Any]:
        return {"rate": 1.0, "burst": 3, "floodLimit": 4, "pingInterval": 30.0}

    def test_rateLimit(self) -> None:
        """
        Beyond the burst, requests are refused with an error (naming the
        request's C{id} and type, so a client waiting for it is answered)
        until tokens refill; a client that keeps flooding is disconnected
        (1008).
        """
        client = self.web.connect("alice")  # the login took one token
        for n in range(3):
            client.send(type="ping", id=f"p{n}")
        self.web.flush()
        replies = client.take()
        self.assertEqual([reply["type"] for reply in replies], ["ping", "ping", "error"])
        self.assertIn("slow down", replies[2]["text"])
        self.assertEqual((replies[2]["id"], replies[2]["request"]), ("p2", "ping"))
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
        When the service is full, a new HTTP connection (a WebSocket
        handshake or any other request) is answered 503 and closed before a
        byte of it is read; once a connection closes, the next gets in.
        """
        self.service.admission.maxClients = 1
        alice = self.web.connect("alice")
        written, transport, guard = self.web.rawRequest(handshake())
        self.assertTrue(written.startswith(b"HTTP/1.1 503 Service Unavailable\r\n"), written)
        self.assertIn(b"\r\nConnection: close\r\n", written)
        self.assertTrue(written.endswith(b"\r\n\r\nthe server is full, try again later\n"))
        self.assertTrue(transport.disconnecting)
        guard.connectionLost(Failure(ConnectionDone()))
        self.assertEqual(len(self.service.connections()), 1)
        self.assertEqual(self.service.admission.count, 1)
        alice.transport.loseConnection()
        self.web.flush()
        self.assertIsNotNone(alice.lost)
        self.assertEqual(self.service.admission.count, 0)
        self.web.connect("bob")
        self.assertEqual(self.service.admission.count, 1)
