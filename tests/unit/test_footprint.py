"""
Tests for the per-connection trimming of docs/dev/BENCHMARKING.md (memory): what an
idle connection keeps, and the fan-out fast path in L{chatd.tchat}.
"""

from __future__ import annotations

from twisted.internet.defer import Deferred
from twisted.internet.task import Clock
from twisted.internet.testing import StringTransport
from twisted.trial.unittest import SynchronousTestCase

from chatd.core.service import ChatService
from chatd.lines.outbox import NOTHING
from chatd.tchat import TchatFactory, TchatProtocol
from tests.support.helpers import connect, output


class FootprintTests(SynchronousTestCase):
    def setUp(self) -> None:
        self.clock = Clock()
        self.service = ChatService(self.clock, rooms=["lobby"])
        self.factory = TchatFactory(self.service, self.clock, floodBurst=None, aliveAfter=None)

    def login(self, nick: str) -> tuple[TchatProtocol, StringTransport]:
        proto, transport = connect(self.factory, self.clock)
        assert isinstance(proto, TchatProtocol)
        proto.dataReceived(f"clt: LOGIN {nick}\nclt: ENTER lobby\n".encode())
        self.assertEqual(output(transport, self.clock), b"srv: TCHAT 1\nsrv: OKAY!\nsrv: OKAY!\n")
        return proto, transport

    def test_idleConnectionHoldsNoLineQueue(self) -> None:
        """
        Once its input is handled, a connection keeps no queue of pending
        lines (an empty deque alone costs ~600 bytes per idle connection).
        """
        proto, _ = self.login("alice")
        self.assertIsNone(proto._pending)

    def test_idleOutboxHoldsNoList(self) -> None:
        """
        Once flushed, an outbox shares one empty placeholder instead of
        keeping a list per connection; the next write starts a fresh one.
        """
        proto, transport = self.login("alice")
        assert proto.outbox is not None
        self.assertIs(proto.outbox._chunks, NOTHING)
        proto.dataReceived(b"clt: FOO\n")
        self.assertEqual(proto.outbox._chunks, [b"srv: ERROR 11\n"])
        self.assertEqual(output(transport, self.clock), b"srv: ERROR 11\n")
        self.assertIs(proto.outbox._chunks, NOTHING)

    def test_heldLinesKeepTheirQueueUntilHandled(self) -> None:
        """
        Lines held back behind a pending reply stay queued, in order, and the
        queue goes away once they are handled; later input works as before.
        """
        proto, transport = self.login("alice")
        pending: Deferred[None] = Deferred()
        self.service.createRoom = lambda participant, room: pending  # type: ignore[method-assign, assignment, return-value]
        proto.dataReceived(b"clt: CREAT g\nclt: FOO\nclt: BAR\n")
        self.assertIsNotNone(proto._pending)
        self.assertEqual(output(transport, self.clock), b"")
        pending.callback(None)
        self.assertIsNone(proto._pending)
        self.assertEqual(
            output(transport, self.clock),
            b"srv: OKAY!\nsrv: ERROR 11\nsrv: ERROR 11\n",
        )
        proto.dataReceived(b"clt: FOO\n")
        self.assertEqual(output(transport, self.clock), b"srv: ERROR 11\n")

    def test_fanOutSkipsClosedConnections(self) -> None:
        """
        A member whose output is already shut (C{roomMessage} writes straight
        to the outbox) misses the message without disturbing the others.
        """
        alice, ta = self.login("alice")
        bob, tb = self.login("bob")
        carol, tc = self.login("carol")
        output(ta, self.clock)
        output(tb, self.clock)
        assert bob.outbox is not None
        bob.outbox.stopProducing()
        alice.dataReceived(b"clt: SPEAK lobby\nclt: hi\nclt: .\n")
        self.assertEqual(output(ta, self.clock), b"srv: OKAY!\n")
        self.assertEqual(output(tb, self.clock), b"")
        self.assertEqual(
            output(tc, self.clock),
            b"srv: SPEAK alice lobby 0\nsrv: hi\nsrv: .\n",
        )
