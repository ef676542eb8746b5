"""
IRCv3 chathistory over a stored history: every CHATHISTORY subcommand with
msgid= and timestamp= selectors, in batches with each message's original
time and id, and the FAIL replies for what cannot be answered.
"""

from __future__ import annotations

from chatd.core.allowance import HistoryAllowance
from chatd.irc.message import parse
from chatd.irc.servertime import serverTimeMillis
from chatd.lines.roomhold import HOLD
from tests.support.helpers import output
from tests.support.ircstorecase import IRCStoreTestCase


class ChatHistoryTests(IRCStoreTestCase):
    def test_latest(self) -> None:
        """
        CHATHISTORY LATEST #room * N gives the room's last N messages, oldest
        first, in a chathistory batch, each with its original time.
        """
        bob = self.login("bob")
        self.service.enter(bob, "Blabla")
        for text in ["one", "two", "three"]:
            self.service.say(bob, "Blabla", (text,))
            self.clock.advance(10)
        self.clock.advance(0)
        proto, t = self.client()
        caps = "CAP REQ :batch server-time draft/chathistory"
        self.send(proto, t, caps, "NICK carol", "USER c 0 * :C", "CAP END", "JOIN #Blabla")
        replies = self.send(proto, t, "CHATHISTORY LATEST #blabla * 2")
        self.assertEqual([m.command for m in replies], ["BATCH", "PRIVMSG", "PRIVMSG", "BATCH"])
        start, first, second, end = replies
        batch = start.params[0][1:]
        self.assertEqual(start.params, ["+" + batch, "chathistory", "#Blabla"])
        self.assertEqual(end.params, ["-" + batch])
        self.assertEqual([m.params[1] for m in (first, second)], ["two", "three"])
        self.assertEqual(first.tags, {"batch": batch, "time": "2023-11-14T22:13:30.000Z"})
        self.assertEqual(first.prefix, f"bob!bob@{self.service.hostOf(bob)}")  # as live

    def test_storedMask(self) -> None:
        """
        A stored message comes back from history (C{CHATHISTORY}, the
        replay on C{JOIN}) and from the inbox (a private message that
        waited) from the C{nick!user@host} its live line had, whether its
        sender is here or gone: one prefix at every reading.
        """
        self.registered("bob", "bobpass")
        bob, tb = self.client()
        self.send(bob, tb, "PASS bobpass", "NICK bob", "USER bobby 0 * :B", "JOIN #Blabla")
        watch, tw = self.client()
        self.send(watch, tw, "NICK watch", "USER w 0 * :W", "JOIN #Blabla")
        self.send(bob, tb, "PRIVMSG #Blabla :said live", "PRIVMSG alice :while you were out")
        [live] = [m for m in self.send(watch, tw) if m.command == "PRIVMSG"]
        self.assertEqual(live.prefix, "bob!bobby@user/bob")
        self.clock.advance(1)

        def prefixes() -> list[str | None]:
            replies = self.send(watch, tw, "CHATHISTORY LATEST #Blabla * 10")
            return [m.prefix for m in replies if m.command == "PRIVMSG"]

        self.assertEqual(prefixes(), [live.prefix])
        alice, ta = self.client()
        told = self.send(alice, ta, "PASS sesame", "NICK alice", "USER a 0 * :A")
        self.assertEqual([m.prefix for m in told if m.command == "PRIVMSG"], [live.prefix])
        bob.connectionLost(Exception("gone"))  # type: ignore[arg-type]
        self.clock.advance(5)
        self.assertEqual(prefixes(), [live.prefix])
        joiner, tj = self.client()
        caps = "CAP REQ :batch server-time"
        self.send(joiner, tj, caps, "NICK joiner", "USER j 0 * :J", "CAP END")
        replayed = self.send(joiner, tj, "JOIN #Blabla")
        self.assertEqual([m.prefix for m in replayed if m.command == "PRIVMSG"], [live.prefix])

    def test_noticeStaysNotice(self) -> None:
        """
        A NOTICE to a channel comes back from history as a NOTICE, as it
        was delivered live; a PRIVMSG as a PRIVMSG.
        """
        proto, t = self.client()
        self.send(proto, t, "NICK dave", "USER d 0 * :D", "JOIN #Blabla")
        self.send(proto, t, "NOTICE #Blabla :m6 notice", "PRIVMSG #Blabla :m7 message")
        self.clock.advance(0)
        proto, t = self.client()
        caps = "CAP REQ :batch server-time draft/chathistory"
        self.send(proto, t, caps, "NICK carol", "USER c 0 * :C", "CAP END", "JOIN #Blabla")
        replies = self.send(proto, t, "CHATHISTORY LATEST #Blabla * 20")
        self.assertEqual(
            [(m.command, m.params) for m in replies[1:-1]],
            [("NOTICE", ["#Blabla", "m6 notice"]), ("PRIVMSG", ["#Blabla", "m7 message"])],
        )

    def test_refusals(self) -> None:
        """
        Other subcommands, bad parameters and rooms one is not in get FAIL
        standard replies.
        """
        proto, t = self.client()
        self.send(proto, t, "NICK carol", "USER c 0 * :C")
        cases = [
            ("CHATHISTORY SOON #Blabla timestamp=2023-01-01T00:00:00.000Z 5", "UNKNOWN_COMMAND"),
            ("CHATHISTORY LATEST #Blabla * 0", "INVALID_PARAMS"),
            ("CHATHISTORY BEFORE #Blabla * 5", "INVALID_PARAMS"),
            ("CHATHISTORY AFTER #Blabla timestamp=yesterday 5", "INVALID_PARAMS"),
            ("CHATHISTORY BETWEEN #Blabla msgid=a 5", "NEED_MORE_PARAMS"),
            ("CHATHISTORY TARGETS msgid=a timestamp=2023-01-01T00:00:00Z 5", "INVALID_PARAMS"),
            ("CHATHISTORY LATEST bob * 5", "INVALID_TARGET"),  # carol is not registered
            ("CHATHISTORY LATEST #Blabla *", "NEED_MORE_PARAMS"),
            ("CHATHISTORY", "NEED_MORE_PARAMS"),
            ("CHATHISTORY LATEST #Blabla * 5", "INVALID_TARGET"),
            ("CHATHISTORY LATEST #nowhere * 5", "INVALID_TARGET"),
        ]
        for line, code in cases:
            [reply] = self.send(proto, t, line)
            self.assertEqual(
                (reply.command, reply.params[:2]), ("FAIL", ["CHATHISTORY", code]), line
            )

    def test_withoutBatch(self) -> None:
        """
        Without the batch capability the messages come as plain PRIVMSGs.
        """
        bob = self.login("bob")
        self.service.enter(bob, "Blabla")
        self.service.say(bob, "Blabla", ("hello",))
        self.clock.advance(0)
        proto, t = self.client()
        self.send(proto, t, "NICK carol", "USER c 0 * :C", "JOIN #Blabla")
        [reply] = self.send(proto, t, "CHATHISTORY LATEST #Blabla * 10")
        self.assertEqual(
            (reply.command, reply.params, reply.tags), ("PRIVMSG", ["#Blabla", "hello"], {})
        )


class JoinHistoryTests(IRCStoreTestCase):
    """
    The history a client with C{batch} and C{server-time} is shown on
    C{JOIN}.
    """

    CAPS = "CAP REQ :message-tags server-time batch labeled-response"

    def setUp(self) -> None:
        super().setUp()
        bob = self.login("bob")
        self.service.enter(bob, "Blabla")
        for text in ["one", "two"]:
            self.service.say(bob, "Blabla", (text,))
            self.clock.advance(1)
        self.proto, self.t = self.client()
        self.send(self.proto, self.t, self.CAPS, "NICK carol", "USER c 0 * :C", "CAP END")

    def test_labelledJoin(self) -> None:
        """
        A labelled C{JOIN}'s answer holds the channel's history: its
        C{chathistory} batch is nested in the C{labeled-response} batch,
        after the C{JOIN} and the names, as Ergo answers.
        """
        replies = self.send(self.proto, self.t, "@label=j JOIN #Blabla")
        shown = [(m.command, *m.params[:2]) for m in replies]
        outer, history = replies[0].params[0][1:], replies[4].params[0][1:]
        self.assertEqual(
            shown,
            [
                ("BATCH", "+" + outer, "labeled-response"),
                ("JOIN", "#Blabla"),
                ("353", "carol", "="),
                ("366", "carol", "#Blabla"),
                ("BATCH", "+" + history, "chathistory"),
                ("PRIVMSG", "#Blabla", "one"),
                ("PRIVMSG", "#Blabla", "two"),
                ("BATCH", "-" + history),
                ("BATCH", "-" + outer),
            ],
        )
        self.assertEqual(replies[0].tags, {"label": "j"})
        batches = [m.tags.get("batch") for m in replies]
        self.assertEqual(batches, [None, *[outer] * 4, history, history, outer, None])

    def test_labelledJoins(self) -> None:
        """
        C{JOIN} of two channels: each one's history follows its names, all
        in the one labelled batch, which ends after the last.
        """
        bob = self.service.find("bob")
        assert bob is not None
        self.service.createRoom(bob, "other")
        self.service.enter(bob, "other")
        self.service.say(bob, "other", ("three",))
        replies = self.send(self.proto, self.t, "@label=j JOIN #Blabla,#other")
        outer = replies[0].params[0][1:]
        self.assertEqual(
            [m.command for m in replies],
            ["BATCH", "JOIN", "353", "366", "BATCH", "PRIVMSG", "PRIVMSG", "BATCH"]
            + ["JOIN", "353", "366", "BATCH", "PRIVMSG", "BATCH", "BATCH"],
        )
        self.assertEqual(replies[0].tags, {"label": "j"})
        self.assertEqual(replies[-1].params, ["-" + outer])
        starts = [m for m in replies[1:] if m.command == "BATCH" and m.params[0][0] == "+"]
        self.assertEqual([m.tags for m in starts], [{"batch": outer}] * 2)
        self.assertEqual(replies[8].tags.get("batch"), outer)

    def test_historyNeverComes(self) -> None:
        """
        A history that fails to come holds the answer a few seconds at most.
        """

        async def lost(*args: object, **kwargs: object) -> None:
            """The history was not found (the room was left meanwhile)."""

        persistence = self.service.persistence
        assert persistence is not None
        self.patch(persistence.replays, "putIn", lost)
        self.proto.dataReceived(b"@label=j JOIN #Blabla\r\n")
        self.clock.advance(0)
        self.assertEqual(output(self.t, self.clock), b"")
        self.clock.advance(HOLD)
        lines = output(self.t, self.clock).decode().split("\r\n")
        replies = [parse(line) for line in lines if line]
        self.assertEqual([m.command for m in replies], ["BATCH", "JOIN", "353", "366", "BATCH"])


class ChatHistoryWindowTests(IRCStoreTestCase):
    """
    Every CHATHISTORY subcommand, with msgid= and timestamp= selectors.
    """

    CAPS = "CAP REQ :batch server-time message-tags draft/chathistory labeled-response"

    def setUp(self) -> None:
        super().setUp()
        bob = self.login("bob")
        self.service.enter(bob, "Blabla")
        self.said = []
        for i in range(10):
            self.said.append(self.service.say(bob, "Blabla", (f"m{i}",)))
            self.clock.advance(0.01)
        self.clock.advance(0)
        self.proto, self.t = self.client()
        self.send(self.proto, self.t, self.CAPS, "NICK carol", "USER c 0 * :C", "CAP END")
        self.send(self.proto, self.t, "JOIN #Blabla")

    def texts(self, line: str) -> list[str]:
        replies = self.send(self.proto, self.t, line)
        start, *inner, end = replies
        self.assertEqual((start.command, start.params[1:]), ("BATCH", ["chathistory", "#Blabla"]))
        self.assertEqual(end.params, ["-" + start.params[0][1:]])
        return [m.params[1] for m in inner]

    def msgid(self, i: int) -> str:
        return "msgid=" + self.said[i].msgid

    def time(self, i: int) -> str:
        return "timestamp=" + serverTimeMillis(self.said[i].millis)

    def test_times(self) -> None:
        """
        Messages of one second are told apart by their milliseconds, the
        same live and in history.
        """
        [message] = [
            m
            for m in self.send(self.proto, self.t, "CHATHISTORY LATEST #Blabla * 1")
            if m.command == "PRIVMSG"
        ]
        self.assertEqual(message.tags["time"], "2023-11-14T22:13:20.090Z")
        self.assertEqual(message.tags["msgid"], self.said[9].msgid)

    def test_latest(self) -> None:
        m = [f"m{i}" for i in range(10)]
        self.assertEqual(self.texts("CHATHISTORY LATEST #Blabla * 3"), m[7:])
        self.assertEqual(self.texts(f"CHATHISTORY LATEST #Blabla {self.msgid(4)} 20"), m[5:])
        self.assertEqual(self.texts(f"CHATHISTORY LATEST #Blabla {self.time(4)} 20"), m[5:])

    def test_beforeAfter(self) -> None:
        m = [f"m{i}" for i in range(10)]
        self.assertEqual(self.texts(f"CHATHISTORY BEFORE #Blabla {self.msgid(6)} 20"), m[:6])
        self.assertEqual(self.texts(f"CHATHISTORY BEFORE #Blabla {self.time(6)} 2"), m[4:6])
        self.assertEqual(self.texts(f"CHATHISTORY AFTER #Blabla {self.msgid(3)} 20"), m[4:])
        self.assertEqual(self.texts(f"CHATHISTORY AFTER #Blabla {self.time(3)} 3"), m[4:7])
        self.assertEqual(self.texts("CHATHISTORY AFTER #Blabla msgid=unknown 3"), [])

    def test_around(self) -> None:
        m = [f"m{i}" for i in range(10)]
        self.assertEqual(self.texts(f"CHATHISTORY AROUND #Blabla {self.msgid(7)} 1"), m[7:8])
        self.assertEqual(self.texts(f"CHATHISTORY AROUND #Blabla {self.msgid(7)} 3"), m[6:9])
        self.assertEqual(self.texts(f"CHATHISTORY AROUND #Blabla {self.time(2)} 4"), m[0:4])

    def test_between(self) -> None:
        """
        BETWEEN counts from its first selector, whichever way it points.
        """
        m = [f"m{i}" for i in range(10)]
        for first, last in [(self.msgid(0), self.msgid(9)), (self.time(0), self.time(9))]:
            forward = f"CHATHISTORY BETWEEN #Blabla {first} {last}"
            backward = f"CHATHISTORY BETWEEN #Blabla {last} {first}"
            self.assertEqual(self.texts(forward + " 20"), m[1:9])
            self.assertEqual(self.texts(backward + " 20"), m[1:9])
            self.assertEqual(self.texts(forward + " 3"), m[1:4])
            self.assertEqual(self.texts(backward + " 3"), m[6:9])

    def test_labelled(self) -> None:
        """
        A labelled request's answer is its chathistory batch, labelled.
        """
        replies = self.send(self.proto, self.t, "@label=h1 CHATHISTORY LATEST #Blabla * 2")
        self.assertEqual([m.command for m in replies], ["BATCH", "PRIVMSG", "PRIVMSG", "BATCH"])
        self.assertEqual(replies[0].tags, {"label": "h1"})
        self.assertEqual(replies[0].params[1:], ["chathistory", "#Blabla"])

    def test_privateAndTargets(self) -> None:
        """
        A registered user reads its private conversations (both ways, with
        the msgids they had live) and lists its conversations by their
        latest message; an unregistered one has no private history.
        """
        proto, t = self.client()
        self.send(proto, t, self.CAPS, "PASS sesame", "NICK alice", "USER a 0 * :A", "CAP END")
        self.send(proto, t, "JOIN #Blabla")
        bob = self.service.find("bob")
        assert bob is not None
        told = self.service.tell(bob, "alice", ("hi alice",))
        self.clock.advance(0.01)
        self.send(proto, t, "PRIVMSG bob :hi bob")
        self.clock.advance(0.01)
        self.service.say(bob, "Blabla", ("last",))
        self.assertEqual(self.send(proto, t)[0].params, ["#Blabla", "last"])
        replies = self.send(proto, t, "CHATHISTORY LATEST bob * 10")
        start, *inner, end = replies
        self.assertEqual(start.params[1:], ["chathistory", "bob"])
        self.assertEqual(
            [(m.prefix.split("!")[0], m.params) for m in inner if m.prefix],
            [("bob", ["alice", "hi alice"]), ("alice", ["bob", "hi bob"])],
        )
        self.assertEqual(inner[0].tags["msgid"], getattr(told, "msgid", None))
        everything = "timestamp=2020-01-01T00:00:00Z timestamp=2262-01-01T00:00:00Z"
        replies = self.send(proto, t, f"CHATHISTORY TARGETS {everything} 10")
        start, *inner, end = replies
        self.assertEqual(start.params[1:], ["draft/chathistory-targets"])
        self.assertEqual(
            [m.params for m in inner],
            [
                ["TARGETS", "bob", "2023-11-14T22:13:20.110Z"],
                ["TARGETS", "#Blabla", "2023-11-14T22:13:20.120Z"],
            ],
        )
        replies = self.send(proto, t, f"CHATHISTORY TARGETS {everything} 1")
        self.assertEqual([m.params[1] for m in replies[1:-1]], ["bob"])
        # carol is not registered: the Blabla she is in, no private history.
        self.send(self.proto, self.t)  # what carol was shown meanwhile
        replies = self.send(self.proto, self.t, f"CHATHISTORY TARGETS {everything} 10")
        self.assertEqual([m.params[1] for m in replies[1:-1]], ["#Blabla"])
        [refusal] = self.send(self.proto, self.t, "CHATHISTORY LATEST bob * 10")
        self.assertEqual(refusal.params[:4], ["CHATHISTORY", "INVALID_TARGET", "LATEST", "bob"])


class ChatHistoryAllowanceTests(IRCStoreTestCase):
    def test_pastTheAllowance(self) -> None:
        """
        A CHATHISTORY request past its person's allowance of history
        (L{chatd.core.allowance.HistoryAllowance}) waits for it, later
        lines behind it; one that would wait too long is C{FAIL CHATHISTORY
        TEMPORARILY_UNAVAILABLE}, saying when to try again.
        """
        self.service.allowances.history = HistoryAllowance(
            self.clock, burst=1000, rate=1000, patience=2
        )
        bob = self.login("bob")
        self.service.enter(bob, "Blabla")
        self.service.say(bob, "Blabla", ("x" * 3872,))  # 4000 bytes on the wire
        self.clock.advance(0)
        proto, t = self.client()
        self.send(proto, t, "NICK carol", "USER c 0 * :C", "JOIN #Blabla")
        answered = self.send(proto, t, "CHATHISTORY LATEST #Blabla * 5")
        self.assertEqual(set(self.codes(answered)), {"PRIVMSG"})  # a long line, in pieces
        [refused] = self.send(proto, t, "CHATHISTORY LATEST #Blabla * 5")
        self.assertEqual(refused.command, "FAIL")
        self.assertEqual(refused.params[:3], ["CHATHISTORY", "TEMPORARILY_UNAVAILABLE", "LATEST"])
        self.assertEqual(refused.params[-1], "you ask for history too fast: try again in 3s")
        self.clock.advance(1)
        self.assertEqual(self.send(proto, t, "CHATHISTORY LATEST #Blabla * 5", "PING :x"), [])
        self.clock.advance(1.9)
        self.assertEqual(self.send(proto, t), [])
        self.clock.advance(0.1)
        self.assertEqual(self.codes(self.send(proto, t)), [*self.codes(answered), "PONG"])

    def test_largeAnswerPaced(self) -> None:
        """
        A C{CHATHISTORY} answer larger than the allowance holds arrives in
        full, in order, in its batch, but at the allowance's pace: what it
        held at once, then a page as each page's worth is refilled.
        """
        self.service.allowances.history = HistoryAllowance(
            self.clock, burst=4000, rate=4000, patience=60
        )
        self.factory.maxOutput = 16000  # pages of 4000 bytes: 4 messages of 1000
        bob = self.login("bob")
        self.service.enter(bob, "Blabla")
        for n in range(20):  # two lines each (two PRIVMSG), 1000 bytes in all
            self.service.say(bob, "Blabla", (f"{n:03}" + "x" * 369, "y" * 372))
        self.clock.advance(0)
        proto, t = self.client()
        self.send(proto, t, "CAP REQ batch", "NICK carol", "USER c 0 * :C", "CAP END")
        self.send(proto, t, "JOIN #Blabla")
        answer = self.send(proto, t, "CHATHISTORY LATEST #Blabla * 20")
        self.assertEqual(self.codes(answer), ["BATCH", *["PRIVMSG"] * 16])
        for seconds, total in [(0.9, 8), (0.1, 12), (1, 16), (1, 20)]:
            self.clock.advance(seconds)
            answer += self.send(proto, t)
            self.assertEqual(self.codes(answer).count("PRIVMSG"), 2 * total)
            self.assertEqual(answer[-1].command == "BATCH", total == 20)
        said = [m.params[-1][:3] for m in answer if m.params[-1][:1].isdigit()]
        self.assertEqual(said, [f"{n:03}" for n in range(20)])

    def test_operatorNotCounted(self) -> None:
        """
        A chatd operator's C{CHATHISTORY} is not counted: moderating, they
        read what they need, and are never refused.
        """
        self.service.allowances.history = HistoryAllowance(
            self.clock, burst=1000, rate=1000, patience=2
        )
        bob = self.login("bob")
        self.service.enter(bob, "Blabla")
        self.service.say(bob, "Blabla", ("x" * 3872,))
        self.clock.advance(0)
        proto, t = self.client()
        self.send(proto, t, "NICK carol", "USER c 0 * :C", "JOIN #Blabla")
        self.service.grantOperator(proto.participant)
        self.send(proto, t)  # (her MODE #Blabla +o)
        for _ in range(3):
            answered = self.send(proto, t, "CHATHISTORY LATEST #Blabla * 5")
            self.assertEqual(set(self.codes(answered)), {"PRIVMSG"})
