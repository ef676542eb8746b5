"""
Tests for L{chatd.lines.outbox}: batching per reactor turn and back-pressure.
"""

from __future__ import annotations

import socket
from typing import Any

from twisted.internet.address import IPv4Address
from twisted.internet.protocol import Factory, Protocol
from twisted.internet.task import Clock
from twisted.internet.tcp import Connection
from twisted.internet.testing import MemoryReactor, StringTransport
from twisted.trial.unittest import SynchronousTestCase

from chatd.lines.outbox import FlushScheduler, Outbox
from chatd.proxied import ProxiedFactory


class PeerConnection(Connection):
    """
    A connection over one end of a socket pair, which names its peer as an
    accepted TCP connection does (the PROXY layer compares a header's
    source with it).
    """

    def getPeer(self) -> IPv4Address:
        return IPv4Address("TCP", "10.0.0.2", 40000)


class RecordingTransport(StringTransport):
    def __init__(self) -> None:
        super().__init__()
        self.writes: list[bytes] = []

    def write(self, data: bytes) -> None:
        self.writes.append(data)
        super().write(data)

    def writeSequence(self, data: list[bytes]) -> None:
        raise AssertionError("writeSequence type-checks each chunk in Python: too slow")


class OutboxTests(SynchronousTestCase):
    def setUp(self) -> None:
        self.clock = Clock()
        self.scheduler = FlushScheduler(self.clock)
        self.overflows: list[int] = []

    def outbox(self, limit: int = 100) -> tuple[Outbox, RecordingTransport]:
        transport = RecordingTransport()
        return Outbox(transport, self.scheduler, limit, lambda: self.overflows.append(1)), transport

    def test_oneWritePerTurn(self) -> None:
        """
        Many writes in one turn reach the transport as one joined write (not
        writeSequence, whose per-chunk checks cost more than the copy), and
        one scheduled call flushes every connection.
        """
        (a, ta), (b, tb) = self.outbox(), self.outbox()
        for data in (b"1", b"2", b"3"):
            a.write(data)
            b.write(data)
        self.assertEqual(ta.writes, [])
        self.assertEqual(len(self.clock.getDelayedCalls()), 1)
        self.clock.advance(0)
        self.assertEqual(ta.writes, [b"123"])
        self.assertEqual(tb.writes, [b"123"])

    def test_pausedHoldsThenOverflows(self) -> None:
        """
        While the transport is paused, output waits here; past the limit the
        overflow callback fires once and later writes are dropped.
        """
        box, transport = self.outbox(limit=10)
        self.assertIs(transport.producer, box)
        box.pauseProducing()
        box.write(b"12345")
        self.clock.advance(0)
        self.assertEqual(transport.value(), b"")
        box.resumeProducing()
        self.assertEqual(transport.value(), b"12345")
        box.pauseProducing()
        box.write(b"123456")
        box.write(b"123456")
        box.write(b"x")
        self.assertEqual(self.overflows, [1])
        self.assertEqual(box.pending, 12)

    def test_countWrites(self) -> None:
        """
        C{countWrites} counts the writes each flush hands on, once per
        flush, from the writes after it: what was queued before (a
        handshake's answer) and what an overflow dropped are not counted.
        """
        counted: list[int] = []
        box, transport = self.outbox(limit=10)
        box.write(b"101")
        box.countWrites(counted.append)
        box.write(b"a")
        box.write(b"b")
        self.clock.advance(0)
        self.assertEqual(sum(counted), 2)
        self.assertEqual(transport.writes, [b"101ab"])
        box.write(b"c")
        self.clock.advance(0)
        self.assertEqual(counted[-1], 1)
        box.write(b"x" * 11)  # over the limit: dropped, never flushed
        self.clock.advance(0)
        self.assertEqual(sum(counted), 3)


class DirectSendTests(SynchronousTestCase):
    """
    On a plain TCP connection whose Twisted buffer is empty, a flush goes to
    the socket at once instead of waiting a reactor turn for a writable event.
    These use a real socket pair, but no running reactor.
    """

    def setUp(self) -> None:
        self.clock = Clock()
        self.reactor = MemoryReactor()
        ours, self.peer = socket.socketpair()
        self.addCleanup(self.peer.close)
        self.addCleanup(ours.close)
        self.peer.setblocking(False)
        self.transport = PeerConnection(ours, Protocol(), self.reactor)
        self.transport.connected = True
        self.box = Outbox(self.writer(), FlushScheduler(self.clock), 1 << 30, lambda: None)

    def writer(self) -> Any:
        """
        What the outbox writes to: the connection itself.
        """
        return self.transport

    def received(self) -> bytes:
        data = b""
        while True:
            try:
                chunk = self.peer.recv(1 << 20)
            except BlockingIOError:
                return data
            if not chunk:
                return data
            data += chunk

    def test_sentAtOnce(self) -> None:
        """
        A flush reaches the socket with no writable event to wait for.
        """
        self.box.write(b"srv: OKAY!\n")
        self.box.write(b"srv: .\n")
        self.clock.advance(0)
        self.assertEqual(self.received(), b"srv: OKAY!\nsrv: .\n")
        self.assertEqual(self.reactor.getWriters(), [])

    def test_restQueuedInOrder(self) -> None:
        """
        What the socket does not take goes to Twisted's buffer; later output
        queues behind it instead of overtaking it.
        """
        big = bytes(range(256)) * 40000
        self.box.write(big)
        self.clock.advance(0)
        self.assertEqual(self.reactor.getWriters(), [self.transport])
        self.box.write(b"tail")
        self.clock.advance(0)
        data = b""
        while len(data) < len(big) + 4:
            self.transport.doWrite()
            data += self.received()
        self.assertEqual(data, big + b"tail")

    def test_notWhenClosing(self) -> None:
        """
        A connection being closed gets its output through C{transport.write},
        which sends it before the close.
        """
        self.transport.disconnecting = True
        self.box.write(b"x")
        self.clock.advance(0)
        self.assertEqual(self.received(), b"")
        self.assertEqual(self.reactor.getWriters(), [self.transport])

    def test_notWithTLS(self) -> None:
        """
        Once TLS has started on the connection, output goes to the TLS layer,
        never straight to the socket in clear text.
        """
        layer = TLSLayer()
        self.transport.protocol = layer
        self.transport.TLS = True
        self.box.write(b"secret")
        self.clock.advance(0)
        self.assertEqual(self.received(), b"")
        self.assertEqual(layer.written, [b"secret"])


class BehindBalancerTests(DirectSendTests):
    """
    The same, for a connection of a listener behind a load balancer: the
    PROXY layer (L{chatd.proxied}) only passes writes on, so the outbox
    still sends on the socket itself, and in order with what the layer
    handed Twisted.
    """

    def writer(self) -> Any:
        """
        The PROXY layer over the connection, its header read.
        """
        factory = ProxiedFactory(Factory.forProtocol(Protocol), self.clock)
        layer = factory.buildProtocol(IPv4Address("TCP", "10.0.0.2", 40000))
        layer.makeConnection(self.transport)
        layer.dataReceived(b"PROXY TCP4 203.0.113.7 10.0.0.1 51000 6667\r\n")
        return layer


class TLSLayer(Protocol):
    """
    Stands in for the TLS protocol that C{startTLS} puts under a transport.
    """

    def __init__(self) -> None:
        self.written: list[bytes] = []

    def write(self, data: bytes) -> None:
        self.written.append(data)
