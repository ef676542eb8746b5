"""
Tests for L{chatd.lines.fanout}: a room's messages handed to line-protocol
connections a turn's run at a time, through the IRC and TCHAT protocols,
in the order each member would have seen them one at a time.

A client's lines given in one C{dataReceived} are handled in one reactor
turn; several clients' lines given one after the other without
C{clock.advance} are too (the flush runs when the clock moves).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from twisted.internet.testing import StringTransport
from twisted.trial.unittest import SynchronousTestCase

from chatd.core.events import RoomMessage
from chatd.irc.protocol import IRCProtocol
from chatd.lines.fanout import RoomFanout, TurnBatch
from chatd.lines.lineproto import ChatLineReceiver
from chatd.tchat import TchatFactory, TchatProtocol
from tests.support.helpers import connect, output
from tests.support.protocolcases import ChannelTestCase


def said(proto: IRCProtocol, *lines: str) -> None:
    """C{proto}'s client sends C{lines}, handled now, flushed later."""
    proto.dataReceived("".join(line + "\r\n" for line in lines).encode())


class FanoutTests(ChannelTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.alice, self.aliceT = self.joined("alice")
        self.bob, self.bobT = self.joined("bob")
        self.carol, self.carolT = self.joined("carol")
        for transport in (self.aliceT, self.bobT, self.carolT):
            self.read(transport)
        self.fanout = self.factory.flusher.fanout

    def lines(self, transport: StringTransport) -> list[tuple[str, ...]]:
        """What C{transport} was sent this turn: (sender, command, *params)."""
        return [
            ((m.prefix or "").split("!")[0], m.command, *m.params)
            for m in self.messages(self.read(transport))
        ]

    def test_oneRunForEveryMember(self) -> None:
        """
        Messages of one turn wait in one batch and reach each member, in
        order, without the member's own.
        """
        said(self.alice, "PRIVMSG #lobby :a1", "PRIVMSG #lobby :a2")
        said(self.bob, "PRIVMSG #lobby :b1")
        said(self.alice, "PRIVMSG #lobby :a3")
        batch = self.fanout.current
        assert batch is not None
        self.assertEqual([e.lines for e in batch.events], [("a1",), ("a2",), ("b1",), ("a3",)])
        self.assertEqual(self.carolT.value(), b"")
        self.assertEqual(
            self.lines(self.carolT),
            [
                ("alice", "PRIVMSG", "#lobby", "a1"),
                ("alice", "PRIVMSG", "#lobby", "a2"),
                ("bob", "PRIVMSG", "#lobby", "b1"),
                ("alice", "PRIVMSG", "#lobby", "a3"),
            ],
        )
        self.assertEqual(self.lines(self.aliceT), [("bob", "PRIVMSG", "#lobby", "b1")])
        self.assertEqual(
            self.lines(self.bobT),
            [
                ("alice", "PRIVMSG", "#lobby", "a1"),
                ("alice", "PRIVMSG", "#lobby", "a2"),
                ("alice", "PRIVMSG", "#lobby", "a3"),
            ],
        )
        self.assertIsNone(self.fanout.current)

    def shown(self, transport: StringTransport) -> list[tuple[str, str]]:
        """What C{transport} was sent this turn: (command, last parameter)."""
        return [(m.command, m.params[-1]) for m in self.messages(self.read(transport))]

    def test_replyAfterEarlierMessages(self) -> None:
        """
        A reply to a member (C{PONG}) comes after the messages sent to the
        room before its request, and those after it after the reply: a
        client may use C{PING} as a barrier.
        """
        said(self.alice, "PRIVMSG #lobby :before")
        said(self.carol, "PING :mark")
        said(self.alice, "PRIVMSG #lobby :after")
        self.assertEqual(
            self.shown(self.carolT),
            [("PRIVMSG", "before"), ("PONG", "mark"), ("PRIVMSG", "after")],
        )
        self.assertEqual(self.shown(self.bobT), [("PRIVMSG", "before"), ("PRIVMSG", "after")])

    def test_newcomerMissesEarlierMessages(self) -> None:
        """
        Someone who joins after a message is not sent it; the members see
        the message, then the join, then what follows.
        """
        dave, daveT = self.connect("dave")
        self.read(daveT)
        said(self.alice, "PRIVMSG #lobby :before")
        said(dave, "JOIN #lobby")
        said(self.alice, "PRIVMSG #lobby :after")
        self.assertEqual(
            self.shown(self.bobT), [("PRIVMSG", "before"), ("JOIN", "#lobby"), ("PRIVMSG", "after")]
        )
        shown = self.shown(daveT)
        self.assertNotIn(("PRIVMSG", "before"), shown)
        self.assertEqual(shown[-1], ("PRIVMSG", "after"))

    def test_leaverGetsWhatCameBefore(self) -> None:
        """
        Someone who parts is sent the messages from before, then their
        part, and nothing after.
        """
        said(self.alice, "PRIVMSG #lobby :before")
        said(self.bob, "PART #lobby")
        said(self.alice, "PRIVMSG #lobby :after")
        self.assertEqual(self.shown(self.bobT), [("PRIVMSG", "before"), ("PART", "#lobby")])
        self.assertEqual(
            self.shown(self.carolT),
            [("PRIVMSG", "before"), ("PART", "#lobby"), ("PRIVMSG", "after")],
        )

    def test_closedAfterMessages(self) -> None:
        """
        A connection the server closes, even without a last word (the line
        layer's own close), is first sent the room's messages from before.
        """
        said(self.alice, "PRIVMSG #lobby :before")
        ChatLineReceiver.closeWith(self.bob, "closing")
        self.assertIn(b"PRIVMSG #lobby :before", self.bobT.value())

    def test_orderAcrossRooms(self) -> None:
        """
        A member of two rooms sees their messages in the order they were
        sent, though each room's run is batched.
        """
        said(self.carol, "JOIN #other")
        said(self.bob, "JOIN #other")
        self.read(self.carolT)
        said(self.alice, "PRIVMSG #lobby :one")
        said(self.bob, "PRIVMSG #other :two")
        said(self.alice, "PRIVMSG #lobby :three")
        self.assertEqual(
            self.shown(self.carolT),
            [("PRIVMSG", "one"), ("PRIVMSG", "two"), ("PRIVMSG", "three")],
        )

    def test_echoAfterEarlierMessages(self) -> None:
        """
        With C{echo-message}, a sender's own message comes back once, after
        the others' messages sent before it.
        """
        erin, erinT = self.joined("erin", caps="echo-message")
        self.read(erinT)
        said(self.alice, "PRIVMSG #lobby :first")
        said(erin, "PRIVMSG #lobby :mine")
        said(self.alice, "PRIVMSG #lobby :last")
        self.assertEqual(
            self.shown(erinT), [("PRIVMSG", "first"), ("PRIVMSG", "mine"), ("PRIVMSG", "last")]
        )

    def test_otherProtocolsAtOnce(self) -> None:
        """
        A member without a fan-out (another front-end) is given each
        message at once, as before; the line clients at the turn's end.
        """
        other = self.other("dora")
        self.read(self.bobT)
        said(self.alice, "PRIVMSG #lobby :now")
        self.assertEqual([e.lines for e in other.events if isinstance(e, RoomMessage)], [("now",)])
        self.assertEqual(self.bobT.value(), b"")
        self.assertEqual(self.shown(self.bobT), [("PRIVMSG", "now")])

    def test_failureLoggedOnce(self) -> None:
        """
        A connection whose delivery raises is logged once for the batch,
        and the others still get every message.
        """
        broken = self.bob

        def roomMessages(proto: IRCProtocol, batch: TurnBatch, start: int) -> None:
            if proto is broken:
                raise RuntimeError("broken front-end")
            original(proto, batch, start)

        original = IRCProtocol.roomMessages
        self.patch(IRCProtocol, "roomMessages", roomMessages)
        said(self.alice, "PRIVMSG #lobby :one", "PRIVMSG #lobby :two")
        self.assertEqual(self.shown(self.carolT), [("PRIVMSG", "one"), ("PRIVMSG", "two")])
        self.assertEqual(len(self.flushLoggedErrors(RuntimeError)), 1)

    def test_failureWhileCatchingUp(self) -> None:
        """
        A front-end that raises while it is caught up before a reply is
        logged, and the reply still goes out.
        """

        def roomMessages(proto: IRCProtocol, batch: TurnBatch, start: int) -> None:
            raise RuntimeError("broken front-end")

        self.patch(IRCProtocol, "roomMessages", roomMessages)
        said(self.alice, "PRIVMSG #lobby :one")
        said(self.carol, "PING :mark")
        self.assertEqual(self.shown(self.carolT), [("PONG", "mark")])
        self.assertEqual(len(self.flushLoggedErrors(RuntimeError)), 1)

    def test_cutOffReaderMidRun(self) -> None:
        """
        A reader that piles up more than its limit while the run is handed
        out is cut off; the members after it still get every message, and
        its quit after them.
        """
        assert self.bob.outbox is not None
        self.bob.outbox.pauseProducing()  # bob's client stopped reading
        self.bob.outbox.limit = 300
        said(self.alice, *[f"PRIVMSG #lobby :{n:02} {'x' * 40}" for n in range(8)])
        self.assertEqual([c for c, _ in self.shown(self.carolT)], ["PRIVMSG"] * 8)
        self.assertTrue(self.bobT.disconnecting)
        self.bob.connectionLost(None)
        self.assertEqual([c for c, _ in self.shown(self.carolT)], ["QUIT"])

    def test_outputCausedWhileHandingOut(self) -> None:
        """
        Output that handing out the run causes for a member not yet served
        (here a private message sent as bob is given the run) comes after
        the run's messages, which that member is not given twice.
        """
        original = IRCProtocol.roomMessages
        service = self.service

        def roomMessages(proto: IRCProtocol, batch: TurnBatch, start: int) -> None:
            if proto is self.bob:
                service.tell(self.bob, "carol", ("psst",))
            original(proto, batch, start)

        self.patch(IRCProtocol, "roomMessages", roomMessages)
        said(self.alice, "PRIVMSG #lobby :one", "PRIVMSG #lobby :two")
        self.assertEqual(
            self.shown(self.carolT),
            [("PRIVMSG", "one"), ("PRIVMSG", "two"), ("PRIVMSG", "psst")],
        )

    def test_outputCausedForOneServedAlready(self) -> None:
        """
        Output that handing out the run causes for a member served already
        (alice, who entered first) follows the run, not given again.
        """
        original = IRCProtocol.roomMessages
        service = self.service

        def roomMessages(proto: IRCProtocol, batch: TurnBatch, start: int) -> None:
            if proto is self.bob:
                service.tell(self.bob, "alice", ("psst",))
            original(proto, batch, start)

        self.patch(IRCProtocol, "roomMessages", roomMessages)
        said(self.carol, "PRIVMSG #lobby :one", "PRIVMSG #lobby :two")
        self.assertEqual(
            self.shown(self.aliceT),
            [("PRIVMSG", "one"), ("PRIVMSG", "two"), ("PRIVMSG", "psst")],
        )


class MixedProtocolTests(ChannelTestCase):
    """
    A room with TCHAT and IRC members: each front-end batches its own.
    """

    def test_tchatReplyAfterEarlierMessages(self) -> None:
        tchat = TchatFactory(self.service, self.clock, floodBurst=None)
        proto, transport = connect(tchat, self.clock)
        assert isinstance(proto, TchatProtocol)
        alice, aliceT = self.joined("alice")
        proto.dataReceived(b"clt: LOGIN tina\r\nclt: ENTER lobby\r\n")
        output(transport, self.clock)
        self.read(aliceT)
        said(alice, "PRIVMSG #lobby :hello")
        proto.dataReceived(b"clt: SPEAK lobby\r\nclt: hi\r\nclt: .\r\n")
        said(alice, "PRIVMSG #lobby :again")
        self.assertEqual(
            output(transport, self.clock).decode().splitlines(),
            [
                "srv: SPEAK alice lobby 1700000000",
                "srv: hello",
                "srv: .",
                "srv: OKAY!",
                "srv: SPEAK alice lobby 1700000000",
                "srv: again",
                "srv: .",
            ],
        )
        self.assertEqual(
            [(m.command, m.params[-1]) for m in self.messages(self.read(aliceT))],
            [("PRIVMSG", "hi")],
        )


class TurnBatchTests(SynchronousTestCase):
    """
    L{TurnBatch.shown} alone: what one connection is owed from a place on.
    """

    def test_ownLeftOutFromAnyPlace(self) -> None:
        fanout = RoomFanout(lambda: None)
        alice, bob = object(), object()
        connections: list[Any] = []
        for n, sender in enumerate([alice, bob, alice, None, alice, bob]):
            event = RoomMessage("lobby", "x", (f"m{n}",), 0)
            fanout.add(connections, event, sender)
        batch = fanout.current
        assert batch is not None

        def text(pieces: bytes) -> list[str]:
            return pieces.decode().split()

        encoder = cast(Callable[[RoomMessage], bytes], lambda e: e.lines[0].encode() + b" ")
        self.assertEqual(text(batch.owed(alice, 0, encoder)), ["m1", "m3", "m5"])
        self.assertEqual(text(batch.owed(alice, 3, encoder)), ["m3", "m5"])
        self.assertEqual(text(batch.owed(bob, 2, encoder)), ["m2", "m3", "m4"])
        self.assertEqual(text(batch.owed(object(), 4, encoder)), ["m4", "m5"])
        self.assertEqual(batch.shown(alice, 5, encoder), (b"m5 ", 1))
        self.assertEqual(batch.shown(bob, 5, encoder), (b"", 0))
