"""
Tests for L{chatd.web.socket} and L{chatd.web.requests}: the JSON-over-WebSocket
participant, in memory.
"""

from __future__ import annotations

import json

from twisted.trial.unittest import SynchronousTestCase
from wsproto import ConnectionType
from wsproto.connection import Connection
from wsproto.events import TextMessage
from zope.interface.verify import verifyObject

from chatd.core import errors
from chatd.core.events import PrivateMessage
from chatd.core.interfaces import IParticipant
from chatd.modstore import MUTE
from chatd.testing import RecordingParticipant
from chatd.web import socket, wire
from chatd.web.factory import WebFactory
from chatd.web.socket import WebParticipant
from tests.support.webclient import WebTestCase


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
        self.assertEqual(
            reply,
            {
                "type": "login",
                "id": reply["id"],
                "nick": "Zoë",
                "account": None,
                "rooms": [],
                "operatorIn": [],
            },
        )
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
                "millis": 1_000_000,
                "msgid": reply["msgid"],
            },
        )
        self.assertEqual(
            alice.take(),
            [
                {
                    "type": "message",
                    "room": "lobby",
                    "from": "bob",
                    "text": text,
                    "time": 1000,
                    "millis": 1_000_000,
                    "msgid": reply["msgid"],
                }
            ],
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
            [
                {
                    "type": "left",
                    "room": "lobby",
                    "nick": "alice",
                    "reason": "",
                    "kind": "part",
                    "time": 1000,
                }
            ],
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
        self.assertEqual((reply["type"], reply["to"], reply["from"]), ("tell", "carol", "alice"))
        [event] = other.events
        self.assertEqual((event.sender, event.lines), ("alice", ("hi",)))  # type: ignore[attr-defined]
        sent = self.service.tell(other, "alice", ("back", "at you"))
        assert isinstance(sent, PrivateMessage)
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
                    "millis": 1_000_001,  # the millisecond after alice's "hi"
                    "msgid": sent.msgid,
                }
            ],
        )

    def test_tellNamesTheRecipientAsCalled(self) -> None:
        """
        A C{tell} to a name typed in another case or spelling is answered
        with the recipient's own name, as their answer names them: one
        conversation on the page, whatever was typed.
        """
        nikos = self.web.connect("Νίκος")
        sofia = RecordingParticipant(protocolName="tchat")
        self.service.connect(sofia)
        self.service.login(sofia, "Σοφία")
        reply = self.request(nikos, type="tell", to="ΣΟΦΙΑ", text="γεια σου")
        self.assertEqual((reply["to"], reply["from"]), ("Σοφία", "Νίκος"))
        self.service.tell(sofia, "ΝΙΚΟΣ", ("γεια",))
        self.web.flush()
        [answer] = nikos.take()
        self.assertEqual((answer["from"], answer["to"]), ("Σοφία", "Νίκος"))

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

    def test_renameRefusedWhileMuted(self) -> None:
        """
        C{nick} while muted, or to a banned name, is an C{error} frame with
        the service's code and reason; nobody is renamed.
        """
        alice, bob = self.web.connect("alice"), self.web.connect("bob")
        self.request(alice, type="join", room="lobby")
        self.request(bob, type="join", room="lobby")
        self.service.moderation.ban("troll3", "", "root")
        self.service.moderation.mute("bob", 60, "shush", "root")
        alice.take()
        muted = self.request(bob, type="nick", nick="robert")
        self.assertEqual(muted["code"], errors.Muted.code)
        self.assertIn("while you are muted for 1m more: shush", muted["text"])
        self.service.moderation.lift(MUTE, "bob")
        self.assertEqual(self.request(bob, type="nick", nick="troll3")["code"], errors.Banned.code)
        self.assertEqual(alice.take(), [])

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
        self.assertEqual(self.request(client, type="join", room="lobby\u200b")["code"], 30)
        self.assertEqual(self.request(client, type="create", room="Café")["room"], "Café")
        self.assertEqual(self.request(client, type="create", room="café")["code"], 33)
        self.assertEqual(self.request(client, type="create", room="two words")["code"], 30)
        self.assertEqual(self.request(client, type="login", nick="bad nick")["code"], 10)
        self.assertEqual(
            self.request(client, type="frobnicate"),
            {
                "type": "error",
                "id": client.nextId - 1,
                "code": 11,
                "text": "unknown type 'frobnicate'",
                "request": "frobnicate",
            },
        )
        self.assertEqual(self.request(client, type="join")["text"], "'room' must be a string")
        self.assertEqual(self.request(client, type="say", room="lobby", text="x")["code"], 34)
        self.assertEqual(self.request(client, type="tell", to="nobody", text="x")["code"], 21)
        invalid = self.request(client, type="tell", to="b!", text="x")
        self.assertEqual(
            (invalid["code"], invalid["text"][:28]), (20, "that is not a valid nickname")
        )
        self.assertEqual(self.request(client, type="history", room="lobby", limit=0)["code"], 10)
        self.assertEqual(self.request(client, type="ping")["type"], "ping")

    def test_malformedFrames(self) -> None:
        """
        Frames that are not JSON objects, lack a string C{type} (a list or
        an object included), carry an odd C{id} or are binary get an error
        frame and change nothing.
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
            '{"type": ["say"], "id": 6}',
            '{"type": {"say": 1}}',
        ]:
            client.transport.sendTextMessage(frame)
        client.transport.sendBytesMessage(b"\x00\x01")
        self.web.flush()
        replies = client.take()
        self.assertEqual(
            [(reply["type"], reply["code"]) for reply in replies],
            [("error", 10)] * 3
            + [("error", 11)] * 2
            + [("error", 10), ("error", 11)]
            + [("error", 11)] * 2
            + [("error", 10)],
        )
        self.assertEqual(replies[3]["id"], 5)
        # The request's type, when a string, names the request answered.
        named = [(reply.get("id"), reply.get("request")) for reply in replies[3:7]]
        self.assertEqual(named, [(5, None), (None, None), (None, "ping"), (None, "__init__")])
        self.assertIsNone(client.lost)
        self.assertEqual(self.request(client, type="ping")["type"], "ping")

    def test_unexpectedErrorAnswered(self) -> None:
        """
        A bug hit while reading a frame is logged with its traceback and
        answered with the internal error (code 0); the connection stays.
        """
        client = self.web.connect("alice")

        def broken(request: object, maxLines: int, lineBytes: int) -> int:
            raise RuntimeError("a bug")

        self.patch(socket, "cost", broken)
        client.send(type="ping")
        self.web.flush()
        self.assertEqual([(f["type"], f["code"]) for f in client.take()], [("error", 0)])
        self.assertEqual(len(self.flushLoggedErrors(RuntimeError)), 1)
        self.assertIsNone(client.lost)

    def test_oversizedMessage(self) -> None:
        """
        A request over C{maxMessageBytes} is refused with code 10 and the
        connection stays usable.
        """
        client = self.web.connect("alice")
        self.request(client, type="join", room="lobby")
        limit = self.web.site.site.resource.children[b"ws"].wrapped.factory.maxMessageBytes
        big = "é" * (limit // 2)  # as many bytes, half as many characters
        client.send(type="say", room="lobby", text=big)
        self.web.flush()
        [reply] = client.take()
        self.assertEqual((reply["type"], reply["code"]), ("error", 10))
        self.assertIn("too large", reply["text"])
        self.assertEqual(self.request(client, type="ping")["type"], "ping")

    def test_oversizedInBytesNotLetters(self) -> None:
        """
        The limit counts UTF-8 bytes: emoji written as such (four bytes a
        letter) are refused as the hello's limit says.
        """
        client = self.web.connect("alice")
        self.request(client, type="join", room="lobby")
        limit = self.web.site.site.resource.children[b"ws"].wrapped.factory.maxMessageBytes
        frame = json.dumps(
            {"id": 9, "type": "say", "room": "lobby", "text": "😀" * (limit // 4)},
            ensure_ascii=False,
        )
        self.assertLess(len(frame), limit)
        client.transport.sendTextMessage(frame)
        self.web.flush()
        [reply] = client.take()
        self.assertEqual((reply["type"], reply["code"]), ("error", 10))

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
        moder = RecordingParticipant()
        self.service.connect(moder)
        self.service.login(moder, "moder")
        self.service.grantOperator(moder)
        self.service.kick(moder, "alice", "spam")
        self.web.flush()
        [bye] = client.take()
        self.assertEqual((bye["type"], bye["code"]), ("bye", 27))
        self.assertIn("spam", bye["text"])
        self.assertIsNotNone(client.lost)
        self.assertEqual(self.service.stats.disconnects["web", "killed"], 1)  # (an operator's)
        self.assertEqual(self.service.connections(), [moder])

    def test_kickRequest(self) -> None:
        """
        An operator kicks with C{kick}; anyone else gets code 12; a name
        nobody has is code 21, one nobody can have 20 (as for C{tell}).
        """
        moder, alice = self.web.connect("moder"), self.web.connect("alice")
        moderParticipant = self.service.find("moder")
        assert moderParticipant is not None
        self.service.grantOperator(moderParticipant)
        self.assertEqual(self.request(alice, type="kick", nick="moder")["code"], 12)
        self.assertEqual(self.request(moder, type="kick", nick="nobody")["code"], 21)
        invalid = self.request(moder, type="kick", nick="b!")
        self.assertEqual(
            (invalid["code"], invalid["text"][:28]), (20, "that is not a valid nickname")
        )
        reply = self.request(moder, type="kick", nick="alice", reason="spam")
        self.assertEqual(reply["nick"], "alice")
        self.assertEqual(alice.take()[0]["text"], "kicked by moder: spam")
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


class RoomKeyTests(WebTestCase):
    def test_joinWithKey(self) -> None:
        """
        C{join} with a C{key} field enters a room that has one; without it
        (or with a wrong one, or a key that is not a string) the error
        frame says why.  A secret room is missing from others' C{rooms}.
        """
        alice, bob = self.web.connect("alice"), self.web.connect("bob")
        self.request(alice, type="create", room="den")
        self.request(alice, type="join", room="den")
        owner = self.service.find("alice")
        assert owner is not None
        self.service.changeRoomModes(owner, "den", [(True, "k", "sesame"), (True, "s", "")])
        listed = self.request(bob, type="rooms")["rooms"]
        self.assertNotIn("den", [room["name"] for room in listed])
        for fields in [{}, {"key": "wrong"}]:
            reply = self.request(bob, type="join", room="den", **fields)
            self.assertEqual((reply["type"], reply["code"]), ("error", errors.BadRoomKey.code))
        reply = self.request(bob, type="join", room="den", key=42)
        self.assertEqual((reply["type"], reply["code"]), ("error", 10))
        reply = self.request(bob, type="join", room="den", key="sesame")
        self.assertEqual(reply["members"], ["alice", "bob"])
        listed = self.request(bob, type="rooms")["rooms"]
        self.assertIn({"name": "den", "members": 2}, listed)


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
