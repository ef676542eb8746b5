"""
Tests for L{chatd.cluster.bus}: envelopes, order, duplicates and gaps.
"""

from __future__ import annotations

import json
from typing import Any

from twisted.internet.task import Clock
from twisted.trial.unittest import SynchronousTestCase

from chatd.cluster.address import RedisUnavailable
from chatd.cluster.bus import BATCH_LIMIT, Bus
from chatd.cluster.envelopes import ENTRY_LIMIT, encode
from chatd.cluster.replay import HOLD_TIMEOUT, SentLog
from tests.support.fakeredis import FakeRedis


def packed(*envelopes: str) -> str:
    """
    One stream entry of C{envelopes}, as L{Bus} packs a turn's for one node.
    """
    return "\n".join(envelopes)


class BusTests(SynchronousTestCase):
    def setUp(self) -> None:
        self.clock = Clock()
        self.redis = FakeRedis(self.clock)
        self.gaps: list[str] = []
        self.peers: list[str] = []
        self.heard: list[str] = []
        self.bus = Bus(
            "a",
            lambda node: f"chatd:0:inbox:{node}",
            self.redis.publish,
            self.clock,
            self.gaps.append,
            self.peers.append,
            self.heard.append,
        )
        self.bus.peers = lambda: ["b"]
        self.got: list[tuple[str, dict[str, Any]]] = []
        self.bus.on("say", lambda node, fields: self.got.append((node, fields)))

    def turn(self) -> None:
        """
        End the reactor turn: the bus sends what was published in it.
        """
        self.clock.advance(0)

    def test_publishCompactJSON(self) -> None:
        """
        An event is published once for each peer, in the peer's inbox, as
        compact JSON with node id, sequence number and kind; non-ASCII text
        stays as it is.
        """
        self.bus.publish("say", u="alice", room="lobby", l=["héllo"])
        self.bus.publish("say", u="alice", room="lobby", l=["again"])
        self.bus.publish("hello")
        self.assertEqual(self.redis.published, [])
        self.turn()
        self.assertEqual(self.redis.commands, ["EVAL"])  # one command for the turn
        self.assertEqual(len(self.redis.published), 3)
        channel, data = self.redis.published[0]
        self.assertEqual(channel, "chatd:0:inbox:b")
        self.assertEqual(data, '{"n":"a","q":1,"k":"say","u":"alice","room":"lobby","l":["héllo"]}')
        self.assertEqual(json.loads(self.redis.published[1][1])["q"], 2)
        self.assertEqual(self.redis.published[2][1], encode("a", 3, "hello", {}))

    def test_loneSurrogate(self) -> None:
        """
        Text UTF-8 cannot carry (a lone surrogate, which the core refuses in
        messages but not in an administrator's notice) is published with a
        C{?} in its place, and an integer past 64 bits as it is.
        """
        self.bus.publish("notice", t="a\ud800b", w=2**70)
        self.turn()
        fields = json.loads(self.redis.published[0][1])
        self.assertEqual((fields["t"], fields["w"]), ("a?b", 2**70))

    def test_numberedPerReceiver(self) -> None:
        """
        Each receiving node has its own sequence: an event for one node
        alone leaves no gap in another's, and an event for every peer goes
        to each, under each one's next number.
        """
        self.bus.peers = lambda: ["c", "b"]
        self.bus.publishTo("b", "say", i=1)
        self.bus.publishTo("b", "say", i=2)
        self.bus.publish("enter", u="x")
        told = self.bus.sendTo("c", "tell", u="y")
        self.assertNoResult(told)
        self.turn()
        self.successResultOf(told)
        sent = [
            (stream.rpartition(":")[2], json.loads(m)["q"], json.loads(m)["k"])
            for stream, m in self.redis.published
        ]
        self.assertEqual(
            sent,
            [
                ("b", 1, "say"),
                ("b", 2, "say"),
                ("b", 3, "enter"),
                ("c", 1, "enter"),
                ("c", 2, "tell"),
            ],
        )

    def test_ownIgnored(self) -> None:
        """
        A node ignores the envelopes it published itself.
        """
        self.bus.received("c", encode("a", 1, "say", {"u": "x"}))
        self.assertEqual(self.got, [])

    def test_dispatchInOrder(self) -> None:
        """
        Another node's envelopes reach the handler for their kind, in
        order; the first one introduces the peer.
        """
        for seq in (1, 2, 3):
            self.bus.received("c", encode("b", seq, "say", {"i": seq}))
        self.assertEqual([f["i"] for _, f in self.got], [1, 2, 3])
        self.assertEqual({n for n, _ in self.got}, {"b"})
        self.assertEqual(self.peers, ["b"])
        self.assertEqual(self.heard, ["b", "b", "b"])
        self.assertEqual(self.gaps, [])

    def test_heardOncePerEntry(self) -> None:
        """
        An entry holds one node's turn: the node is reported heard once for
        the envelopes of an entry, and not for an entry of duplicates only.
        """
        turn = "\n".join(encode("b", seq, "say", {"i": seq}) for seq in (1, 2, 3))
        self.bus.received("c", turn)
        self.assertEqual(self.heard, ["b"])
        self.bus.received("c", turn)
        self.assertEqual(self.heard, ["b"])
        self.bus.received("c", encode("b", 4, "say", {"i": 4}))
        self.assertEqual(self.heard, ["b", "b"])
        self.assertEqual([f["i"] for _, f in self.got], [1, 2, 3, 4])

    def test_duplicatesDropped(self) -> None:
        """
        An envelope at or below the last sequence number seen from its node
        is dropped.
        """
        self.bus.received("c", encode("b", 5, "say", {"i": 5}))
        self.bus.received("c", encode("b", 5, "say", {"i": 5}))
        self.bus.received("c", encode("b", 4, "say", {"i": 4}))
        self.bus.received("c", encode("b", 6, "say", {"i": 6}))
        self.assertEqual([f["i"] for _, f in self.got], [5, 6])

    def test_gapHeldAndFilled(self) -> None:
        """
        A jump in a node's sequence means envelopes went missing: what
        follows is held, the sender is asked to resend from the last one
        seen, and once the missing ones come everything is dispatched in
        order, with no gap reported.
        """
        self.bus.received("c", encode("b", 1, "say", {"i": 1}))
        self.bus.received("c", encode("b", 4, "say", {"i": 4}))
        self.bus.received("c", encode("b", 5, "say", {"i": 5}))
        self.assertEqual([f["i"] for _, f in self.got], [1])
        self.turn()
        self.assertEqual(
            self.redis.published, [("chatd:0:inbox:b", encode("a", 1, "resume", {"f": 1}))]
        )
        self.bus.received("c", packed(*(encode("b", n, "say", {"i": n}) for n in (2, 3))))
        self.assertEqual([f["i"] for _, f in self.got], [1, 2, 3, 4, 5])
        self.bus.received("c", encode("b", 6, "say", {"i": 6}))
        self.assertEqual([f["i"] for _, f in self.got], [1, 2, 3, 4, 5, 6])
        self.assertEqual(self.gaps, [])
        self.clock.advance(HOLD_TIMEOUT)
        self.assertEqual(self.gaps, [])

    def test_gapNotFillable(self) -> None:
        """
        A sender that no longer has the missing envelopes says so: what was
        held is dispatched after the gap, and the gap is reported (the
        node then asks for a whole state).
        """
        self.bus.received("c", encode("b", 1, "say", {"i": 1}))
        self.bus.received("c", encode("b", 4, "say", {"i": 4}))
        self.bus.received("c", encode("b", 5, "noreplay", {"f": 1}))
        self.assertEqual([f["i"] for _, f in self.got], [1, 4])
        self.assertEqual(self.gaps, ["b"])
        self.bus.received("c", encode("b", 6, "say", {"i": 6}))
        self.assertEqual([f["i"] for _, f in self.got], [1, 4, 6])
        self.assertEqual(self.gaps, ["b"])

    def test_gapNotAnswered(self) -> None:
        """
        A sender that does not answer within L{HOLD_TIMEOUT} (an older
        chatd, or one cut off) leaves the gap reported and what was held
        dispatched, in order; a late resend is then dropped as duplicates.
        """
        self.bus.received("c", encode("b", 1, "say", {"i": 1}))
        self.bus.received("c", encode("b", 5, "say", {"i": 5}))
        self.bus.received("c", encode("b", 4, "say", {"i": 4}))
        self.clock.advance(HOLD_TIMEOUT - 0.1)
        self.assertEqual([f["i"] for _, f in self.got], [1])
        self.clock.advance(0.1)
        self.assertEqual([f["i"] for _, f in self.got], [1, 4, 5])
        self.assertEqual(self.gaps, ["b"])
        self.bus.received("c", packed(*(encode("b", n, "say", {"i": n}) for n in (2, 3))))
        self.assertEqual([f["i"] for _, f in self.got], [1, 4, 5])

    def test_resumeResends(self) -> None:
        """
        Asked to resume after an envelope, a node appends every envelope it
        sent the asker after it again, as they were first sent, numbers
        included.
        """
        for i in range(4):
            self.bus.publish("say", i=i)
        self.turn()
        first = list(self.redis.published)
        self.redis.published.clear()
        self.bus.received("c", encode("b", 1, "resume", {"f": 2}))
        self.turn()
        self.assertEqual(self.redis.published, first[2:])

    def test_resumePastGapAnsweredAtOnce(self) -> None:
        """
        A request to resend that comes past a gap of this node's own is
        answered at once, not held behind the gap (the two nodes would
        each wait for the other): its number is held in its place, and
        nothing is given up once the gap is filled.
        """
        for i in range(3):
            self.bus.publish("say", i=i)
        self.turn()
        first = list(self.redis.published)
        self.redis.published.clear()
        self.bus.received("c", encode("b", 1, "say", {"i": 1}))
        self.bus.received("c", encode("b", 3, "resume", {"f": 1}))
        self.turn()
        asked = ("chatd:0:inbox:b", encode("a", 4, "resume", {"f": 1}))
        self.assertEqual(self.redis.published, [*first[1:], asked])
        self.bus.received("c", encode("b", 2, "say", {"i": 2}))
        self.bus.received("c", encode("b", 4, "say", {"i": 4}))
        self.clock.advance(HOLD_TIMEOUT)
        self.assertEqual(([f["i"] for _, f in self.got], self.gaps), ([1, 2, 4], []))

    def test_gapGivenUpNamed(self) -> None:
        """
        A gap given up is named to its sender, by the numbers it never got
        (above C{f}, up to C{t}): what in it must not be lost, the sender
        sees to.
        """
        self.bus.received("c", encode("b", 1, "say", {"i": 1}))
        self.bus.received("c", encode("b", 4, "say", {"i": 4}))
        self.clock.advance(HOLD_TIMEOUT)
        missed = ("chatd:0:inbox:b", encode("a", 2, "missed", {"f": 1, "t": 3}))
        self.assertEqual(self.redis.published[-1], missed)

    def test_resumeBeyondWhatIsKept(self) -> None:
        """
        A node that no longer keeps every envelope asked for answers
        C{noreplay} (the asker falls back to a whole state); one asked for
        nothing newer than it sent sends nothing.
        """
        self.bus.sent = SentLog(limit=2)
        for i in range(4):
            self.bus.publish("say", i=i)
        self.turn()
        self.redis.published.clear()
        self.bus.received("c", encode("b", 1, "resume", {"f": 1}))
        self.turn()
        refused = encode("a", 5, "noreplay", {"f": 1})
        self.assertEqual(self.redis.published, [("chatd:0:inbox:b", refused)])
        self.bus.received("c", encode("b", 2, "resume", {"f": 5}))
        self.turn()
        self.assertEqual(len(self.redis.published), 1)

    def test_forgetDropsHold(self) -> None:
        """
        A node declared gone takes what was held from it with it: nothing
        is dispatched later, and its next envelope starts afresh.
        """
        self.bus.received("c", encode("b", 1, "say", {"i": 1}))
        self.bus.received("c", encode("b", 3, "say", {"i": 3}))
        self.bus.forget("b")
        self.clock.advance(HOLD_TIMEOUT)
        self.assertEqual((self.gaps, [f["i"] for _, f in self.got]), ([], [1]))

    def test_forget(self) -> None:
        """
        After L{Bus.forget} a node's next envelope starts afresh: no gap, and
        it is introduced as a peer again.  (Its numbers go on from the last
        one it sent: a node's id is its process's alone.)
        """
        self.bus.received("c", encode("b", 7, "say", {"i": 7}))
        self.bus.forget("b")
        self.bus.received("c", encode("b", 12, "say", {"i": 12}))
        self.assertEqual(self.gaps, [])
        self.assertEqual(self.peers, ["b", "b"])
        self.assertEqual(len(self.got), 2)

    def test_malformedAndUnknown(self) -> None:
        """
        Malformed JSON, missing fields and unknown kinds are logged and
        ignored, never raised.
        """
        for bad in ("{", "[]", '{"n":"b"}', '{"n":1,"q":1,"k":"say"}', encode("b", 1, "zap", {})):
            self.bus.received("c", bad)
        self.assertEqual(self.got, [])
        self.assertEqual(len(self.flushLoggedErrors()), 0)

    def sequences(self) -> list[int]:
        return [json.loads(message)["q"] for _, message in self.redis.published]

    def test_queuedWhileDown(self) -> None:
        """
        While Redis is down, published envelopes wait, in order, and go out
        when the link is back, before anything published afterwards: no
        gap, nothing dropped.
        """
        self.redis.down = True
        self.bus.publish("say", u="x")
        self.bus.publish("say", u="y")
        self.turn()
        self.assertEqual(self.bus.waiting(), 2)
        self.redis.down = False
        self.bus.publish("say", u="z")  # still behind the others: not sent yet
        self.turn()
        self.assertEqual(self.redis.published, [])
        self.bus.linkUp()
        self.turn()
        self.assertEqual(self.sequences(), [1, 2, 3])
        self.assertEqual((self.bus.waiting(), self.bus.dropped), (0, 0))

    def test_failedInFlightRequeued(self) -> None:
        """
        The envelopes of a command that failed with the connection go back
        in the queue in their place, and are sent again when the link is
        back; what was published meanwhile waits behind them.
        """
        self.redis.holding = True
        self.bus.publish("say", u="x")
        self.bus.publish("say", u="y")
        self.turn()
        self.bus.publish("say", u="z")  # in the next turn's command
        self.redis.down = True
        held, self.redis.held = self.redis.held, []
        for d, _ in held:
            d.errback(RedisUnavailable("lost"))
        self.turn()  # the link is down: z is not sent, it queues
        self.assertEqual(self.bus.waiting(), 3)
        self.redis.down = self.redis.holding = False
        self.redis.published.clear()
        self.bus.linkUp()
        self.turn()
        self.assertEqual(self.sequences(), [1, 2, 3])

    def test_queueBounded(self) -> None:
        """
        The queue holds at most C{queueLimit} envelopes: L{Bus.hasRoom}
        says so, and one more is dropped and counted (the gap makes peers
        resynchronise).
        """
        self.bus.queueLimit = 2
        self.bus.linkDown()
        self.assertTrue(self.bus.hasRoom())
        self.bus.publish("say", u="x")
        self.bus.publish("say", u="y")
        self.assertFalse(self.bus.hasRoom())
        self.bus.publish("say", u="z")
        self.assertEqual((self.bus.waiting(), self.bus.dropped), (2, 1))
        self.bus.linkUp()
        self.turn()
        self.assertEqual(self.sequences(), [1, 2])
        self.assertTrue(self.bus.hasRoom())

    def test_sendNotQueued(self) -> None:
        """
        L{Bus.sendTo} (a private message) fires once Redis has the envelope,
        and fails with L{RedisUnavailable} if its command does; while the
        link is down, or the queue is still waiting, it fails at once
        (refused so, it takes no sequence number).
        """
        told = self.bus.sendTo("b", "tell", u="x")
        self.turn()
        self.assertIsNone(self.successResultOf(told))
        self.redis.down = True
        told = self.bus.sendTo("b", "tell", u="y")
        self.turn()
        self.failureResultOf(told, RedisUnavailable)
        self.assertEqual(self.bus.waiting(), 0)  # not queued
        self.assertFalse(self.bus.up)
        self.failureResultOf(self.bus.sendTo("b", "tell", u="y"), RedisUnavailable)
        self.redis.down = False
        self.bus.publish("say", u="z")  # queued behind the outage
        self.failureResultOf(self.bus.sendTo("b", "tell", u="y"), RedisUnavailable)
        self.bus.linkUp()
        told = self.bus.sendTo("b", "tell", u="w")
        self.turn()
        self.successResultOf(told)
        self.assertEqual(self.sequences(), [1, 3, 4])
        self.assertEqual(self.redis.kinds(), ["tell", "say", "tell"])

    def test_batchesBounded(self) -> None:
        """
        A turn's envelopes go in commands of at most L{BATCH_LIMIT}, in
        order, and in stream entries of at most L{ENTRY_LIMIT}.
        """
        for i in range(BATCH_LIMIT * 2 + 1):
            self.bus.publishTo("b", "say", i=i)
        self.turn()
        self.assertEqual(self.redis.commands, ["EVAL"] * 3)
        self.assertEqual(self.sequences(), list(range(1, BATCH_LIMIT * 2 + 2)))
        lines = [m.count("\n") + 1 for _, m in self.redis.entries]
        full, rest = divmod(BATCH_LIMIT, ENTRY_LIMIT)
        self.assertEqual(lines, ([ENTRY_LIMIT] * full + [rest]) * 2 + [1])

    def test_batchesBoundedOverNodes(self) -> None:
        """
        L{BATCH_LIMIT} counts the envelopes for every node: a command
        carries one entry per node, their lines at most that many together.
        """
        self.bus.peers = lambda: ["b", "c"]
        for i in range(BATCH_LIMIT):
            self.bus.publish("say", i=i)
        self.turn()
        self.assertEqual(self.redis.commands, ["EVAL"] * 2)
        entries = [(s[-1], m.count("\n") + 1) for s, m in self.redis.entries]
        for node in "bc":  # each command: BATCH_LIMIT // 2 for each node
            lines = [count for n, count in entries if n == node]
            self.assertEqual(sum(lines), BATCH_LIMIT)
            self.assertLessEqual(max(lines), ENTRY_LIMIT)

    def commandsOf(self) -> list[list[tuple[str, str]]]:
        """
        The envelopes of each command sent, as C{(node, kind)}.
        """
        commands: list[list[tuple[str, str]]] = []
        for entries in self.redis.scripts:
            commands.append(
                [
                    (stream.rsplit(":", 1)[1], json.loads(line)["k"])
                    for stream, message in entries
                    for line in message.split("\n")
                ]
            )
        return commands

    def test_envelopeForSeveralNodesNotSplit(self) -> None:
        """
        A turn's commands are split between envelopes: an envelope for
        several nodes that would straddle two commands goes whole in the
        second, with what follows it.
        """
        self.bus.peers = lambda: ["b", "c"]
        for i in range(BATCH_LIMIT - 1):
            self.bus.publishTo("b", "say", i=i)
        self.bus.publish("kick", u="bob")
        self.bus.publishTo("c", "say", i=0)
        self.turn()
        first, second = self.commandsOf()
        self.assertEqual(first, [("b", "say")] * (BATCH_LIMIT - 1))
        self.assertEqual(sorted(second), [("b", "kick"), ("c", "kick"), ("c", "say")])

    def test_openRunClosedBeforeEnvelopeForSeveralNodes(self) -> None:
        """
        The runs still open for the receivers of an envelope for several
        nodes are closed before it: its entries follow one another, and it
        is not split from one of them by its own run's envelope.
        """
        self.bus.peers = lambda: ["b", "c"]
        for i in range(BATCH_LIMIT - 2):
            self.bus.publishTo("b", "say", i=i)
        self.bus.publishRun("c", "lobby", ["alice", "hello"])
        self.bus.publish("kick", u="bob")
        self.turn()
        first, second = self.commandsOf()
        self.assertEqual(first, [("b", "say")] * (BATCH_LIMIT - 2) + [("c", "says")])
        self.assertEqual(sorted(second), [("b", "kick"), ("c", "kick")])

    def test_envelopeForMoreNodesThanTheLimitAlone(self) -> None:
        """
        An envelope for more nodes than L{BATCH_LIMIT} goes whole, in a
        command of its own, between what came before and after it.
        """
        nodes = [f"n{i:04}" for i in range(BATCH_LIMIT + 1)]
        self.bus.peers = lambda: nodes
        self.bus.publishTo("b", "say", i=1)
        self.bus.publish("kick", u="bob")
        self.bus.publishTo("b", "say", i=2)
        self.turn()
        before, kick, after = self.commandsOf()
        self.assertEqual(before, [("b", "say")])
        self.assertEqual(sorted(kick), [(n, "kick") for n in nodes])
        self.assertEqual(after, [("b", "say")])

    def test_envelopeForSeveralNodesQueuedNotSplit(self) -> None:
        """
        Envelopes queued while Redis was away go out in commands split
        between envelopes too.
        """
        self.bus.peers = lambda: ["b", "c"]
        self.bus.linkDown()
        for i in range(BATCH_LIMIT - 1):
            self.bus.publishTo("b", "say", i=i)
        self.bus.publish("kick", u="bob")
        self.bus.linkUp()
        self.turn()
        first, second = self.commandsOf()
        self.assertEqual(len(first), BATCH_LIMIT - 1)
        self.assertEqual(sorted(second), [("b", "kick"), ("c", "kick")])

    def test_unexpectedFailureLogged(self) -> None:
        """
        A command refused for another reason than a lost Redis is logged
        once, and its envelopes are counted as dropped; the link stays up.
        """
        self.redis.holding = True
        self.bus.publish("say", u="x")
        self.bus.publish("say", u="y")
        self.turn()
        [(d, _)] = self.redis.held
        d.errback(ValueError("ERR script"))
        self.assertEqual((self.bus.dropped, self.bus.up), (2, True))
        self.assertEqual(len(self.flushLoggedErrors(ValueError)), 1)
