"""
Tests for L{chatd.core.metrics}: the counters the service keeps for every
front-end.
"""

from __future__ import annotations

from twisted.internet.task import Clock
from twisted.trial.unittest import SynchronousTestCase

from chatd.core import errors
from chatd.core.metrics import DISCONNECT_REASONS, ChatStats, reasonLabel
from chatd.core.service import ChatService
from chatd.testing import RecordingParticipant


class ReasonTests(SynchronousTestCase):
    def test_labels(self) -> None:
        """
        The reasons the front-ends give map to a few labels, by the earliest
        telling word; anything else is C{other}.
        """
        for reason, label in [
            ("", "closed"),
            ("connection closed", "closed"),
            ("connection lost", "lost"),
            ("lost connection", "lost"),
            ("quit", "quit"),
            ("quit: off to lunch, too slow here", "quit"),
            ("kicked by root: flooding", "kicked"),
            ("timed out", "timeout"),
            ("timeout: no pong", "timeout"),
            ("flooding", "flood"),
            ("too slow reading, output limit exceeded", "slow"),
            ("refused: message too large", "refused"),
            ("the server is full, try again later", "refused"),
            ("Server Shutting down", "shutdown"),
            ("no nickname chosen", "other"),
        ]:
            self.assertEqual(reasonLabel(reason), label, reason)
            self.assertIn(label, DISCONNECT_REASONS)


class ServiceCountTests(SynchronousTestCase):
    def setUp(self) -> None:
        self.service = ChatService(Clock(), rooms=["lobby"])

    def user(self, nick: str, protocol: str) -> RecordingParticipant:
        participant = RecordingParticipant(protocolName=protocol)
        self.service.connect(participant)
        self.service.login(participant, nick)
        self.service.enter(participant, "lobby")
        return participant

    def test_messages(self) -> None:
        """
        A room message counts once in, by the sender's protocol, and once per
        other member in fan-out; a private message counts one delivery.
        """
        alice = self.user("alice", "web")
        self.user("bob", "tchat")
        self.user("carol", "irc")
        self.service.say(alice, "lobby", ("hi",))
        self.service.tell(alice, "bob", ("psst",))
        stats = self.service.stats
        self.assertEqual(stats.messagesIn, {("web", "room"): 1, ("web", "private"): 1})
        self.assertEqual(stats.deliveries, {"room": 2, "private": 1})

    def test_refusedNotCounted(self) -> None:
        """
        A refused message counts nothing.
        """
        alice = self.user("alice", "web")
        self.assertRaises(errors.InvalidArgument, self.service.say, alice, "lobby", ("",))
        self.assertRaises(errors.NoSuchUser, self.service.tell, alice, "nobody", ("x",))
        self.assertEqual(self.service.stats.messagesIn, {})

    def test_disconnects(self) -> None:
        """
        Each connection's end counts once, logged in or not, even when the
        front-end reports it twice (a kick, then the closed socket).
        """
        alice = self.user("alice", "web")
        anonymous = RecordingParticipant(protocolName="talk")
        self.service.connect(anonymous)
        self.service.disconnect(alice, "kicked by root")
        self.service.disconnect(alice, "connection lost")
        self.service.disconnect(anonymous, "timed out")
        self.assertEqual(
            self.service.stats.disconnects, {("web", "kicked"): 1, ("talk", "timeout"): 1}
        )
        self.assertEqual(self.service.connections(), [])

    def test_storeHooks(self) -> None:
        """
        Store write latencies land in their histogram bucket.
        """
        stats = ChatStats()
        stats.storeWrite(0.0004)
        stats.storeWrite(0.02)
        stats.storeWrite(30)
        self.assertEqual(stats.storeWriteBuckets[0], 1)
        self.assertEqual(stats.storeWriteBuckets[4], 1)
        self.assertEqual(stats.storeWriteBuckets[-1], 1)
        self.assertAlmostEqual(stats.storeWriteSum, 30.0204)
