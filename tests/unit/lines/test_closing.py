"""
Tests for L{chatd.lines.closing}: what a client sent before it closed is
carried out in order, after a half-close (answered) or a full close (its
answers dropped), within the factory's C{closeGrace}.
"""

from __future__ import annotations

from twisted.internet.defer import Deferred
from twisted.internet.error import ConnectionDone
from twisted.internet.interfaces import IHalfCloseableProtocol
from twisted.internet.task import Clock
from twisted.internet.testing import StringTransport
from twisted.python.failure import Failure
from twisted.trial.unittest import SynchronousTestCase

from chatd.core.service import ChatService
from tests.support.echolines import EchoFactory, EchoProtocol
from tests.support.helpers import connect, output


class ClosingTestCase(SynchronousTestCase):
    def setUp(self) -> None:
        self.clock = Clock()
        self.service = ChatService(self.clock)
        self.factory = EchoFactory(
            self.service, self.clock, floodBurst=None, aliveAfter=None, closeGrace=10.0
        )

    def open(self) -> tuple[EchoProtocol, StringTransport]:
        proto, transport = connect(self.factory, self.clock)
        assert isinstance(proto, EchoProtocol)
        return proto, transport

    def waiting(self) -> Deferred[None]:
        """The next line C{wait} waits for this."""
        waited: Deferred[None] = Deferred()
        self.factory.waiting.append(waited)
        return waited

    def read(self, transport: StringTransport) -> list[bytes]:
        return output(transport, self.clock).splitlines()

    def connected(self, proto: EchoProtocol) -> bool:
        return self.service.people.isConnected(proto)  # type: ignore[arg-type]


class HalfCloseTests(ClosingTestCase):
    def test_halfCloseable(self) -> None:
        """
        The line protocols take a half-close: the transport tells them of the
        end of what the client sends rather than closing.
        """
        proto, _ = self.open()
        self.assertTrue(IHalfCloseableProtocol.providedBy(proto))

    def test_answeredThenClosed(self) -> None:
        """
        Lines that wait behind a pending answer when the client shuts its
        writing side are handled and answered in order; then the connection
        closes and the session ends.
        """
        proto, transport = self.open()
        waited = self.waiting()
        proto.dataReceived(b"one\nwait\ntwo\nthree\n")
        proto.readConnectionLost()
        self.assertEqual(self.read(transport), [b"got one"])
        self.assertFalse(transport.disconnecting)
        self.assertTrue(self.connected(proto))
        waited.callback(None)
        self.assertEqual(self.read(transport), [b"got two", b"got three"])
        self.assertEqual(self.factory.handled, ["one", "wait", "two", "three"])
        self.assertTrue(transport.disconnecting)
        self.assertFalse(self.connected(proto))

    def test_nothingWaiting(self) -> None:
        """
        A client that shuts its writing side with every line answered is
        closed at once.
        """
        proto, transport = self.open()
        proto.dataReceived(b"one\n")
        proto.readConnectionLost()
        self.assertEqual(self.read(transport), [b"got one"])
        self.assertTrue(transport.disconnecting)
        self.assertFalse(self.connected(proto))

    def test_bounded(self) -> None:
        """
        An answer that does not come within C{closeGrace} seconds ends it:
        the lines after it are dropped and the connection closes.
        """
        proto, transport = self.open()
        waited = self.waiting()
        proto.dataReceived(b"wait\ntwo\n")
        proto.readConnectionLost()
        self.clock.advance(9.9)
        self.assertFalse(transport.disconnecting)
        self.clock.advance(0.1)
        self.assertTrue(transport.disconnecting)
        self.assertFalse(self.connected(proto))
        waited.callback(None)
        self.assertEqual(self.factory.handled, ["wait"])

    def test_closedByALine(self) -> None:
        """
        A line that closes the connection itself (a C{QUIT}) ends it with
        its own reason; the lines after it are dropped.
        """
        proto, transport = self.open()
        waited = self.waiting()
        proto.dataReceived(b"wait\nquit\nafter\n")
        proto.readConnectionLost()
        waited.callback(None)
        self.assertEqual(self.factory.handled, ["wait", "quit"])
        self.assertEqual(proto.closeReason, "quit")
        self.assertTrue(transport.disconnecting)


class FullCloseTests(ClosingTestCase):
    def test_carriedOut(self) -> None:
        """
        Lines waiting when the connection is lost are carried out in order
        once the answer they wait for comes, their answers dropped; only
        then does the session end.
        """
        proto, transport = self.open()
        waited = self.waiting()
        proto.dataReceived(b"wait\ntwo\nthree\n")
        transport.clear()
        proto.connectionLost(Failure(ConnectionDone()))
        self.assertTrue(self.connected(proto))
        waited.callback(None)
        self.clock.advance(0)
        self.assertEqual(self.factory.handled, ["wait", "two", "three"])
        self.assertEqual(transport.value(), b"")
        self.assertFalse(self.connected(proto))
        self.assertEqual(self.clock.getDelayedCalls(), [])

    def test_nothingWaiting(self) -> None:
        """
        A connection lost with nothing waiting ends its session at once.
        """
        proto, _ = self.open()
        proto.dataReceived(b"one\n")
        proto.connectionLost(Failure(ConnectionDone()))
        self.assertFalse(self.connected(proto))
        self.clock.advance(0)
        self.assertEqual(self.clock.getDelayedCalls(), [])

    def test_bounded(self) -> None:
        """
        An answer that does not come within C{closeGrace} seconds ends the
        session: the lines after it are dropped.
        """
        proto, _ = self.open()
        waited = self.waiting()
        proto.dataReceived(b"wait\ntwo\n")
        proto.connectionLost(Failure(ConnectionDone()))
        self.clock.advance(10)
        self.assertFalse(self.connected(proto))
        waited.callback(None)
        self.assertEqual(self.factory.handled, ["wait"])

    def test_afterHalfClose(self) -> None:
        """
        A client that half-closed and then is gone altogether still has
        its lines carried out, within the same bound.
        """
        proto, transport = self.open()
        waited = self.waiting()
        proto.dataReceived(b"wait\ntwo\n")
        proto.readConnectionLost()
        self.clock.advance(5)
        proto.connectionLost(Failure(ConnectionDone()))
        self.assertTrue(self.connected(proto))
        waited.callback(None)
        self.assertEqual(self.factory.handled, ["wait", "two"])
        self.assertFalse(self.connected(proto))
        self.assertEqual(self.clock.getDelayedCalls(), [])

    def test_quitWhileGone(self) -> None:
        """
        A line that closes the connection, carried out once it is gone,
        ends the session with its reason; nothing after it is carried out.
        """
        proto, _ = self.open()
        waited = self.waiting()
        proto.dataReceived(b"wait\nquit\nafter\n")
        proto.connectionLost(Failure(ConnectionDone()))
        waited.callback(None)
        self.assertEqual(self.factory.handled, ["wait", "quit"])
        self.assertFalse(self.connected(proto))
        self.assertEqual(self.clock.getDelayedCalls(), [])
