"""
Tests for L{chatd.cluster.adoption}: nodes that share one store, each
writing its own messages in batches; a node killed before it wrote the
last of them has those another node received live written by that node,
once, in their place, when it is counted dead (not when it says goodbye).
"""

from __future__ import annotations

from typing import Any

from twisted.internet.defer import Deferred, fail
from twisted.internet.task import Clock, deferLater
from twisted.logger import capturedLogs, formatEvent

from chatd.core import errors
from chatd.core.events import PrivateMessage, RoomMessage
from chatd.core.redaction import redact
from chatd.core.storeretry import LONGEST
from chatd.storage.memory import MemoryChatStore
from chatd.testing import RecordingParticipant
from tests.support.fakenode import FakeNode, IRCClient
from tests.support.queuedstore import QueuedNodes, QueuedStore


class SlowStore(QueuedStore):
    """
    A L{QueuedStore} whose batch takes C{delay} seconds to write.
    """

    def __init__(self, shared: MemoryChatStore, clock: Clock, delay: float) -> None:
        super().__init__(shared)
        self.clock, self.delay = clock, delay

    def flush(self) -> Deferred[None]:
        queue, self.queue = self.queue, []

        def write() -> None:
            for args, kwargs in queue:
                self.shared.addMessage(*args, **kwargs)

        return deferLater(self.clock, self.delay, write)


class AwayStore(QueuedStore):
    """
    A L{QueuedStore} whose database is away while C{away}: the checks and
    writes of what a dead node sent fail as PostgreSQL's do then; it counts
    the checks.
    """

    away = False
    checks = 0

    def storedMsgids(self, msgids: list[str]) -> Any:
        self.checks += 1
        if self.away:
            return fail(errors.StoreUnavailable())
        return super().storedMsgids(msgids)

    def flush(self) -> Deferred[None]:
        if self.away:
            return fail(errors.StoreUnavailable())
        return super().flush()


class AliceAndBob(QueuedNodes):
    """
    alice on node a, bob on node b, both in lobby, one store.
    """

    def setUp(self) -> None:
        super().setUp()
        self.alice = self.a.user("alice", "lobby")
        self.bob = self.b.user("bob", "lobby")

    def say(self, node: FakeNode, who: RecordingParticipant, text: str) -> RoomMessage:
        self.clock.advance(0.002)  # each in a millisecond of its own
        event: RoomMessage = self.successResultOf(
            node.outcome(node.service.say, who, "lobby", (text,))
        )
        return event

    def flushed(self, node: FakeNode) -> None:
        """Node C{node}'s batch is written."""
        persistence = node.service.persistence
        assert persistence is not None
        self.successResultOf(persistence.store.flush())

    def stored(self, msgid: str) -> list[RoomMessage | PrivateMessage]:
        """Every copy of message C{msgid} in the shared store."""
        return [event for _, event, _, _ in self.shared._messages if event.msgid == msgid]

    def countedDead(self, *nodes: FakeNode) -> None:
        """Node a's key expires and the other nodes count it dead."""
        for _ in range(8):
            self.clock.advance(1)
            for node in nodes or (self.b,):
                node.turns()
        for node in nodes or (self.b,):
            self.assertNotIn("a", node.presence.peers)

    def lobbyHistoryOnB(self) -> list[str]:
        """What carol, a new IRC client on C{b}, reads of #lobby's history."""
        client = IRCClient(self.b, self.clock, "carol", "Carol", "batch", "draft/chathistory")
        self.addCleanup(client.proto.connectionLost, None)
        client.send("JOIN #lobby")
        client.read()
        client.send("CHATHISTORY LATEST #lobby * 10")
        return [
            line.partition(" PRIVMSG #lobby :")[2]
            for line in client.lines()
            if " PRIVMSG #lobby :" in line
        ]


class AdoptionTests(AliceAndBob):
    def test_killedNodesLastMessagesWritten(self) -> None:
        """
        Node a is killed with alice's last room messages and a private
        message to bob still in its batch: once b counts it dead, b writes
        them from what it received, and b's IRC history (C{CHATHISTORY})
        shows every message once, in the order said; b logs how many.
        """
        self.say(self.a, self.alice, "zero")
        self.flushed(self.a)
        one = self.say(self.a, self.alice, "one")
        self.say(self.b, self.bob, "between")
        self.say(self.a, self.alice, "two")
        told = self.successResultOf(
            self.a.outcome(self.a.service.tell, self.alice, "bob", ("psst",))
        )
        self.assertEqual(self.stored(one.msgid), [])  # in a's batch, which dies with it
        self.a.crash()
        with capturedLogs() as events:
            self.countedDead()
        self.assertEqual([e.msgid for e in self.stored(one.msgid)], [one.msgid])
        [private] = self.stored(told.msgid)
        self.assertEqual((private.sender, private.lines), ("alice", ("psst",)))
        self.assertEqual(self.lobbyHistoryOnB(), ["zero", "one", "between", "two"])
        lines = [formatEvent(e) for e in events if "lately" in formatEvent(e)]
        self.assertEqual(len(lines), 1, lines)
        self.assertIn("node a was lost before it stored 3 of the 4 messages", lines[0])

    def test_deletedNotWrittenBack(self) -> None:
        """
        A message deleted before its node died (by its sender there, or by
        a moderator on the surviving node) is not written back from what
        the survivor received: a deletion stays a deletion.
        """
        secret = self.say(self.a, self.alice, "secret")
        other = self.say(self.a, self.alice, "other")
        self.say(self.a, self.alice, "kept")
        self.successResultOf(redact(self.a.service, self.alice, "lobby", True, secret.msgid))
        moderator = self.b.user("op", "lobby")  # the fake nodes' chatd operator
        deleting = redact(self.b.service, moderator, "lobby", True, other.msgid)
        for _ in range(3):  # b asks a to write its queue first
            self.a.turns()
            self.b.turns()
        self.successResultOf(deleting)
        self.assertEqual(self.stored(secret.msgid) + self.stored(other.msgid), [])
        last = self.say(self.a, self.alice, "last")
        self.a.crash()
        self.countedDead()
        self.assertEqual(self.stored(secret.msgid) + self.stored(other.msgid), [])
        self.assertEqual([e.msgid for e in self.stored(last.msgid)], [last.msgid])

    def test_goodbyeWritesNothing(self) -> None:
        """
        A node that stops cleanly wrote what it held before its goodbye:
        the others write nothing of it.
        """
        one = self.say(self.a, self.alice, "one")
        self.b.bridge.nodeLeft("a")
        self.a.crash()
        self.countedDead()
        self.assertEqual(self.stored(one.msgid), [])

    def test_storedOnesNotAgain(self) -> None:
        """
        What the dead node wrote before it died is not written again.
        """
        one = self.say(self.a, self.alice, "one")
        self.flushed(self.a)
        two = self.say(self.a, self.alice, "two")
        self.a.crash()
        self.countedDead()
        self.assertEqual(len(self.stored(one.msgid)), 1)
        self.assertEqual(len(self.stored(two.msgid)), 1)

    def test_stalledNodesBatchNotTwice(self) -> None:
        """
        Node a stalls past the TTL (C{SIGSTOP}, a frozen VM) with alice's
        last messages in its batch: b counts it dead and writes them; a,
        running again, writes its batch, and the store holds each once.
        """
        said = [self.say(self.a, self.alice, text) for text in ("one", "two")]
        self.a.presence.stop()  # no more beats, and no goodbye
        self.countedDead()
        self.assertEqual([len(self.stored(event.msgid)) for event in said], [1, 1])
        self.flushed(self.a)
        self.assertEqual([len(self.stored(event.msgid)) for event in said], [1, 1])


class TwoSurvivorsTests(QueuedNodes):
    """
    Nodes b and c both received alice's messages; their writes are slow.
    """

    def setUp(self) -> None:
        super().setUp()
        self.c = FakeNode(
            self, self.redis, "c", sharedStore=True, store=SlowStore(self.shared, self.clock, 2)
        )
        persistence = self.b.service.persistence
        assert persistence is not None
        persistence.store = SlowStore(self.shared, self.clock, 2)  # type: ignore[assignment]
        self.c.start()
        self.settle()
        self.alice = self.a.user("alice", "lobby")
        self.b.user("bob", "lobby")
        self.c.user("carol", "lobby")
        for _ in range(3):  # the entries' rounds end (their writes are slow)
            self.clock.advance(1)
            for node in (self.a, self.b, self.c):
                node.turns()

    def settle(self) -> None:
        for _ in range(10):
            self.clock.advance(0)

    def test_writtenOnce(self) -> None:
        """
        Both count a dead at the same moment: one writes its messages, the
        other waits for it, then finds them stored.
        """
        events: list[Any] = []
        for text in ("one", "two"):
            events.append(
                self.successResultOf(
                    self.a.outcome(self.a.service.say, self.alice, "lobby", (text,))
                )
            )
        self.assertEqual(self.shared._messages, [])  # all in a's batch
        self.a.crash()
        for _ in range(12):
            self.clock.advance(1)
            self.b.turns()
            self.c.turns()
        for event in events:
            copies = [e for _, e, _, _ in self.shared._messages if e.msgid == event.msgid]
            self.assertEqual(len(copies), 1, event.lines)


class StoreAwayTests(AliceAndBob):
    """
    Node b's view of the shared store is away (PostgreSQL down) when it
    counts node a dead.
    """

    def setUp(self) -> None:
        super().setUp()
        self.store = AwayStore(self.shared)
        persistence = self.b.service.persistence
        assert persistence is not None
        persistence.store = self.store  # type: ignore[assignment]

    def claimHolder(self) -> str | None:
        holder: str | None = self.successResultOf(self.redis.execute("GET", "chatd:adopt:a"))
        return holder

    def wait(self, seconds: int) -> None:
        for _ in range(seconds):
            self.clock.advance(1)
            self.b.turns()

    def test_writtenOnceTheStoreAnswers(self) -> None:
        """
        Node a is killed with alice's last room messages in its batch while
        the database is away: b, which received them, logs one warning,
        keeps its claim on them however long the outage lasts, and writes
        them once the store answers (within the back-off), in their place
        in b's IRC history (C{CHATHISTORY}); then it gives the claim back.
        """
        said = [self.say(self.a, self.alice, text) for text in ("one", "two")]
        self.a.crash()
        self.store.away = True
        with capturedLogs() as events:
            self.countedDead()
            self.wait(150)  # longer than a claim lasts untouched (60 s)
            self.assertEqual([self.stored(e.msgid) for e in said], [[], []])
            self.assertEqual(self.claimHolder(), "b")
            self.store.away = False
            self.wait(int(LONGEST))
        self.assertEqual([len(self.stored(e.msgid)) for e in said], [1, 1])
        self.assertIsNone(self.claimHolder())
        warnings = [
            formatEvent(e)
            for e in events
            if e["log_level"].name == "warn" and "lately" in formatEvent(e)
        ]
        self.assertEqual(len(warnings), 1, warnings)
        self.assertIn("2 messages received from node a lately could not be checked", warnings[0])
        self.assertIn("tried again until it answers", warnings[0])
        lines = [formatEvent(e) for e in events]
        self.assertTrue(any("before it stored 2 of the 2 messages" in line for line in lines))
        self.assertEqual(self.lobbyHistoryOnB(), ["one", "two"])

    def test_nodeBackEndsTheTries(self) -> None:
        """
        Node a only stalled past the TTL while the database is away: once
        b hears it again, b stops trying to write what a sent it and gives
        its claim back; a writes its batch itself, once.
        """
        said = [self.say(self.a, self.alice, text) for text in ("one", "two")]
        self.a.presence.stop()  # no more beats, and no goodbye
        self.store.away = True
        self.countedDead()
        self.assertEqual(self.claimHolder(), "b")
        with capturedLogs() as events:
            self.a.presence.start()
            for _ in range(3):
                self.clock.advance(1)
                self.a.turns()
                self.b.turns()
            self.assertIn("a", self.b.presence.peers)
        self.assertIsNone(self.claimHolder())
        self.assertTrue(any("node a is back" in formatEvent(e) for e in events))
        checks = self.store.checks
        self.store.away = False
        self.wait(int(LONGEST) * 2)
        self.assertEqual(self.store.checks, checks)
        self.flushed(self.a)
        self.assertEqual([len(self.stored(e.msgid)) for e in said], [1, 1])
