"""
Tests for the web front-end's output path: L{chatd.web.guard.GuardProtocol}
queues a WebSocket's frames in an L{chatd.lines.outbox.Outbox}, so a fan-out costs
one transport write per connection per reactor turn (the cause of the
fan-out stall in docs/dev/BENCHMARKING.md was a C{transport.write} per frame).
"""

from __future__ import annotations

import gc
import weakref
from types import SimpleNamespace

from twisted.internet.address import IPv4Address
from twisted.internet.error import ConnectionDone
from twisted.internet.testing import MemoryReactorClock, StringTransport
from twisted.python.failure import Failure
from twisted.trial.unittest import SynchronousTestCase
from wsproto.connection import Connection, ConnectionType
from wsproto.events import CloseConnection, Ping
from wsproto.frame_protocol import CloseReason

from chatd.core.errors import NotPermitted
from chatd.core.service import ChatService
from chatd.testing import RecordingParticipant
from chatd.web.channel import ChatChannel
from chatd.web.eventlist import EventList, lighterEvents
from chatd.web.guard import GuardProtocol
from chatd.web.socket import WebParticipant
from tests.support.webclient import WebHarness, handshake
from tests.support.webclient import serverFrames as frames

#: A client's close frame, status 1000, masked with an all-zero key.
CLIENT_CLOSE = b"\x88\x82\x00\x00\x00\x00\x03\xe8"


class OutputTests(SynchronousTestCase):
    def setUp(self) -> None:
        self.reactor = MemoryReactorClock()
        self.service = ChatService(self.reactor, rooms=["lobby"])
        self.web = WebHarness(self.service, self.reactor, maxPendingOutput=100000)
        _, transport, protocol = self.web.rawRequest(handshake())
        participant = protocol.listener
        assert isinstance(participant, WebParticipant)
        self.participant, self.protocol, self.transport = participant, protocol, transport
        self.writes = 0
        write = transport.write

        def countingWrite(data: bytes) -> None:
            self.writes += 1
            write(data)

        transport.write = countingWrite  # type: ignore[method-assign]
        self.service.login(participant, "bob")
        self.service.enter(participant, "lobby")
        self.sender = RecordingParticipant()
        self.service.connect(self.sender)
        self.service.login(self.sender, "alice")
        self.service.enter(self.sender, "lobby")
        self.reactor.advance(0)
        self.transport.clear()
        self.writes = 0

    def texts(self) -> list[bytes]:
        return [payload for opcode, payload in frames(self.transport.value()) if opcode == 1]

    def test_oneWritePerTurn(self) -> None:
        """
        Room messages fanned out in one reactor turn reach the transport at
        the end of the turn, in order, as one write.
        """
        for i in range(20):
            self.service.say(self.sender, "lobby", (f"m{i}",))
        self.assertEqual(self.writes, 0)
        self.reactor.advance(0)
        self.assertEqual(self.writes, 1)
        texts = self.texts()
        self.assertEqual(len(texts), 20)
        for i, text in enumerate(texts):
            self.assertIn(f'"text":"m{i}"'.encode(), text)

    def test_runCountedPerFrame(self) -> None:
        """
        A turn's run of room messages is one write, each message its own
        frame, a message of tags only none; the frames are counted one by
        one for the metrics.
        """
        before = self.service.stats.framesOut["web"]
        self.service.say(self.sender, "lobby", ("one",))
        self.service.say(self.sender, "lobby", (), tags=(("+typing", "active"),))
        self.service.say(self.sender, "lobby", ("two",))
        self.reactor.advance(0)
        self.assertEqual(self.writes, 1)
        texts = self.texts()
        self.assertEqual(len(texts), 2)
        self.assertIn(b'"text":"two"', texts[-1])
        self.assertEqual(self.service.stats.framesOut["web"] - before, 2)

    def test_pausedHoldsOutput(self) -> None:
        """
        While the transport's buffer is full (it paused its producer), output
        stays in the outbox; it follows, in order, when the transport
        resumes.
        """
        producer = self.transport.producer
        assert producer is not None
        producer.pauseProducing()
        for i in range(5):
            self.service.say(self.sender, "lobby", (f"m{i}",))
        self.reactor.advance(0)
        self.assertEqual(self.transport.value(), b"")
        producer.resumeProducing()
        texts = self.texts()
        self.assertEqual(len(texts), 5)
        self.assertIn(b'"text":"m4"', texts[-1])

    def test_oursCloseAfterQueued(self) -> None:
        """
        When the server closes a connection, frames queued before (here the
        C{bye}) go out before the close frame, even to a paused transport,
        and nothing follows the close frame.
        """
        producer = self.transport.producer
        assert producer is not None
        producer.pauseProducing()
        self.service.say(self.sender, "lobby", ("before",))
        self.participant.disconnect(NotPermitted("go away"))
        self.service.say(self.sender, "lobby", ("after",))
        self.reactor.advance(0)
        sent = frames(self.transport.value())
        self.assertEqual([opcode for opcode, _ in sent], [1, 1, 8])
        self.assertIn(b'"text":"before"', sent[0][1])
        self.assertIn(b'"type":"bye"', sent[1][1])
        self.assertTrue(self.transport.disconnecting)

    def test_peerCloseAfterQueued(self) -> None:
        """
        When the client closes, frames queued earlier in the turn precede the
        close reply, and nothing is sent after it.
        """
        self.service.say(self.sender, "lobby", ("before",))
        self.protocol.dataReceived(CLIENT_CLOSE)
        self.service.say(self.sender, "lobby", ("after",))
        self.reactor.advance(0)
        sent = frames(self.transport.value())
        self.assertEqual([opcode for opcode, _ in sent], [1, 8])
        self.assertIn(b'"text":"before"', sent[0][1])
        self.assertTrue(self.transport.disconnecting)

    def test_stopFactoryFlushes(self) -> None:
        """
        Stopping the site hands queued output to the transports and leaves
        no flush scheduled.
        """
        self.service.say(self.sender, "lobby", ("last",))
        self.web.site.stopFactory()
        self.assertEqual(len(self.texts()), 1)
        flushes = [
            call
            for call in self.reactor.getDelayedCalls()
            if call.func == self.web.site.flusher.flush  # type: ignore[attr-defined]
        ]
        self.assertEqual(flushes, [])


class BeforeUpgradeTests(SynchronousTestCase):
    def test_plainHttpUnbatched(self) -> None:
        """
        Plain HTTP responses are written as Twisted's web server writes them:
        only an accepted WebSocket gets an outbox.
        """
        reactor = MemoryReactorClock()
        web = WebHarness(ChatService(reactor, rooms=["lobby"]), reactor)
        response, _, protocol = web.rawRequest(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        self.assertTrue(response.startswith(b"HTTP/1.1 200 "), response)
        assert isinstance(protocol, GuardProtocol)
        self.assertIsNone(protocol.outbox)


class IdleFootprintTests(SynchronousTestCase):
    """
    What an idle WebSocket connection keeps (docs/dev/BENCHMARKING.md, WebSocket
    memory): no upgrade request, no request deque, no timer of its own.
    """

    def setUp(self) -> None:
        self.reactor = MemoryReactorClock()
        self.web = WebHarness(ChatService(self.reactor, rooms=["lobby"]), self.reactor)

    def test_channelReleased(self) -> None:
        """
        Once upgraded, the guard hands bytes straight to the WebSocket layer
        and lets the HTTP channel (and the upgrade request) go; frames still
        arrive, and the end of the connection still reaches the participant.
        """
        protocol = self.web.site.buildProtocol(IPv4Address("TCP", "127.0.0.1", 5555))
        assert isinstance(protocol, GuardProtocol)
        transport = StringTransport(peerAddress=IPv4Address("TCP", "127.0.0.1", 5555))
        protocol.makeConnection(transport)
        channel = weakref.ref(protocol.wrappedProtocol)
        self.assertIsInstance(channel(), ChatChannel)
        protocol.dataReceived(handshake())
        self.reactor.advance(0)
        self.assertTrue(transport.value().startswith(b"HTTP/1.1 101 "), transport.value())
        gc.collect()
        self.assertIsNone(channel())
        self.assertIsNone(protocol.channelProducer)
        participant = protocol.listener
        assert isinstance(participant, WebParticipant)
        transport.clear()
        protocol.dataReceived(b"\x89\x80\x00\x00\x00\x00")  # a ping, masked with zeros
        self.reactor.advance(0)
        self.assertEqual(frames(transport.value()), [(0xA, b"")])
        protocol.connectionLost(Failure(ConnectionDone()))
        self.assertTrue(participant._ended)

    def test_lighterEventQueue(self) -> None:
        """
        The wsproto connection under an upgraded WebSocket queues its events
        in a list that works as its deque did: the close event it queues
        when told the transport is gone still comes out, and in order.
        """
        connection = Connection(ConnectionType.SERVER)
        lighterEvents(SimpleNamespace(_wsconn=connection))
        self.assertIsInstance(connection._events, EventList)
        connection._events.append(Ping(b"1"))
        connection.receive_data(None)
        self.assertEqual(
            list(connection.events()),
            [Ping(b"1"), CloseConnection(code=CloseReason.ABNORMAL_CLOSURE)],
        )
        self.assertEqual(list(connection.events()), [])

    def test_oneKeepaliveTimer(self) -> None:
        """
        Keepalive deadlines of many connections share one timer.
        """
        before = len(self.reactor.getDelayedCalls())
        participants = []
        for _ in range(5):
            _, _, protocol = self.web.rawRequest(handshake())
            participants.append(protocol.listener)
        self.assertLessEqual(len(self.reactor.getDelayedCalls()), before + 1)
        for participant in participants:
            assert isinstance(participant, WebParticipant)
