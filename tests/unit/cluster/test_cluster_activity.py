"""
Tests for L{chatd.cluster.queries} and what it serves: C{WHOIS} of a user
on another node shows their idle time and sign-on, asked of their node
(the console's C{whois} their sign-on), and a node that cannot answer
holds the asker up for a bounded time only.
"""

from __future__ import annotations

import json

from chatd.admin.commands import AdminConsole
from chatd.admin.timespec import formatTime
from chatd.cluster.profiles import seenIn
from chatd.cluster.queries import WAIT
from chatd.core.activity import Seen
from tests.support.fakenode import TwoNodes


def idleReplies(text: str) -> list[list[str]]:
    """
    The C{317} replies' idle seconds and sign-on in C{text}.
    """
    return [line.split(" ")[4:6] for line in text.split("\r\n") if " 317 " in line]


class RemoteIdleTests(TwoNodes):
    def setUp(self) -> None:
        super().setUp()
        self.start = int(self.clock.seconds())
        self.alice = self.ircClient(self.a, "alice")
        self.bob = self.ircClient(self.b, "bob")
        self.carol = self.a.user("carol", "lobby")  # not on IRC
        for client in (self.alice, self.bob):
            client.send("JOIN #lobby")
        self.settle()
        self.alice.read()
        self.bob.read()

    def whois(self, nick: str) -> str:
        self.bob.send(f"WHOIS {nick}")
        return self.bob.read()

    def test_idleOfAnotherNodesUser(self) -> None:
        """
        C{WHOIS} of a user of another node ends with their idle time and
        sign-on as their node knows them: since they last spoke, in a room
        or in private.
        """
        self.clock.advance(40)
        seen = self.whois("alice")
        self.assertEqual(idleReplies(seen), [["40", str(self.start)]])
        self.assertTrue(seen.endswith(" 318 bob alice :End of /WHOIS list.\r\n"), seen)
        self.alice.send("PRIVMSG #lobby :hello")
        self.clock.advance(7)
        self.assertEqual(idleReplies(self.whois("alice")), [["7", str(self.start)]])
        self.alice.send("PRIVMSG bob :psst")
        self.clock.advance(3)
        self.assertEqual(idleReplies(self.whois("alice")), [["3", str(self.start)]])

    def test_idleOfAnotherNodesUserOfAnyProtocol(self) -> None:
        """
        A user of another node who chats over another protocol has an idle
        time too.
        """
        self.clock.advance(12)
        self.a.service.say(self.carol, "lobby", ("hi",))
        self.clock.advance(5)
        self.assertEqual(idleReplies(self.whois("carol")), [["5", str(self.start)]])

    def test_silentNodeHoldsUpForAWhileOnly(self) -> None:
        """
        A node that does not answer (stalled, dead) delays the end of the
        C{WHOIS} by L{WAIT} at most, without the idle time; the client's
        next command waits for it, then is answered.
        """
        self.a.hold()
        self.bob.send("WHOIS alice", "PING :after")
        seen = self.bob.read()
        self.assertIn(" 311 bob alice ", seen)
        self.assertNotIn(" 318 ", seen)
        self.clock.advance(WAIT)
        seen = self.bob.read()
        self.assertEqual(idleReplies(seen), [])
        self.assertIn(" 318 bob alice ", seen)
        self.assertIn("PONG chatd :after", seen)
        self.a.release()  # its late answer is ignored
        self.settle()
        self.assertEqual(self.bob.read(), "")

    def test_lostNodeAnswersAtOnce(self) -> None:
        """
        A node declared dead while it is asked leaves the asker without
        the idle time at once.
        """
        self.a.hold()
        self.bob.send("WHOIS alice")
        self.bob.read()
        self.b.bridge.nodeLost("a")  # its key expired
        seen = self.bob.read()
        self.assertIn(" 318 bob alice ", seen)
        self.assertEqual(idleReplies(seen), [])

    def test_withoutRedisNoQuestion(self) -> None:
        """
        While Redis is away, C{WHOIS} of another node's user is answered at
        once, without their idle time.
        """
        self.down()
        seen = self.whois("alice")
        self.assertIn(" 318 bob alice ", seen)
        self.assertEqual(idleReplies(seen), [])

    def test_answerFromAnotherNodeIgnored(self) -> None:
        """
        An answer is taken only from the node asked.
        """
        self.a.hold()
        asked = self.b.bridge.queries.ask("a", "seen", u="alice")
        for node, number in (("c", 1), ("a", self.b.bus.lastSeq["a"] + 1)):
            answer = {"n": node, "q": number, "k": "answer", "i": 1, "a": {"s": [1, 2]}}
            self.b.bus.received(self.b.inbox, json.dumps(answer))
            if node == "c":
                self.assertNoResult(asked)
        self.assertEqual(self.successResultOf(asked), {"s": [1, 2]})

    def test_unknownQuestionAnsweredNone(self) -> None:
        """
        A question this node does not know is answered C{None}, not left
        to time out.
        """
        asked = self.b.bridge.queries.ask("a", "shoe size", u="alice")
        self.settle()
        self.assertIsNone(self.successResultOf(asked))


class ConsoleWhoisTests(TwoNodes):
    def test_sinceOfAnotherNodesUser(self) -> None:
        """
        The console's C{whois} of a user of another node says since when
        they are connected, as their node knows it.
        """
        start = self.clock.seconds()
        self.a.user("carol", "lobby")
        self.settle()
        self.clock.advance(30)
        reply = AdminConsole(self.b.service, "root").execute("whois carol")
        self.settle()
        first = self.successResultOf(reply).splitlines()[0]
        self.assertTrue(first.startswith("carol: connected from "), first)
        self.assertTrue(first.endswith(f" since {formatTime(start)} UTC"), first)


class SeenInTests(TwoNodes):
    def test_malformedAnswers(self) -> None:
        """
        An answer that does not hold a sign-on and an idle time gives
        nothing; a negative idle time (clocks apart) shows as 0.
        """
        self.assertEqual(seenIn({"s": [1700000000, 5]}), Seen(1700000000, 5))
        self.assertEqual(seenIn({"s": [1700000000, -3]}), Seen(1700000000, 0))
        for answer in (None, {}, {"s": None}, {"s": [1]}, {"s": ["x", 1]}, {"s": 5}):
            self.assertIsNone(seenIn(answer))

    def test_connectionsInAnswer(self) -> None:
        """
        An answer's connections (front-end and sign-on of each) are taken;
        malformed, they are left out, the rest of the answer kept.
        """
        opened = [["tchat", 1700000000], ["web", 1700000005]]
        self.assertEqual(
            seenIn({"s": [1700000000, 5], "c": opened}),
            Seen(1700000000, 5, (("tchat", 1700000000), ("web", 1700000005))),
        )
        for malformed in (5, [["tchat"]], [["web", "x"]], None):
            self.assertEqual(seenIn({"s": [1, 2], "c": malformed}), Seen(1, 2))
