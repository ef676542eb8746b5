"""
Tests that a message keeps its kind between nodes: a C{NOTICE} stays a
C{NOTICE}, client tags and C{TAGMSG} (typing, reactions) reach the other
node, and a message to a room's operators (C{PRIVMSG @#room}) reaches only
the operators there too.
"""

from __future__ import annotations

import re

from tests.support.fakenode import GUEST_HOST, IRCClient, TwoNodes


class MessageKindTests(TwoNodes):
    def setUp(self) -> None:
        super().setUp()
        # op creates #ops on node A (its operator); pal is a member there;
        # far and near are members on node B.
        self.op = self.ircClient(self.a, "op", "message-tags")
        self.pal = self.ircClient(self.a, "pal", "message-tags")
        self.far = self.ircClient(self.b, "far", "message-tags")
        self.near = self.ircClient(self.b, "near", "message-tags")
        for client in (self.op, self.pal, self.far, self.near):
            client.send("JOIN #ops")
        self.settle()
        for client in (self.op, self.pal, self.far, self.near):
            client.read()

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
        self.assertIn(f":far!farx@{GUEST_HOST} NOTICE op :psst\r\n", seen)
        self.assertNotIn("PRIVMSG", seen)

    def test_tagsCrossNodes(self) -> None:
        """
        Client tags on a message, and a C{TAGMSG} carrying only tags (a
        typing notice), reach a C{message-tags} client on the other node,
        in a channel and in private.
        """
        FAR = re.escape(f"far!farx@{GUEST_HOST}")
        self.far.send("@+draft/reply=abc PRIVMSG #ops :re", "@+typing=active TAGMSG #ops")
        seen = self.op.read()
        self.assertRegex(seen, rf"@[^ ]*\+draft/reply=abc[^ ]* :{FAR} PRIVMSG #ops :re")
        self.assertRegex(seen, rf"@[^ ]*\+typing=active[^ ]* :{FAR} TAGMSG #ops")
        self.far.send("@+typing=paused TAGMSG op")
        self.assertRegex(self.op.read(), rf"\+typing=paused[^ ]* :{FAR} TAGMSG op")

    def test_operatorsOnlyMessageStaysWithOperators(self) -> None:
        """
        C{PRIVMSG @#ops} from node B reaches the room's operator on node A,
        addressed to C{@#ops}; no other member sees it, on either node.
        """
        self.far.send("PRIVMSG @#ops :for ops only")
        self.assertIn(f":far!farx@{GUEST_HOST} PRIVMSG @#ops :for ops only\r\n", self.op.read())
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
        self.assertIn(f":far!farx@{GUEST_HOST} PRIVMSG #ops :hello\r\n", self.op.read())


class WallopsTests(TwoNodes):
    def test_wallopsReachReadersOnEveryNode(self) -> None:
        """
        A chatd operator's C{WALLOPS} on node A reaches the C{+w} readers on
        node B, once, and nobody there who did not ask for them.
        """
        op = self.a.user("op")  # the configured operator, logged in with its password
        reader = self.ircClient(self.b, "reader")
        other = self.ircClient(self.b, "other")
        reader.send("MODE reader +w")
        reader.read()
        self.a.service.wallops(op, "hear ye")
        self.a.turns()
        seen = reader.read()
        self.assertEqual(seen.count(" WALLOPS "), 1)
        self.assertIn(":op!op@user/op WALLOPS :hear ye\r\n", seen)
        self.assertNotIn("WALLOPS", other.read())


class IRCAcrossNodesTests(TwoNodes):
    """
    What irctest found run over two nodes behind a round-robin balancer:
    a C{PART} reason, a message from outside a C{-n} channel, C{OPER}, a
    C{draft/multiline} composition and the LUSERS peak, each the same on
    the other node.
    """

    def setUp(self) -> None:
        super().setUp()
        caps = ("draft/multiline", "batch", "message-tags")
        self.ann = self.ircClient(self.a, "ann", *caps)
        self.ben = self.ircClient(self.b, "ben", *caps)

    def test_partReason(self) -> None:
        self.ann.send("JOIN #t")
        self.ben.send("JOIN #t")
        self.ann.read()
        self.ben.send("PART #t :bye everyone")
        self.assertIn(f":ben!benx@{GUEST_HOST} PART #t :bye everyone\r\n", self.ann.read())

    def test_externalMessage(self) -> None:
        """
        In a C{-n} channel anyone may speak from outside it: the members on
        the other node see it too.
        """
        self.ann.send("JOIN #t", "MODE #t -n")
        self.ann.read()
        self.ben.send("PRIVMSG #t :from outside")
        self.assertIn(f":ben!benx@{GUEST_HOST} PRIVMSG #t :from outside\r\n", self.ann.read())

    def test_externalMessageRefusedWithN(self) -> None:
        self.ann.send("JOIN #t")
        self.ann.read()
        self.ben.send("PRIVMSG #t :from outside")
        self.assertIn(" 404 ", self.ben.read())
        self.assertNotIn("from outside", self.ann.read())

    def test_operShowsEverywhere(self) -> None:
        """
        A session operator (IRC C{OPER}) on node A is shown as one on node
        B: C{*} in C{WHO}, C{313} in C{WHOIS}.
        """
        self.ann.proto.factory.operChecker = self.operChecker()
        self.ann.send("JOIN #t", "OPER operuser operpassword")
        self.assertIn(" 381 ann ", self.ann.read())
        self.ben.send("JOIN #t")
        self.ben.read()
        self.ben.send("WHO #t", "WHOIS ann")
        seen = self.ben.read()
        self.assertIn(f" 352 ben #t annx {GUEST_HOST} chatd ann H*", seen)
        self.assertIn(" 313 ben ann ", seen)

    def test_multilineComposition(self) -> None:
        """
        A C{draft/multiline} message reaches a client with the capability
        on the other node as its sender composed it: a blank line, and a
        line in two pieces joined by C{draft/multiline-concat}.
        """
        self.ann.send("JOIN #t")
        self.ben.send("JOIN #t")
        self.ben.read()
        self.ann.send(
            "BATCH +1 draft/multiline #t",
            "@batch=1 PRIVMSG #t :",
            "@batch=1 PRIVMSG #t :#how is ",
            "@batch=1;draft/multiline-concat PRIVMSG #t :everyone?",
            "BATCH -1",
        )
        lines = [line for line in self.ben.read().split("\r\n") if " PRIVMSG #t " in line]
        self.assertEqual(len(lines), 3)
        self.assertTrue(lines[0].endswith("PRIVMSG #t :"))
        self.assertTrue(lines[1].endswith("PRIVMSG #t :#how is "))
        self.assertIn("draft/multiline-concat", lines[2].split(" ", 1)[0])
        self.assertTrue(lines[2].endswith("PRIVMSG #t :everyone?"))

    def test_privateMultiline(self) -> None:
        self.ann.send(
            "BATCH +2 draft/multiline ben",
            "@batch=2 PRIVMSG ben :one ",
            "@batch=2;draft/multiline-concat PRIVMSG ben :line",
            "BATCH -2",
        )
        lines = [line for line in self.ben.read().split("\r\n") if " PRIVMSG ben " in line]
        self.assertEqual(len(lines), 2)
        self.assertIn("draft/multiline-concat", lines[1].split(" ", 1)[0])

    def test_lusersPeakCountsEveryNode(self) -> None:
        """
        LUSERS's most users at once counts the users of every node, seen
        from either.
        """
        cat = IRCClient(self.b, self.clock, "cat", "Cat")
        cat.proto.connectionLost(None)
        self.a.turns()
        self.ann.send("LUSERS")
        self.assertIn(" 266 ann 2 3 ", self.ann.read())
