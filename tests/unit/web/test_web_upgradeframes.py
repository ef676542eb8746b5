"""
Frames a client sends in the same write as its WebSocket upgrade request
(without waiting for the C{101}) are the WebSocket's: they are read as if
sent after it (L{chatd.web.channel.ChatChannel}), through the same input
limits (L{chatd.web.guard.GuardProtocol}).
"""

from __future__ import annotations

import json
import struct
from typing import Any

from twisted.internet.testing import MemoryReactorClock
from twisted.trial.unittest import SynchronousTestCase
from wsproto.connection import Connection, ConnectionType
from wsproto.events import CloseConnection, Event, Ping, Pong, TextMessage

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


def readTogetherOrAfter(
    together: bool,
    frames: bytes,
    path: bytes = b"/ws",
    readSize: int | None = None,
    **options: Any,
) -> tuple[list[object], bool]:
    """
    What a fresh site answers a client that sends C{frames} in the same
    write as its upgrade request to C{path} (C{together}) or in the next
    one: each message, pong or close it wrote (as a client reads them), and
    whether it closed the connection.  With C{readSize}, the server reads
    what was sent in reads of at most so many bytes, as from a socket (the
    first one holding the request, when together).
    """
    reactor = MemoryReactorClock()
    service = ChatService(reactor, rooms=["lobby"])
    web = WebHarness(service, reactor, irc=IRCFactory(service, reactor), **options)
    request = handshake().replace(b"GET /ws ", b"GET " + path + b" ")
    size = readSize or len(request) + len(frames)
    if together:
        first = size - len(request)
        _, transport, guard = web.rawRequest(request + frames[:first])
        frames = frames[first:]
    else:
        _, transport, guard = web.rawRequest(request)
    for start in range(0, len(frames), size):
        if not transport.disconnecting:  # (a closed socket reads no more)
            guard.dataReceived(frames[start : start + size])
    reactor.advance(0)
    answered: list[object] = []
    for event in serverEvents(transport.value()):
        if isinstance(event, TextMessage):
            answered.append(event.data)
        elif isinstance(event, Pong):
            answered.append("pong")
        elif isinstance(event, CloseConnection):
            answered.append(("close", event.code))
    return answered, transport.disconnecting


def announcedFrame(length: int, sent: int) -> bytes:
    """
    A masked text frame's header announcing C{length} bytes, and the first
    C{sent} of them.
    """
    return b"\x81\xff" + struct.pack("!Q", length) + b"\0\0\0\0" + b"x" * sent


def errorText(text: str) -> str:
    """The error frame (code 10) the page is sent with C{text}."""
    return json.dumps({"type": "error", "code": 10, "text": text}, separators=(",", ":"))


class LimitsWithUpgradeTests(SynchronousTestCase):
    """
    Frames sent with the upgrade request go through the connection's input
    limits as those sent after it do: the same answer, the same close.
    """

    def assertSameOutcome(
        self, frames: bytes, path: bytes = b"/ws", **options: Any
    ) -> tuple[list[object], bool]:
        after = readTogetherOrAfter(False, frames, path, **options)
        self.assertEqual(readTogetherOrAfter(True, frames, path, **options), after)
        return after

    def assertHelloThen(self, answered: list[object], rest: list[object]) -> None:
        """
        C{answered} is the page's C{hello}, then exactly C{rest}.
        """
        self.assertTrue(answered, answered)
        self.assertEqual(json.loads(str(answered[0]))["type"], "hello", answered)
        self.assertEqual(answered[1:], rest)

    def test_frameAnnouncedPastTheInputLimit(self) -> None:
        """
        A frame announcing more than a connection may send at once, and
        more of it than that: the page gets its C{hello}, error 10 (message
        too large) and the close 1009, whether it sent them with the upgrade
        request or after, read at once or as a socket reads them.
        """
        frames = announcedFrame(2_000_000, 900_000)
        tooLarge = errorText("message too large (at most 198832 bytes)")
        for readSize in (None, 65536):
            answered, closed = self.assertSameOutcome(frames, readSize=readSize)
            self.assertTrue(closed)
            self.assertHelloThen(answered, [tooLarge, ("close", 1009)])

    def test_pingsPastTheFloodLimit(self) -> None:
        """
        Pings past the flood limit (125: a burst of 100, then 20 refused,
        then one more): the C{hello}, a pong each for the burst, a refusal
        each, then flooding and the close 1008, with the upgrade request or
        after it.
        """
        client = Connection(ConnectionType.CLIENT)
        for count in (125, 200):
            pings = b"".join(client.send(Ping(b"p")) for _ in range(count))
            answered, closed = self.assertSameOutcome(pings)
            self.assertTrue(closed)
            slowDown = errorText("too many messages, slow down")
            flooding = errorText("flooding: disconnected")
            self.assertHelloThen(
                answered, ["pong"] * 100 + [slowDown] * 20 + [flooding, ("close", 1008)]
            )

    def test_framesPastTheInputLimit(self) -> None:
        """
        More frames than the bytes a connection may send at once
        (C{maxPendingInput}, four times the largest message and a read):
        refused as too large, and closed (1009).
        """
        client = Connection(ConnectionType.CLIENT)
        request = {"type": "who", "pad": "x" * 900}  # each under the 1000 bytes a message may be
        frames = b"".join(client.send(TextMessage(json.dumps(request))) for _ in range(80))
        answered, closed = self.assertSameOutcome(frames, maxMessageBytes=1000, burst=1000)
        self.assertTrue(closed)
        self.assertIn("message too large", str(answered[-2]))
        self.assertEqual(answered[-1], ("close", 1009))

    def test_ircLinePastTheInputLimit(self) -> None:
        """
        IRC over WebSocket: a line larger than the input limit is not
        answered C{417} and read on, but closed as input too large (1009).
        """
        client = Connection(ConnectionType.CLIENT)
        frame = client.send(TextMessage("PRIVMSG #lobby :" + "x" * 100_000))
        answered, closed = self.assertSameOutcome(frame, b"/socket", maxMessageBytes=1000)
        self.assertTrue(closed)
        self.assertEqual(
            answered, ["ERROR :Closing Link: 127.0.0.1 (input too large)", ("close", 1009)]
        )

    def test_framesPastTheFloodLimit(self) -> None:
        """
        More requests than the flood limit allows: refused, then closed as
        flooding (1008), as after the upgrade.
        """
        client = Connection(ConnectionType.CLIENT)
        frames = b"".join(client.send(TextMessage(json.dumps({"type": "who"}))) for _ in range(40))
        answered, closed = self.assertSameOutcome(frames, rate=1.0, burst=5, floodLimit=10)
        self.assertTrue(closed)
        self.assertIn("flooding: disconnected", str(answered[-2]))
        self.assertEqual(answered[-1], ("close", 1008))
