"""
Tests for L{chatd.web.flood}: a WebSocket client's pings take from the same
allowance as its requests, so a ping flood is refused and closed as a flood.
"""

from __future__ import annotations

from typing import Any

from tests.support.webclient import JSONClient, WebTestCase

#: The largest payload a ping may carry (RFC 6455, section 5.5).
PING = b"p" * 125


class PingTests(WebTestCase):
    def options(self) -> dict[str, Any]:
        # No keepalive ping (its pong would start the count afresh).
        return {"rate": 1.0, "burst": 3, "floodLimit": 4, "pingInterval": 1e9}

    def ping(self, client: JSONClient, count: int) -> list[dict[str, Any]]:
        for _ in range(count):
            client.transport.ping(PING)
        self.web.flush()
        return client.take()

    def test_pingsTakeFromTheAllowance(self) -> None:
        """
        Pings within the allowance are answered; beyond, each is refused
        with "slow down" and not answered, as a request is; once tokens
        refill, answered again.
        """
        client = self.web.connect("alice")  # the login took one token
        self.assertEqual(self.ping(client, 2), [])
        self.assertEqual(client.pongs, [PING, PING])
        refused = self.ping(client, 1)
        self.assertEqual(
            [(r["type"], r["text"]) for r in refused], [("error", "too many messages, slow down")]
        )
        self.assertEqual(len(client.pongs), 2)
        self.reactor.advance(1)
        self.assertEqual(self.ping(client, 1), [])
        self.assertEqual(len(client.pongs), 3)
        self.assertIsNone(client.lost)

    def test_pingFloodClosedAsFlood(self) -> None:
        """
        A client that keeps pinging is closed as a flooding one (1008,
        "flooding: disconnected"), not as one whose message is too large.
        """
        client = self.web.connect("alice")
        replies = self.ping(client, 20)
        self.assertEqual(replies[-1]["text"], "flooding: disconnected")
        self.assertNotIn("message too large", str(replies))
        self.assertIsNotNone(client.lost)
        self.assertEqual(self.service.stats.disconnects["web", "flood"], 1)

    def test_pingsAtTheRateNeverAddUp(self) -> None:
        """
        Pings sent at the allowed rate are each a whole frame: however many,
        their bytes never count as one message too large.
        """
        client = self.web.connect("alice")
        pings = self.web.site.maxPendingInput // 131 + 100  # 131 bytes each: more in all
        for _ in range(pings):
            self.reactor.advance(1)
            self.assertEqual(self.ping(client, 1), [])
        self.assertEqual(len(client.pongs), pings)
        self.assertIsNone(client.lost)
