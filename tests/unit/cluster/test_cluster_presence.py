"""
Tests for L{chatd.cluster.presence}: claims, heartbeats and dead peers, on a
fake Redis and a L{Clock}.
"""

from __future__ import annotations

from twisted.internet.task import Clock
from twisted.trial.unittest import SynchronousTestCase

from chatd.cluster.address import RedisUnavailable
from chatd.cluster.presence import Presence
from chatd.core.errors import NickTaken
from tests.support.fakeredis import FakeRedis


class PresenceTests(SynchronousTestCase):
    def setUp(self) -> None:
        self.clock = Clock()
        self.redis = FakeRedis(self.clock)
        self.nicks: dict[str, list[str]] = {"a": [], "b": [], "c": []}
        self.lostNicks: list[tuple[str, str]] = []
        self.lostNodes: list[tuple[str, str]] = []
        self.a = self.presence("a")
        self.b = self.presence("b")

    def presence(self, node: str) -> Presence:
        p = Presence(
            self.redis.execute,
            self.clock,
            node,
            lambda: list(self.nicks[node]),
            lambda nick: self.lostNicks.append((node, nick)),
            lambda peer: self.lostNodes.append((node, peer)),
            interval=1.0,
            ttl=3.0,
        )
        self.addCleanup(p.stop)
        return p

    def test_claimOnce(self) -> None:
        """
        The first node to claim a nickname gets it, in any case; the other
        is refused with L{NickTaken}.
        """
        self.successResultOf(self.a.claim("Alice"))
        self.failureResultOf(self.b.claim("ALICE"), NickTaken)
        self.failureResultOf(self.a.claim("alice"), NickTaken)

    def test_release(self) -> None:
        """
        Releasing frees a claim, but only the holder's release counts.
        """
        self.successResultOf(self.a.claim("alice"))
        self.b.release("alice")
        self.failureResultOf(self.b.claim("alice"), NickTaken)
        self.a.release("alice")
        self.successResultOf(self.b.claim("alice"))

    def test_leavingGivesBackClaimsOnTheirWay(self) -> None:
        """
        A node that leaves gives back its users' claims and a claim Redis
        granted but had not answered yet (the node's user was not admitted:
        nobody would have released it), and asks for none more: the name
        is free for another node at once, not after the claim's lifetime.
        """
        self.nicks["a"] = ["alice"]
        self.successResultOf(self.a.claim("alice"))
        self.redis.holding = True
        claiming = self.a.claim("owl")  # (granted, the answer on its way)
        self.a.giveBack()
        self.redis.holding = False
        self.redis.answerHeld()
        self.successResultOf(claiming)
        self.successResultOf(self.b.claim("owl"))
        self.successResultOf(self.b.claim("alice"))
        sent = len(self.redis.commands)
        self.failureResultOf(self.a.claim("bob"), RedisUnavailable)
        self.assertEqual(len(self.redis.commands), sent)

    def test_claimExpiresWithoutHeartbeat(self) -> None:
        """
        A claim nobody renews expires after the TTL; a beating node keeps
        its users' claims.
        """
        self.successResultOf(self.a.claim("alice"))
        self.successResultOf(self.a.claim("bob"))
        self.nicks["a"] = ["bob"]
        self.a.start()
        self.clock.pump([1.0] * 5)
        self.successResultOf(self.b.claim("alice"))
        self.failureResultOf(self.b.claim("bob"), NickTaken)

    def test_claimWhileDown(self) -> None:
        """
        Without Redis a claim fails with L{RedisUnavailable}: the caller
        decides how to degrade.
        """
        self.redis.down = True
        self.failureResultOf(self.a.claim("alice"), RedisUnavailable)

    def test_reclaimAfterRedisForgot(self) -> None:
        """
        After Redis lost every key (a restart), the next beat takes this
        node's users' names again.
        """
        self.successResultOf(self.a.claim("alice"))
        self.nicks["a"] = ["alice"]
        self.redis.data.clear()
        self.successResultOf(self.a.linkUp())
        self.failureResultOf(self.b.claim("alice"), NickTaken)

    def test_nickLost(self) -> None:
        """
        A claim that another node took meanwhile is reported lost.
        """
        self.nicks["a"] = ["alice"]
        self.successResultOf(self.b.claim("alice"))
        self.successResultOf(self.a.linkUp())
        self.assertEqual(self.lostNicks, [("a", "alice")])

    def test_deadPeer(self) -> None:
        """
        A peer whose key expired is reported dead within TTL plus one
        interval of its last beat, once, and forgotten.
        """
        for p in (self.a, self.b):
            self.successResultOf(p.linkUp())
            p.start()
        self.a.seen("b")
        self.a.seen("a")
        self.clock.pump([1.0] * 5)
        self.assertEqual(self.lostNodes, [])
        self.b.stop()
        self.clock.pump([1.0] * 2)
        self.assertEqual(self.lostNodes, [])
        self.clock.pump([1.0] * 2)
        self.assertEqual(self.lostNodes, [("a", "b")])
        self.assertEqual(self.a.peers, set())
        self.assertIn("PEXPIRE", self.redis.commands)  # b's inbox, made again by a late event
        self.clock.pump([1.0] * 5)
        self.assertEqual(self.lostNodes, [("a", "b")])

    def test_noVerdictRightAfterReconnect(self) -> None:
        """
        Right after this node (re)connects, a missing peer key proves
        nothing (Redis may just have restarted): no peer is declared dead
        until this node has been up for a whole TTL.
        """
        self.a.seen("b")
        self.successResultOf(self.a.linkUp())
        self.a.start()
        self.clock.pump([1.0] * 2)
        self.assertEqual(self.lostNodes, [])
        self.a.linkDown()
        self.clock.pump([1.0] * 5)
        self.assertEqual(self.lostNodes, [])
        self.successResultOf(self.a.linkUp())
        self.successResultOf(self.b.linkUp())
        self.clock.pump([1.0] * 5)
        self.assertEqual(self.lostNodes, [("a", "b")])

    def test_beatSurvivesOutage(self) -> None:
        """
        Beats during an outage fail quietly and the loop keeps going.
        """
        self.nicks["a"] = ["alice"]
        self.a.start()
        self.redis.down = True
        self.clock.pump([1.0] * 3)
        self.redis.down = False
        self.clock.pump([1.0])
        self.failureResultOf(self.b.claim("alice"), NickTaken)
        self.assertEqual(self.flushLoggedErrors(), [])

    def test_ttlMustExceedInterval(self) -> None:
        """
        A TTL no longer than the interval would let claims lapse between
        beats: refused.
        """
        with self.assertRaises(ValueError):
            Presence(self.redis.execute, self.clock, "c", list, print, print, 2.0, 2.0)

    def test_publishingPeerIsAlive(self) -> None:
        """
        A peer whose beats stopped reaching Redis but whose envelopes keep
        arriving (a busy node) is not declared dead; once it falls silent
        too, it is.
        """
        self.successResultOf(self.a.linkUp())
        self.a.start()
        self.a.seen("b")
        for _ in range(6):
            self.clock.advance(1.0)
            self.a.seen("b")
        self.assertEqual(self.lostNodes, [])
        self.clock.pump([1.0] * 4)
        self.assertEqual(self.lostNodes, [("a", "b")])

    def test_discover(self) -> None:
        """
        A node that (re)connects learns the live nodes from the registry
        each node's heartbeat keeps; a node whose key expired is taken out
        of the registry and not taken as a peer.
        """
        self.b.linkUp()
        self.assertEqual(self.a.peers, set())
        self.a.linkUp()
        self.assertEqual((self.a.peers, self.b.peers), ({"b"}, set()))
        self.clock.advance(3.0)  # b's key expires: it never beat again
        self.a.beat()
        c = self.presence("c")
        c.linkUp()
        self.assertEqual(c.peers, {"a"})
        self.assertEqual(self.redis.sets["chatd:nodes"], {"a", "c"})
        found: list[str] = []
        c.onPeerFound = found.append
        self.b.beat()  # b was only stalled
        c.beat()
        self.assertEqual((c.peers, found), ({"a", "b"}, ["b"]))

    def test_claimsRenewedInBatches(self) -> None:
        """
        A node's claims are renewed a batch at a time, one script after
        another, and a claim lost in a later batch is reported by its name.
        """
        self.nicks["a"] = [f"user{i}" for i in range(2500)]
        self.redis.data[self.a.nickKey("user2100")] = ("b", None)
        self.redis.commands.clear()
        self.successResultOf(self.a.beat())
        self.assertEqual(self.redis.commands.count("EVAL"), 3 + 1)  # three batches, then discovery
        self.assertEqual(self.lostNicks, [("a", "user2100")])
        self.assertEqual(self.redis.data[self.a.nickKey("user1999")][0], "a")

    def test_beatsCountedByTheNode(self) -> None:
        """
        Each heartbeat leaves in the node's key a stamp the node counts
        itself: a later beat shows as one since an earlier, whatever Redis's
        clock says; a node restarted under the same id (another run) too,
        from its first beat.
        """
        self.successResultOf(self.a.beat())
        first = self.successResultOf(self.b.lastBeat("a"))
        self.clock.advance(0.5)
        self.successResultOf(self.a.beat())
        second = self.successResultOf(self.b.lastBeat("a"))
        assert first is not None and second is not None
        self.assertEqual(second.age, 0)
        self.assertTrue(first.since(None))
        self.assertTrue(second.since(first))
        self.assertFalse(first.since(second))
        self.assertFalse(second.since(second))
        self.successResultOf(self.presence("a").beat())
        restarted = self.successResultOf(self.b.lastBeat("a"))
        assert restarted is not None
        self.assertTrue(restarted.since(second))
        self.clock.advance(3)
        self.assertIsNone(self.successResultOf(self.b.lastBeat("a")))
