"""
The IRC front-end against a service with a store (issue #4's persistence):
SASL PLAIN and PASS checked against accounts, rooms the service puts a user
in, history replayed with its original time, approval rooms and per-room
capacity.
"""

from __future__ import annotations

from base64 import b64encode

from twisted.internet.testing import StringTransport

from chatd.irc.factory import IRCFactory
from chatd.irc.message import Message, parse
from chatd.irc.protocol import IRCProtocol
from chatd.irc.wire import serverTimeMillis
from tests.helpers import connect, output
from tests.persistencecase import OutageStore, PersistenceTestCase


def plain(account: str, password: str) -> str:
    return b64encode(f"\0{account}\0{password}".encode()).decode()


class IRCStoreTestCase(PersistenceTestCase):
    """
    A service with a store, an IRC factory, and the registered account
    C{alice} (password C{sesame}).
    """

    def setUp(self) -> None:
        super().setUp()
        self.factory = IRCFactory(self.service, self.clock, floodBurst=None)
        self.registered("alice", "sesame")

    def client(self) -> tuple[IRCProtocol, StringTransport]:
        proto, transport = connect(self.factory, self.clock)
        assert isinstance(proto, IRCProtocol)
        return proto, transport

    def send(self, proto: IRCProtocol, transport: StringTransport, *lines: str) -> list[Message]:
        proto.dataReceived("".join(line + "\r\n" for line in lines).encode("utf-8"))
        self.clock.advance(0)  # the store and the login answer on later turns
        text = output(transport, self.clock).decode("utf-8")
        return [parse(line) for line in text.split("\r\n") if line]

    def codes(self, messages: list[Message]) -> list[str]:
        return [m.command for m in messages]


class IRCAccountTests(IRCStoreTestCase):
    def test_saslAccount(self) -> None:
        """
        SASL PLAIN with an account's password logs in as the account: 900,
        903, then 001 on CAP END; the account shows in WHOIS.
        """
        proto, t = self.client()
        self.send(proto, t, "CAP LS 302", "CAP REQ sasl", "NICK alice", "USER a 0 * :A")
        self.send(proto, t, "AUTHENTICATE PLAIN")
        replies = self.send(proto, t, "AUTHENTICATE " + plain("alice", "sesame"))
        # (then the service's notice of the rooms it put alice back in)
        self.assertEqual(self.codes(replies)[:2], ["900", "903"])
        welcome = self.send(proto, t, "CAP END")
        self.assertEqual((welcome[0].command, welcome[0].params[0]), ("001", "alice"))
        whois = self.send(proto, t, "WHOIS alice")
        self.assertIn(["alice", "alice", "alice", "is logged in as"], [m.params for m in whois])

    def test_saslRefused(self) -> None:
        """
        A wrong password, or a name with no account, is 904; the client may
        then register without SASL under another name.
        """
        proto, t = self.client()
        self.send(proto, t, "CAP REQ sasl", "NICK bob", "USER b 0 * :B")
        self.send(proto, t, "AUTHENTICATE PLAIN")
        self.assertEqual(
            self.codes(self.send(proto, t, "AUTHENTICATE " + plain("alice", "nope"))), ["904"]
        )
        self.send(proto, t, "AUTHENTICATE PLAIN")
        self.assertEqual(
            self.codes(self.send(proto, t, "AUTHENTICATE " + plain("nobody", "x"))), ["904"]
        )
        self.assertEqual(self.send(proto, t, "CAP END")[0].params[0], "bob")

    def test_pass(self) -> None:
        """
        PASS carries a registered nickname's password: missing or wrong is
        464 and the client stays unregistered; right logs in.
        """
        proto, t = self.client()
        self.assertEqual(self.codes(self.send(proto, t, "NICK alice", "USER a 0 * :A")), ["464"])
        self.assertEqual(self.codes(self.send(proto, t, "PASS wrong", "NICK alice")), ["464"])
        self.clock.advance(60)  # past the back-off a wrong password earns
        self.assertEqual(self.send(proto, t, "PASS sesame", "NICK alice")[0].command, "001")

    def test_automaticRooms(self) -> None:
        """
        A guest is put in no channel; a registered user is put back in its
        rooms (Général, joined at registration) and, with the service's
        C{autojoin} rooms, every login is put in them: the client is shown
        JOIN and NAMES for each after the welcome burst.
        """
        proto, t = self.client()
        replies = self.send(proto, t, "NICK dave", "USER d 0 * :D")
        self.assertEqual([m for m in replies if m.command == "JOIN"], [])
        proto, t = self.client()
        replies = self.send(proto, t, "PASS sesame", "NICK alice", "USER a 0 * :A")
        self.assertEqual([m.params[0] for m in replies if m.command == "JOIN"], ["#Général"])
        self.service = self.makeService(autojoin=["Blabla"])
        self.factory = IRCFactory(self.service, self.clock, floodBurst=None)
        proto, t = self.client()
        replies = self.send(proto, t, "NICK carol", "USER c 0 * :C")
        joins = [m.params[0] for m in replies if m.command == "JOIN"]
        self.assertEqual(joins, ["#Blabla"])
        codes = self.codes(replies)
        end = codes.index("376")  # end of the MOTD, the welcome burst's last line
        self.assertEqual(codes[end + 1 : end + 4], ["JOIN", "353", "366"])

    def test_historyTimes(self) -> None:
        """
        Joining a room replays its history to a client with batch and
        server-time, in a chathistory batch, each message with its original
        time (and its msgid, with message-tags).
        """
        bob = self.login("bob")
        self.service.enter(bob, "Blabla")
        said = self.service.say(bob, "Blabla", ("earlier",))
        self.clock.advance(100)
        proto, t = self.client()
        caps = "CAP REQ :batch server-time message-tags"
        self.send(proto, t, caps, "NICK carol", "USER c 0 * :C", "CAP END")
        replayed = self.send(proto, t, "JOIN #Blabla")
        commands = [m.command for m in replayed]
        start = commands.index("BATCH")
        self.assertEqual(commands[start:], ["BATCH", "PRIVMSG", "BATCH"])
        opened, message, closed = replayed[start:]
        batch = opened.params[0][1:]
        self.assertEqual(opened.params, ["+" + batch, "chathistory", "#Blabla"])
        self.assertEqual(closed.params, ["-" + batch])
        self.assertEqual(message.params, ["#Blabla", "earlier"])
        self.assertEqual(
            message.tags,
            {"batch": batch, "time": "2023-11-14T22:13:20.000Z", "msgid": said.msgid},
        )

    def test_noHistoryOnJoin(self) -> None:
        """
        A client that cannot tell history from live messages (no batch, or
        no server-time) is shown none on joining, nor is one with
        draft/chathistory, which asks for its own.
        """
        bob = self.login("bob")
        self.service.enter(bob, "Blabla")
        self.service.say(bob, "Blabla", ("earlier",))
        self.clock.advance(100)
        for caps in ["", "server-time", "batch", "batch server-time draft/chathistory"]:
            proto, t = self.client()
            self.send(proto, t, f"CAP REQ :{caps}", "NICK carol", "USER c 0 * :C", "CAP END")
            replayed = self.send(proto, t, "JOIN #Blabla")
            self.assertEqual([m for m in replayed if m.command in ("PRIVMSG", "BATCH")], [])
            self.assertIn("366", self.codes(replayed), caps)
            proto.connectionLost(None)

    def test_joinHistoryOption(self) -> None:
        """
        With C{joinHistory} (C{--irc-join-history}), other clients are shown
        that many past messages on joining, as plain PRIVMSGs.
        """
        self.factory.joinHistory = 2
        bob = self.login("bob")
        self.service.enter(bob, "Blabla")
        for text in ["one", "two", "three"]:
            self.service.say(bob, "Blabla", (text,))
        self.clock.advance(100)
        proto, t = self.client()
        self.send(proto, t, "NICK carol", "USER c 0 * :C")
        replayed = self.send(proto, t, "JOIN #Blabla")
        shown = [(m.params, m.tags) for m in replayed if m.command == "PRIVMSG"]
        self.assertEqual(shown, [(["#Blabla", "two"], {}), (["#Blabla", "three"], {})])

    def test_approvalAndCapacity(self) -> None:
        """
        An approval room answers JOIN with 473 while the request waits; a
        room's own capacity shows as +l.
        """
        proto, t = self.client()
        self.send(proto, t, "NICK carol", "USER c 0 * :C")
        self.assertEqual(self.codes(self.send(proto, t, "JOIN #Marketing")), ["473"])
        self.successResultOf(self.service.configureRoom("Blabla", capacity=7))
        mode = self.send(proto, t, "MODE #Blabla")
        self.assertEqual(mode[0].params[2:], ["+ntl", "7"])
        self.assertEqual(self.send(proto, t, "MODE #Marketing")[0].params[2:], ["+int"])

    def test_operatorSetsTopic(self) -> None:
        """
        A chatd operator (named in C{--operators}, logged in to the account
        with PASS) changes the room's stored topic; others get 482.
        """
        self.registered("root", "rootpass")
        proto, t = self.client()
        self.send(proto, t, "PASS rootpass", "NICK root", "USER r 0 * :R", "JOIN #Blabla")
        [change] = self.send(proto, t, "TOPIC #blabla :rules: be kind")
        self.assertEqual((change.command, change.params), ("TOPIC", ["#Blabla", "rules: be kind"]))
        self.assertEqual(self.service.topic("Blabla"), "rules: be kind")
        other, to = self.client()
        self.send(other, to, "NICK carol", "USER c 0 * :C", "JOIN #Blabla")
        self.assertEqual(self.codes(self.send(other, to, "TOPIC #Blabla :mine")), ["482"])


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
        self.assertEqual(first.prefix, "bob!bob@test.chatd")

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


class IRCOutageTests(IRCStoreTestCase):
    """
    IRC while the chat database is unavailable: "try again later", not an
    internal error.
    """

    def setUp(self) -> None:
        super().setUp()
        self.outage = OutageStore()
        self.outage.startService()
        self.store = self.outage
        self.service = self.makeService()
        self.factory = IRCFactory(self.service, self.clock, floodBurst=None)
        self.registered("alice", "sesame")

    def test_registrationTryAgain(self) -> None:
        """
        Registering as an account while the database is unavailable is
        answered C{263 RPL_TRYAGAIN}; the same lines work once it is back.
        """
        self.outage.down = {"accountHash"}
        proto, t = self.client()
        [reply] = self.send(proto, t, "PASS sesame", "NICK alice", "USER a 0 * :A")
        self.assertEqual(reply.command, "263")
        self.assertEqual(reply.params[-1], "service unavailable, try again later")
        self.outage.down = set()
        self.assertIn("001", self.codes(self.send(proto, t, "NICK alice")))

    def test_historyTryAgain(self) -> None:
        """
        CHATHISTORY while the database is unavailable is C{FAIL CHATHISTORY
        TEMPORARILY_UNAVAILABLE}.
        """
        proto, t = self.client()
        self.send(proto, t, "NICK carol", "USER c 0 * :C", "JOIN #Blabla")
        self.outage.down = {"window"}
        [reply] = self.send(proto, t, "CHATHISTORY LATEST #Blabla * 5")
        self.assertEqual(reply.command, "FAIL")
        self.assertEqual(reply.params[:2], ["CHATHISTORY", "TEMPORARILY_UNAVAILABLE"])
