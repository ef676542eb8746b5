"""
IRCv3 C{labeled-response} (L{chatd.irc.labels}), over the IRC wire in
memory: C{ACK}, one labelled line, a C{labeled-response} batch, the label
on an echo and never on a delivery.
"""

from __future__ import annotations

from chatd.irc.labels import Held, isOneBatch, withTags
from tests.support.irchelpers import IRCTestCase

CAPS = "labeled-response batch echo-message message-tags"


class LabelTests(IRCTestCase):
    def test_ackWithoutReply(self) -> None:
        """
        A labelled command with no reply is answered C{ACK} with the label.
        """
        alice, ta = self.connect("alice", CAPS)
        [ack] = self.messages(self.send(alice, ta, "@label=a1 PONG :x"))
        self.assertEqual((ack.command, ack.tags, ack.prefix), ("ACK", {"label": "a1"}, "chatd"))

    def test_oneLine(self) -> None:
        """
        A one-line reply carries the label.
        """
        alice, ta = self.connect("alice", CAPS)
        [pong] = self.messages(self.send(alice, ta, "@label=p;+other=1 PING :hello"))
        self.assertEqual((pong.command, pong.tags), ("PONG", {"label": "p"}))

    def test_quit(self) -> None:
        """
        A labelled C{QUIT} is answered with its C{ERROR}, labelled, before
        the connection closes.
        """
        alice, ta = self.connect("alice", CAPS)
        [error] = self.messages(self.send(alice, ta, "@label=q QUIT :bye"))
        self.assertEqual((error.command, error.tags), ("ERROR", {"label": "q"}))
        self.assertTrue(ta.disconnecting)

    def test_severalLines(self) -> None:
        """
        A reply of several lines comes in a C{labeled-response} batch with
        the label on its start; each line is in the batch.
        """
        alice, ta = self.connect("alice", CAPS)
        replies = self.messages(self.send(alice, ta, "@label=j JOIN #lobby"))
        start, *inner, end = replies
        self.assertEqual(start.command, "BATCH")
        self.assertEqual(start.tags, {"label": "j"})
        reference = start.params[0][1:]
        self.assertEqual(start.params, ["+" + reference, "labeled-response"])
        self.assertEqual(end.params, ["-" + reference])
        self.assertEqual([m.command for m in inner], ["JOIN", "353", "366"])
        self.assertTrue(all(m.tags.get("batch") == reference for m in inner))

    def test_echoLabelledDeliveryNot(self) -> None:
        """
        A message to oneself: the echo is the labelled reply, the delivery
        is not; others' messages arriving meanwhile are never labelled.
        """
        alice, ta = self.connect("alice", CAPS)
        bob, tb = self.connect("bob")
        self.send(alice, ta, "JOIN #lobby")
        self.send(bob, tb, "JOIN #lobby")
        self.read(ta)
        replies = self.messages(self.send(alice, ta, "@label=xyz PRIVMSG alice :note"))
        self.assertEqual([m.command for m in replies], ["PRIVMSG", "PRIVMSG"])
        labelled = [m for m in replies if m.tags.get("label") == "xyz"]
        self.assertEqual(len(labelled), 1)
        self.assertEqual(replies[0].tags.get("msgid"), replies[1].tags.get("msgid"))
        replies = self.messages(self.send(alice, ta, "@label=c PRIVMSG #lobby :hi"))
        [echo] = replies
        self.assertEqual(echo.tags["label"], "c")
        self.assertEqual(echo.params, ["#lobby", "hi"])
        self.send(bob, tb, "PRIVMSG #lobby :from bob")
        [heard] = self.messages(self.read(ta))
        self.assertNotIn("label", heard.tags)

    def test_ownNickLabelled(self) -> None:
        """
        A labelled C{NICK} is answered by the C{NICK} line with the label
        (from the old nickname); another member sees its own, unlabelled.
        """
        alice, t = self.connect("alice", caps="batch labeled-response")
        bob, tb = self.connect("bob", caps="batch labeled-response")
        self.send(alice, t, "JOIN #lobby")
        self.send(bob, tb, "JOIN #lobby")
        self.read(t)
        self.assertEqual(
            self.send(alice, t, "@label=abc NICK alice2"),
            f"@label=abc :alice!alice@{self.guestHost} NICK :alice2\r\n",
        )
        self.assertEqual(
            self.send(bob, tb, "@label=x PING a").split("\r\n")[0],
            f":alice!alice@{self.guestHost} NICK :alice2",
        )

    def test_ownChannelChangeLabelled(self) -> None:
        """
        A channel C{MODE}, C{TOPIC} or C{KICK}, told to every member, is
        the setter's labelled reply (no C{ACK} besides); the other members
        see theirs unlabelled, and the setter sees others' changes so.
        """
        alice, ta = self.connect("alice", CAPS)
        bob, tb = self.connect("bob", CAPS)
        self.send(alice, ta, "JOIN #g3")
        self.send(bob, tb, "JOIN #g3")
        self.read(ta)
        commands = [
            ("mo", "MODE #g3 +l 10", ["MODE", "#g3", "+l", "10"]),
            ("b", "MODE #g3 +b x!*@*", ["MODE", "#g3", "+b", "x!*@*"]),
            ("t", "TOPIC #g3 :new topic here", ["TOPIC", "#g3", "new topic here"]),
            ("k", "KICK #g3 bob :go away now", ["KICK", "#g3", "bob", "go away now"]),
        ]
        for label, line, shown in commands:
            [reply] = self.messages(self.send(alice, ta, f"@label={label} {line}"))
            self.assertEqual([reply.command, *reply.params], shown)
            self.assertEqual(reply.tags.get("label"), label)
            [seen] = self.messages(self.read(tb))
            self.assertEqual([seen.command, *seen.params], shown)
            self.assertNotIn("label", seen.tags)
        # Another's change, told while a labelled command of alice's waits
        # for its answer, is no part of that answer.
        self.send(bob, tb, "JOIN #g3")
        self.send(alice, ta, "MODE #g3 +o bob")
        alice.labelled = Held("w")
        self.send(bob, tb, "TOPIC #g3 :bob's topic")
        [topic] = self.messages(self.read(ta))
        self.assertEqual((topic.command, topic.tags), ("TOPIC", {}))
        self.assertEqual(alice.labelled, [])

    def test_withoutCapability(self) -> None:
        """
        Without labeled-response a label is ignored: no ACK, no label.
        """
        alice, ta = self.connect("alice", "batch")
        [pong] = self.messages(self.send(alice, ta, "@label=p PING :x"))
        self.assertEqual(pong.tags, {})
        self.assertEqual(self.send(alice, ta, "@label=a PONG :x"), "")

    def test_errorLabelled(self) -> None:
        """
        An error reply is the labelled response too.
        """
        alice, ta = self.connect("alice", CAPS)
        [reply] = self.messages(self.send(alice, ta, "@label=e PRIVMSG nobody :hi"))
        self.assertEqual((reply.command, reply.tags), ("401", {"label": "e"}))

    def test_helpers(self) -> None:
        """
        Tags go first, before the line's own; a response is one batch only
        if it opens and closes the same one with its lines in it.
        """
        self.assertEqual(withTags(b"PING x", "label=a"), b"@label=a PING x")
        self.assertEqual(withTags(b"@time=t PING x", "label=a"), b"@label=a;time=t PING x")
        lines = [b":s BATCH +1 chathistory #a", b"@batch=1 :n PRIVMSG #a :x", b":s BATCH -1"]
        self.assertTrue(isOneBatch(lines))
        self.assertFalse(isOneBatch([*lines[:2], b":s NOTICE x :y", lines[2]]))
        self.assertFalse(isOneBatch([b":s PING x", b":s BATCH -1"]))
