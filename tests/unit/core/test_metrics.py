"""
Tests for L{chatd.core.metrics}: the counters the service keeps for every
front-end.
"""

from __future__ import annotations

from twisted.internet.task import Clock
from twisted.trial.unittest import SynchronousTestCase

from chatd.admin.commands import AdminConsole
from chatd.core import errors
from chatd.core.metrics import DISCONNECT_REASONS, ChatStats, reasonLabel
from chatd.core.service import ChatService
from chatd.talk.protocol import TalkFactory
from chatd.testing import RecordingParticipant
from tests.support.helpers import connect, output


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


class AdministratorEndingTests(SynchronousTestCase):
    """
    A session an administrator ends is counted by the kind of action, not
    by the words of the reason typed with it.
    """

    def setUp(self) -> None:
        self.clock = Clock()
        self.service = ChatService(self.clock, rooms=["lobby"])
        self.factory = TalkFactory(self.service, self.clock, floodBurst=None)
        self.console = AdminConsole(self.service, "root")

    def test_labelByAction(self) -> None:
        """
        C{kill}, C{kick} and C{ban} on the console, each with a reason that
        names another label, count C{killed}, C{kicked} and C{banned}.
        """
        for command, nick in [
            ("kill frank flooding", "frank"),
            ("kick grace 10 too slow, timed out", "grace"),
            ("ban heidi quit flooding", "heidi"),
        ]:
            proto, transport = connect(self.factory, self.clock)
            output(transport, self.clock)
            proto.dataReceived(nick.encode() + b"\r\n")
            output(transport, self.clock)
            self.successResultOf(self.console.execute(command))
            self.assertTrue(transport.disconnecting, command)
            proto.connectionLost(None)
        self.assertEqual(
            dict(self.service.stats.disconnects),
            {("talk", "killed"): 1, ("talk", "kicked"): 1, ("talk", "banned"): 1},
        )

    def test_ownWordsStillCount(self) -> None:
        """
        A reason the chat gives without an administrator is still read for
        its telling word.
        """
        self.assertEqual(reasonLabel("flooding", errors.ChatError("flooding")), "flood")
        self.assertEqual(reasonLabel("kicked by alice", errors.Killed("kicked by alice")), "killed")
