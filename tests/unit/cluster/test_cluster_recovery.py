"""
Tests for L{chatd.cluster.recovery}: the room messages a node took with it
(it died while Redis was away, with them queued) are read back from the
shared store by the other nodes and shown to their members late, once, in
order; a copy that still arrives live is dropped.
"""

from __future__ import annotations

import time
from typing import Any

from twisted.internet.defer import Deferred, fail
from twisted.internet.task import Clock
from twisted.logger import LogLevel, capturedLogs, formatEvent
from twisted.trial.unittest import SynchronousTestCase

from chatd.core import errors
from chatd.core.events import Notice
from chatd.core.storeretry import LONGEST
from chatd.storage.memory import MemoryChatStore
from tests.support.fakenode import GUEST_HOST, FakeNode, IRCClient, said
from tests.support.fakeredis import FakeRedis


class TwoNodesSpeaking(SynchronousTestCase):
    """
    alice on node a and bob on node b share lobby; with C{shared}, the
    nodes share one store (C{--db}).
    """

    shared = True

    def setUp(self) -> None:
        self.clock = Clock()
        self.clock.advance(1_700_000_000)
        self.redis = FakeRedis(self.clock)
        storage: dict[str, Any] = {}
        if self.shared:
            store = self.makeStore()
            store.startService()
            storage = {"store": store}
        self.a, self.b = (
            FakeNode(self, self.redis, name, sharedStore=self.shared, **storage) for name in "ab"
        )
        for node in (self.a, self.b):
            node.start()
        self.settle()
        self.alice = self.a.user("alice", "lobby")
        self.bob = self.b.user("bob", "lobby")
        self.settle()

    def makeStore(self) -> MemoryChatStore:
        return MemoryChatStore()

    def settle(self) -> None:
        for _ in range(10):
            self.clock.advance(0)

    def say(self, *texts: str) -> None:
        for text in texts:
            self.a.service.say(self.alice, "lobby", (text,))
            self.clock.advance(0.01)
        self.settle()

    def down(self) -> None:
        self.redis.down = True
        for node in (self.a, self.b):
            node.bridge.linkDown()

    def aCutOff(self) -> None:
        """Node a is cut off: it reads nothing and does not beat."""
        self.a.hold()
        self.a.presence.stop()

    def aBack(self) -> None:
        """Node a reaches Redis again: it reads what it missed, and beats."""
        self.a.presence.start()
        self.a.release()
        self.a.bridge.linkUp()
        for _ in range(3):
            self.clock.advance(1)
            self.settle()

    def bBackAlone(self) -> None:
        """
        Redis is back for node b (node a died, or is still cut off), and
        b counts a dead once its key expired.
        """
        self.redis.down = False
        self.b.bridge.linkUp()
        for _ in range(8):
            self.clock.advance(1)
            self.settle()
        self.assertNotIn("a", self.b.presence.peers)


class RecoveryTests(TwoNodesSpeaking):
    def test_crashedNodesQueueRecovered(self) -> None:
        """
        Node a is killed while Redis is away, with alice's messages queued
        (answered, stored): once Redis is back and b counts a dead, bob
        gets exactly those, once, in order, after what came live.
        """
        self.say("before")
        self.down()
        self.say("one", "two", "three")
        self.assertEqual(said(self.bob, "lobby"), [("alice", "before")])
        self.a.crash()
        self.bBackAlone()
        self.assertEqual(
            said(self.bob, "lobby"),
            [("alice", "before"), ("alice", "one"), ("alice", "two"), ("alice", "three")],
        )

    def test_nothingTwiceWhenTheQueueArrives(self) -> None:
        """
        Node a was only cut off: b reads back what alice said meanwhile
        when it counts a dead, and drops the copies a sends once it is back;
        what she says then arrives as ever.
        """
        self.down()
        self.say("one", "two")
        self.aCutOff()
        self.bBackAlone()
        self.assertEqual(said(self.bob, "lobby"), [("alice", "one"), ("alice", "two")])
        self.aBack()
        self.assertIn("a", self.b.presence.peers)
        self.assertIsNotNone(self.b.service.find("alice"))
        self.say("three")
        self.assertEqual(
            said(self.bob, "lobby"), [("alice", "one"), ("alice", "two"), ("alice", "three")]
        )

    def test_gapReadBack(self) -> None:
        """
        A message Redis lost that node a can no longer send again (a gap
        it answers C{noreplay}) is read back after a C{flush} round, once.
        """
        self.say("one")
        self.b.hold()
        self.say("two")
        assert self.b.held is not None
        self.b.held.clear()  # Redis forgot the entry before b read it
        self.b.release()
        self.a.bus.sent.forget("b")  # and a no longer keeps it
        self.say("three")
        self.assertEqual(
            said(self.bob, "lobby"), [("alice", "one"), ("alice", "three"), ("alice", "two")]
        )
        self.say("four")
        self.assertEqual(said(self.bob, "lobby")[-1], ("alice", "four"))
        self.assertEqual(len(said(self.bob, "lobby")), 4)

    def test_onlyWhileMembersWereHere(self) -> None:
        """
        What node a's users said in a room before anyone on node b was in
        it was not for b's members: one who entered later has it from the
        room's history on entering, and not a second time read back.
        """
        self.successResultOf(self.a.outcome(self.a.service.createRoom, self.alice, "quiet"))
        self.successResultOf(self.a.outcome(self.a.service.enter, self.alice, "quiet"))
        self.a.service.say(self.alice, "quiet", ("before you came",))
        self.clock.advance(1)
        self.successResultOf(self.b.outcome(self.b.service.enter, self.bob, "quiet"))
        self.settle()
        self.assertEqual(said(self.bob, "quiet"), [("alice", "before you came")])  # replayed
        self.down()
        self.a.service.say(self.alice, "quiet", ("after",))
        self.settle()
        self.a.crash()
        self.bBackAlone()
        self.assertEqual(
            said(self.bob, "quiet"), [("alice", "before you came"), ("alice", "after")]
        )

    def test_ircServerTime(self) -> None:
        """
        An IRC client with C{server-time} gets a message read back stamped
        with the moment it was said.
        """
        client = IRCClient(self.b, self.clock, "carol", "Carol", "server-time")
        self.addCleanup(client.proto.connectionLost, None)
        client.send("JOIN #lobby")
        client.read()
        self.down()
        moment = self.clock.seconds()
        self.say("late")
        self.a.crash()
        self.clock.advance(5)
        self.bBackAlone()
        lines = [line for line in client.lines() if "PRIVMSG #lobby :late" in line]
        self.assertEqual(len(lines), 1)
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(moment))
        self.assertIn(f"@time={stamp}", lines[0])

    def test_toldTheyComeLate(self) -> None:
        """
        The members get the messages read back after a notice that says
        they come late, from when, and why: they were said before alice
        was seen leaving.
        """
        client = IRCClient(self.b, self.clock, "carol", "Carol")
        self.addCleanup(client.proto.connectionLost, None)
        client.send("JOIN #lobby")
        client.read()
        self.down()
        moment = time.strftime("%H:%M:%S", time.gmtime(self.clock.seconds()))
        self.say("one", "two")
        self.a.crash()
        self.bBackAlone()
        lines = client.lines()
        quit = next(
            i for i, line in enumerate(lines) if line.startswith(":alice!") and " QUIT " in line
        )
        self.assertEqual(
            [line for line in lines[quit + 1 :] if line],
            [
                f":chatd NOTICE carol :2 messages said in lobby from {moment} UTC on another"
                " server of this chat follow late: that server stopped before it passed them on",
                f":alice!alice@{GUEST_HOST} PRIVMSG #lobby :one",
                f":alice!alice@{GUEST_HOST} PRIVMSG #lobby :two",
            ],
        )

    def test_orderAcrossRooms(self) -> None:
        """
        alice says one in lobby, two in den, three in lobby, then node a
        is lost with them: carol, in both rooms on node b, is told in each
        room that they come late, then gets them in the order alice said
        them, not room by room.
        """
        self.a.service.createRoom(self.alice, "den")
        self.a.service.enter(self.alice, "den")
        self.settle()
        client = IRCClient(self.b, self.clock, "carol", "Carol")
        self.addCleanup(client.proto.connectionLost, None)
        client.send("JOIN #lobby,#den")
        self.settle()
        client.read()
        self.down()
        for room, text in [("lobby", "one"), ("den", "two"), ("lobby", "three")]:
            self.a.service.say(self.alice, room, (text,))
            self.clock.advance(0.01)
        self.settle()
        self.a.crash()
        self.bBackAlone()
        lines = client.lines()
        late = [line.split(" NOTICE carol :")[1] for line in lines if " NOTICE " in line]
        self.assertEqual(
            sorted(text.split(" from ")[0] for text in late),
            ["1 message said in den", "2 messages said in lobby"],
        )
        said = [line.split(" PRIVMSG ")[1] for line in lines if " PRIVMSG " in line]
        self.assertEqual(said, ["#lobby :one", "#den :two", "#lobby :three"])

    def test_cutOffNodeSaysSo(self) -> None:
        """
        Node a was cut off long enough for b to count it dead: once back,
        its users are told once what they may have missed.
        """
        self.down()
        self.aCutOff()
        self.bBackAlone()
        self.aBack()
        told = [e.text for e in self.alice.events if type(e) is Notice]
        self.assertEqual(len(told), 1, told)
        self.assertRegex(
            told[0],
            (
                "^this server lost contact with the other servers of the chat at [0-9:]{8} UTC:"
                " what was said in rooms on them since then is not shown here"
            ),
        )
        self.assertIn("private messages sent to you from them meanwhile follow now", told[0])


class AwayStore(MemoryChatStore):
    """
    A shared store whose history cannot be read while C{away}, as
    PostgreSQL's while it is down.
    """

    away = False

    def window(self, *args: Any, **kwargs: Any) -> Deferred[Any]:
        if self.away:
            return fail(errors.StoreUnavailable())
        return super().window(*args, **kwargs)


class StoreAwayTests(TwoNodesSpeaking):
    """
    The shared store is away when node b counts node a dead.
    """

    def makeStore(self) -> MemoryChatStore:
        self.store = AwayStore()
        return self.store

    def test_readBackOnceTheStoreAnswers(self) -> None:
        """
        Node a is killed while Redis is away, with alice's messages queued,
        and the database is away too when b counts it dead: b logs one
        warning (no error), and once the store answers (within the
        back-off), carol gets them late, after the notice, once.
        """
        client = IRCClient(self.b, self.clock, "carol", "Carol")
        self.addCleanup(client.proto.connectionLost, None)
        client.send("JOIN #lobby")
        client.read()
        self.down()
        self.say("one", "two")
        self.a.crash()
        self.store.away = True
        lines: list[str] = []

        def wait(seconds: int) -> None:  # carol's client stays, as a live one does
            for _ in range(seconds):
                self.clock.advance(1)
                client.send("PING :here")
                lines.extend(client.lines())

        with capturedLogs() as events:
            self.bBackAlone()
            wait(100)
            self.assertEqual([line for line in lines if "PRIVMSG" in line], [])
            self.store.away = False
            wait(int(LONGEST))
        late = next(i for i, line in enumerate(lines) if "follow late" in line)
        self.assertEqual(
            lines[late + 1 : late + 3],
            [
                f":alice!alice@{GUEST_HOST} PRIVMSG #lobby :one",
                f":alice!alice@{GUEST_HOST} PRIVMSG #lobby :two",
            ],
        )
        self.assertEqual(said(self.bob, "lobby"), [("alice", "one"), ("alice", "two")])
        outages = [
            formatEvent(e)
            for e in events
            if e["log_level"] >= LogLevel.warn and "read" in formatEvent(e)
        ]
        self.assertEqual(
            outages,
            [
                "node a's room messages that never came could not be read back from the shared"
                " store (service unavailable, try again later): tried again until it answers"
            ],
        )


class WithoutSharedStoreTests(TwoNodesSpeaking):
    """
    Nodes each with their own store, or none: nothing is read back.
    """

    shared = False

    def test_crashedNodesQueueRecovered(self) -> None:
        """
        Node a killed with alice's messages queued: they are lost to bob.
        """
        self.say("before")
        self.down()
        self.say("one", "two")
        self.a.crash()
        self.bBackAlone()
        self.assertEqual(said(self.bob, "lobby"), [("alice", "before")])
