"""
Tests for L{chatd.web.flood}: a WebSocket client's pings take from the same
allowance as its requests, so a ping flood is refused and closed as a flood.
"""

from __future__ import annotations

from typing import Any

from chatd.web.flood import SLOW_DOWN
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


def lines(count: int) -> str:
    """A message body of C{count} lines."""
    return "\n".join(f"line {n}" for n in range(count))


class RoomCase(WebTestCase):
    """
    alice and bob in the lobby, each with a full allowance of C{burst}
    tokens refilled at 20 a second.
    """

    burst = 100

    def options(self) -> dict[str, Any]:
        return {"rate": 20.0, "burst": self.burst, "floodLimit": 50, "pingInterval": 1e9}

    def setUp(self) -> None:
        super().setUp()
        self.alice, self.bob = self.web.connect("alice"), self.web.connect("bob")
        for client in (self.alice, self.bob):
            self.assertEqual(self.request(client, type="join", room="lobby")["type"], "join")
        self.reactor.advance(10)  # both allowances full again
        self.web.flush()
        self.alice.take(), self.bob.take()

    def say(self, text: str) -> dict[str, Any]:
        return self.request(self.alice, type="say", room="lobby", text=text)

    def heard(self) -> list[str]:
        """The room messages bob got since last asked."""
        self.web.flush()
        return [frame["text"] for frame in self.bob.take() if frame["type"] == "message"]


class LineCostTests(RoomCase):
    """
    A request sending text (C{say}, C{tell}) costs one token per line of it,
    as each line of a TCHAT or IRC message does: a 100-line C{say} is not one
    request's worth of what the room's other members receive.
    """

    def test_linesCostTokens(self) -> None:
        """
        A 100-line C{say} takes 100 tokens: with 99 left, the next is refused
        ("too many messages, slow down") and nobody gets it; one token more
        and it goes.
        """
        self.assertEqual(self.say(lines(100))["type"], "say")
        self.assertEqual(len(self.heard()), 1)
        self.reactor.advance(99 / 20)
        refused = self.say(lines(100))
        self.assertEqual((refused["type"], refused["text"]), ("error", SLOW_DOWN))
        self.assertEqual(self.heard(), [])
        self.reactor.advance(1 / 20)
        self.assertEqual(self.say(lines(100))["type"], "say")
        self.assertEqual(len(self.heard()), 1)

    def test_burstOfLongMessagesRefused(self) -> None:
        """
        Of a burst of 100-line messages, only the allowance's worth goes:
        the room gets 100 lines, not 3,000; they go at the rate after.
        """
        for _ in range(30):
            self.alice.send(type="say", room="lobby", text=lines(100))
        self.web.flush()
        replies = self.alice.take()
        self.assertEqual([r["type"] for r in replies], ["say"] + ["error"] * 29)
        self.assertEqual({r["text"] for r in replies[1:]}, {SLOW_DOWN})
        self.assertEqual(len(self.heard()), 1)
        self.assertIsNone(self.alice.lost)
        self.reactor.advance(5)
        self.assertEqual(self.say(lines(100))["type"], "say")

    def test_tooManyLinesCostTheLimit(self) -> None:
        """
        A message of more lines than a message may have (C{--max-body-lines},
        100) is refused unsent, and costs no more than 100 lines would.
        """
        refused = self.say("a" + "\n" * 8000 + "b")
        self.assertEqual(refused["text"], "too many lines: a message has at most 100")
        self.reactor.advance(5.1)
        self.assertEqual(self.say("hi")["type"], "say")

    def test_tellLinesCostTokens(self) -> None:
        """
        A private C{tell} costs its lines too.
        """
        for _ in range(33):
            self.assertEqual(
                self.request(self.alice, type="tell", to="bob", text=lines(3))["type"], "tell"
            )
        refused = self.request(self.alice, type="tell", to="bob", text=lines(3))
        self.assertEqual((refused["type"], refused["text"]), ("error", SLOW_DOWN))

    def test_oneLineMessagesCostOne(self) -> None:
        """
        One-line messages still cost a token each: the burst's worth go,
        the next is refused.
        """
        for _ in range(100):
            self.alice.send(type="say", room="lobby", text="hi")
        self.web.flush()
        self.assertEqual({r["type"] for r in self.alice.take()}, {"say"})
        self.assertEqual(self.say("hi")["text"], SLOW_DOWN)
        self.assertEqual(len(self.heard()), 100)

    def test_longLinesCostTheirBytes(self) -> None:
        """
        A line longer than a TCHAT line may be (C{--max-line-length}, 4096
        bytes) costs what it would take there: a token per 4096 bytes of
        UTF-8, begun, so one line of 16,384 letters is 4 tokens (and 12 in
        Chinese, 3 bytes each), and 25 of them spend the burst of 100.
        """
        letters = "a" * 16_384
        for _ in range(25):
            self.assertEqual(self.say(letters)["type"], "say")
        self.assertEqual(self.say("hi")["text"], SLOW_DOWN)
        self.reactor.advance(11.9 / 20)
        self.assertEqual(self.say("\u4e2d" * 16_384)["text"], SLOW_DOWN)
        self.reactor.advance(0.1 / 20)
        self.assertEqual(self.say("\u4e2d" * 16_384)["type"], "say")
        self.assertEqual(self.say("hi")["text"], SLOW_DOWN)

    def test_linesUpToTheLimitCostOne(self) -> None:
        """
        A line of exactly 4096 bytes costs one token, as on TCHAT; one byte
        more, two: a message of one of each costs 3.
        """
        both = "a" * 4096 + "\n" + "b" * 4097
        for _ in range(33):
            self.assertEqual(self.say(both)["type"], "say")
        self.assertEqual(self.say(both)["text"], SLOW_DOWN)
        self.reactor.advance(1.9 / 20)
        self.assertEqual(self.say(both)["text"], SLOW_DOWN)
        self.reactor.advance(0.1 / 20)
        self.assertEqual(self.say(both)["type"], "say")


class OverTheBurstTests(RoomCase):
    burst = 10

    def test_longerThanTheBurst(self) -> None:
        """
        A message longer than the burst goes with a full allowance and
        leaves it owing the rest: nothing more goes until that is repaid.
        """
        self.assertEqual(self.say(lines(50))["type"], "say")
        self.reactor.advance(1.9)  # 38 of the 40 owed
        self.assertEqual(self.say("hi")["text"], SLOW_DOWN)
        self.reactor.advance(0.2)
        self.assertEqual(self.say("hi")["type"], "say")
