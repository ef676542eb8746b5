"""
Tests for L{chatd.web.socket}: the JSON-over-WebSocket participant, in memory.
"""

from __future__ import annotations

import json
from typing import Any

from twisted.internet.defer import Deferred, succeed
from twisted.internet.testing import MemoryReactorClock
from twisted.trial.unittest import SynchronousTestCase
from wsproto import ConnectionType
from wsproto.connection import Connection
from wsproto.events import TextMessage
from zope.interface.verify import verifyObject

from chatd import errors
from chatd.events import RoomMessage
from chatd.interfaces import IParticipant
from chatd.service import ChatService
from chatd.testing import RecordingParticipant
from chatd.web import wire
from chatd.web.socket import WebFactory, WebParticipant
from tests.webclient import JSONClient, WebHarness


class WebTestCase(SynchronousTestCase):
    service: ChatService

    def setUp(self) -> None:
        self.reactor = MemoryReactorClock()
        self.reactor.advance(1000)
        self.service = self.makeService()
        self.web = WebHarness(self.service, self.reactor, **self.options())

    def makeService(self) -> ChatService:
        return ChatService(self.reactor, rooms=["lobby", "Général"], operators=["root"])

    def options(self) -> dict[str, Any]:
        return {}

    def request(self, client: JSONClient, **request: Any) -> dict[str, Any]:
        """
        Send one request and return the one frame that answers it.
        """
        requestId = client.send(**request)
        self.web.flush()
        frames = client.take()
        replies = [frame for frame in frames if frame.get("id") == requestId]
        self.assertEqual(len(replies), 1, frames)
        client.received = [frame for frame in frames if frame.get("id") != requestId]
        return replies[0]


class ProtocolTests(WebTestCase):
    def test_interface(self) -> None:
        """
        The participant provides L{IParticipant}, as the web protocol.
        """
        participant = WebParticipant(WebFactory(self.service, self.reactor), "127.0.0.1")
        self.assertTrue(verifyObject(IParticipant, participant))
        self.assertEqual(participant.protocolName, "web")

    def test_helloAndLogin(self) -> None:
        """
        A new connection gets a C{hello} with the limits; C{login} answers
        with the stored nickname and the request's C{id}.
        """
        client = self.web.connect()
        self.assertEqual(self.service.connections()[0].protocolName, "web")
        reply = self.request(client, type="login", nick="Zoë")
        self.assertEqual(reply, {"type": "login", "id": reply["id"], "nick": "Zoë", "rooms": []})
        self.assertEqual([user.nick for user in self.service.users()], ["Zoë"])

    def test_idOptional(self) -> None:
        """
        A request without an C{id} gets a reply without one; an C{id} may be
        a string.
        """
        client = self.web.connect("alice")
        client.transport.sendTextMessage(json.dumps({"type": "ping"}))
        client.transport.sendTextMessage(json.dumps({"type": "ping", "id": "x-1"}))
        self.web.flush()
        self.assertEqual(client.take(), [{"type": "ping"}, {"type": "ping", "id": "x-1"}])

    def test_roomConversation(self) -> None:
        """
        Two browsers in a room: joins, messages (multi-line, with markup kept
        as plain text), member lists and leaves reach the other member.
        """
        alice, bob = self.web.connect("alice"), self.web.connect("bob")
        reply = self.request(alice, type="join", room="LOBBY")
        self.assertEqual((reply["room"], reply["members"]), ("lobby", ["alice"]))
        reply = self.request(bob, type="join", room="lobby")
        self.assertEqual(reply["members"], ["alice", "bob"])
        joined = alice.take()
        self.assertEqual(joined, [{"type": "joined", "room": "lobby", "nick": "bob", "time": 1000}])
        text = "<script>alert(1)</script>\nsecond line"
        reply = self.request(bob, type="say", room="lobby", text=text)
        self.assertEqual(
            reply,
            {
                "type": "say",
                "id": reply["id"],
                "room": "lobby",
                "from": "bob",
                "text": text,
                "time": 1000,
            },
        )
        self.assertEqual(
            alice.take(),
            [{"type": "message", "room": "lobby", "from": "bob", "text": text, "time": 1000}],
        )
        rooms = self.request(alice, type="rooms")
        self.assertEqual(
            rooms["rooms"],
            [{"name": "Général", "members": 0}, {"name": "lobby", "members": 2}],
        )
        self.assertEqual(rooms["joined"], ["lobby"])
        self.assertEqual(self.request(alice, type="leave", room="lobby")["room"], "lobby")
        self.assertEqual(
            bob.take(),
            [{"type": "left", "room": "lobby", "nick": "alice", "reason": "", "time": 1000}],
        )

    def test_privateMessage(self) -> None:
        """
        C{tell} reaches one person, whatever protocol they use.
        """
        alice = self.web.connect("alice")
        other = RecordingParticipant(protocolName="tchat")
        self.service.connect(other)
        self.service.login(other, "carol")
        reply = self.request(alice, type="tell", to="CAROL", text="hi")
        self.assertEqual((reply["type"], reply["to"], reply["from"]), ("tell", "CAROL", "alice"))
        [event] = other.events
        self.assertEqual((event.sender, event.lines), ("alice", ("hi",)))  # type: ignore[attr-defined]
        self.service.tell(other, "alice", ("back", "at you"))
        self.web.flush()
        self.assertEqual(
            alice.take(),
            [
                {
                    "type": "private",
                    "from": "carol",
                    "to": "alice",
                    "text": "back\nat you",
                    "time": 1000,
                }
            ],
        )

    def test_renameAndUsers(self) -> None:
        """
        C{nick} renames; room mates get C{renamed}; C{users} lists everyone.
        """
        alice, bob = self.web.connect("alice"), self.web.connect("bob")
        self.request(alice, type="join", room="lobby")
        self.request(bob, type="join", room="lobby")
        alice.take()
        self.assertEqual(self.request(bob, type="nick", nick="robert")["nick"], "robert")
        self.assertEqual(bob.take()[0]["type"], "renamed")
        self.assertEqual(
            alice.take(),
            [{"type": "renamed", "old": "bob", "new": "robert", "rooms": ["lobby"], "time": 1000}],
        )
        self.assertEqual(self.request(alice, type="users")["users"], ["alice", "robert"])
        self.assertEqual(
            self.request(alice, type="members", room="lobby")["members"], ["alice", "robert"]
        )

    def test_errors(self) -> None:
        """
        Refusals come back as C{error} frames with the TCHAT code, readable
        text, the request's C{id} and type; the connection stays usable.
        """
        client = self.web.connect()
        reply = self.request(client, type="join", room="lobby")
        self.assertEqual(
            reply,
            {
                "type": "error",
                "id": reply["id"],
                "code": 1,
                "text": errors.NotLoggedIn.reason,
                "request": "join",
            },
        )
        self.request(client, type="login", nick="alice")
        self.assertEqual(self.request(client, type="join", room="nowhere")["code"], 31)
        self.assertEqual(self.request(client, type="create", room="Café")["room"], "Café")
        self.assertEqual(self.request(client, type="create", room="café")["code"], 33)
        self.assertEqual(self.request(client, type="create", room="two words")["code"], 30)
        self.assertEqual(self.request(client, type="login", nick="bad nick")["code"], 10)
        self.assertEqual(self.request(client, type="frobnicate")["code"], 11)
        self.assertEqual(self.request(client, type="join")["text"], "'room' must be a string")
        self.assertEqual(self.request(client, type="say", room="lobby", text="x")["code"], 34)
        self.assertEqual(self.request(client, type="tell", to="nobody", text="x")["code"], 21)
        self.assertEqual(self.request(client, type="history", room="lobby", limit=0)["code"], 10)
        self.assertEqual(self.request(client, type="ping")["type"], "ping")

    def test_malformedFrames(self) -> None:
        """
        Frames that are not JSON objects, lack a string C{type}, carry an odd
        C{id} or are binary get an error frame and change nothing.
        """
        client = self.web.connect("alice")
        for frame in [
            "{nope",
            "[1, 2]",
            '"text"',
            '{"id": 5}',
            '{"type": 3}',
            '{"type": "ping", "id": {"a": 1}}',
            '{"type": "__init__"}',
        ]:
            client.transport.sendTextMessage(frame)
        client.transport.sendBytesMessage(b"\x00\x01")
        self.web.flush()
        replies = client.take()
        self.assertEqual(
            [(reply["type"], reply["code"]) for reply in replies],
            [("error", 10)] * 3
            + [("error", 11)] * 2
            + [("error", 10), ("error", 11), ("error", 10)],
        )
        self.assertEqual(replies[3]["id"], 5)
        self.assertIsNone(client.lost)
        self.assertEqual(self.request(client, type="ping")["type"], "ping")

    def test_oversizedMessage(self) -> None:
        """
        A request over C{maxMessageBytes} is refused with code 10 and the
        connection stays usable.
        """
        client = self.web.connect("alice")
        self.request(client, type="join", room="lobby")
        big = "é" * 9000  # 18,000 bytes, 9,000 characters
        client.send(type="say", room="lobby", text=big)
        self.web.flush()
        [reply] = client.take()
        self.assertEqual((reply["type"], reply["code"]), ("error", 10))
        self.assertIn("too large", reply["text"])
        self.assertEqual(self.request(client, type="ping")["type"], "ping")

    def test_internalError(self) -> None:
        """
        An unexpected exception in the service is logged and answered with
        code 0; the connection and the daemon carry on.
        """

        def broken(*args: object) -> None:
            raise RuntimeError("bug")

        client = self.web.connect("alice")
        self.service.rooms = broken  # type: ignore[method-assign,assignment]
        reply = self.request(client, type="rooms")
        self.assertEqual((reply["code"], reply["request"]), (0, "rooms"))
        self.assertEqual(len(self.flushLoggedErrors(RuntimeError)), 1)
        self.assertEqual(self.request(client, type="ping")["type"], "ping")

    def test_kick(self) -> None:
        """
        When the service ends the session, the browser gets a C{bye} with the
        reason and the connection closes.
        """
        client = self.web.connect("alice")
        root = RecordingParticipant()
        self.service.connect(root)
        self.service.login(root, "root")
        self.service.kick(root, "alice", "spam")
        self.web.flush()
        [bye] = client.take()
        self.assertEqual((bye["type"], bye["code"]), ("bye", 26))
        self.assertIn("spam", bye["text"])
        self.assertIsNotNone(client.lost)
        self.assertEqual(self.service.stats.disconnects["web", "kicked"], 1)
        self.assertEqual(self.service.connections(), [root])

    def test_kickRequest(self) -> None:
        """
        An operator kicks with C{kick}; anyone else gets code 12.
        """
        root, alice = self.web.connect("root"), self.web.connect("alice")
        self.assertEqual(self.request(alice, type="kick", nick="root")["code"], 12)
        reply = self.request(root, type="kick", nick="alice", reason="spam")
        self.assertEqual(reply["nick"], "alice")
        self.assertEqual(alice.take()[0]["text"], "kicked by root: spam")
        self.assertIsNotNone(alice.lost)

    def test_disconnectForgets(self) -> None:
        """
        A browser that goes away leaves its rooms and frees its nickname; the
        room is told.
        """
        alice, bob = self.web.connect("alice"), self.web.connect("bob")
        self.request(alice, type="join", room="lobby")
        self.request(bob, type="join", room="lobby")
        alice.take()
        bob.transport.loseConnection()
        self.web.flush()
        [left] = alice.take()
        self.assertEqual((left["type"], left["nick"], left["reason"]), ("left", "bob", "quit"))
        self.assertIsNone(self.service.find("bob"))
        self.assertEqual(self.service.stats.disconnects["web", "quit"], 1)

    def test_counts(self) -> None:
        """
        Messages in, fan-out and frames out are counted for the metrics.
        """
        alice, bob = self.web.connect("alice"), self.web.connect("bob")
        self.request(alice, type="join", room="lobby")
        self.request(bob, type="join", room="lobby")
        self.request(alice, type="say", room="lobby", text="hi")
        self.request(alice, type="tell", to="bob", text="psst")
        stats = self.service.stats
        self.assertEqual(stats.messagesIn["web", "room"], 1)
        self.assertEqual(stats.messagesIn["web", "private"], 1)
        self.assertEqual(stats.deliveries["room"], 1)
        # 2 hellos, 2 logins, 2 joins, 1 joined, say + message, tell + private
        self.assertEqual(stats.framesOut["web"], 11)

    def test_noHistory(self) -> None:
        """
        Without a history-keeping service, C{history} is an empty list marked
        C{stored: false}.
        """
        client = self.web.connect("alice")
        self.request(client, type="join", room="lobby")
        reply = self.request(client, type="history", room="lobby")
        self.assertEqual((reply["messages"], reply["stored"]), ([], False))


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
        from twisted.internet.defer import Deferred as D
        from twisted.test.iosim import ConnectionCompleter
        from twisted.web.websocket import WebSocketClientEndpoint

        from tests.webclient import ClientFactory

        endpoint = WebSocketClientEndpoint.new(self.reactor, "http://localhost/ws")
        connected = D.fromCoroutine(endpoint.connect(ClientFactory()))
        pump = ConnectionCompleter(self.reactor).succeedOnce()
        assert pump is not None
        pump.flush()
        client = self.successResultOf(connected)
        self.assertEqual(client.received[0]["code"], 2)
        self.assertIsNotNone(client.lost)
        self.assertEqual(len(self.service.connections()), 1)


class OrderingService(ChatService):
    """
    A service whose logins wait for a password check and which keeps history.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.checks: list[Deferred[None]] = []
        self.passwords: list[str | None] = []
        self.counts: list[int | None] = []
        self.registered: list[tuple[str | None, str]] = []

    def login(self, participant: IParticipant, nick: str, password: str | None = None) -> Any:
        check: Deferred[None] = Deferred()
        self.checks.append(check)
        self.passwords.append(password)
        return check.addCallback(
            lambda ignored: super(OrderingService, self).login(participant, nick, password)
        )

    def history(
        self, participant: IParticipant, room: str, count: int | None = None
    ) -> list[RoomMessage]:
        self.counts.append(count)
        return [RoomMessage(room, "old", ("before", "you came"), 900)]

    def register(self, participant: IParticipant, password: str) -> Deferred[None]:
        self.registered.append((participant.nick, password))
        return succeed(None)


class DeferredTests(WebTestCase):
    service: OrderingService

    def makeService(self) -> OrderingService:
        return OrderingService(self.reactor, rooms=["lobby"])

    def loggedIn(self, nick: str) -> JSONClient:
        """
        A client logged in as C{nick}, once the password check passed.
        """
        client = self.web.connect()
        client.send(type="login", nick=nick)
        self.web.flush()
        self.service.checks[-1].callback(None)
        self.web.flush()
        client.take()
        return client

    def test_ordered(self) -> None:
        """
        While a request waits for the service, later requests queue and are
        answered afterwards, in order; the password reaches the service.
        """
        client = self.web.connect()
        client.send(type="login", nick="alice", password="sesame")
        client.send(type="join", room="lobby")
        self.web.flush()
        self.assertEqual(client.take(), [])
        self.assertEqual(self.service.passwords, ["sesame"])
        self.service.checks[0].callback(None)
        self.web.flush()
        self.assertEqual([reply["type"] for reply in client.take()], ["login", "join"])

    def test_queueBounded(self) -> None:
        """
        While a request waits, at most C{maxQueued} more are kept; the rest
        are refused at once.
        """
        self.web.site.site.resource.children[b"ws"].wrapped.factory.maxQueued = 2
        client = self.web.connect()
        for _ in range(4):
            client.send(type="login", nick="alice")
        self.web.flush()
        refused = client.take()
        self.assertEqual([frame["text"] for frame in refused], ["too many requests waiting"])
        self.assertEqual(len(self.service.checks), 1)

    def test_history(self) -> None:
        """
        C{history} returns what the service keeps for a room, to members.
        """
        client = self.loggedIn("alice")
        self.assertEqual(self.request(client, type="history", room="lobby")["code"], 34)
        self.request(client, type="join", room="lobby")
        reply = self.request(client, type="history", room="lobby")
        self.assertEqual(reply["messages"][0]["from"], "old")
        self.assertEqual(
            self.request(client, type="history", room="lobby", limit=1000)["type"], "history"
        )
        self.assertEqual(self.service.counts, [None, 1000])
        reply = self.request(client, type="history", room="lobby", limit=10)
        self.assertEqual(
            reply,
            {
                "type": "history",
                "id": reply["id"],
                "room": "lobby",
                "stored": True,
                "messages": [{"from": "old", "text": "before\nyou came", "time": 900}],
            },
        )

    def test_register(self) -> None:
        """
        C{register} hands the password to the service and answers with the
        nickname it protects.
        """
        client = self.loggedIn("alice")
        self.assertEqual(self.request(client, type="register", password="sesame")["nick"], "alice")
        self.assertEqual(self.service.registered, [("alice", "sesame")])


class NoStoreService(ChatService):
    """
    A service with the persistence API but no store: it refuses history.
    """

    def history(self, participant: IParticipant, room: str, count: int | None = None) -> None:
        self.members(participant, room)
        raise errors.NotPermitted("this server keeps no accounts or history")


class NoStoreTests(WebTestCase):
    service: NoStoreService

    def makeService(self) -> NoStoreService:
        return NoStoreService(self.reactor, rooms=["lobby"])

    def test_historyNotKept(self) -> None:
        """
        A service that keeps no history answers C{history} with an empty
        list marked C{stored: false}, not an error; accounts are refused
        with code 12.
        """
        client = self.web.connect("alice")
        self.request(client, type="join", room="lobby")
        reply = self.request(client, type="history", room="lobby")
        self.assertEqual(
            (reply["type"], reply["messages"], reply["stored"]), ("history", [], False)
        )
        self.assertEqual(self.request(client, type="register", password="x" * 8)["code"], 12)


class FrameTests(SynchronousTestCase):
    def test_sameAsWsproto(self) -> None:
        """
        L{wire.frame} builds exactly the text frame wsproto builds for a
        server, for each of the three length encodings.
        """
        server = Connection(ConnectionType.SERVER)
        for size in (0, 1, 125, 126, 65535, 65536, 100000):
            text = "é" * (size // 2) + "x" * (size % 2)
            self.assertEqual(wire.frame(text.encode("utf-8")), server.send(TextMessage(text)), size)
