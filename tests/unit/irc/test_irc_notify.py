# -*- test-case-name: tests.unit.irc.test_irc_notify -*-
"""
IRCv3 C{account-tag} and C{extended-join}: who did something, as the
account they are logged in to (on any protocol) and their real name.
"""

from __future__ import annotations

from twisted.internet.testing import StringTransport

from chatd.irc.factory import IRCFactory
from chatd.irc.protocol import IRCProtocol
from chatd.tchat import TchatFactory
from tests.support.helpers import connect, output
from tests.support.irchelpers import IRCTestCase
from tests.support.ircstorecase import IRCStoreTestCase


class AccountTagTests(IRCTestCase):
    def test_offered(self) -> None:
        """
        C{CAP LS} offers both capabilities.
        """
        proto, transport = self.connect()
        ls = self.send(proto, transport, "CAP LS 302")
        self.assertIn("account-tag", ls)
        self.assertIn("extended-join", ls)

    def test_messageFromAccount(self) -> None:
        """
        A message from someone logged in to an account carries C{account}
        for C{account-tag} clients only; a guest's carries none.
        """
        alice, ta = self.connect("alice")
        bob, tb = self.connect("bob", caps="account-tag")
        carol, tc = self.connect("carol")
        self.service.people.accounts.prove(alice, "alice")
        for proto, transport in ((alice, ta), (bob, tb), (carol, tc)):
            self.send(proto, transport, "JOIN #lobby")
        self.read(tb)
        self.read(tc)
        self.send(alice, ta, "PRIVMSG #lobby :hi")
        (got,) = self.messages(self.read(tb))
        self.assertEqual((got.command, got.tags.get("account")), ("PRIVMSG", "alice"))
        (plain,) = self.messages(self.read(tc))
        self.assertNotIn("account", plain.tags)
        self.send(carol, tc, "PRIVMSG #lobby :and me")
        (guest,) = self.messages(self.read(tb))
        self.assertNotIn("account", guest.tags)

    def test_otherProtocol(self) -> None:
        """
        A TCHAT user who logged in with a password is logged in to that
        account for IRC clients too: their JOIN and messages carry it.
        """
        bob, tb = self.connect("bob", caps="account-tag extended-join")
        self.send(bob, tb, "JOIN #lobby")
        self.read(tb)
        factory = TchatFactory(self.service, self.clock, aliveAfter=None)
        alice, ta = connect(factory, self.clock)
        alice.dataReceived(b"clt: LOGIN alice\n")
        self.service.people.accounts.prove(alice, "alice")  # as a LOGIN with its password does
        alice.dataReceived(b"clt: ENTER lobby\n")
        output(ta, self.clock)
        (join,) = self.messages(self.read(tb))
        self.assertEqual(join.command, "JOIN")
        self.assertEqual(join.tags.get("account"), "alice")
        self.assertEqual(join.params, ["#lobby", "alice", "chatd tchat user"])
        alice.dataReceived(b"clt: SPEAK lobby\nclt: hello\nclt: .\n")
        (said,) = self.messages(self.read(tb))
        self.assertEqual((said.command, said.tags.get("account")), ("PRIVMSG", "alice"))
        ta.loseConnection()
        alice.connectionLost(None)
        (quit,) = self.messages(self.read(tb))
        self.assertEqual((quit.command, quit.tags.get("account")), ("QUIT", "alice"))

    def test_ownJoinAndNick(self) -> None:
        """
        The client's own JOIN carries its account; a NICK change carries
        the account of the one renamed.
        """
        alice, ta = self.connect("alice", caps="account-tag extended-join")
        self.service.people.accounts.prove(alice, "alice")
        (join, *_) = self.messages(self.send(alice, ta, "JOIN #lobby"))
        self.assertEqual(join.params, ["#lobby", "alice", "alice Real"])
        self.assertEqual(join.tags.get("account"), "alice")
        bob, tb = self.connect("bob")
        self.service.people.accounts.prove(bob, "bob")
        self.send(bob, tb, "JOIN #lobby")
        self.read(ta)
        self.send(bob, tb, "NICK bobby")
        (nick,) = self.messages(self.read(ta))
        self.assertEqual((nick.command, nick.tags.get("account")), ("NICK", "bob"))


class ExtendedJoinTests(IRCTestCase):
    def test_guestJoin(self) -> None:
        """
        A guest's JOIN shows C{*} for the account and the real name from
        C{USER}; a client without C{extended-join} sees the plain JOIN.
        """
        bob, tb = self.connect("bob", caps="extended-join")
        plain, tp = self.connect("plain")
        self.send(bob, tb, "JOIN #lobby")
        self.send(plain, tp, "JOIN #lobby")
        self.read(tb)
        self.read(tp)
        carol, tc = self.connect("carol")
        self.send(carol, tc, "JOIN #lobby")
        (join,) = self.messages(self.read(tb))
        self.assertEqual((join.command, join.params), ("JOIN", ["#lobby", "*", "carol Real"]))
        (simple,) = self.messages(self.read(tp))
        self.assertEqual(simple.params, ["#lobby"])

    def test_ownJoinGuest(self) -> None:
        """
        Your own JOIN, as a guest: C{*} and your real name.
        """
        bob, tb = self.connect("bob", caps="extended-join")
        (join, *_) = self.messages(self.send(bob, tb, "JOIN #lobby"))
        self.assertEqual(join.params, ["#lobby", "*", "bob Real"])


class AwayNotifyTests(IRCTestCase):
    def test_awayAndBack(self) -> None:
        """
        C{AWAY :text} and C{AWAY} reach the C{away-notify} clients sharing a
        channel as C{AWAY :text} and C{AWAY}; others and the sender see
        none (the sender has its 306/305).
        """
        alice, ta = self.connect("alice", caps="away-notify")
        bob, tb = self.connect("bob", caps="away-notify")
        plain, tp = self.connect("plain")
        far, tf = self.connect("far", caps="away-notify")
        for proto, transport in ((alice, ta), (bob, tb), (plain, tp)):
            self.send(proto, transport, "JOIN #lobby")
        for transport in (ta, tb, tp):
            self.read(transport)
        self.assertEqual(self.numerics(self.send(bob, tb, "AWAY :lunch")), ["306"])
        (away,) = self.messages(self.read(ta))
        self.assertEqual(
            (away.prefix, away.command, away.params),
            (f"bob!bob@{self.guestHost}", "AWAY", ["lunch"]),
        )
        self.assertEqual(self.numerics(self.send(bob, tb, "AWAY")), ["305"])
        (back,) = self.messages(self.read(ta))
        self.assertEqual((back.command, back.params), ("AWAY", []))
        self.assertEqual(self.read(tp), "")
        self.assertEqual(self.read(tf), "")

    def test_serverTime(self) -> None:
        """
        With C{server-time}, C{AWAY} and C{SETNAME} carry when they
        happened, to the millisecond as messages do, so they sort among
        them; the sender's own C{SETNAME} has the time the others see.
        """
        caps = "away-notify setname server-time"
        alice, ta = self.connect("alice", caps=caps)
        bob, tb = self.connect("bob", caps=caps)
        for proto, transport in ((alice, ta), (bob, tb)):
            self.send(proto, transport, "JOIN #lobby")
        self.read(ta)
        self.clock.advance(0.9195)
        self.send(bob, tb, "AWAY :lunch")
        self.clock.advance(0.0004)
        self.send(bob, tb, "PRIVMSG #lobby :after", "SETNAME :Bob B")
        shown = self.messages(self.read(ta))
        self.assertEqual([m.command for m in shown], ["AWAY", "PRIVMSG", "SETNAME"])
        self.assertEqual(
            [m.tags.get("time") for m in shown],
            ["2023-11-14T22:13:20.919Z"] + ["2023-11-14T22:13:20.919Z"] * 2,
        )
        self.clock.advance(0.0006)
        [own] = self.messages(self.send(alice, ta, "SETNAME :Alice A"))  # its own reply too
        [seen] = self.messages(self.read(tb))
        self.assertEqual(
            (own.command, own.tags.get("time")), ("SETNAME", "2023-11-14T22:13:20.920Z")
        )
        self.assertEqual(seen.tags.get("time"), own.tags.get("time"))

    def test_awayOnJoin(self) -> None:
        """
        Someone away joining a channel: its C{away-notify} members get
        C{AWAY :text} after the C{JOIN}; the joiner is not told its own.
        """
        alice, ta = self.connect("alice", caps="away-notify")
        self.send(alice, ta, "JOIN #lobby")
        timed, tt = self.connect("timed", caps="away-notify server-time")
        self.send(timed, tt, "JOIN #lobby")
        bob, tb = self.connect("bob", caps="away-notify")
        self.send(bob, tb, "AWAY :gone")
        self.read(ta)
        self.clock.advance(0.25)
        self.assertNotIn("AWAY", self.numerics(self.send(bob, tb, "JOIN #lobby")))
        self.assertEqual(
            [(m.command, m.params) for m in self.messages(self.read(ta))],
            [("JOIN", ["#lobby"]), ("AWAY", ["gone"])],
        )
        join, away = self.messages(self.read(tt))  # with server-time, the JOIN's time
        self.assertEqual(away.tags, {"time": "2023-11-14T22:13:20.250Z"})
        self.assertEqual(join.tags, away.tags)


class SetnameTests(IRCTestCase):
    def test_setname(self) -> None:
        """
        C{SETNAME :name} changes the real name (WHOIS, extended-join),
        confirmed to the sender with C{SETNAME} and shown to the
        C{setname} clients sharing a channel only.
        """
        alice, ta = self.connect("alice", caps="setname")
        bob, tb = self.connect("bob", caps="setname")
        plain, tp = self.connect("plain")
        for proto, transport in ((alice, ta), (bob, tb), (plain, tp)):
            self.send(proto, transport, "JOIN #lobby")
        for transport in (ta, tb, tp):
            self.read(transport)
        (own,) = self.messages(self.send(alice, ta, "SETNAME :Alice Liddell"))
        self.assertEqual((own.command, own.params), ("SETNAME", ["Alice Liddell"]))
        (seen,) = self.messages(self.read(tb))
        self.assertEqual((seen.prefix, seen.command), (f"alice!alice@{self.guestHost}", "SETNAME"))
        self.assertEqual(seen.params, ["Alice Liddell"])
        self.assertEqual(self.read(tp), "")
        whois = self.messages(self.send(plain, tp, "WHOIS alice"))
        self.assertEqual(whois[0].params[-1], "Alice Liddell")

    def test_invalid(self) -> None:
        """
        An empty, overlong or control-character name is C{FAIL SETNAME
        INVALID_REALNAME}; the name is kept.
        """
        alice, ta = self.connect("alice", caps="setname")
        for line in ("SETNAME", "SETNAME :" + "x" * 101, "SETNAME :a\x07b"):
            (fail,) = self.messages(self.send(alice, ta, line))
            self.assertEqual(
                (fail.command, fail.params[:2]), ("FAIL", ["SETNAME", "INVALID_REALNAME"])
            )
        self.assertEqual(alice.realName, "alice Real")

    def test_withoutCapability(self) -> None:
        """
        Without the capability, C{SETNAME} changes the name silently.
        """
        alice, ta = self.connect("alice")
        self.assertEqual(self.send(alice, ta, "SETNAME :Alice"), "")
        self.assertEqual(alice.realName, "Alice")


class AccountNotifyTests(IRCStoreTestCase):
    accountRegistration = True

    def test_register(self) -> None:
        """
        Registering while in a channel logs you in to the account: the
        C{account-notify} clients sharing it get C{ACCOUNT <name>}; after
        that, C{account-tag} shows it.
        """
        watcher, tw = self.joinedBlabla("watcher", "account-notify account-tag")
        plain, tp = self.joinedBlabla("plain", "")
        bob, tb = self.joinedBlabla("bob", "")
        self.send(watcher, tw)
        self.send(plain, tp)
        self.send(bob, tb, "REGISTER * * passphrase")
        (account,) = self.send(watcher, tw)
        self.assertEqual((account.prefix, account.command), ("bob!bob@user/bob", "ACCOUNT"))
        self.assertEqual(account.params, ["bob"])
        self.assertEqual(self.send(plain, tp), [])
        self.send(bob, tb, "PRIVMSG #Blabla :hi")
        (said,) = self.send(watcher, tw)
        self.assertEqual(said.tags.get("account"), "bob")

    def test_registerOnOtherProtocol(self) -> None:
        """
        A TCHAT user who registers (C{REGIS}) is signed in to the account as
        an IRC client is: C{ACCOUNT} for those sharing a room, C{330} in
        C{WHOIS}, the C{account} tag on what they say.
        """
        watcher, tw = self.joinedBlabla("watcher", "account-notify account-tag")
        tchat = TchatFactory(self.service, self.clock, floodBurst=None, aliveAfter=None)
        treg, tt = connect(tchat, self.clock)
        treg.dataReceived(b"clt: LOGIN treg\nclt: ENTER Blabla\n")
        self.clock.advance(0)
        self.send(watcher, tw)
        treg.dataReceived(b"clt: REGIS secret12\n")
        self.clock.advance(0)
        (account,) = [m for m in self.send(watcher, tw) if m.command == "ACCOUNT"]
        self.assertEqual((account.prefix, account.params), ("treg!treg@user/treg", ["treg"]))
        treg.dataReceived(b"clt: REGIS other123\n")  # a new password is no news
        self.clock.advance(0)
        self.assertEqual([m for m in self.send(watcher, tw) if m.command == "ACCOUNT"], [])
        whois = self.send(watcher, tw, "WHOIS treg")
        self.assertIn(["watcher", "treg", "treg", "is logged in as"], [m.params for m in whois])
        treg.dataReceived(b"clt: SPEAK Blabla\nclt: hi\nclt: .\n")
        self.clock.advance(0)
        (said,) = [m for m in self.send(watcher, tw) if m.command == "PRIVMSG"]
        self.assertEqual(said.tags.get("account"), "treg")


class InviteNotifyTests(IRCTestCase):
    def setUpRoom(self, modes: str) -> list[tuple[IRCProtocol, StringTransport]]:
        """
        C{#room} created by C{op} (its operator) with C{modes}, joined by
        C{member} and C{plain} (no capability); C{guest} is outside.
        """
        op, to = self.connect("op", caps="invite-notify")
        member, tm = self.connect("member", caps="invite-notify account-tag")
        plain, tp = self.connect("plain")
        self.send(op, to, "JOIN #room")
        if modes:
            self.send(op, to, f"MODE #room {modes}")
            self.send(op, to, "INVITE member #room", "INVITE plain #room")
        self.send(member, tm, "JOIN #room")
        self.send(plain, tp, "JOIN #room")
        self.connect("guest")
        for transport in (to, tm, tp):
            self.read(transport)
        return [(op, to), (member, tm), (plain, tp)]

    def test_openRoom(self) -> None:
        """
        In a room anyone may invite to, every C{invite-notify} member but
        the inviter sees the C{INVITE}; the others see nothing.
        """
        (op, to), (member, tm), (plain, tp) = self.setUpRoom("")
        self.service.people.accounts.prove(op, "op")
        self.assertEqual(self.numerics(self.send(op, to, "INVITE guest #room")), ["341"])
        (seen,) = self.messages(self.read(tm))
        self.assertEqual(
            (seen.prefix, seen.command, seen.params),
            ("op!op@user/op", "INVITE", ["guest", "#room"]),
        )
        self.assertEqual(seen.tags.get("account"), "op")
        self.assertEqual(self.read(tp), "")

    def test_serverTime(self) -> None:
        """
        With C{server-time}, a member's C{INVITE} carries when it was
        given, as the invitee's does.
        """
        (op, to), _, _ = self.setUpRoom("")
        timed, tt = self.connect("timed", caps="invite-notify server-time account-tag")
        invitee, ti = self.connect("invitee", caps="server-time")
        self.send(timed, tt, "JOIN #room")
        self.clock.advance(0.5)
        self.send(op, to, "INVITE invitee #room")
        (seen,) = self.messages(self.read(tt))
        (own,) = self.messages(self.read(ti))
        self.assertEqual(seen.tags, {"time": "2023-11-14T22:13:20.500Z"})
        self.assertEqual(own.tags.get("time"), seen.tags["time"])

    def test_inviteOnly(self) -> None:
        """
        In an invite-only room, only its operators are told (a chatd
        operator is one in every room).
        """
        (op, to), (member, tm), _ = self.setUpRoom("+i")
        oper, tc = self.connect("oper", caps="invite-notify")
        self.send(op, to, "INVITE oper #room")
        self.send(oper, tc, "JOIN #room")
        self.makeOperator("oper")
        for transport in (to, tm, tc):
            self.read(transport)
        self.send(op, to, "INVITE guest #room")
        (seen,) = self.messages(self.read(tc))
        self.assertEqual((seen.command, seen.params), ("INVITE", ["guest", "#room"]))
        self.assertEqual(self.read(tm), "")


class ExtendedMonitorTests(IRCTestCase):
    def test_watched(self) -> None:
        """
        With C{extended-monitor}, a watcher sharing no channel hears the
        changes of the names it MONITORs that it has a capability for:
        C{AWAY} with C{away-notify}, C{SETNAME} with C{setname}, once even
        when it also shares a channel.
        """
        watcher, tw = self.connect("watcher", caps="extended-monitor away-notify")
        other, to = self.connect("other", caps="away-notify setname")  # no extended-monitor
        bob, tb = self.connect("bob")
        for proto, transport in ((watcher, tw), (other, to)):
            self.send(proto, transport, "MONITOR + bob")
        self.send(bob, tb, "AWAY :afk", "SETNAME :Bob B")
        (away,) = self.messages(self.read(tw))
        self.assertEqual(
            (away.prefix, away.command, away.params), (f"bob!bob@{self.guestHost}", "AWAY", ["afk"])
        )
        self.assertEqual(self.read(to), "")
        self.send(bob, tb, "JOIN #lobby")
        self.send(watcher, tw, "JOIN #lobby")
        self.read(tw)
        self.send(bob, tb, "AWAY")
        (back,) = self.messages(self.read(tw))
        self.assertEqual((back.command, back.params), ("AWAY", []))

    def test_offeredWithMonitor(self) -> None:
        """
        C{extended-monitor} is offered only where C{MONITOR} is.
        """
        self.factory = IRCFactory(self.service, self.clock, floodBurst=None)
        proto, transport = self.connect()
        self.assertNotIn("extended-monitor", self.send(proto, transport, "CAP LS 302"))


class StatusmsgTests(IRCTestCase):
    def test_toOperators(self) -> None:
        """
        C{STATUSMSG=@} is advertised; C{PRIVMSG @#a} from any member reaches
        the channel's operators as C{PRIVMSG @#a}, not its other members;
        the sender's echo shows the same target.
        """
        op, to = self.connect("op")
        joe, tj = self.connect("joe")
        schmoe, ts = self.connect("schmoe", caps="echo-message")
        self.assertIn("STATUSMSG=@", self.send(op, to, "VERSION"))
        for proto, transport in ((op, to), (joe, tj), (schmoe, ts)):
            self.send(proto, transport, "JOIN #new")
        for transport in (to, tj, ts):
            self.read(transport)
        (echo,) = self.messages(self.send(schmoe, ts, "PRIVMSG @#new :for operators"))
        self.assertEqual((echo.command, echo.params), ("PRIVMSG", ["@#new", "for operators"]))
        (got,) = self.messages(self.read(to))
        self.assertEqual(got.prefix, f"schmoe!schmoe@{self.guestHost}")
        self.assertEqual((got.command, got.params), ("PRIVMSG", ["@#new", "for operators"]))
        self.assertEqual(self.read(tj), "")
        self.send(op, to, "NOTICE @#new :ops notice")
        self.assertEqual(self.read(tj), "")
        self.assertEqual(self.read(ts), "")


class UTF8OnlyTests(IRCTestCase):
    def test_invalidUTF8(self) -> None:
        """
        C{UTF8ONLY} is advertised; a line that is not UTF-8 is relayed as
        read in Windows-1252 (UTF-8 to everyone) and its sender told with
        C{FAIL <command> INVALID_UTF8}, labelled if the line was.
        """
        alice, ta = self.connect("alice", caps="labeled-response batch")
        bob, tb = self.connect("bob")
        self.assertIn(" UTF8ONLY ", self.send(alice, ta, "VERSION"))
        self.send(alice, ta, "JOIN #lobby")
        self.send(bob, tb, "JOIN #lobby")
        self.read(ta)
        alice.dataReceived(b"@label=x PRIVMSG #lobby :caf\xe9 \x93ok\x94\r\n")
        (fail,) = self.messages(self.read(ta))
        self.assertEqual((fail.command, fail.params[:2]), ("FAIL", ["PRIVMSG", "INVALID_UTF8"]))
        self.assertEqual(fail.tags.get("label"), "x")
        (relayed,) = self.messages(self.read(tb))
        self.assertEqual(relayed.params, ["#lobby", "café \u201cok\u201d"])
        alice.dataReceived(b"PRIVMSG #lobby :fine\r\n")
        self.assertEqual(self.read(ta), "")
