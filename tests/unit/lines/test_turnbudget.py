"""
Tests for L{chatd.lines.turnbudget}: the budget of one reactor turn, alone,
through the line layer (L{chatd.lines.lineproto}) and through the TCHAT and
IRC protocols.

Time spent handling input is made up: in the line layer's tests, each line
handled costs a second; through TCHAT and IRC, time is told by L{Ticks},
which moves on a second each time it is asked.  A reactor turn's timed
calls are L{turn}: C{clock.advance(0)} would also run the calls they
schedule for the next turn.
"""

from __future__ import annotations

from twisted.internet.task import Clock
from twisted.internet.testing import StringTransport
from twisted.trial.unittest import SynchronousTestCase

from chatd.core.service import ChatService
from chatd.lines.factory import ChatFactory
from chatd.lines.turnbudget import FLOOR, TurnBudget
from tests.support.echolines import EchoFactory, EchoProtocol
from tests.support.helpers import connect, output, turn
from tests.support.irchelpers import IRCTestCase
from tests.support.protocolcases import TchatTestCase


class Ticks:
    """
    A time that moves on by C{step} seconds each time it is told.
    """

    def __init__(self, step: float = 1.0) -> None:
        self.now = 0.0
        self.step = step

    def __call__(self) -> float:
        now = self.now
        self.now += self.step
        return now


class Share:
    """
    A waiting connection's share, as the line layer's: C{units} of input
    left, each costing a second of C{test.now}, and logged.
    """

    def __init__(self, test: BudgetTests, name: str, units: int) -> None:
        self.test = test
        self.name = name
        self.units = units

    def __call__(self) -> bool:
        while True:
            self.units -= 1
            self.test.log.append(self.name)
            self.test.now += 1
            if not self.units:
                return False
            if self.test.turns.shareSpent():
                return True


class BudgetTests(SynchronousTestCase):
    def setUp(self) -> None:
        self.clock = Clock()
        self.now = 0.0
        self.turns = TurnBudget(self.clock, limit=0.02, now=lambda: self.now)
        self.log: list[str] = []

    def test_outputCharged(self) -> None:
        """
        The time output took (a flush, each front-end's added) comes off
        the next turn's budget, which keeps L{FLOOR} of it whatever the
        output cost; the turn after starts from nothing again.
        """
        self.turns.charge(0.005)
        self.turns.charge(0.004)
        self.assertFalse(self.turns.spent())
        self.now = 0.010
        self.assertFalse(self.turns.spent())
        self.now = 0.011
        self.assertTrue(self.turns.spent())
        turn(self.clock)
        self.turns.charge(1.0)
        self.assertFalse(self.turns.spent())
        self.now += 0.02 * FLOOR - 0.0001
        self.assertFalse(self.turns.spent())
        self.now += 0.0002
        self.assertTrue(self.turns.spent())
        turn(self.clock)
        self.assertFalse(self.turns.spent())
        self.now += 0.019
        self.assertFalse(self.turns.spent())

    def test_underLimit(self) -> None:
        """
        A turn that has spent less than the limit has budget left; a new
        turn starts from nothing.
        """
        self.assertFalse(self.turns.spent())
        self.now = 0.019
        self.assertFalse(self.turns.spent())
        self.now = 0.02
        self.assertTrue(self.turns.spent())
        turn(self.clock)
        self.assertFalse(self.turns.spent())
        self.now = 0.039
        self.assertFalse(self.turns.spent())

    def test_oneCallPerTurn(self) -> None:
        """
        However often it is asked, a turn costs one call: the end of the
        turn.  Nothing else is scheduled while nobody waits.
        """
        for _ in range(10):
            self.turns.spent()
        self.assertEqual(len(self.clock.getDelayedCalls()), 1)
        turn(self.clock)
        self.assertEqual(self.clock.getDelayedCalls(), [])

    def test_roundsInOrder(self) -> None:
        """
        Those that waited are served on the next turn: first those that
        kept few lines, whole; then the others in rounds, in the order they
        stopped, each for an eighth of the turn's budget, until it is spent.
        The rest go on in the following turns, where they come after any
        that stopped since.
        """
        self.turns.limit = 16  # slices of 2
        self.turns.spent()
        self.now = 16
        self.assertTrue(self.turns.spent())
        self.turns.wait(Share(self, "a", 20))
        self.turns.wait(Share(self, "b", 1), light=True)
        self.turns.wait(Share(self, "c", 3))
        self.assertEqual(self.log, [])
        turn(self.clock)
        self.assertEqual(self.log, list("baaccaac") + ["a"] * 8)
        self.turns.wait(Share(self, "d", 1), light=True)
        self.turns.wait(Share(self, "e", 1))
        self.assertEqual(self.turns.waiting, 3)
        del self.log[:]
        turn(self.clock)
        self.assertEqual(self.log, ["d", "e"] + ["a"] * 8)
        self.assertEqual(self.turns.waiting, 0)
        turn(self.clock)
        self.assertEqual(self.clock.getDelayedCalls(), [])


def numbered(count: int, name: str = "") -> bytes:
    return b"".join(b"%s%d\n" % (name.encode(), i) for i in range(count))


class LineLayerTestCase(SynchronousTestCase):
    """
    The line layer under a budget of 5 lines a turn; a connection that
    waits with more than 10 bytes of lines stops reading.
    """

    def setUp(self) -> None:
        self.clock = Clock()
        self.turns = TurnBudget(self.clock, limit=5, now=lambda: self.factory.elapsed)
        self.factory = EchoFactory(
            ChatService(self.clock),
            self.clock,
            floodBurst=None,
            aliveAfter=None,
            floodBacklog=40,
            turns=self.turns,
        )

    def connect(self) -> tuple[EchoProtocol, StringTransport]:
        proto, transport = connect(self.factory, self.clock)
        assert isinstance(proto, EchoProtocol)
        return proto, transport

    def read(self, transport: StringTransport) -> list[bytes]:
        return output(transport, self.clock).splitlines()


class LineLayerTests(LineLayerTestCase):
    def test_noBudget(self) -> None:
        """
        A factory given no budget (the default) handles every line as it
        arrives, however long that takes.
        """
        factory = EchoFactory(ChatService(self.clock), self.clock, floodBurst=None)
        self.assertIsNone(factory.turns)
        proto, transport = connect(factory, self.clock)
        proto.dataReceived(numbered(200))
        self.assertEqual(factory.elapsed, 200)
        self.assertEqual(transport.producerState, "producing")
        self.assertEqual(len(output(transport, self.clock).splitlines()), 200)

    def test_lightLoadNeverWaits(self) -> None:
        """
        Input that fits in a turn's budget is all handled in that turn, and
        the transport never stops reading.
        """
        proto, transport = self.connect()
        for _ in range(3):
            proto.dataReceived(numbered(4))
            self.assertEqual(transport.producerState, "producing")
            self.assertEqual(self.read(transport), [b"got %d" % i for i in range(4)])
        self.assertEqual(self.turns.waiting, 0)

    def test_restInLaterTurns(self) -> None:
        """
        Once the turn's budget is spent, the connection stops reading and
        keeps its lines; later turns handle them, in order, none lost or
        handled twice, and then it reads again.
        """
        proto, transport = self.connect()
        proto.dataReceived(numbered(20))
        self.assertEqual(transport.producerState, "paused")
        seen = [transport.value()]
        transport.clear()
        turns = 0
        while transport.producerState == "paused":
            turn(self.clock)
            seen.append(transport.value())
            transport.clear()
            turns += 1
        seen.append(output(transport, self.clock))
        self.assertEqual(b"".join(seen).splitlines(), [b"got %d" % i for i in range(20)])
        self.assertGreater(turns, 1)
        proto.dataReceived(b"again\n")
        self.assertEqual(self.read(transport), [b"got again"])

    def test_firstTurnBoundedLaterInput(self) -> None:
        """
        A turn that spent its budget handles 5 lines, and input read later
        in the same turn waits as well: it is not handled ahead.
        """
        proto, transport = self.connect()
        other, otherTransport = self.connect()
        proto.dataReceived(numbered(20))
        self.assertEqual(self.factory.elapsed, 5)
        other.dataReceived(b"hello\n")
        self.assertEqual(self.factory.elapsed, 5)
        self.assertEqual(otherTransport.producerState, "producing")  # not far behind

    def test_quietConnectionServedNextTurn(self) -> None:
        """
        A connection with one line, stopped behind a busy one, is served
        first in the next turn's rounds and answered there and then (it
        waited a turn already), not after everything the busy one sent.
        """
        busy, busyTransport = self.connect()
        quiet, quietTransport = self.connect()
        busy.dataReceived(numbered(40))
        quiet.dataReceived(b"hello\n")
        self.assertEqual(quietTransport.value(), b"")
        turn(self.clock)
        self.assertEqual(quietTransport.value(), b"got hello\n")
        self.assertEqual(quietTransport.producerState, "producing")
        self.assertEqual(busyTransport.producerState, "paused")

    def test_moreInputWhileWaiting(self) -> None:
        """
        Input that still arrives while a connection waits (a transport that
        does not stop at once) queues behind its kept lines.
        """
        proto, transport = self.connect()
        proto.dataReceived(numbered(8))
        proto.dataReceived(b"last\n")
        self.clock.advance(0)  # all the turns left
        expected = [b"got %d" % i for i in range(8)] + [b"got last"]
        self.assertEqual(self.read(transport), expected)

    def test_waitingNotFlooding(self) -> None:
        """
        Lines kept for a later turn are not held back by the flood limit:
        they do not count towards its backlog.
        """
        self.factory.floodBacklog = 20
        proto, transport = self.connect()
        proto.dataReceived(numbered(20, "line"))
        self.assertFalse(transport.disconnecting)
        self.clock.advance(0)  # all the turns left
        self.assertEqual(len(self.read(transport)), 20)

    def test_closedWhileWaiting(self) -> None:
        """
        A connection that closes while it waits is skipped; those waiting
        behind it are served.
        """
        proto, transport = self.connect()
        other, otherTransport = self.connect()
        proto.dataReceived(numbered(20))
        other.dataReceived(b"hello\n")
        proto.connectionLost()
        turn(self.clock)
        turn(self.clock)
        self.assertEqual(otherTransport.value(), b"got hello\n")
        transport.clear()
        self.clock.advance(0)  # all the turns left
        self.assertEqual(transport.value(), b"")
        self.assertEqual(self.turns.waiting, 0)

    def test_closedByAKeptLine(self) -> None:
        """
        A kept line that closes the connection ends it: the lines after it
        are dropped, and so is what is read after (the transport reads
        again, for the peer's close to end the connection).
        """
        proto, transport = self.connect()
        proto.dataReceived(numbered(6) + b"quit\n" + numbered(4, "after"))
        self.clock.advance(0)  # all the turns left
        self.assertEqual(self.read(transport), [b"got %d" % i for i in range(6)])
        self.assertTrue(transport.disconnecting)
        self.assertEqual(self.turns.waiting, 0)
        self.assertEqual(transport.producerState, "producing")
        proto.dataReceived(numbered(3, "later"))
        self.clock.advance(0)
        self.assertEqual(self.read(transport), [])


class HeldOutputTests(LineLayerTestCase):
    """
    While connections wait for a later turn, output is held, except the
    answers of connections that have handled all their input; each turn
    flushes the longest held C{1 / holdTurns} of the rest.
    """

    def test_heldWhileWaiting(self) -> None:
        """
        A connection that waits for its answer gets it once the turn has
        handled its line (in a later turn's round: at once); the others'
        output is held, and goes out longest held first, a part each turn.
        """
        self.turns.holdTurns = 2
        busy, busyTransport = self.connect()
        quiet, quietTransport = self.connect()
        reader, readerTransport = self.connect()
        busy.dataReceived(numbered(40))
        quiet.dataReceived(b"hello\n")
        reader.sendLine(b"news")
        turn(self.clock)  # busy's and reader's output held; quiet's line answered
        self.assertEqual((busyTransport.value(), quietTransport.value()), (b"", b"got hello\n"))
        turn(self.clock)  # the older half of what is held
        self.assertEqual(busyTransport.value().splitlines()[0], b"got 0")
        self.assertEqual(readerTransport.value(), b"")
        turn(self.clock)
        self.assertEqual(readerTransport.value(), b"news\n")

    def test_handedOnOnceNobodyWaits(self) -> None:
        """
        Held output goes out with the first flush after the last waiting
        connection is done.
        """
        busy, busyTransport = self.connect()
        reader, readerTransport = self.connect()
        busy.dataReceived(numbered(8))
        reader.sendLine(b"news")
        turn(self.clock)  # held; then the 3 lines left are handled
        self.assertEqual(readerTransport.value(), b"")
        turn(self.clock)
        self.assertEqual(readerTransport.value(), b"news\n")
        self.assertEqual(len(busyTransport.value().splitlines()), 8)
        self.assertFalse(self.turns.busy())

    def test_notHeldUnderLightLoad(self) -> None:
        """
        Nobody waits: every connection's output goes out this turn.
        """
        proto, transport = self.connect()
        reader, readerTransport = self.connect()
        proto.dataReceived(b"hello\n")
        reader.sendLine(b"news")
        turn(self.clock)
        self.assertEqual(transport.value(), b"got hello\n")
        self.assertEqual(readerTransport.value(), b"news\n")

    def test_handedOnAtShutdown(self) -> None:
        """
        Stopping the factory hands on what is held.
        """
        busy, _ = self.connect()
        reader, readerTransport = self.connect()
        busy.dataReceived(numbered(40))
        reader.sendLine(b"news")
        turn(self.clock)
        self.factory.stopFactory()
        self.assertEqual(readerTransport.value(), b"news\n")


def underBudget(factory: ChatFactory, clock: Clock) -> None:
    """
    Give C{factory} a budget of 5 lines a turn (L{Ticks}); a connection
    stops reading past 100 bytes waiting.
    """
    factory.turns = factory.flusher.turns = TurnBudget(clock, limit=5, now=Ticks())
    factory.floodBacklog = 400


class TchatTests(TchatTestCase):
    """
    TCHAT under a budget of 5 lines a turn (L{Ticks}).
    """

    def test_messagesInOrder(self) -> None:
        """
        A client's burst of private messages reaches its recipient in order
        over several turns, each acknowledged once; a third client's request
        is answered on the next turn.
        """
        underBudget(self.factory, self.clock)
        ann, annTransport = self.connect("ann")
        bob, bobTransport = self.connect("bob")
        cid, cidTransport = self.connect("cid")
        burst = "".join(f"clt: MSGPV bob\r\nclt: hi {i}\r\nclt: .\r\n" for i in range(10))
        ann.dataReceived(burst.encode())
        cid.dataReceived(b"clt: LSMEM lobby\r\n")
        self.assertEqual(annTransport.producerState, "paused")
        turn(self.clock)
        self.assertNotEqual(self.read(cidTransport), b"")
        self.clock.advance(0)  # all the turns left
        self.assertEqual(self.read(annTransport), b"srv: OKAY!\n" * 10)
        received = [line for line in self.read(bobTransport).splitlines() if b" hi " in line]
        self.assertEqual(received, [b"srv: hi %d" % i for i in range(10)])
        self.assertEqual(annTransport.producerState, "producing")


class IRCTests(IRCTestCase):
    """
    IRC under a budget of 5 lines a turn (L{Ticks}).
    """

    def test_privmsgInOrder(self) -> None:
        """
        A client's burst of PRIVMSGs reaches the channel in order over
        several turns; another client's PING is answered on the next turn.
        """
        underBudget(self.factory, self.clock)
        ann, annTransport = self.connect("ann")
        bob, bobTransport = self.connect("bob")
        cid, cidTransport = self.connect("cid")
        self.send(ann, annTransport, "JOIN #lobby")
        self.send(bob, bobTransport, "JOIN #lobby")
        self.read(annTransport)
        burst = "".join(f"PRIVMSG #lobby :hi {i}\r\n" for i in range(12))
        ann.dataReceived(burst.encode())
        cid.dataReceived(b"PING :watch\r\n")
        self.assertEqual(annTransport.producerState, "paused")
        turn(self.clock)
        self.assertIn("PONG", self.read(cidTransport))
        self.clock.advance(0)  # all the turns left
        texts = [m.params[-1] for m in self.messages(self.read(bobTransport))]
        self.assertEqual(texts, [f"hi {i}" for i in range(12)])
        self.assertEqual(annTransport.producerState, "producing")
