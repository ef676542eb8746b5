"""
Frames a client sends in the same write as its WebSocket upgrade request
(without waiting for the C{101}) are the WebSocket's: they are read as if
sent after it (L{chatd.web.channel.ChatChannel}).
"""

from __future__ import annotations

import json
from typing import Any

from twisted.internet.testing import MemoryReactorClock
from twisted.trial.unittest import SynchronousTestCase
from wsproto.connection import Connection, ConnectionType
from wsproto.events import CloseConnection, Event, TextMessage

from chatd.core.events import RoomMessage
from chatd.core.service import ChatService
from chatd.irc.factory import IRCFactory
from chatd.testing import RecordingParticipant
from tests.support.webclient import WebHarness, handshake


def clientFrames(*messages: Any) -> bytes:
    """
    Masked frames for C{messages} (JSON), then a close frame.
    """
    client = Connection(ConnectionType.CLIENT)
    data = b"".join(client.send(TextMessage(json.dumps(m))) for m in messages)
    return data + client.send(CloseConnection(1000))


def serverEvents(written: bytes) -> list[Event]:
    """
    What the server wrote after its handshake's reply, as a client reads it.
    """
    head, _, rest = written.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 101 "), written
    client = Connection(ConnectionType.CLIENT)
    client.receive_data(rest)
    return list(client.events())


class FramesWithUpgradeTests(SynchronousTestCase):
    def setUp(self) -> None:
        self.reactor = MemoryReactorClock()
        self.service = ChatService(self.reactor, rooms=["lobby"])
        self.web = WebHarness(self.service, self.reactor)
        self.bob = RecordingParticipant()
        self.service.connect(self.bob)
        self.service.login(self.bob, "bob")
        self.service.enter(self.bob, "lobby")
        self.reactor.advance(0)

    def test_framesBehindTheRequest(self) -> None:
        """
        A login, a join, a message and a close frame sent with the upgrade
        request are each answered, in order, then the close; the message
        reaches the room.
        """
        frames = clientFrames(
            {"type": "login", "nick": "alice", "id": 1},
            {"type": "join", "room": "lobby", "id": 2},
            {"type": "say", "room": "lobby", "text": "hi", "id": 3},
        )
        _, transport, _ = self.web.rawRequest(handshake() + frames)
        self.reactor.advance(0)
        events = serverEvents(transport.value())
        texts = [json.loads(e.data) for e in events if isinstance(e, TextMessage)]
        types = [t["type"] for t in texts]
        self.assertEqual(types[0], "hello", types)
        self.assertEqual([t["id"] for t in texts if "id" in t], [1, 2, 3], texts)
        self.assertNotIn("error", types)
        self.assertIsInstance(events[-1], CloseConnection)
        said = [e for e in self.bob.events if isinstance(e, RoomMessage) and e.lines == ("hi",)]
        self.assertTrue(said, self.bob.events)
        self.assertIsNone(self.service.find("alice"))

    def test_framesWithoutClose(self) -> None:
        """
        Without a close frame, the connection stays open after them, and
        reads what comes next as usual.
        """
        client = Connection(ConnectionType.CLIENT)
        login = client.send(TextMessage(json.dumps({"type": "login", "nick": "carol", "id": 1})))
        _, transport, protocol = self.web.rawRequest(handshake() + login)
        self.assertIsNotNone(self.service.find("carol"))
        self.assertFalse(transport.disconnecting)
        protocol.dataReceived(
            client.send(TextMessage(json.dumps({"type": "say", "room": "lobby", "text": "x"})))
        )
        self.reactor.advance(0)
        texts = [
            json.loads(e.data)
            for e in serverEvents(transport.value())
            if isinstance(e, TextMessage)
        ]
        self.assertEqual([t["type"] for t in texts][:2], ["hello", "login"], texts)
        self.assertEqual(texts[-1]["type"], "error", texts)  # not in the room: but read


class IRCFramesWithUpgradeTests(SynchronousTestCase):
    def test_ircLinesBehindTheRequest(self) -> None:
        """
        IRC over WebSocket (C{/socket}) reads them too: registration lines
        and a close sent with the upgrade request are answered, then
        C{ERROR} and the close.
        """
        reactor = MemoryReactorClock()
        service = ChatService(reactor, rooms=["lobby"])
        web = WebHarness(service, reactor, irc=IRCFactory(service, reactor))
        client = Connection(ConnectionType.CLIENT)
        lines = ("NICK dora", "USER dora 0 * :Dora", "JOIN #lobby")
        frames = b"".join(client.send(TextMessage(line)) for line in lines)
        request = handshake().replace(b"GET /ws ", b"GET /socket ")
        _, transport, _ = web.rawRequest(request + frames + client.send(CloseConnection(1000)))
        reactor.advance(0)
        events = serverEvents(transport.value())
        got = [e.data for e in events if isinstance(e, TextMessage)]
        self.assertTrue(got and got[0].startswith(":chatd 001 dora "), got)
        self.assertTrue(got[-1].startswith("ERROR :Closing Link"), got)
        self.assertIsInstance(events[-1], CloseConnection)
