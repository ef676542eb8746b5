"""
Tests that a message keeps its kind between nodes: a C{NOTICE} stays a
C{NOTICE}, client tags and C{TAGMSG} (typing, reactions) reach the other
node, and a message to a room's operators (C{PRIVMSG @#room}) reaches only
the operators there too.
"""

from __future__ import annotations

from twisted.internet.task import Clock
from twisted.trial.unittest import SynchronousTestCase

from tests.support.fakenode import FakeNode, IRCClient
from tests.support.fakeredis import FakeRedis


class MessageKindTests(SynchronousTestCase):
    def setUp(self) -> None:
        self.clock = Clock()
        self.clock.advance(1_700_000_000)
        redis = FakeRedis(self.clock)
        self.a = FakeNode(self, redis, "a")
        self.b = FakeNode(self, redis, "b")
        for node in (self.a, self.b):
            node.start()
        self.settle()
        # op creates #ops on node A (its operator); pal is a member there;
        # far and near are members on node B.
        self.op = IRCClient(self.a, self.clock, "op", "Op", "message-tags")
        self.pal = IRCClient(self.a, self.clock, "pal", "Pal", "message-tags")
        self.far = IRCClient(self.b, self.clock, "far", "Far", "message-tags")
        self.near = IRCClient(self.b, self.clock, "near", "Near", "message-tags")
        self.clients = (self.op, self.pal, self.far, self.near)
        for client in self.clients:
            client.send("JOIN #ops")
        self.settle()
        for client in self.clients:
            client.read()

    def tearDown(self) -> None:
        for client in self.clients:
            client.proto.connectionLost(None)

    def settle(self) -> None:
        for _ in range(10):
            self.clock.advance(0)

    def test_channelNoticeStaysNotice(self) -> None:
        """
        A channel C{NOTICE} from node B is a C{NOTICE} on node A, which
        clients and bots must never answer automatically.
        """
        self.far.send("NOTICE #ops :heads up")
        for client in (self.op, self.pal):
            seen = client.read()
            self.assertIn(" NOTICE #ops :heads up\r\n", seen)
            self.assertNotIn("PRIVMSG", seen)

    def test_privateNoticeStaysNotice(self) -> None:
        """
        A private C{NOTICE} to a user on the other node is a C{NOTICE}.
        """
        self.far.send("NOTICE op :psst")
        seen = self.op.read()
        self.assertIn(":far!farx@irc.chatd NOTICE op :psst\r\n", seen)
        self.assertNotIn("PRIVMSG", seen)

    def test_tagsCrossNodes(self) -> None:
        """
        Client tags on a message, and a C{TAGMSG} carrying only tags (a
        typing notice), reach a C{message-tags} client on the other node,
        in a channel and in private.
        """
        self.far.send("@+draft/reply=abc PRIVMSG #ops :re", "@+typing=active TAGMSG #ops")
        seen = self.op.read()
        self.assertRegex(seen, r"@[^ ]*\+draft/reply=abc[^ ]* :far!farx@irc.chatd PRIVMSG #ops :re")
        self.assertRegex(seen, r"@[^ ]*\+typing=active[^ ]* :far!farx@irc.chatd TAGMSG #ops")
        self.far.send("@+typing=paused TAGMSG op")
        self.assertRegex(self.op.read(), r"\+typing=paused[^ ]* :far!farx@irc.chatd TAGMSG op")

    def test_operatorsOnlyMessageStaysWithOperators(self) -> None:
        """
        C{PRIVMSG @#ops} from node B reaches the room's operator on node A,
        addressed to C{@#ops}; no other member sees it, on either node.
        """
        self.far.send("PRIVMSG @#ops :for ops only")
        self.assertIn(":far!farx@irc.chatd PRIVMSG @#ops :for ops only\r\n", self.op.read())
        self.assertNotIn("for ops only", self.pal.read())
        self.assertNotIn("for ops only", self.near.read())

    def test_operatorsOnlyFromOperatorsNode(self) -> None:
        """
        The same from node A, where the operator is: members on node B,
        none of them an operator, see nothing.
        """
        self.pal.send("PRIVMSG @#ops :quiet word")
        self.assertIn("PRIVMSG @#ops :quiet word", self.op.read())
        self.assertNotIn("quiet word", self.far.read() + self.near.read())

    def test_plainMessageUnchanged(self) -> None:
        """
        A plain channel message still travels in its short form and reads
        the same on the other node.
        """
        self.far.send("PRIVMSG #ops :hello")
        self.assertIn(":far!farx@irc.chatd PRIVMSG #ops :hello\r\n", self.op.read())


class WallopsTests(SynchronousTestCase):
    def test_wallopsReachReadersOnEveryNode(self) -> None:
        """
        A chatd operator's C{WALLOPS} on node A reaches the C{+w} readers on
        node B, once, and nobody there who did not ask for them.
        """
        clock = Clock()
        clock.advance(1_700_000_000)
        redis = FakeRedis(clock)
        a, b = FakeNode(self, redis, "a"), FakeNode(self, redis, "b")
        for node in (a, b):
            node.start()
        op = a.user("op")  # the configured operator, logged in with its password
        reader = IRCClient(b, clock, "reader", "Reader")
        other = IRCClient(b, clock, "other", "Other")
        reader.send("MODE reader +w")
        reader.read()
        a.service.wallops(op, "hear ye")
        a.turns()
        seen = reader.read()
        self.assertEqual(seen.count(" WALLOPS "), 1)
        self.assertIn(":op!op@test.chatd WALLOPS :hear ye\r\n", seen)
        self.assertNotIn("WALLOPS", other.read())
        for client in (reader, other):
            client.proto.connectionLost(None)
