"""
Tests for L{chatd.lines.lineproto}: the line layer TCHAT, talk and IRC share,
driven through a minimal protocol built on it, so that what is checked here is
the shared layer alone and not any one protocol's replies.
"""

from __future__ import annotations

from typing import Any

from twisted.internet.defer import Deferred
from twisted.internet.task import Clock
from twisted.internet.testing import StringTransport
from twisted.logger import ILogObserver, LogEvent, Logger, formatEvent
from twisted.trial.unittest import SynchronousTestCase
from zope.interface import implementer

from chatd.core.service import ChatService
from chatd.lines.handler import REFUSED_START
from tests.support.echolines import EchoFactory, EchoProtocol
from tests.support.helpers import connect, output


class LineLayerTestCase(SynchronousTestCase):
    def setUp(self) -> None:
        self.clock = Clock()
        self.service = ChatService(self.clock)

    def open(self, **limits: Any) -> tuple[EchoProtocol, StringTransport, EchoFactory]:
        limits.setdefault("floodBurst", None)
        limits.setdefault("aliveAfter", None)
        factory = EchoFactory(self.service, self.clock, **limits)
        proto, transport = connect(factory, self.clock)
        assert isinstance(proto, EchoProtocol)
        return proto, transport, factory

    def read(self, transport: StringTransport) -> list[bytes]:
        return output(transport, self.clock).splitlines()


class FramingTests(LineLayerTestCase):
    def test_bothLineEndsInOneRead(self) -> None:
        """
        One read holding lines ended by C{\\r\\n} and by C{\\n} gives each
        line, without its ending; an unfinished line waits for its end.
        """
        proto, transport, factory = self.open()
        proto.dataReceived(b"one\r\ntwo\nthr")
        self.assertEqual(factory.handled, ["one", "two"])
        proto.dataReceived(b"ee\r")
        proto.dataReceived(b"\n")
        self.assertEqual(factory.handled, ["one", "two", "three"])
        self.assertEqual(self.read(transport), [b"got one", b"got two", b"got three"])

    def test_emptyLines(self) -> None:
        """
        An empty line is a line: the protocol decides what it means.
        """
        proto, _, factory = self.open()
        proto.dataReceived(b"\n\r\nx\n")
        self.assertEqual(factory.handled, ["", "", "x"])

    def test_byteByByte(self) -> None:
        """
        A line that arrives a byte at a time is the same line.
        """
        proto, transport, factory = self.open()
        for byte in b"hello\r\n":
            proto.dataReceived(bytes([byte]))
        self.assertEqual(factory.handled, ["hello"])
        self.assertEqual(self.read(transport), [b"got hello"])


class LimitTests(LineLayerTestCase):
    def test_overlongLineRefusedInTurn(self) -> None:
        """
        A line over C{maxLineLength} bytes is refused in its turn, between
        the replies to the lines around it, and never reaches the protocol.
        """
        proto, transport, factory = self.open(maxLineLength=10)
        proto.dataReceived(b"before\n" + b"x" * 12 + b"\r\nafter\n")
        self.assertEqual(factory.handled, ["before", "after"])
        self.assertEqual(
            self.read(transport), [b"got before", b"refused line too long", b"got after"]
        )
        self.assertFalse(transport.disconnecting)

    def test_carriageReturnDoesNotCount(self) -> None:
        """
        A line of exactly C{maxLineLength} bytes is accepted, also when it
        ends with C{\\r\\n}.
        """
        proto, transport, factory = self.open(maxLineLength=10)
        proto.dataReceived(b"y" * 10 + b"\r\n" + b"z" * 10 + b"\n")
        self.assertEqual(factory.handled, ["y" * 10, "z" * 10])

    def test_oneByteOverRefused(self) -> None:
        """
        A line one byte over C{maxLineLength} is refused, whatever its line
        end: the limit is the line's own bytes.
        """
        proto, transport, factory = self.open(maxLineLength=10)
        proto.dataReceived(b"x" * 11 + b"\n" + b"y" * 11 + b"\r\n")
        self.assertEqual(factory.handled, [])
        self.assertEqual(self.read(transport), [b"refused line too long"] * 2)

    def test_lineEndSplitAcrossReads(self) -> None:
        """
        A line of exactly C{maxLineLength} bytes whose C{\\r} and C{\\n} come
        in different reads is accepted, as in one read; one byte more is not.
        """
        proto, transport, factory = self.open(maxLineLength=10)
        proto.dataReceived(b"y" * 10 + b"\r")
        proto.dataReceived(b"\n")
        self.assertEqual(factory.handled, ["y" * 10])
        proto.dataReceived(b"z" * 10 + b"\r")
        proto.dataReceived(b"z\n")
        self.assertEqual(factory.handled, ["y" * 10])
        self.assertEqual(self.read(transport), [b"got " + b"y" * 10, b"refused line too long"])

    def test_overlongUnfinishedLineDiscardedUntilItsEnd(self) -> None:
        """
        An unfinished line already over the limit is dropped as it comes
        (over several reads), refused once when its end comes, and the
        connection goes on at the next line.
        """
        proto, transport, factory = self.open(maxLineLength=10)
        proto.dataReceived(b"x" * 50)
        proto.dataReceived(b"x" * 50)
        self.assertEqual(self.read(transport), [])
        proto.dataReceived(b"xxx\nok\n")
        self.assertEqual(factory.handled, ["ok"])
        self.assertEqual(self.read(transport), [b"refused line too long", b"got ok"])
        self.assertFalse(transport.disconnecting)

    def test_invalidUTF8(self) -> None:
        """
        A line that is not UTF-8 is refused; the next one is handled.
        """
        proto, transport, factory = self.open()
        proto.dataReceived(b"caf\xe9\nok \xc3\xa9\n")
        self.assertEqual(factory.handled, ["ok \xe9"])
        self.assertEqual(self.read(transport), [b"refused invalid UTF-8", "got ok \xe9".encode()])

    def test_refusedLineStartShown(self) -> None:
        """
        The protocol is shown the first bytes of each line refused undecoded
        (too long, not UTF-8; whole or in pieces), so it can tell which of
        its commands the line began.
        """
        proto, transport, factory = self.open(maxLineLength=100)
        long = b"SPEAK " + b"y" * REFUSED_START * 2
        proto.dataReceived(b"caf\xe9\n" + long + b"\nSAY " + long)
        proto.dataReceived(b"\nok\n")
        self.assertEqual(factory.handled, ["ok"])
        self.assertEqual(
            factory.refusedStarts,
            [b"caf\xe9", long[:REFUSED_START], (b"SAY " + long)[:REFUSED_START]],
        )


class OrderTests(LineLayerTestCase):
    def test_linesWaitForPendingReply(self) -> None:
        """
        While a handler's Deferred is pending, later lines (from the same
        read or later ones) wait; once it fires they are handled in order,
        so replies keep the order of the commands.
        """
        proto, transport, factory = self.open()
        pending: Deferred[None] = Deferred()
        factory.waiting.append(pending)
        proto.dataReceived(b"wait\nsecond\n")
        proto.dataReceived(b"third\n")
        self.assertEqual(factory.handled, ["wait"])
        self.assertEqual(self.read(transport), [])
        proto.sendLine(b"waited")
        pending.callback(None)
        self.assertEqual(factory.handled, ["wait", "second", "third"])
        self.assertEqual(self.read(transport), [b"waited", b"got second", b"got third"])

    def test_discardTypedAhead(self) -> None:
        """
        L{discardTypedAhead} drops the lines waiting and the line being
        typed, up to its end, and says how many; what comes after is read.
        """
        proto, transport, factory = self.open()
        pending: Deferred[None] = Deferred()
        factory.waiting.append(pending)
        proto.dataReceived(b"wait\nsecond\nthird\nfour")
        self.assertEqual(proto.discardTypedAhead(), 3)
        proto.dataReceived(b"th\nfifth\n")
        pending.callback(None)
        self.assertEqual(factory.handled, ["wait", "fifth"])
        self.assertEqual(proto.discardTypedAhead(), 0)

    def test_refusalWaitsItsTurn(self) -> None:
        """
        A line refused by the shared layer (too long) waits behind a pending
        reply too, so its refusal is not answered before earlier commands.
        """
        proto, transport, factory = self.open(maxLineLength=10)
        pending: Deferred[None] = Deferred()
        factory.waiting.append(pending)
        proto.dataReceived(b"wait\n" + b"x" * 20 + b"\n")
        self.assertEqual(self.read(transport), [])
        proto.sendLine(b"waited")
        pending.callback(None)
        self.assertEqual(self.read(transport), [b"waited", b"refused line too long"])


class FloodTests(LineLayerTestCase):
    def test_throttledNotRefused(self) -> None:
        """
        Past the burst, lines wait and are handled at the flood rate, in
        order; none is lost.
        """
        proto, transport, factory = self.open(floodBurst=3, floodRate=2.0)
        proto.dataReceived(b"".join(b"%d\n" % i for i in range(6)))
        self.assertEqual(factory.handled, ["0", "1", "2"])
        self.clock.advance(0.5)
        self.assertEqual(factory.handled, ["0", "1", "2", "3"])
        self.clock.advance(0.5)
        self.clock.advance(0.5)
        self.assertEqual(factory.handled, [str(i) for i in range(6)])
        self.assertEqual(self.read(transport), [b"got %d" % i for i in range(6)])
        self.assertFalse(transport.disconnecting)

    def test_burstRefills(self) -> None:
        """
        After a quiet spell the whole burst is available again.
        """
        proto, _, factory = self.open(floodBurst=2, floodRate=1.0)
        proto.dataReceived(b"a\nb\n")
        self.clock.advance(10)
        proto.dataReceived(b"c\nd\ne\n")
        self.assertEqual(factory.handled, ["a", "b", "c", "d"])

    def test_floodCutOffAfterError(self) -> None:
        """
        A client whose held-back input passes C{floodBacklog} bytes gets the
        flood error as the last thing it reads, then the connection closes;
        the lines it held back are never handled.
        """
        proto, transport, factory = self.open(floodBurst=2, floodRate=1.0, floodBacklog=100)
        proto.dataReceived(b"".join(b"line %02d\n" % i for i in range(20)))
        self.assertEqual(factory.handled, ["line 00", "line 01"])
        self.assertEqual(
            self.read(transport),
            [b"got line 00", b"got line 01", b"refused flooding: too many lines too fast"],
        )
        self.assertTrue(transport.disconnecting)
        self.assertEqual(proto.closeReason, "flooding")
        self.clock.advance(60)
        self.assertEqual(factory.handled, ["line 00", "line 01"])

    def test_emptyLinesCount(self) -> None:
        """
        Empty lines count against C{floodBacklog} too (each its line end):
        a flood of bare newlines, which holds a queue entry per line, is cut
        off as any other flood, not queued without end; here by their
        count in bytes, fewer lines than L{ChatFactory.floodLines}.
        """
        proto, transport, factory = self.open(floodBurst=2, floodRate=1.0, floodBacklog=100)
        self.assertGreater(factory.floodLines, 120)
        proto.dataReceived(b"\n" * 120)
        self.assertTrue(transport.disconnecting)
        self.assertEqual(proto.closeReason, "flooding")

    def test_tooLongLinesCount(self) -> None:
        """
        So do lines refused for their length, each by the start it keeps.
        """
        proto, transport, factory = self.open(
            floodBurst=1, floodRate=1.0, floodBacklog=2000, maxLineLength=10
        )
        proto.dataReceived(b"x" * 20 + b"\n" + (b"y" * 11 + b"\n") * 500)
        self.assertTrue(transport.disconnecting)
        self.assertEqual(proto.closeReason, "flooding")

    def test_backlogUnderLimitKept(self) -> None:
        """
        Held-back input under C{floodBacklog} bytes is kept, not cut off.
        """
        proto, transport, factory = self.open(floodBurst=1, floodRate=1.0, floodBacklog=100)
        proto.dataReceived(b"".join(b"line %02d\n" % i for i in range(10)))
        self.assertFalse(transport.disconnecting)
        self.clock.pump([1.0] * 9)
        self.assertEqual(len(factory.handled), 10)


class OverlongTests(LineLayerTestCase):
    """
    Over-long lines at any length (L{chatd.lines.overlong}): each is dropped
    as it comes, refused once at its end, and counted by the flood limit as
    one line, not by its bytes.
    """

    def test_hugeLineInChunks(self) -> None:
        """
        A line many times the flood backlog, in chunks, is refused once when
        its end comes; the connection stays and the next line is handled;
        nothing of it is kept while it comes.
        """
        proto, transport, factory = self.open(maxLineLength=10, floodBacklog=100)
        proto.dataReceived(b"start " + b"x" * 30)
        for _ in range(1000):
            proto.dataReceived(b"x" * 97)
            self.assertLessEqual(len(proto._partial), 10)
        self.assertEqual(self.read(transport), [])
        self.assertFalse(transport.disconnecting)
        proto.dataReceived(b"xx\nafter\n")
        self.assertEqual(self.read(transport), [b"refused line too long", b"got after"])
        self.assertEqual(factory.handled, ["after"])
        self.assertFalse(transport.disconnecting)

    def test_refusedStartKept(self) -> None:
        """
        The protocol is shown the start of a line refused over several
        reads, as of one refused in a single read.
        """
        proto, transport, factory = self.open(maxLineLength=10)
        starts: list[bytes] = []
        self.patch(proto, "lineRefused", lambda error, start: starts.append(start))
        proto.dataReceived(b"VERB " + b"y" * 200)
        proto.dataReceived(b"y" * 200 + b"\n")
        self.assertEqual(starts, [b"VERB " + b"y" * (REFUSED_START - 5)])

    def test_overlongLinesInARowKept(self) -> None:
        """
        Over-long lines one after another, each with its end, are each
        refused in turn; without a flood limit, none cuts the connection.
        """
        proto, transport, factory = self.open(maxLineLength=10, floodBacklog=100)
        for _ in range(50):
            proto.dataReceived(b"y" * 5000 + b"\nok\n")
        self.assertFalse(transport.disconnecting)
        self.assertEqual(self.read(transport), [b"refused line too long", b"got ok"] * 50)

    def test_floodCountsLines(self) -> None:
        """
        The flood limit counts an over-long line as one line: a burst of
        two lets two through at once, however long, and throttles the third.
        """
        proto, transport, factory = self.open(
            maxLineLength=10, floodBurst=2, floodRate=1.0, floodBacklog=1000
        )
        proto.dataReceived(b"y" * 50000 + b"\n" + b"z" * 50000 + b"\nok\n")
        self.assertEqual(self.read(transport), [b"refused line too long"] * 2)
        self.clock.advance(1)
        self.assertEqual(self.read(transport), [b"got ok"])
        self.assertFalse(transport.disconnecting)

    def test_nowAndThenKept(self) -> None:
        """
        An over-long line now and then is only refused.
        """
        proto, transport, factory = self.open(maxLineLength=10, floodBacklog=100)
        for _ in range(100):
            proto.dataReceived(b"y" * 50 + b"\n")
            self.clock.advance(5)
        self.assertFalse(transport.disconnecting)
        self.assertEqual(self.read(transport), [b"refused line too long"] * 100)


class LivenessTests(LineLayerTestCase):
    def test_probeThenClose(self) -> None:
        """
        After C{aliveAfter} seconds of silence the protocol's probe runs
        once; as long again without a byte closes the connection.
        """
        proto, transport, _ = self.open(aliveAfter=10.0)
        self.clock.advance(9.9)
        self.assertEqual(self.read(transport), [])
        self.clock.advance(0.1)
        self.assertEqual(self.read(transport), [b"probe"])
        self.clock.advance(9.9)
        self.assertFalse(transport.disconnecting)
        self.clock.advance(0.1)
        self.assertTrue(transport.disconnecting)
        self.assertEqual(proto.closeReason, "timed out")

    def test_answerKeepsAlive(self) -> None:
        """
        Any byte after the probe proves the peer alive: the connection stays
        open and the silence is counted again from that byte.
        """
        proto, transport, _ = self.open(aliveAfter=10.0)
        self.clock.advance(10)
        self.assertEqual(self.read(transport), [b"probe"])
        self.clock.advance(5)
        proto.dataReceived(b"\n")
        self.read(transport)
        self.clock.advance(9.9)
        self.assertFalse(transport.disconnecting)
        self.assertEqual(self.read(transport), [])
        self.clock.advance(0.1)
        self.assertEqual(self.read(transport), [b"probe"])
        self.assertFalse(transport.disconnecting)

    def test_chattyPeerNeverProbed(self) -> None:
        """
        A peer that speaks more often than C{aliveAfter} is never probed.
        """
        proto, transport, _ = self.open(aliveAfter=10.0)
        for _ in range(10):
            self.clock.advance(6)
            proto.dataReceived(b"hi\n")
        self.assertNotIn(b"probe", self.read(transport))
        self.assertFalse(transport.disconnecting)

    def test_offWhenNone(self) -> None:
        """
        With C{aliveAfter=None} a silent peer is never probed nor closed.
        """
        _, transport, _ = self.open(aliveAfter=None)
        self.clock.advance(3600)
        self.assertEqual(self.read(transport), [])
        self.assertFalse(transport.disconnecting)


@implementer(ILogObserver)
class Recorder:
    def __init__(self) -> None:
        self.events: list[LogEvent] = []

    def __call__(self, event: LogEvent) -> None:
        self.events.append(event)


class ErrorTests(LineLayerTestCase):
    def logTo(self, proto: EchoProtocol) -> Recorder:
        recorder = Recorder()
        proto.log = Logger(namespace="test", observer=recorder)
        return recorder

    def test_internalError(self) -> None:
        """
        A handler that raises gets the protocol's internal-error reply; the
        exception is logged with its traceback, without the line's text (it
        may hold a password); the connection goes on.
        """
        proto, transport, factory = self.open()
        recorder = self.logTo(proto)
        proto.dataReceived(b"boom secret\nafter\n")
        self.assertEqual(self.read(transport), [b"internal error", b"got after"])
        [event] = recorder.events
        failure = event["log_failure"]
        self.assertIsInstance(failure.value, RuntimeError)
        self.assertIn("RuntimeError", failure.getTraceback())
        self.assertNotIn("secret", formatEvent(event))
        self.assertIn("a line of 11 characters", formatEvent(event))
        self.assertFalse(transport.disconnecting)

    def test_failedDeferred(self) -> None:
        """
        A handler's Deferred that fails is logged and answered the same way,
        and the lines held behind it are then handled.
        """
        proto, transport, factory = self.open()
        recorder = self.logTo(proto)
        pending: Deferred[None] = Deferred()
        factory.waiting.append(pending)
        proto.dataReceived(b"wait\nafter\n")
        pending.errback(ValueError("broken store"))
        self.assertEqual(self.read(transport), [b"internal error", b"got after"])
        [event] = recorder.events
        self.assertIsInstance(event["log_failure"].value, ValueError)
        self.assertFalse(transport.disconnecting)


class ConnectionTests(LineLayerTestCase):
    def test_refusedByAdmission(self) -> None:
        """
        A connection the admission policy refuses is told why and closed,
        and gives back its place: once the first closes, a new one is let in.
        """
        self.service.admission.maxClients = 1
        first, _, factory = self.open()
        _, transport = connect(factory, self.clock)
        self.assertEqual(self.read(transport), [b"go away the server is full, try again later"])
        self.assertTrue(transport.disconnecting)
        self.assertEqual(self.service.admission.count, 1)
        first.connectionLost()
        _, transport = connect(factory, self.clock)
        self.assertFalse(transport.disconnecting)
        self.assertEqual(self.service.admission.count, 1)

    def test_noDelay(self) -> None:
        """
        Accepted connections ask for C{TCP_NODELAY}: a reply must not wait
        for Nagle's algorithm.
        """
        factory = EchoFactory(self.service, self.clock, floodBurst=None, aliveAfter=None)
        proto = factory.buildProtocol(None)
        assert proto is not None
        transport = StringTransport()
        calls: list[bool] = []
        transport.setTcpNoDelay = calls.append  # type: ignore[attr-defined]
        proto.makeConnection(transport)
        self.assertEqual(calls, [True])


class ClosingTests(LineLayerTestCase):
    """
    Closing a connection (a QUIT, a kick, a flood) ends the session at once,
    whatever the transport does: a TLS peer may answer the close alert late
    or never, and TCP may take its time.
    """

    def test_sessionEndsBeforeTransportCloses(self) -> None:
        """
        The service forgets the user (rooms told, nickname free) as soon as
        the protocol closes, before the transport reports the connection
        lost; the output queued before is still handed over.
        """
        proto, transport, factory = self.open()
        self.service.login(proto, "alice")  # type: ignore[arg-type]
        watcher, _, _ = self.open()
        self.service.login(watcher, "bob")  # type: ignore[arg-type]
        proto.sendLine(b"bye")
        proto.closeWith("quit")
        self.assertTrue(transport.disconnecting)
        self.assertEqual(self.read(transport), [b"bye"])
        self.assertIsNone(self.service.find("alice"))
        disconnects = self.service.stats.disconnects
        self.assertEqual(sum(n for (name, _), n in disconnects.items() if name == "echo"), 1)
        proto.connectionLost()  # the transport closes later: counted once
        self.assertEqual(sum(n for (name, _), n in disconnects.items() if name == "echo"), 1)
        self.assertEqual([p.nick for p in self.service.users()], ["bob"])

    def test_placeFreeOnClose(self) -> None:
        """
        A connection being closed no longer counts against its address's
        limit (a TLS peer that hung up without its close alert lingers
        until the cut): a new one from that address is let in at once.  It
        counts towards the total until it has closed (a stop waits for it).
        """
        self.service.admission.perAddress = 1
        proto, transport, factory = self.open()
        proto.closeWith("quit")
        self.assertEqual(self.service.admission.count, 1)
        _, again = connect(factory, self.clock)
        self.assertFalse(again.disconnecting)
        self.assertEqual(self.service.admission.openFrom("127.0.0.1"), 1)
        proto.connectionLost()  # the old one's end gives back nothing twice
        self.assertEqual(self.service.admission.count, 1)
        self.assertEqual(self.service.admission.openFrom("127.0.0.1"), 1)

    def test_producerUnregistered(self) -> None:
        """
        The outbox stops being the transport's producer when the connection
        closes: a TLS transport sends its close alert only once it has none.
        """
        proto, transport, _ = self.open()
        self.assertIsNotNone(transport.producer)
        proto.closeWith("quit")
        self.assertIsNone(transport.producer)
        proto.closeWith("again")  # a second close changes nothing
        self.assertIsNone(transport.producer)

    def test_cutAfterGrace(self) -> None:
        """
        A connection still open C{closeGrace} seconds after it was closed
        is aborted; one that closed in time is left alone.
        """
        proto, transport, _ = self.open(closeGrace=5)
        proto.closeWith("quit")
        self.clock.advance(4.9)
        self.assertFalse(transport.disconnected)
        self.clock.advance(0.1)
        self.assertTrue(transport.disconnected)
        other, otherTransport, _ = self.open(closeGrace=5)
        other.closeWith("quit")
        other.connectionLost()
        self.clock.advance(10)
        self.assertFalse(otherTransport.disconnected)
        self.assertEqual(self.clock.getDelayedCalls(), [])

    def test_readsTheCloseOfItsPeer(self) -> None:
        """
        The transport closes reading: a TLS peer's answer to the close
        alert, or its TCP close, must be read for the connection to end
        before the cut.  What else the peer sends then is not handled.
        """
        proto, transport, _ = self.open()
        self.service.login(proto, "alice")  # type: ignore[arg-type]
        proto.closeWith("quit")
        self.assertTrue(transport.disconnecting)
        self.assertEqual(transport.producerState, "producing")
        self.read(transport)
        proto.dataReceived(b"late line\n")
        self.assertEqual(self.read(transport), [])
