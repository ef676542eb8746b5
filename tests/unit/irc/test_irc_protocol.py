"""
Tests for L{chatd.irc.protocol}: registration, capabilities, SASL, framing
and decoding, keepalive, flood control, errors and the service's events,
driven in memory with L{StringTransport} and a L{Clock}.
"""

from __future__ import annotations

from base64 import b64encode
from typing import Any

from twisted.internet.defer import Deferred, succeed
from twisted.internet.testing import StringTransport
from zope.interface.verify import verifyObject

from chatd.core import errors
from chatd.core.delivery import connectionsOf
from chatd.core.events import Rename
from chatd.core.interfaces import IParticipant
from chatd.irc.factory import IRCFactory
from chatd.irc.protocol import IRCProtocol
from chatd.irc.sasl import SASL_MAX
from chatd.modstore import MUTE
from chatd.testing import RecordingParticipant
from tests.support.helpers import connect, output
from tests.support.irchelpers import IRCTestCase
from tests.support.protocolcases import plain


class BadPassword(errors.ChatError):
    code, reason = 22, "wrong password"


class RegistrationTests(IRCTestCase):
    def test_participant(self) -> None:
        """
        An IRC connection provides IParticipant, and says it speaks IRC.
        """
        proto, _ = self.connect()
        self.assertTrue(verifyObject(IParticipant, proto))
        self.assertEqual(proto.protocolName, "irc")

    def test_welcome(self) -> None:
        """
        NICK and USER register: 001-005, LUSERS and the MOTD follow, and
        the service knows the nickname.
        """
        proto, t = self.connect()
        self.assertEqual(self.send(proto, t, "NICK alice"), "")
        reply = self.send(proto, t, "USER al 0 * :Alice Liddell")
        codes = self.numerics(reply)
        self.assertEqual(
            codes,
            [
                "001",
                "002",
                "003",
                "004",
                "005",
                "005",
                "005",
                "251",
                "252",
                "254",
                "255",
                "265",
                "266",
            ]
            + ["375"]
            + ["372"] * 3
            + ["376"],
        )
        first = self.messages(reply)[0]
        self.assertEqual(first.prefix, "chatd")
        self.assertEqual(first.params[0], "alice")
        self.assertIn(f"alice!al@{self.guestHost}", first.params[1])
        self.assertEqual(list(connectionsOf(self.service.find("ALICE"))), [proto])

    def test_isupport(self) -> None:
        """
        ISUPPORT is truthful about chatd's names: 16-character nicknames,
        C{#} + 16-character channels, one prefix, Unicode case folding.
        """
        _, t = self.connect()
        proto, t = self.connect("alice")
        self.send(proto, t, "NICK alice")
        proto2, t2 = self.connect()
        reply = self.send(proto2, t2, "NICK bob", "USER b 0 * :B")
        tokens = [p for m in self.messages(reply) if m.command == "005" for p in m.params[1:-1]]
        for token in [
            "NICKLEN=16",
            "CHANNELLEN=50",
            "CHANTYPES=#",
            "PREFIX=(ov)@+",
            "CASEMAPPING=rfc8265",
            "ELIST=MU",  # LIST takes masks of channel names and member counts
        ]:
            self.assertIn(token, tokens)

    def test_nickErrors(self) -> None:
        """
        Before registration: no nickname 431, a bad one 432, a taken one
        (in any case) 433, naming the name held when it is spelled
        otherwise; the client may then try another.
        """
        self.connect("alice")
        proto, t = self.connect()
        self.assertEqual(self.numerics(self.send(proto, t, "NICK")), ["431"])
        self.assertEqual(self.numerics(self.send(proto, t, "NICK bad!name")), ["432"])
        self.assertEqual(self.numerics(self.send(proto, t, "NICK " + "x" * 17)), ["432"])
        reply = self.send(proto, t, "NICK alice")
        self.assertEqual(
            self.messages(reply)[0].params, ["*", "alice", "Nickname is already in use"]
        )
        reply = self.send(proto, t, "NICK ALICE")
        self.assertEqual(
            self.messages(reply)[0].params,
            ["*", "ALICE", "that nickname is taken: it looks like alice"],
        )
        self.assertEqual(self.send(proto, t, "USER a 0 * :A"), "")
        self.assertIn(" 001 alice2 ", self.send(proto, t, "NICK alice2"))

    def test_loginRace(self) -> None:
        """
        A nickname taken between NICK and USER is refused at login with 433.
        """
        proto, t = self.connect()
        self.send(proto, t, "NICK alice")
        self.connect("alice")
        self.assertEqual(self.numerics(self.send(proto, t, "USER a 0 * :A")), ["433"])

    def test_unregistered(self) -> None:
        """
        Commands other than registration ones get 451 before registration;
        unknown commands always get 421.
        """
        proto, t = self.connect()
        for line in ["JOIN #lobby", "PRIVMSG #lobby :hi", "WHOIS x", "MODE #lobby"]:
            self.assertEqual(self.numerics(self.send(proto, t, line)), ["451"])
        self.assertEqual(
            self.messages(self.send(proto, t, "FROB x"))[0].params, ["*", "FROB", "Unknown command"]
        )

    def test_reregister(self) -> None:
        """
        USER and PASS after registration are refused with 462.
        """
        proto, t = self.connect("alice")
        self.assertEqual(self.numerics(self.send(proto, t, "USER a 0 * :A")), ["462"])
        self.assertEqual(self.numerics(self.send(proto, t, "PASS x")), ["462"])
        self.assertEqual(self.numerics(self.send(proto, t, "USER a 0")), ["462"])
        fresh, t2 = self.connect()
        self.assertEqual(self.numerics(self.send(fresh, t2, "USER a 0")), ["461"])
        self.assertEqual(self.numerics(self.send(fresh, t2, "PASS")), ["461"])

    def test_passGoesToLogin(self) -> None:
        """
        The PASS password is what registration logs in with, so the service
        can check a registered nickname's account; a wrong one is 464.
        """
        seen: list[str | None] = []
        original = self.service.login

        def login(participant: IParticipant, nick: str, password: str | None = None) -> Any:
            seen.append(password)
            if password != "right":
                raise BadPassword()
            return original(participant, nick, password)

        self.service.login = login  # type: ignore[method-assign,assignment]
        self.service.isRegistered = lambda nick: succeed(True)  # type: ignore[method-assign]
        proto, t = self.connect()
        reply = self.send(proto, t, "PASS wrong", "NICK alice", "USER a 0 * :A")
        self.assertEqual(self.numerics(reply), ["464"])
        self.assertIn(" 001 ", self.send(proto, t, "PASS right", "NICK alice"))
        self.assertEqual(seen, ["wrong", "right"])

    def sharingLobby(self) -> tuple[Any, StringTransport, RecordingParticipant]:
        """
        IRC client alice and C{bob}, a user of another protocol, both in
        the lobby.
        """
        alice, ta = self.connect("alice")
        other = RecordingParticipant()
        self.service.connect(other)
        self.service.login(other, "bob")
        self.service.enter(other, "lobby")
        self.send(alice, ta, "JOIN #lobby")
        return alice, ta, other

    def test_renameEverywhere(self) -> None:
        """
        NICK after registration renames through the service: the client
        and people sharing a room (on any protocol) are told.
        """
        alice, ta, other = self.sharingLobby()
        reply = self.send(alice, ta, "NICK Alicia")
        [message] = self.messages(reply)
        self.assertEqual(
            (message.prefix, message.command, message.params),
            (f"alice!alice@{self.guestHost}", "NICK", ["Alicia"]),
        )
        event = other.events[-1]
        assert isinstance(event, Rename)
        self.assertEqual((event.old, event.new), ("alice", "Alicia"))
        self.assertEqual(self.numerics(self.send(alice, ta, "NICK bob")), ["433"])
        self.assertEqual(self.numerics(self.send(alice, ta, "NICK b@d")), ["432"])
        self.assertEqual(self.send(alice, ta, "NICK Alicia"), "")

    def test_renameRefusedBySanction(self) -> None:
        """
        NICK to a name the console banned or kicked is answered C{432},
        while muted C{447}, while a channel's ban mask keeps one quiet
        C{435}, each with the new name (C{435}: the channel) and the
        reason; nobody is renamed.
        """
        alice, ta, other = self.sharingLobby()
        moderation = self.service.moderation
        moderation.ban("troll", "abusive", "root")
        moderation.kick("kickguy", 600, "rude", "root")
        for nick, text in (
            ("tr\u043ell", "the nickname tr\u043ell is banned for good: abusive"),
            ("kickguy", "the nickname kickguy was kicked and may come back for 10m more: rude"),
        ):
            [message] = self.messages(self.send(alice, ta, f"NICK {nick}"))
            self.assertEqual((message.command, message.params), ("432", ["alice", nick, text]))
        moderation.mute("alice", 60, "", "root")
        [muted] = self.messages(self.send(alice, ta, "NICK alice2"))
        self.assertEqual(muted.command, "447")
        self.assertEqual(muted.params[:2], ["alice", "alice2"])
        moderation.lift(MUTE, "alice")
        self.service.giveRoomOperator("lobby", "bob", "root")
        self.service.changeRoomModes(other, "lobby", [(True, "b", "alice!*@*")])
        self.send(alice, ta)
        [quieted] = self.messages(self.send(alice, ta, "NICK alice3"))
        self.assertEqual(quieted.command, "435")
        self.assertEqual(
            quieted.params,
            ["alice", "#lobby", "you may not change your nickname while you are banned from lobby"],
        )
        self.assertEqual([e for e in other.events if isinstance(e, Rename)], [])

    def test_otherProtocolRenamedWithItsFormerMask(self) -> None:
        """
        A user of another protocol (no ident: the user part is the name)
        who renames is shown by the mask they had: C{old!old@...}.
        """
        alice, ta, other = self.sharingLobby()
        self.service.rename(other, "bobby")
        [message] = self.messages(self.send(alice, ta))
        self.assertEqual((message.prefix, message.params), (f"bob!bob@{self.guestHost}", ["bobby"]))

    def test_asyncLogin(self) -> None:
        """
        While the service's login is pending, later lines wait, so replies
        stay in command order.
        """
        pending: Deferred[str] = Deferred()
        original = self.service.login

        def login(participant: IParticipant, nick: str, password: str | None = None) -> Any:
            return pending

        self.service.login = login  # type: ignore[method-assign,assignment]
        proto, t = self.connect()
        self.assertEqual(self.send(proto, t, "NICK alice", "USER a 0 * :A", "PING :after"), "")
        original(proto, "alice")
        pending.callback("alice")
        codes = self.numerics(self.read(t))
        self.assertEqual((codes[0], codes[-1]), ("001", "PONG"))


class CapabilityTests(IRCTestCase):
    def test_negotiationHoldsRegistration(self) -> None:
        """
        CAP LS holds registration until CAP END; REQ is answered ACK or NAK.
        """
        proto, t = self.connect()
        reply = self.send(proto, t, "CAP LS 302", "NICK alice", "USER a 0 * :A")
        [ls] = self.messages(reply)
        self.assertEqual(ls.params[:2], ["*", "LS"])
        self.assertIn("sasl=PLAIN,SCRAM-SHA-256", ls.params[2].split())
        reply = self.send(
            proto, t, "CAP REQ :server-time nope", "CAP REQ :server-time multi-prefix"
        )
        self.assertEqual(
            [m.params for m in self.messages(reply)],
            [["alice", "NAK", "server-time nope"], ["alice", "ACK", "server-time multi-prefix"]],
        )
        self.assertEqual(
            self.messages(self.send(proto, t, "CAP LIST"))[0].params[2],
            "cap-notify multi-prefix server-time",
        )
        self.assertIn(" 001 ", self.send(proto, t, "CAP END"))

    def test_badSubcommand(self) -> None:
        """
        An unknown CAP subcommand is 410; a bare CAP is 461.
        """
        proto, t = self.connect()
        self.assertEqual(self.numerics(self.send(proto, t, "CAP FROB")), ["410"])
        self.assertEqual(self.numerics(self.send(proto, t, "CAP")), ["461"])

    def test_capAfterRegistration(self) -> None:
        """
        CAP works after registration too, without touching registration.
        """
        proto, t = self.connect("alice")
        self.assertEqual(
            self.messages(self.send(proto, t, "CAP REQ echo-message"))[0].params,
            ["alice", "ACK", "echo-message"],
        )
        self.assertEqual(self.send(proto, t, "CAP END"), "")

    def test_kickedOrBannedNick(self) -> None:
        """
        A nickname kicked from the server, until the kick's time passes, is
        refused at registration as a banned one is: C{465}, with the reason
        and the time left for the client to show, then C{ERROR} and the
        connection closes, as other servers do; a new connection may register
        another nickname.
        """
        self.service.moderation.kick("kickguy", 300, "test", "root")
        self.service.moderation.ban("banguy", "spam", "root")
        self.clock.advance(1)
        proto, t = self.connect()
        replies = self.messages(self.send(proto, t, "NICK kickguy", "USER k 0 * :K"))
        reason = "you were kicked, come back for 4m 59s more: test"
        self.assertEqual(
            [(m.command, m.params) for m in replies],
            [("465", ["kickguy", reason]), ("ERROR", [f"Closing Link: 127.0.0.1 ({reason})"])],
        )
        self.assertTrue(t.disconnecting)
        proto, t = self.connect()
        replies = self.messages(self.send(proto, t, "NICK banguy", "USER b 0 * :B"))
        self.assertEqual([m.command for m in replies], ["465", "ERROR"])
        self.assertTrue(t.disconnecting)
        proto, t = self.connect()
        self.assertIn(" 001 kickguy2 ", self.send(proto, t, "NICK kickguy2", "USER k 0 * :K"))

    def test_nickInUseStaysOpen(self) -> None:
        """
        A refusal that a retry on the same connection may overcome leaves it
        open and unregistered: a nickname in use (C{433}).
        """
        self.connect("alice")
        proto, t = self.connect()
        replies = self.messages(self.send(proto, t, "NICK alice", "USER a 0 * :A"))
        self.assertEqual([m.command for m in replies], ["433"])
        self.assertFalse(t.disconnecting)
        self.assertIn(" 001 alice2 ", self.send(proto, t, "NICK alice2"))


class SASLTests(IRCTestCase):
    def negotiate(self) -> tuple[IRCProtocol, StringTransport]:
        proto, t = self.connect()
        self.send(proto, t, "CAP LS 302", "CAP REQ sasl", "NICK alice", "USER a 0 * :A")
        self.assertEqual(self.send(proto, t, "AUTHENTICATE PLAIN"), "AUTHENTICATE +\r\n")
        return proto, t

    def test_plain(self) -> None:
        """
        PLAIN logs in to the service with the account and password; 900 and
        903 follow, then registration completes on CAP END.
        """
        passwords: list[str | None] = []
        original = self.service.logins.login

        def login(participant: IParticipant, nick: str, *more: Any, **named: Any) -> Any:
            passwords.append(more[0] if more else None)
            return original(participant, nick, *more, **named)

        self.service.logins.login = login  # type: ignore[method-assign]
        proto, t = self.negotiate()
        reply = self.send(proto, t, "AUTHENTICATE " + plain("", "alice", "sesame"))
        self.assertEqual(self.numerics(reply), ["900", "903"])
        self.assertEqual(passwords, ["sesame"])
        self.assertIn(" 001 alice ", self.send(proto, t, "CAP END"))
        self.assertEqual(proto.account, "alice")

    def test_otherNick(self) -> None:
        """
        Authenticated as one account with another NICK: the nickname is
        taken if free.
        """
        proto, t = self.connect()
        self.send(proto, t, "CAP REQ sasl", "NICK zed", "USER a 0 * :A", "AUTHENTICATE PLAIN")
        self.send(proto, t, "AUTHENTICATE " + plain("alice", "alice", "pw"))
        self.assertIn(" 001 zed ", self.send(proto, t, "CAP END"))

    def test_refused(self) -> None:
        """
        A login the service refuses (wrong password, nickname taken) is 904,
        and the client may register normally afterwards.
        """
        self.connect("taken")
        proto, t = self.negotiate()
        reply = self.send(proto, t, "AUTHENTICATE " + plain("", "taken", "x"))
        self.assertEqual(self.numerics(reply), ["904"])
        self.assertIn(" 001 alice ", self.send(proto, t, "CAP END"))

    def test_malformed(self) -> None:
        """
        Bad base64, a payload without three fields, a mismatched authzid,
        an unknown mechanism: 904 (908 lists PLAIN and SCRAM-SHA-256); C{*}
        aborts with 906.
        """
        for payload in ["!!!", b64encode(b"only\0two").decode(), plain("bob", "alice", "pw")]:
            proto, t = self.negotiate()
            self.assertEqual(self.numerics(self.send(proto, t, "AUTHENTICATE " + payload)), ["904"])
        proto, t = self.connect()
        self.send(proto, t, "CAP REQ sasl")
        reply = self.send(proto, t, "AUTHENTICATE EXTERNAL")
        self.assertEqual(self.numerics(reply), ["908", "904"])
        self.assertIn(" PLAIN,SCRAM-SHA-256 :are available", reply)
        proto, t = self.negotiate()
        self.assertEqual(self.numerics(self.send(proto, t, "AUTHENTICATE *")), ["906"])

    def test_chunks(self) -> None:
        """
        A 400-character chunk means more follows; C{+} ends an exact
        multiple; too much is 905, and so is a chunk over 400 characters.
        """
        proto, t = self.negotiate()
        payload = plain("", "alice", "p" * 293)
        self.assertEqual(len(payload), 400)
        self.assertEqual(self.send(proto, t, "AUTHENTICATE " + payload), "")
        self.assertEqual(self.numerics(self.send(proto, t, "AUTHENTICATE +")), ["900", "903"])
        proto, t = self.negotiate()
        for _ in range(SASL_MAX // 400):
            self.send(proto, t, "AUTHENTICATE " + "A" * 400)
        self.assertEqual(self.numerics(self.send(proto, t, "AUTHENTICATE " + "A" * 400)), ["905"])
        proto, t = self.negotiate()
        self.assertEqual(self.numerics(self.send(proto, t, "AUTHENTICATE " + "A" * 401)), ["905"])
        self.assertIn("AUTHENTICATE +", self.send(proto, t, "AUTHENTICATE PLAIN"))

    def test_notNegotiated(self) -> None:
        """
        AUTHENTICATE without the sasl capability is 904.  After success it
        may begin again (signing in to an account), which a server without
        accounts refuses with 904.
        """
        proto, t = self.connect()
        self.assertEqual(self.numerics(self.send(proto, t, "AUTHENTICATE PLAIN")), ["904"])
        proto, t = self.negotiate()
        self.send(proto, t, "AUTHENTICATE " + plain("", "alice", "pw"))
        self.assertEqual(self.send(proto, t, "AUTHENTICATE PLAIN"), "AUTHENTICATE +\r\n")
        reply = self.send(proto, t, "AUTHENTICATE " + plain("", "alice", "pw"))
        self.assertEqual(self.numerics(reply), ["904"])
        self.assertIn("keeps no accounts", reply)


class FramingTests(IRCTestCase):
    def test_splitCharacter(self) -> None:
        """
        The bytes of one UTF-8 character split across two reads decode as
        that character: lines are decoded whole.
        """
        alice, ta = self.connect("alice")
        bob, tb = self.connect("bob")
        self.send(alice, ta, "JOIN #lobby")
        self.send(bob, tb, "JOIN #lobby")
        self.read(ta)
        data = "PRIVMSG #lobby :Zoë 😀\r\n".encode()
        cut = data.index("😀".encode()) + 2
        bob.dataReceived(data[:cut])
        bob.dataReceived(data[cut:])
        [message] = self.messages(self.read(ta))
        self.assertEqual(message.params, ["#lobby", "Zoë 😀"])

    def test_pieces(self) -> None:
        """
        A line fed in pieces, with bare LF or CR LF endings, is one command.
        """
        proto, t = self.connect("alice")
        for piece in [b"PI", b"NG :a", b"b\r", b"\nPING c\n"]:
            proto.dataReceived(piece)
        self.assertEqual(self.read(t), ":chatd PONG chatd :ab\r\n:chatd PONG chatd :c\r\n")

    def test_invalidUTF8(self) -> None:
        """
        A line that is not UTF-8 is read as Latin-1 rather than refused, and
        relayed as UTF-8.
        """
        alice, ta = self.connect("alice")
        bob, tb = self.connect("bob")
        self.send(alice, ta, "JOIN #lobby")
        self.send(bob, tb, "JOIN #lobby")
        self.read(ta)
        bob.dataReceived(b"PRIVMSG #lobby :caf\xe9\r\n")
        self.assertEqual(self.messages(self.read(ta))[0].params[1], "café")

    def test_tagsIgnored(self) -> None:
        """
        Client tags and a prefix on incoming lines do not disturb commands.
        """
        proto, t = self.connect("alice")
        reply = self.send(proto, t, "@label=1;+typing=active :alice PING :x")
        self.assertEqual(self.messages(reply)[0].params, ["chatd", "x"])

    def test_tooLong(self) -> None:
        """
        An overlong line is answered 417 and dropped; the next line works.
        """
        factory = IRCFactory(self.service, self.clock, floodBurst=None, maxLineLength=600)
        proto, t = connect(factory, self.clock)
        proto.dataReceived(b"NICK alice\r\nUSER a 0 * :A\r\n")
        output(t, self.clock)
        proto.dataReceived(b"PRIVMSG #lobby :" + b"x" * 700 + b"\r\nPING :ok\r\n")
        self.assertEqual(self.numerics(output(t, self.clock).decode()), ["417", "PONG"])
        self.assertFalse(t.disconnecting)

    def test_messageOver512Bytes(self) -> None:
        """
        Whatever its tags, a line whose message (tags left out) is over 510
        bytes, 512 with CR LF, is answered 417 and nothing of it is done;
        510 bytes are read (one byte a character for a line that was not
        UTF-8, as it came).
        """
        alice, ta = self.connect("alice")
        self.send(alice, ta, "JOIN #lt")
        self.assertEqual(self.numerics(self.send(alice, ta, "ISON " + "x" * 505)), ["303"])
        self.assertEqual(self.numerics(self.send(alice, ta, "ISON " + "x" * 506)), ["417"])
        tagged = "@+a=b;label=z ISON "
        self.assertEqual(self.numerics(self.send(alice, ta, tagged + "x" * 505)), ["303"])
        self.assertEqual(self.numerics(self.send(alice, ta, tagged + "x" * 506)), ["417"])
        alice.dataReceived(b"ISON " + b"\xe9" * 505 + b"\r\n")
        self.assertEqual(self.numerics(self.read(ta)), ["FAIL", "303"])
        for line in (
            f"MODE #lt +bb {'a' * 495} zzz",
            "CAP REQ :" + " ".join(["multi-prefix"] * 56),
            f"PING :{'y' * 600}END",
        ):
            self.assertEqual(self.numerics(self.send(alice, ta, line)), ["417"], line)
        self.assertEqual(self.numerics(self.send(alice, ta, "MODE #lt b")), ["368"])
        self.assertNotIn("multi-prefix", alice.caps.enabled)

    def test_tagsTooLong(self) -> None:
        """
        A client tag section over 4094 bytes is refused with 417 and not
        acted on, though the whole line fits the line limit.
        """
        alice, ta = self.connect("alice")
        bob, tb = self.connect("bob")
        reply = self.send(alice, ta, "@+x=" + "a" * 4096 + " PRIVMSG bob :hi")
        self.assertEqual(self.numerics(reply), ["417"])
        self.assertEqual(self.read(tb), "")
        self.send(alice, ta, "@+x=" + "a" * 4000 + " PRIVMSG bob :hi")
        self.assertEqual(self.messages(self.read(tb))[0].params, ["bob", "hi"])

    def test_blankAndMalformed(self) -> None:
        """
        Blank lines and tag-only lines are ignored.
        """
        proto, t = self.connect("alice")
        self.assertEqual(self.send(proto, t, "", "   ", "@a=b"), "")


class KeepaliveTests(IRCTestCase):
    def test_serverPing(self) -> None:
        """
        A silent client is sent PING after C{aliveAfter} seconds; a PONG
        keeps it, continued silence closes it with ERROR.
        """
        proto, t = self.connect("alice")
        self.clock.advance(60)
        self.assertEqual(self.read(t), "PING chatd\r\n")
        self.send(proto, t, "PONG chatd")
        self.clock.advance(60)
        self.assertEqual(self.read(t), "PING chatd\r\n")
        self.clock.advance(60)
        self.assertEqual(self.read(t), "ERROR :Closing Link: 127.0.0.1 (Ping timeout)\r\n")
        self.assertTrue(t.disconnecting)
        proto.connectionLost()
        self.assertIsNone(self.service.find("alice"))

    def test_clientPing(self) -> None:
        """
        PING is answered with PONG carrying the token; without one, 409.
        """
        proto, t = self.connect("alice")
        self.assertEqual(
            self.messages(self.send(proto, t, "PING :tok en"))[0].params, ["chatd", "tok en"]
        )
        self.assertEqual(self.numerics(self.send(proto, t, "PING")), ["409"])

    def test_quit(self) -> None:
        """
        QUIT closes with ERROR; others in shared rooms see QUIT with the
        reason.
        """
        alice, ta = self.connect("alice")
        bob, tb = self.connect("bob")
        self.send(alice, ta, "JOIN #lobby")
        self.send(bob, tb, "JOIN #lobby")
        self.read(ta)
        reply = self.send(bob, tb, "QUIT :bye now")
        self.assertEqual(self.messages(reply)[0].command, "ERROR")
        self.assertTrue(tb.disconnecting)
        bob.connectionLost()
        [quit] = self.messages(self.read(ta))
        self.assertEqual(
            (quit.prefix, quit.command, quit.params),
            (f"bob!bob@{self.guestHost}", "QUIT", ["Quit: bye now"]),
        )


class FloodTests(IRCTestCase):
    def test_burstThenRate(self) -> None:
        """
        A burst is answered at once, then lines are throttled to the rate,
        not refused: every PING is answered, in order.
        """
        factory = IRCFactory(self.service, self.clock, floodBurst=5, floodRate=2.0)
        proto, t = connect(factory, self.clock)
        proto.dataReceived(b"".join(b"PING %d\r\n" % i for i in range(9)))
        self.assertEqual(output(t, self.clock).count(b"PONG"), 5)
        self.clock.advance(1)
        self.assertEqual(output(t, self.clock).count(b"PONG"), 2)
        self.clock.advance(1)
        self.assertEqual(output(t, self.clock).count(b"PONG"), 2)
        self.assertFalse(t.disconnecting)

    def test_persistentFlood(self) -> None:
        """
        A client that keeps flooding past the backlog is disconnected with
        an ERROR.
        """
        factory = IRCFactory(
            self.service, self.clock, floodBurst=5, floodRate=1.0, floodBacklog=2000
        )
        proto, t = connect(factory, self.clock)
        for _ in range(30):
            proto.dataReceived(b"PING :" + b"x" * 100 + b"\r\n")
        self.assertIn(b"ERROR :Closing Link: 127.0.0.1 (Excess Flood)", output(t, self.clock))
        self.assertTrue(t.disconnecting)


class EventTests(IRCTestCase):
    def test_notice(self) -> None:
        """
        A service announcement is a server NOTICE.
        """
        proto, t = self.connect("alice")
        self.service.announce("restart at noon")
        self.assertEqual(self.read(t), ":chatd NOTICE alice :restart at noon\r\n")

    def test_longNoticeSplit(self) -> None:
        """
        An announcement longer than one IRC line is split into several
        NOTICEs of at most 512 bytes, between words, losing nothing.
        """
        proto, t = self.connect("alice")
        text = " ".join(["word"] * 250) + " THE-END"
        self.service.announce(text)
        lines = self.read(t).split("\r\n")[:-1]
        self.assertGreater(len(lines), 1)
        prefix = ":chatd NOTICE alice :"
        for line in lines:
            self.assertTrue(line.startswith(prefix), line)
            self.assertLessEqual(len(line.encode("utf-8")) + 2, 512)
        pieces = [line[len(prefix) :] for line in lines]
        self.assertEqual("".join(pieces), text)
        self.assertTrue(all(piece.endswith(" ") for piece in pieces[:-1]))

    def test_kickedElsewhere(self) -> None:
        """
        When the service ends the session, the client gets ERROR and the
        connection closes.
        """
        moder, tr = self.connect("moder")
        self.makeOperator("moder")
        proto, t = self.connect("alice")
        self.service.kick(moder, "alice", "spam")
        self.assertEqual(self.read(t), "ERROR :Closing Link: 127.0.0.1 (kicked by moder: spam)\r\n")
        self.assertTrue(t.disconnecting)

    def test_internalError(self) -> None:
        """
        A bug in the service is answered 400 and the connection stays up.
        """
        proto, t = self.connect("alice")

        def broken(*args: object) -> None:
            raise RuntimeError("boom")

        self.service.rooms = broken  # type: ignore[method-assign,assignment]
        self.assertEqual(
            self.messages(self.send(proto, t, "LIST"))[-1].params,
            ["alice", "LIST", "Internal server error"],
        )
        self.assertEqual(len(self.flushLoggedErrors(RuntimeError)), 1)
        self.assertFalse(t.disconnecting)

    def test_serverFull(self) -> None:
        """
        Over the service's connection limit, ERROR and close.
        """
        self.service.admission.maxClients = 0
        proto, t = connect(self.factory, self.clock)
        self.assertEqual(
            output(t, self.clock),
            b"ERROR :Closing Link: 127.0.0.1 (the server is full, try again later)\r\n",
        )
        self.assertTrue(t.disconnecting)
