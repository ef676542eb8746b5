"""
Tests for a Redis that comes back from an older snapshot (or any inbox
stream that went back in time): the inbox is read again from its start,
what was already handled is dropped by its sequence numbers, a gone node's
too, and what Redis lost is sent again.
"""

from __future__ import annotations

from twisted.internet.task import Clock
from twisted.internet.testing import MemoryReactorClock
from twisted.logger import capturedLogs, formatEvent
from twisted.trial.unittest import SynchronousTestCase

from chatd.cluster import bus as busModule
from chatd.cluster.address import RedisAddress
from chatd.cluster.bus import Bus
from chatd.cluster.envelopes import encode
from chatd.cluster.redis import RedisLink
from tests.support.fakenode import FakeNode, said
from tests.support.fakeredis import FakeRedis
from tests.support.respstream import StreamRedis


class ReaderPositionTests(SynchronousTestCase):
    """
    Where L{RedisLink}'s reader reads from after a reconnection.
    """

    def setUp(self) -> None:
        self.reactor = MemoryReactorClock()
        self.got: list[str] = []
        self.link = RedisLink(
            self.reactor,
            RedisAddress.fromURL("redis://127.0.0.1:6379/0"),
            "inbox",
            lambda channel, message: self.got.append(message),
        )
        self.redis = StreamRedis(self.reactor, "inbox")
        self.redis.entries = [("5-0", "old 5"), ("6-0", "old 6"), ("7-0", "old 7")]
        with capturedLogs():
            self.link.startService()
            self.redis.serve()
        self.addCleanup(self.link.stopService)

    def reconnect(self, entries: list[tuple[str, str]]) -> list[str]:
        """
        The reader's connection drops, and Redis holds C{entries} when it is
        made again: what is read then; the log lines meanwhile.
        """
        self.redis.entries = entries
        self.got.clear()
        with capturedLogs() as events:
            self.redis.dropReader()
            self.reactor.advance(5)
            self.redis.serve()
        return [formatEvent(event) for event in events]

    def test_firstConnectionReadsFromTheEnd(self) -> None:
        """
        A node that starts reads what comes after the stream's end.
        """
        self.assertEqual(self.got, [])
        self.redis.entries.append(("8-0", "new"))
        self.redis.serve()
        self.assertEqual(self.got, ["new"])

    def test_emptyStreamNoAlarm(self) -> None:
        """
        A node whose inbox was empty when it started, and that read nothing
        since, reads it from its start after a reconnection, and has
        nothing to say about it.
        """
        self.link.lastId = None
        self.redis.entries = []
        lines = self.reconnect([])
        self.assertEqual(self.link.lastId, "0-0")
        lines += self.reconnect([("9-0", "first")])
        self.assertEqual(self.got, ["first"])
        self.assertEqual([line for line in lines if "no longer holds" in line], [])

    def test_sameStreamReadOn(self) -> None:
        """
        The stream still holds the last entry read: reading goes on after it.
        """
        self.redis.entries.append(("8-0", "new"))
        self.redis.serve()
        self.reconnect([*self.redis.entries, ("9-0", "newer")])
        self.assertEqual(self.got, ["newer"])

    def test_olderStreamReadWhole(self) -> None:
        """
        Redis came back from a snapshot (it no longer holds the last entry
        read), and its clock is behind: an entry added since has a lower id
        than the last one read.  The stream is read again from its start,
        the new entries with it, and the log says so.
        """
        self.redis.entries.append(("8-0", "new"))
        self.redis.serve()
        lines = self.reconnect([("5-0", "old 5"), ("6-0", "old 6"), ("6-5", "after"), ("9-0", "a")])
        self.assertEqual(self.got, ["old 5", "old 6", "after", "a"])
        self.assertEqual(len([line for line in lines if "no longer holds" in line]), 1)


class GoneNodeTests(SynchronousTestCase):
    """
    L{Bus.goneSeq}: what a node gone had sent, read again, is dropped.
    """

    def setUp(self) -> None:
        self.clock = Clock()
        self.peers: list[str] = []
        self.heard: list[str] = []
        self.bus = Bus(
            "a",
            lambda node: f"inbox:{node}",
            FakeRedis(self.clock).publish,
            self.clock,
            onPeer=self.peers.append,
            onHeard=self.heard.append,
        )
        self.got: list[int] = []
        self.bus.on("say", lambda node, fields: self.got.append(fields["i"]))

    def say(self, node: str, *numbers: int) -> None:
        for number in numbers:
            self.bus.received("inbox:a", encode(node, number, "say", {"i": number}))

    def test_goneNodeReadAgainDropped(self) -> None:
        """
        A gone node's envelopes read again (its inbox read from its start)
        are dropped: no event, and the node is neither heard from nor met
        again; its next envelope is news, and the node is met again.
        """
        self.say("b", 1, 2, 3)
        self.bus.forget("b")
        self.peers.clear()
        self.heard.clear()
        self.say("b", 1, 2, 3)
        self.assertEqual((self.got, self.peers, self.heard), ([1, 2, 3], [], []))
        self.say("b", 4)
        self.assertEqual((self.got, self.peers, self.heard), ([1, 2, 3, 4], ["b"], ["b"]))
        self.assertNotIn("b", self.bus.goneSeq)

    def test_heldCounts(self) -> None:
        """
        What was held past a gap when its node went counts as sent: read
        again, it is dropped too.
        """
        self.say("b", 1, 3)
        self.bus.forget("b")
        self.say("b", 2, 3)
        self.assertEqual((self.got, self.bus.goneSeq["b"]), ([1], 3))

    def test_bounded(self) -> None:
        """
        Only the newest L{busModule.GONE_LIMIT} gone nodes are remembered.
        """
        self.patch(busModule, "GONE_LIMIT", 2)
        for node in ("b", "c", "d"):
            self.say(node, 1)
            self.bus.forget(node)
        self.assertEqual(list(self.bus.goneSeq), ["c", "d"])


class SnapshotRestartTests(SynchronousTestCase):
    """
    Three nodes on a fake Redis, which restarts from a snapshot taken
    before node c died and before a's last messages.
    """

    def setUp(self) -> None:
        self.clock = Clock()
        self.clock.advance(1_700_000_000)
        self.redis = FakeRedis(self.clock)
        self.a, self.b, self.c = (FakeNode(self, self.redis, name) for name in "abc")
        for node in (self.a, self.b, self.c):
            node.start()
        self.settle()

    def settle(self) -> None:
        for _ in range(10):
            self.clock.advance(0)

    def restartFrom(self, snapshot: dict[str, list[tuple[str, str]]]) -> None:
        """
        Redis stops and comes back with the streams of C{snapshot}; each
        live node reads its inbox again from its start once its link is up.
        """
        self.redis.down = True
        for node in (self.a, self.b):
            node.bridge.linkDown()
            node.held = None  # what it had not read yet is lost with Redis
        self.redis.streams = snapshot
        self.redis.down = False
        for node in (self.a, self.b):
            node.bridge.linkUp()
            for _, message in snapshot.get(node.inbox, []):
                node.bus.received(node.inbox, message)
        self.settle()

    def test_nothingTwiceNothingLostNobodyBack(self) -> None:
        """
        Every room message reaches bob once, those Redis lost with the
        restart included (sent again); carol, whose node died after the
        snapshot, does not come back, and no gap is reported.
        """
        alice = self.a.user("alice", "lobby")
        bob = self.b.user("bob", "lobby")
        carol = self.c.user("carol", "lobby")
        self.c.service.say(carol, "lobby", ("hi from carol",))
        self.a.service.say(alice, "lobby", ("one",))
        self.settle()
        snapshot = {stream: list(entries) for stream, entries in self.redis.streams.items()}
        self.a.service.say(alice, "lobby", ("two",))
        self.settle()
        self.c.crash()
        for _ in range(6):  # past the TTL: c is declared dead
            self.clock.advance(1)
            self.settle()
        self.assertIsNone(self.b.service.find("carol"))
        self.b.hold()
        self.a.service.say(alice, "lobby", ("three",))
        self.settle()
        with capturedLogs() as events:
            self.restartFrom(snapshot)
            for _ in range(6):
                self.clock.advance(1)
                self.settle()
        lines = [formatEvent(event) for event in events]
        expected = [
            ("carol", "hi from carol"),
            ("alice", "one"),
            ("alice", "two"),
            ("alice", "three"),
        ]
        self.assertEqual(said(bob, "lobby"), expected)
        self.assertEqual([line for line in lines if "carol" in line or "missed" in line], [])
        for node in (self.a, self.b):
            self.assertIsNone(node.service.find("carol"))
