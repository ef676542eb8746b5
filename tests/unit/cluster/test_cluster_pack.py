"""
Tests for L{chatd.cluster.bus}'s stream entries: one node's envelopes of
one command travel in one entry, one per line, and are still numbered,
checked and dispatched one by one.
"""

from __future__ import annotations

from typing import Any

from twisted.internet.task import Clock
from twisted.logger import capturedLogs, formatEvent
from twisted.trial.unittest import SynchronousTestCase

from chatd.cluster.address import RedisUnavailable
from chatd.cluster.bus import Bus
from chatd.cluster.envelopes import encode, unpack
from chatd.cluster.replay import HOLD_TIMEOUT
from tests.support.fakeredis import FakeRedis


def packed(*envelopes: str) -> str:
    """
    One stream entry carrying C{envelopes}, as L{Bus} writes it.
    """
    return "\n".join(envelopes)


def says(node: str, *seqs: int) -> str:
    """
    An entry of C{say} envelopes from C{node}, numbered C{seqs}.
    """
    return packed(*(encode(node, seq, "say", {"i": seq}) for seq in seqs))


class EntryTests(SynchronousTestCase):
    """
    A turn's envelopes for one node travel in one stream entry, one per
    line; each is still numbered, checked and dispatched on its own.
    """

    def setUp(self) -> None:
        self.clock = Clock()
        self.redis = FakeRedis(self.clock)
        self.gaps: list[str] = []
        self.a = Bus("a", lambda node: f"chatd:0:inbox:{node}", self.redis.publish, self.clock)
        self.a.peers = lambda: ["b", "c"]
        self.b = Bus("b", lambda node: f"chatd:0:inbox:{node}", self.redis.publish, self.clock)
        self.b.onGap = self.gaps.append
        self.got: list[Any] = []
        self.b.on("say", lambda node, fields: self.got.append(fields["i"]))
        self.redis.subscribers.append(self.toB)

    def toB(self, stream: str, message: str) -> None:
        if stream == "chatd:0:inbox:b":
            self.b.received(stream, message)

    def turn(self) -> None:
        self.clock.advance(0)

    def test_oneEntryPerNode(self) -> None:
        """
        Several envelopes for one node in one turn are one stream entry
        (one C{XADD}), and the receiver dispatches them all, in order.
        """
        self.a.publish("say", i=0)
        self.a.publishTo("b", "say", i=1)
        told = self.a.sendTo("b", "say", i=2)
        self.a.publish("say", i=3)
        self.turn()
        self.successResultOf(told)
        self.assertEqual(self.redis.commands, ["EVAL"])
        self.assertEqual([s[-1] for s, _ in self.redis.entries], ["b", "c"])
        self.assertEqual(self.redis.entries[0][1].count("\n"), 3)
        self.turn()
        self.assertEqual(self.got, [0, 1, 2, 3])
        self.assertEqual(self.b.lastSeq, {"a": 4})
        self.assertEqual(self.gaps, [])

    def test_resentEntryDropped(self) -> None:
        """
        Envelopes whose command failed after Redis took it are sent again
        when the link is back (in an entry of their own or with newer
        ones): the receiver drops the copies by their numbers, and
        dispatches each envelope once.
        """
        self.redis.holding = True
        self.a.publishTo("b", "say", i=1)
        self.a.publishTo("b", "say", i=2)
        self.turn()  # Redis appends, but its reply never comes
        [(d, _)] = self.redis.held
        self.redis.held.clear()
        self.redis.holding = False
        d.errback(RedisUnavailable("lost"))
        self.a.publishTo("b", "say", i=3)
        self.a.linkUp()
        self.turn()
        self.turn()
        self.assertEqual(len(self.redis.entries), 2)
        self.assertEqual(self.redis.entries[1][1], packed(self.redis.entries[0][1], says("a", 3)))
        self.assertEqual(self.got, [1, 2, 3])
        self.assertEqual(self.gaps, [])

    def test_receivedDuplicateEntries(self) -> None:
        """
        An entry read twice, or one overlapping the last, dispatches only
        the envelopes numbered past the last one seen.
        """
        self.b.received("s", says("c", 1, 2, 3))
        self.b.received("s", says("c", 1, 2, 3))
        self.b.received("s", says("c", 2, 3, 4, 5))
        self.assertEqual(self.got, [1, 2, 3, 4, 5])
        self.assertEqual(self.gaps, [])

    def test_gapAcrossEntries(self) -> None:
        """
        An entry lost between two others leaves a gap in the numbers: the
        later envelopes wait for the sender to fill it, and if it does not,
        they are delivered after the gap, reported once.
        """
        self.b.received("s", says("c", 1, 2))
        self.b.received("s", says("c", 5, 6))
        self.assertEqual((self.gaps, self.got), ([], [1, 2]))
        self.clock.advance(HOLD_TIMEOUT)
        self.assertEqual(self.gaps, ["c"])
        self.assertEqual(self.got, [1, 2, 5, 6])

    def test_malformedLineInEntry(self) -> None:
        """
        A malformed line in an entry is logged, as a malformed envelope,
        and skipped; the entry's other envelopes are dispatched, in order.
        Lines that only decode together (one JSON value over two lines)
        are malformed each.
        """
        entry = packed(
            encode("c", 1, "say", {"i": 1}),
            "{",
            encode("c", 2, "say", {"i": 2}),
            '{"n":"c"}',
            '{"n":"c","q":3,"k":"say","i":[3',
            "4]}",
            encode("c", 3, "say", {"i": 3}),
        )
        with capturedLogs() as events:
            self.b.received("s", entry)
        self.assertEqual(self.got, [1, 2, 3])
        warned = [formatEvent(e) for e in events if "malformed" in formatEvent(e)]
        self.assertEqual(len(warned), 4)
        self.assertIn("'{'", warned[0])
        self.assertIn('\'{"n":"c"}\'', warned[1])
        self.assertEqual(self.gaps, [])

    def test_handlerFailureKeepsTheRest(self) -> None:
        """
        A handler that raises is logged; the entry's next envelopes are
        still dispatched.
        """

        def say(node: str, fields: dict[str, Any]) -> None:
            if fields["i"] == 2:
                raise RuntimeError("boom")
            self.got.append(fields["i"])

        self.b.on("say", say)
        self.b.received("s", says("c", 1, 2, 3))
        self.assertEqual(self.got, [1, 3])
        self.assertEqual(len(self.flushLoggedErrors(RuntimeError)), 1)


class UnpackTests(SynchronousTestCase):
    """
    L{unpack} decodes an entry in one call when it can, line by line when
    it must.
    """

    def test_wholeEntry(self) -> None:
        """
        Each line is one envelope, decoded; a single envelope is an entry
        of one line.
        """
        self.assertEqual([e["q"] for e in unpack(says("c", 1, 2, 3))], [1, 2, 3])
        self.assertEqual(unpack(encode("c", 1, "hello", {})), [{"n": "c", "q": 1, "k": "hello"}])

    def test_badLines(self) -> None:
        """
        A line that is not JSON by itself is C{None}, even when it would
        decode with its neighbour; the other lines are decoded.
        """
        self.assertEqual(unpack(packed("1", "{", "[2")), [1, None, None])
        self.assertEqual(unpack(packed("[1", "2]", "3")), [None, None, 3])
        self.assertEqual(unpack(""), [None])
