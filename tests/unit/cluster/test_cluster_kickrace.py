"""
Tests for a message said on one node as its author is kicked from the room
on another (L{chatd.cluster.removals}): the kicking node shows it to its
members of the room, after the kick, and asks for no whole state; a
message from a sender never known in the room still does.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from twisted.internet.defer import Deferred
from twisted.internet.task import Clock
from twisted.logger import LogEvent, LogLevel, capturedLogs, formatEvent
from twisted.trial.unittest import SynchronousTestCase

from chatd.cluster.bus import BATCH_LIMIT
from chatd.cluster.removals import Removals
from chatd.storage.memory import MemoryChatStore
from tests.support.fakenode import GUEST_HOST, FakeNode, TwoNodes, accountNodes, inbox, said
from tests.support.fakeredis import FakeRedis, LateScripts

RACING = f":qv!qvx@{GUEST_HOST} PRIVMSG #qk :racing\r\n"


class KickRaceTests(TwoNodes):
    """
    C{qo} (the room's operator, who made it) and C{qx} on node A, C{qw}
    and C{qv} on node B, all in C{#qk}.
    """

    def setUp(self) -> None:
        super().setUp()
        self.qo = self.ircClient(self.a, "qo")
        self.qx = self.ircClient(self.a, "qx")
        self.qw = self.ircClient(self.b, "qw")
        self.qv = self.ircClient(self.b, "qv")
        for client in (self.qo, self.qx, self.qw, self.qv):
            client.send("JOIN #qk")
        self.settle()
        for client in (self.qo, self.qx, self.qw, self.qv):
            client.read()

    def fromA(self, before: int) -> list[str]:
        """
        The kinds of the envelopes node A published to node B after the
        first C{before} envelopes.
        """
        return [json.loads(m)["k"] for s, m in self.redis.published[before:] if s == inbox("b")]

    def warnings(self, events: Sequence[LogEvent]) -> list[str]:
        return [formatEvent(e) for e in events if e.get("log_level") == LogLevel.warn]

    def race(self) -> None:
        """
        C{qo} kicks C{qv} on A while B, which has not read the kick yet,
        handles C{qv}'s message: for B, the message comes first.
        """
        self.b.hold()  # B reads nothing: not the kick, nor the round's ping
        self.qo.send("KICK #qk qv :out")
        self.qv.send("PRIVMSG #qk :racing")

    def test_saidBeforeTheKickThere(self) -> None:
        """
        C{qo} and C{qx}, on the node that kicked C{qv}, see what C{qv}
        said before B applied the kick, after the KICK line; node A asks B
        for no whole state and warns of nothing; on B, C{qw} sees the
        message, then the kick.  The message goes to A's members only: A
        publishes it nowhere again, and C{qv} does not get it back.
        """
        before = len(self.redis.published)
        with capturedLogs() as events:
            self.race()
            seen = [client.read() for client in (self.qo, self.qx)]
            self.b.release()
            self.settle()
        for lines in seen:
            self.assertIn(" KICK #qk qv :out\r\n", lines)
            self.assertIn(RACING, lines)
            self.assertLess(lines.index(" KICK #qk qv"), lines.index(RACING))
        self.assertNotIn("hello", self.fromA(before))
        self.assertNotIn("says", self.fromA(before))
        self.assertNotIn("racing", self.qv.read())
        self.assertEqual(self.warnings(events), [])
        onB = self.qw.read()
        self.assertLess(onB.index(RACING), onB.index(" KICK #qk qv :out\r\n"))
        operator = self.a.service.find("qo")
        assert operator is not None
        self.assertEqual(self.a.service.members(operator, "qk"), ["qo", "qx", "qw"])

    def test_forgottenOnceApplied(self) -> None:
        """
        A remembers the kick until B answers the round the kick began:
        then B has applied it, and a message from C{qv} in C{#qk} would be
        one from a sender not in the room.
        """
        self.race()
        removals = self.a.bridge.removals
        self.assertTrue(removals.pending("b", "qv", "qk"))
        self.b.release()
        self.settle()
        self.assertFalse(removals.pending("b", "qv", "qk"))

    def test_strangerStillResynchronises(self) -> None:
        """
        A message from a user of B whom A does not see in the room (the
        states differ, for no kick of A's) is warned of, and A asks B for
        its state; A's members see it only once that state put its sender
        back in the room, as before.
        """
        proxy = self.a.service.find("qv")
        assert proxy is not None
        self.a.service.replica.leaveRemote(proxy, "qk")  # A lost qv's entry
        self.qo.read()
        before = len(self.redis.published)
        with capturedLogs() as events:
            self.qv.send("PRIVMSG #qk :unseen")
            seen = self.qo.read()
        self.assertLess(seen.index(f":qv!qvx@{GUEST_HOST} JOIN #qk"), seen.index(":unseen"))
        self.assertIn("hello", self.fromA(before))
        self.assertEqual(len(self.warnings(events)), 1)
        self.assertIn("qv of node b spoke in qk without being in it here", *self.warnings(events))


class BigTurnKickTests(TwoNodes):
    """
    C{qo} on node A kicks C{qv}, a user of node C, from C{#qk} at the end
    of a turn too busy for one script; C{qw}, on the third node B, is in
    C{#qk} too.  A's scripts after the first reach Redis late, when the
    test says (L{LateScripts}).
    """

    def setUp(self) -> None:
        self.clock = Clock()
        self.clock.advance(1_700_000_000)
        self.redis = FakeRedis(self.clock)
        self.late = LateScripts(self.redis)
        self.a = FakeNode(self, self.redis, "a", publish=self.late.publish)
        self.b = FakeNode(self, self.redis, "b")
        self.c = FakeNode(self, self.redis, "c")
        for node in (self.a, self.b, self.c):
            node.start()
        self.settle()
        self.qo = self.ircClient(self.a, "qo")
        self.qw = self.ircClient(self.b, "qw")
        self.qv = self.ircClient(self.c, "qv")
        for client in (self.qo, self.qw, self.qv):
            client.send("JOIN #qk", "JOIN #q1", "JOIN #q2")
        for client in (self.qo, self.qw):
            client.send("JOIN #q3")
        self.settle()
        for client in (self.qo, self.qw, self.qv):
            client.read()

    def busyTurn(self) -> list[str]:
        """
        The lines of C{qo}'s busy turn: one envelope short of a command's
        worth of room messages (a line in C{#q3} for B alone, then lines in
        turn in C{#q1} and C{#q2}, one envelope each for B and C: each
        line ends the previous one's run), then the kick, which goes to B
        and C.
        """
        lines = ["PRIVMSG #q3 :first"]
        lines += [f"PRIVMSG #q{1 + i % 2} :{i}" for i in range((BATCH_LIMIT - 2) // 2)]
        return [*lines, "KICK #qk qv :out"]

    def test_kickInEveryInboxAtOnce(self) -> None:
        """
        The kick that ends a turn too busy for one command goes to B and C
        in one script.  B, which reads it only then, still remembers it
        when C{qv}'s message, said on C before C read the kick, comes:
        C{qw} sees the KICK, then the message, and no node asks for a whole
        state or warns.
        """
        self.late.holdAfter(1)
        with capturedLogs() as events:
            self.qo.send(*self.busyTurn())  # B and C read what reached Redis
            self.c.hold()
            self.late.release()  # A's scripts held back reach Redis; C reads none yet
            self.qv.send("PRIVMSG #qk :racing")
            onB = self.qw.read()
            self.c.release()
            self.settle()
        self.assertIn(" PRIVMSG #q3 :first\r\n", onB)
        self.assertIn(RACING, onB.partition(" KICK #qk qv :out\r\n")[2])
        warned = [formatEvent(e) for e in events if e.get("log_level") >= LogLevel.warn]
        self.assertEqual(warned, [])
        self.assertNotIn("hello", self.redis.kinds(inbox("c")))


class RemovalsTests(SynchronousTestCase):
    """
    L{Removals} on its own: a removal is remembered until the round it
    began is answered, and a second removal outlives the first's round.
    """

    def test_twiceRemoved(self) -> None:
        rounds: list[Deferred[None]] = []

        def heard() -> Deferred[None]:
            d: Deferred[None] = Deferred()
            rounds.append(d)
            return d

        removals = Removals(heard)
        removals.removed("b", "QV", "QK")
        removals.removed("b", "qv", "qk")
        self.assertTrue(removals.pending("b", "qv", "qk"))
        self.assertFalse(removals.pending("c", "qv", "#qk"))
        first, second = rounds
        first.callback(None)
        self.assertTrue(removals.pending("b", "qv", "qk"))
        second.callback(None)
        self.assertFalse(removals.pending("b", "qv", "qk"))


class HistoryTests(SynchronousTestCase):
    """
    Nodes with stores: the message said as its author is kicked on the
    other node is stored once, by its own node.
    """

    def setUp(self) -> None:
        self.clock = Clock()
        self.clock.advance(1_700_000_000)
        self.redis = FakeRedis(self.clock)

    def race(self, a: FakeNode, b: FakeNode) -> None:
        """
        C{op} on A kicks C{qv} of B from C{lobby} while B handles C{qv}'s
        message: C{qx} on A hears it.
        """
        op = a.user("op", "lobby")
        qx = a.user("qx", "lobby")
        b.user("qw", "lobby")
        qv = b.user("qv", "lobby")
        b.hold()
        kicked = a.outcome(a.service.kickFromRoom, op, "lobby", "qv", "out")
        b.service.say(qv, "lobby", ("racing",))
        a.turns()
        b.release()
        a.turns()
        self.assertEqual(self.successResultOf(kicked), "qv")
        self.assertIn(("qv", "racing"), said(qx, "lobby"))

    def stored(self, store: MemoryChatStore) -> list[tuple[str, ...]]:
        history = self.successResultOf(store.history("lobby", 50))
        return [e.lines for e in history if e.sender == "qv"]

    def test_sharedStore(self) -> None:
        """
        With one database for both nodes, its history holds the message once.
        """
        store = MemoryChatStore()
        store.startService()
        a, b = accountNodes(self, self.redis, lambda: store)
        a.turns()
        self.race(a, b)
        self.assertEqual(self.stored(store), [("racing",)])

    def test_storePerNode(self) -> None:
        """
        With a store per node, B's holds the message and A's does not: A
        shows it, as any message of another node's user, and stores nothing.
        """
        stores = [MemoryChatStore(), MemoryChatStore()]
        for store in stores:
            store.startService()
        a = FakeNode(self, self.redis, "a", store=stores[0])
        b = FakeNode(self, self.redis, "b", store=stores[1])
        a.start()
        b.start()
        a.turns()
        self.race(a, b)
        self.assertEqual([self.stored(store) for store in stores], [[], [("racing",)]])
