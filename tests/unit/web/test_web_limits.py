"""
Tests for the web participant's limits: request rate, keepalive, a full
server, the lines of one message.
"""

from __future__ import annotations

import json
from typing import Any

from twisted.internet.error import ConnectionDone
from twisted.python.failure import Failure

from chatd.core.service import ChatService
from chatd.testing import RecordingParticipant
from tests.support.webclient import StoredWebTestCase, WebTestCase, handshake, toldAndClosed


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
        When the service is full, a WebSocket is told so (code 2) and
        closed 1013, try again later (plain HTTP requests are not chat
        connections: still served); once a chat connection closes, the next
        gets in.
        """
        self.service.admission.maxClients = 1
        alice = self.web.connect("alice")
        written, transport, guard = self.web.rawRequest(handshake())
        status, texts, closeCode = toldAndClosed(written)
        told = {"type": "error", "code": 2, "text": "the server is full, try again later"}
        self.assertEqual(
            (status, [json.loads(text) for text in texts]),
            (b"HTTP/1.1 101 Switching Protocols", [told]),
        )
        self.assertEqual(closeCode, 1013)
        guard.connectionLost(Failure(ConnectionDone()))
        self.assertEqual(len(self.service.connections()), 1)
        self.assertEqual(self.service.admission.count, 1)
        alice.transport.loseConnection()
        self.web.flush()
        self.assertIsNotNone(alice.lost)
        self.assertEqual(self.service.admission.count, 0)
        self.web.connect("bob")
        self.assertEqual(self.service.admission.count, 1)


class WebToTchat(StoredWebTestCase):
    """
    Bob on the web in C{lobby}, with Carol there over TCHAT; Dora is
    registered and away.
    """

    accountsAtStart = (("alice", "sesame"), ("dora", "sesame"))

    def setUp(self) -> None:
        super().setUp()
        self.bob = self.web.connect("bob")
        self.request(self.bob, type="join", room="lobby")
        self.carol = RecordingParticipant(protocolName="tchat")
        self.service.connect(self.carol)
        self.service.login(self.carol, "carol")
        self.service.enter(self.carol, "lobby")
        self.carol.events.clear()


class BodyLineTests(WebToTchat):
    """
    C{say} and C{tell} take a message of at most C{--max-body-lines} lines
    (100), as TCHAT and IRC do: one request fits thousands of line ends in
    its 16 KiB, which other protocols would show as thousands of lines.
    """

    def options(self) -> dict[str, Any]:
        return {"burst": None}  # the line limit alone (each line takes from the flood limit)

    def refused(self, **request: Any) -> None:
        """C{request} is answered with error 10, saying how many lines a message may have."""
        reply = self.request(self.bob, **request)
        self.assertEqual((reply["type"], reply["code"]), ("error", 10), reply)
        self.assertEqual(reply["text"], "too many lines: a message has at most 100")

    def test_atMost(self) -> None:
        """
        100 lines reach the room and the person; 101, or 8,001 in one
        frame, are refused with code 10 and reach nobody.
        """
        hundred = "\n".join(["line"] * 100)
        self.assertEqual(
            self.request(self.bob, type="say", room="lobby", text=hundred)["type"], "say"
        )
        self.assertEqual(
            self.request(self.bob, type="tell", to="carol", text=hundred)["type"], "tell"
        )
        lengths = [len(event.lines) for event in self.carol.events]  # type: ignore[attr-defined]
        self.assertEqual(lengths, [100, 100])
        self.carol.events.clear()
        flood = "a" + "\n" * 8000 + "b"
        self.refused(type="say", room="lobby", text=flood)
        self.refused(type="say", room="lobby", text=hundred + "\nmore")
        self.refused(type="tell", to="carol", text=flood)
        self.refused(type="tell", to="dora", text=flood)  # away: not kept either
        self.assertEqual(self.carol.events, [])
        self.assertEqual(self.successResultOf(self.store.waitingCount("dora")), 0)


class BodySizeTests(WebToTchat):
    """
    C{say} and C{tell} take a message of at most C{--max-body-bytes}
    characters, as TCHAT and IRC do, whatever the limit: a request carrying
    a message at the limit is read however JSON writes it.
    """

    #: The service's limit (C{--max-body-bytes}), raised from 16384.
    maxSize = 20000

    def options(self) -> dict[str, Any]:
        # The size limit alone: each message here costs 20 tokens or more
        # (a token per 4096 bytes of a line), a few spend the flood limit.
        return {"burst": None}

    def makeService(self) -> ChatService:
        service = super().makeService()
        service.messages.body.maxSize = self.maxSize
        return service

    def send(self, **request: Any) -> dict[str, Any]:
        """Send C{request} with every letter beyond ASCII escaped (twelve bytes an emoji)."""
        request["id"] = "big"
        self.bob.transport.sendTextMessage(json.dumps(request, ensure_ascii=True))
        self.web.flush()
        [reply] = [frame for frame in self.bob.take() if frame.get("id") == "big"]
        return reply

    def test_atMost(self) -> None:
        """
        A message of exactly the limit reaches the room and the person, one
        character more is refused with code 10 naming the limit, and
        reaches nobody, not even the inbox of someone away.
        """
        emoji = "😀" * (self.maxSize - 1) + "\n!"
        self.assertGreater(len(json.dumps(emoji)), 16384 * 4 + 65536)
        self.assertEqual(self.send(type="say", room="lobby", text=emoji)["type"], "say")
        self.assertEqual(self.send(type="tell", to="carol", text=emoji)["type"], "tell")
        lines = [event.lines for event in self.carol.events]  # type: ignore[attr-defined]
        sizes = [sum(len(line) for line in message) for message in lines]
        self.assertEqual(sizes, [self.maxSize, self.maxSize])
        self.carol.events.clear()
        for request in (
            {"type": "say", "room": "lobby", "text": emoji + "!"},
            {"type": "tell", "to": "carol", "text": "é" + emoji},
            {"type": "tell", "to": "dora", "text": emoji + "!"},  # away: not kept either
        ):
            reply = self.send(**request)
            self.assertEqual((reply["type"], reply["code"]), ("error", 10), reply)
            self.assertEqual(
                reply["text"], f"message too long: a message has at most {self.maxSize} characters"
            )
        self.assertEqual(self.carol.events, [])
        self.assertEqual(self.successResultOf(self.store.waitingCount("dora")), 0)


class LoweredBodySizeTests(BodySizeTests):
    """
    A limit lowered below what one request holds anyway (16 KiB) holds too.
    """

    maxSize = 50

    def test_atMost(self) -> None:
        """
        Fifty characters reach the room, fifty-one are refused, naming the limit.
        """
        self.assertEqual(self.send(type="say", room="lobby", text="x" * 50)["type"], "say")
        reply = self.send(type="say", room="lobby", text="x" * 51)
        self.assertEqual((reply["type"], reply["code"]), ("error", 10), reply)
        self.assertEqual(reply["text"], "message too long: a message has at most 50 characters")
        self.assertEqual([event.lines for event in self.carol.events], [("x" * 50,)])  # type: ignore[attr-defined]
