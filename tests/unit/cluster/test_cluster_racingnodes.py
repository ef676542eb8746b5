"""
Tests for a message said on node B as another node takes its author out
of the room (L{chatd.cluster.removals}), seen from a node that applied the
removal before it read the message: a third node that read node A's kick
first shows the message to its members after the kick, and a node that
deleted the room drops it quietly; neither asks B for a whole state.  A
message from a sender never known in the room still does.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from twisted.logger import LogEvent, LogLevel, capturedLogs, formatEvent

from chatd.admin.commands import AdminConsole
from tests.support.fakenode import GUEST_HOST, ThreeNodes, inbox

RACING = f":qv!qvx@{GUEST_HOST} PRIVMSG #qk :racing\r\n"
KICK = " KICK #qk qv :out\r\n"


def warnings(events: Sequence[LogEvent]) -> list[str]:
    return [formatEvent(e) for e in events if e.get("log_level") == LogLevel.warn]


class RacingNodesCase(ThreeNodes):
    def sentTo(self, node: str, before: int) -> list[str]:
        """
        The kinds of the envelopes the nodes published to C{node} after the
        first C{before} envelopes.
        """
        return [json.loads(m)["k"] for s, m in self.redis.published[before:] if s == inbox(node)]


class ThirdNodeKickTests(RacingNodesCase):
    """
    C{qo} (the room's operator, who made it) on node A, C{qw} and C{qv} on
    node B, C{qc} and C{qd} on node C, all in C{#qk}.
    """

    def setUp(self) -> None:
        super().setUp()
        self.qo = self.ircClient(self.a, "qo")
        self.qw = self.ircClient(self.b, "qw")
        self.qv = self.ircClient(self.b, "qv")
        self.qc = self.ircClient(self.c, "qc")
        self.qd = self.ircClient(self.c, "qd")
        self.clients = (self.qo, self.qw, self.qv, self.qc, self.qd)
        for client in self.clients:
            client.send("JOIN #qk")
        self.settle()
        for client in self.clients:
            client.read()

    def race(self) -> None:
        """
        C{qo} kicks C{qv} on A; C reads the kick at once, while B, which
        has not read it yet, handles C{qv}'s message: for B the message
        comes first, for C it comes after the kick.
        """
        self.b.hold()
        self.qo.send("KICK #qk qv :out")
        self.qv.send("PRIVMSG #qk :racing")

    def test_saidBeforeTheKickThere(self) -> None:
        """
        C{qc} and C{qd}, on C, see what C{qv} said before B applied the
        kick, after the KICK line; C asks B for no whole state, publishes
        the message nowhere again, and warns of nothing.
        """
        before = len(self.redis.published)
        with capturedLogs() as events:
            self.race()
            seen = [client.read() for client in (self.qc, self.qd)]
            self.b.release()
            self.settle()
        for lines in seen:
            self.assertIn(KICK, lines)
            self.assertIn(RACING, lines)
            self.assertLess(lines.index(KICK), lines.index(RACING))
        self.assertNotIn("hello", self.sentTo("b", before))
        self.assertEqual(warnings(events), [])
        fromC = [json.loads(m) for s, m in self.redis.published[before:] if s != inbox("c")]
        self.assertNotIn(["says", "c"], [[e["k"], e["n"]] for e in fromC])
        onB = self.qw.read()
        self.assertLess(onB.index(RACING), onB.index(KICK))
        member = self.c.service.find("qc")
        assert member is not None
        self.assertEqual(self.c.service.members(member, "qk"), ["qo", "qw", "qc", "qd"])

    def test_forgottenOnceApplied(self) -> None:
        """
        C remembers the kick until B answers the round C began when it
        applied the kick; A's own user is never remembered.
        """
        self.race()
        removals = self.c.bridge.removals
        self.assertTrue(removals.pending("b", "qv", "qk"))
        self.b.release()
        self.settle()
        self.assertFalse(removals.pending("b", "qv", "qk"))

    def test_kickerOwnUserNotRemembered(self) -> None:
        """
        A kick of a user of the kicker's own node (B) is not remembered on
        C: that node applied it before it published it.
        """
        self.qo.send("MODE #qk +o qw")
        self.settle()
        self.b.hold()  # no answer from B ends what C would remember
        self.qw.send("KICK #qk qv :out")
        self.assertIn(KICK, self.qc.read())
        self.assertFalse(self.c.bridge.removals.pending("b", "qv", "qk"))

    def test_strangerStillResynchronises(self) -> None:
        """
        A message from a user of B whom C does not see in the room, for no
        kick, is warned of, and C asks B for its state.
        """
        proxy = self.c.service.find("qv")
        assert proxy is not None
        self.c.service.replica.leaveRemote(proxy, "qk")  # C lost qv's entry
        self.qc.read()
        before = len(self.redis.published)
        with capturedLogs() as events:
            self.qv.send("PRIVMSG #qk :unseen")
            seen = self.qc.read()
        self.assertLess(seen.index(f":qv!qvx@{GUEST_HOST} JOIN #qk"), seen.index(":unseen"))
        self.assertIn("hello", self.sentTo("b", before))
        self.assertEqual(len(warnings(events)), 1)
        self.assertIn("qv of node b spoke in qk without being in it here", *warnings(events))

    def test_kickedStrangerStillResynchronises(self) -> None:
        """
        A kick that finds the kicked user not in the room on C (the states
        differ already) is not remembered there: a message the user says
        then still has C ask B for its state.
        """
        proxy = self.c.service.find("qv")
        assert proxy is not None
        self.c.service.replica.leaveRemote(proxy, "qk")  # C lost qv's entry
        before = len(self.redis.published)
        with capturedLogs() as events:
            self.race()
        self.assertFalse(self.c.bridge.removals.pending("b", "qv", "qk"))
        self.assertNotIn(RACING, self.qc.read())
        self.assertIn("hello", self.sentTo("b", before))
        self.assertIn("qv of node b spoke in qk without being in it here", *warnings(events))


class DeletionRaceTests(RacingNodesCase):
    """
    C{bob} on node B says something in C{lobby} as node A's console
    deletes it; B has read nothing of the deletion yet.
    """

    def test_droppedQuietly(self) -> None:
        """
        A and C, which deleted the room before they read C{bob}'s message,
        drop it: no warning, no whole state asked of B; every node forgets
        the deletion once B has applied it.
        """
        self.a.user("op", "lobby")
        bob = self.b.user("bob", "lobby")
        self.c.user("carol", "lobby")
        self.settle()
        before = len(self.redis.published)
        with capturedLogs() as events:
            self.b.hold()
            reply = AdminConsole(self.a.service, "root").execute("delete room lobby spam")
            self.settle()
            self.b.service.say(bob, "lobby", ("racing",))
            self.settle()
            gone = [node.bridge.removals.gone("lobby") for node in (self.a, self.c)]
            self.b.release()
            self.settle()
        self.assertEqual(gone, [True, True])
        # (then the note that the rooms option makes lobby again at the next start)
        self.assertEqual(
            self.successResultOf(reply).splitlines()[0], "deleted lobby: 3 member(s) removed"
        )
        self.assertEqual(warnings(events), [])
        self.assertNotIn("hello", self.sentTo("b", before))
        for node in (self.a, self.b, self.c):
            self.assertIsNone(node.service.registry.find("lobby"))
            self.assertFalse(node.bridge.removals.gone("lobby"))
        for name in "ac":  # B took it for said in the room, before the deletion
            self.assertIn("says", self.sentTo(name, before))
