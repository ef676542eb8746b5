"""
Tests for runs of room messages (L{chatd.cluster.bus.Bus.publishRun}): one
C{says} envelope for a turn's consecutive messages to one node in one room,
in the order every envelope would have had alone; and the bound on a stream
entry's size (L{chatd.cluster.envelopes.pack}).
"""

from __future__ import annotations

import json
from typing import Any

from twisted.internet.task import Clock
from twisted.trial.unittest import SynchronousTestCase

from chatd.cluster.bus import RUN_LIMIT, Bus
from chatd.cluster.envelopes import ENTRY_CHARS, ENTRY_LIMIT, pack
from tests.support.fakeredis import FakeRedis


def message(text: str) -> list[Any]:
    """
    A room message as a run lists it: sender, lines, time, msgid, millis.
    """
    return ["alice", [text], 1_700_000_000, f"id-{text}", 1_700_000_000_000]


class RunTests(SynchronousTestCase):
    def setUp(self) -> None:
        self.clock = Clock()
        self.redis = FakeRedis(self.clock)
        self.bus = Bus("a", lambda node: f"inbox:{node}", self.redis.publish, self.clock)
        self.bus.peers = lambda: ["b", "c"]

    def envelopes(self) -> list[tuple[str, dict[str, Any]]]:
        """
        Every envelope published, with the node it went to, in order.
        """
        self.clock.advance(0)
        return [(s.rpartition(":")[2], json.loads(m)) for s, m in self.redis.published]

    def test_oneEnvelopePerRun(self) -> None:
        """
        A turn's messages to one node in one room are one envelope that
        lists them in order; a message in another room starts a new run.
        """
        for text in ("one", "two", "three"):
            self.bus.publishRun("b", "lobby", message(text))
        self.bus.publishRun("b", "annex", message("four"))
        self.bus.publishRun("b", "lobby", message("five"))
        found = self.envelopes()
        self.assertEqual(
            [(node, e["k"], e["q"], e["room"], [m[1][0] for m in e["m"]]) for node, e in found],
            [
                ("b", "says", 1, "lobby", ["one", "two", "three"]),
                ("b", "says", 2, "annex", ["four"]),
                ("b", "says", 3, "lobby", ["five"]),
            ],
        )
        self.assertEqual(found[0][1]["m"][0], message("one"))
        self.assertEqual(len(self.redis.entries), 1)  # the turn's envelopes in one entry

    def test_runsPerNode(self) -> None:
        """
        Runs to different nodes are kept apart, each numbered for its node.
        """
        self.bus.publishRun("b", "lobby", message("one"))
        self.bus.publishRun("c", "lobby", message("one"))
        self.bus.publishRun("b", "lobby", message("two"))
        found = self.envelopes()
        self.assertEqual(
            sorted((node, e["q"], len(e["m"])) for node, e in found), [("b", 1, 2), ("c", 1, 1)]
        )

    def test_otherEnvelopeClosesRun(self) -> None:
        """
        Anything else for a node (an exit, a private message, an event for
        every peer) is numbered after the run before it and before the
        messages after it, as if each message had gone alone.
        """
        self.bus.publishRun("b", "lobby", message("before"))
        self.bus.publishRun("c", "lobby", message("before"))
        self.bus.publishTo("b", "leave", u="bob", room="lobby")
        self.bus.publishRun("b", "lobby", message("after"))
        self.bus.sendTo("b", "tell", u="alice", to="bob", l=["psst"])
        self.bus.publish("logout", u="alice")
        found = self.envelopes()
        self.assertEqual(
            [(e["q"], e["k"]) for node, e in found if node == "b"],
            [(1, "says"), (2, "leave"), (3, "says"), (4, "tell"), (5, "logout")],
        )
        self.assertEqual(
            [(e["q"], e["k"]) for node, e in found if node == "c"], [(1, "says"), (2, "logout")]
        )

    def test_runBounded(self) -> None:
        for i in range(RUN_LIMIT + 1):
            self.bus.publishRun("b", "lobby", message(str(i)))
        self.assertEqual([len(e["m"]) for _, e in self.envelopes()], [RUN_LIMIT, 1])

    def test_oneEachWhileRedisIsAway(self) -> None:
        """
        While Redis is away, each message waits as its own envelope, so the
        queue's bound counts messages, as L{Bus.hasRoom} reports it.
        """
        self.bus.linkDown()
        for text in ("one", "two"):
            self.bus.publishRun("b", "lobby", message(text))
        self.clock.advance(0)
        self.assertEqual((self.bus.waiting(), self.redis.published), (2, []))
        self.bus.linkUp()
        self.assertEqual([len(e["m"]) for _, e in self.envelopes()], [1, 1])

    def test_flushClosesRuns(self) -> None:
        """
        A flush before the link closes (not waiting for the turn's end)
        sends the open runs too, and the turn's end then sends nothing more.
        """
        self.bus.publishRun("b", "lobby", message("one"))
        self.bus.flush()
        self.assertEqual(len(self.redis.published), 1)
        self.clock.advance(0)
        self.assertEqual(len(self.redis.published), 1)


class PackTests(SynchronousTestCase):
    """
    L{pack} bounds each entry by L{ENTRY_LIMIT} envelopes and L{ENTRY_CHARS}
    characters.
    """

    def inbox(self, node: str) -> str:
        return f"inbox:{node}"

    def test_charactersBounded(self) -> None:
        text = "x" * (ENTRY_CHARS // 3 + 1)  # two fit in an entry, not three
        chunk = [(i, "b", "says", text, i) for i in range(4)]
        entries = pack(chunk, self.inbox)
        self.assertEqual([e.count("\n") + 1 for _, e in entries], [2, 2])
        self.assertTrue(all(len(e) <= ENTRY_CHARS for _, e in entries))

    def test_longEnvelopeAlone(self) -> None:
        """
        An envelope longer than an entry's bound goes alone, between the
        others' entries.
        """
        chunk = [
            (1, "b", "say", "a", 1),
            (2, "b", "says", "y" * (ENTRY_CHARS + 1), 2),
            (3, "b", "say", "c", 3),
        ]
        self.assertEqual([e[:1] for _, e in pack(chunk, self.inbox)], ["a", "y", "c"])

    def test_envelopesBounded(self) -> None:
        chunk = [(i, "b", "say", "z", i) for i in range(ENTRY_LIMIT + 1)]
        self.assertEqual([e.count("\n") + 1 for _, e in pack(chunk, self.inbox)], [ENTRY_LIMIT, 1])
