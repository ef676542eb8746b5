"""
Tests for how a WebSocket connection closes: the session ends as soon as the
close handshake is answered (or the server closes), not when TCP closes,
which a TLS client may put off; a connection that lingers is cut.
"""

from __future__ import annotations

from twisted.internet.error import ConnectionDone, ConnectionLost
from twisted.internet.testing import MemoryReactorClock
from twisted.python.failure import Failure
from twisted.trial.unittest import SynchronousTestCase
from wsproto.connection import Connection, ConnectionType
from wsproto.events import CloseConnection

from chatd.core.events import Membership
from chatd.core.service import ChatService
from chatd.testing import RecordingParticipant
from chatd.web.socket import WebParticipant
from tests.support.webclient import WebHarness, handshake

#: A client's close frame, status 1000, masked with an all-zero key.
CLIENT_CLOSE = b"\x88\x82\x00\x00\x00\x00\x03\xe8"


def serverCloses(data: bytes) -> list[tuple[int, str | None]]:
    """
    The close frames in what the server wrote (after its handshake).
    """
    client = Connection(ConnectionType.CLIENT)
    client.receive_data(data)
    return [(e.code, e.reason) for e in client.events() if isinstance(e, CloseConnection)]


class ClosingTests(SynchronousTestCase):
    def setUp(self) -> None:
        self.reactor = MemoryReactorClock()
        self.service = ChatService(self.reactor, rooms=["lobby"])
        self.web = WebHarness(self.service, self.reactor)
        _, transport, protocol = self.web.rawRequest(handshake())
        participant = protocol.listener
        assert isinstance(participant, WebParticipant)
        self.participant, self.protocol, self.transport = participant, protocol, transport
        self.service.login(participant, "bob")
        self.service.enter(participant, "lobby")
        self.watcher = RecordingParticipant()
        self.service.connect(self.watcher)
        self.service.login(self.watcher, "alice")
        self.service.enter(self.watcher, "lobby")
        self.reactor.advance(0)

    def left(self) -> list[str]:
        return [e.reason for e in self.watcher.events if isinstance(e, Membership) and not e.joined]

    def test_clientCloseEndsSessionAtOnce(self) -> None:
        """
        The client's close frame ends the session before TCP closes: the
        room is told it quit, the nickname is free, the watcher gives up
        being the transport's producer (so a TLS transport can send its
        close alert); the later connection loss changes nothing.
        """
        self.assertIsNotNone(self.transport.producer)
        self.protocol.dataReceived(CLIENT_CLOSE)
        self.assertTrue(self.transport.disconnecting)
        self.assertEqual(self.left(), ["quit"])
        self.assertIsNone(self.service.find("bob"))
        self.assertIsNone(self.transport.producer)
        self.protocol.connectionLost(Failure(ConnectionDone()))
        self.assertEqual(self.left(), ["quit"])
        self.assertEqual(self.service.admission.count, 0)

    def test_invalidUTF8ClosedPlainly(self) -> None:
        """
        A text frame that is not UTF-8 closes the connection with 1007 and
        plain words, not the decoder's message; a client's own close reason
        is echoed as it came.
        """
        self.transport.clear()
        self.protocol.dataReceived(b"\x81\x82\x00\x00\x00\x00\xff\xfe")
        self.reactor.advance(0)
        self.assertEqual(serverCloses(self.transport.value()), [(1007, "invalid UTF-8 in a frame")])
        self.assertTrue(self.transport.disconnecting)
        _, transport, protocol = self.web.rawRequest(handshake())
        transport.clear()
        protocol.dataReceived(b"\x88\x85\x00\x00\x00\x00\x03\xefbad")
        self.assertEqual(serverCloses(transport.value()), [(1007, "bad")])

    def test_droppedWithoutCloseFrame(self) -> None:
        """
        A connection that closes without the client's close frame is not a
        quit: the room is told the connection closed, as on the other
        front-ends.
        """
        self.protocol.connectionLost(Failure(ConnectionDone()))
        self.assertEqual(self.left(), ["connection closed"])
        self.assertIsNone(self.service.find("bob"))

    def test_lostConnection(self) -> None:
        """
        A connection lost on an error: the room is told the connection
        closed, as for any other socket that ends without a quit, on every
        front-end.
        """
        self.protocol.connectionLost(Failure(ConnectionLost()))
        self.assertEqual(self.left(), ["connection closed"])

    def test_lingeringConnectionCut(self) -> None:
        """
        A closed connection the client keeps open is aborted after the
        site's C{closeGrace}; one that closes in time is not.
        """
        self.web.site.closeGrace = 3
        self.protocol.dataReceived(CLIENT_CLOSE)
        self.reactor.advance(2.9)
        self.assertFalse(self.transport.disconnected)
        self.reactor.advance(0.1)
        self.assertTrue(self.transport.disconnected)

    def test_closedInTime(self) -> None:
        """
        A connection that closes within the grace leaves no timer behind.
        """
        self.protocol.dataReceived(CLIENT_CLOSE)
        self.protocol.connectionLost(Failure(ConnectionDone()))
        self.reactor.advance(20)
        self.assertFalse(self.transport.disconnected)
        self.assertEqual(self.reactor.getDelayedCalls(), [])
