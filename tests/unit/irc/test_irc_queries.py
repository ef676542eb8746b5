"""
Tests for L{chatd.irc.queries} and the welcome-burst queries (LUSERS, MOTD):
who is who, across protocols.
"""

from __future__ import annotations

from chatd.core.service import ChatService
from chatd.irc.factory import IRCFactory
from chatd.testing import RecordingParticipant
from tests.support.helpers import connect, output
from tests.support.irchelpers import IRCTestCase


class QueryTests(IRCTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.bob = RecordingParticipant(protocolName="tchat")
        self.service.connect(self.bob)
        self.service.login(self.bob, "bob")
        self.service.enter(self.bob, "lobby")

    def test_who(self) -> None:
        """
        WHO on a channel lists its members (H/G, C{@} for operators); WHO
        on a nickname lists that person; the list always ends with 315.
        """
        alice, t = self.connect("alice")
        self.makeOperator("alice")
        self.send(alice, t, "JOIN #lobby", "AWAY :busy")
        messages = self.messages(self.send(alice, t, "WHO #lobby"))
        self.assertEqual(
            [m.params for m in messages],
            [
                [
                    "alice",
                    "#lobby",
                    "bob",
                    self.guestHost,
                    "chatd",
                    "bob",
                    "H",
                    "0 chatd tchat user",
                ],
                [
                    "alice",
                    "#lobby",
                    "alice",
                    self.guestHost,
                    "chatd",
                    "alice",
                    "G*@",
                    "0 alice Real",
                ],
                ["alice", "#lobby", "End of /WHO list."],
            ],
        )
        self.assertEqual(self.numerics(self.send(alice, t, "WHO BOB")), ["352", "315"])
        self.assertEqual(self.messages(self.send(alice, t, "WHO #LOBBY"))[0].params[1], "#lobby")
        self.assertEqual(self.numerics(self.send(alice, t, "WHO nobody")), ["315"])
        self.assertEqual(self.numerics(self.send(alice, t, "WHO #nowhere")), ["315"])
        self.assertEqual(self.numerics(self.send(alice, t, "WHO")), ["352", "352", "315"])

    def test_whois(self) -> None:
        """
        WHOIS shows user, channels, server (with protocol), operator, away,
        account and idle time; an unknown nick is 401 then 318.
        """
        alice, t = self.connect("alice")
        self.send(alice, t, "JOIN #lobby", "AWAY :gone fishing")
        alice.account = "alice"
        self.makeOperator("alice")
        self.clock.advance(42)
        carol, tc = self.connect("carol")
        messages = self.messages(self.send(carol, tc, "WHOIS ALICE"))
        self.assertEqual(
            [(m.command, m.params[1:]) for m in messages],
            [
                ("311", ["alice", "alice", self.guestHost, "*", "alice Real"]),
                ("319", ["alice", "@#lobby"]),
                ("312", ["alice", "chatd", "chatd (irc)"]),
                ("313", ["alice", "is an IRC operator"]),
                ("301", ["alice", "gone fishing"]),
                ("330", ["alice", "alice", "is logged in as"]),
                ("317", ["alice", "42", "1700000000", "seconds idle, signon time"]),
                ("318", ["alice", "End of /WHOIS list."]),
            ],
        )
        self.assertEqual(
            self.numerics(self.send(carol, tc, "WHOIS chatd bob")),
            ["311", "319", "312", "317", "318"],
        )
        self.assertEqual(self.numerics(self.send(carol, tc, "WHOIS nobody")), ["401", "318"])
        self.assertEqual(self.numerics(self.send(carol, tc, "WHOIS")), ["431"])

    def test_whoisIdleOnEveryProtocol(self) -> None:
        """
        C{WHOIS} gives the idle time and sign-on of a user of any protocol:
        idle since they last said something to people (in a room or in
        private), or since they signed on; a typing notice does not count.
        """
        start = int(self.clock.seconds())
        self.clock.advance(30)
        carol, tc = self.connect("carol")

        def idle() -> list[str]:
            replies = self.messages(self.send(carol, tc, "WHOIS bob"))
            return [m.params[2:4] for m in replies if m.command == "317"][0]

        self.assertEqual(idle(), ["30", str(start)])
        self.service.say(self.bob, "lobby", ("hello",))
        self.clock.advance(5)
        self.assertEqual(idle(), ["5", str(start)])
        self.service.say(self.bob, "lobby", (), tags=(("+typing", "active"),))
        self.clock.advance(5)
        self.assertEqual(idle(), ["10", str(start)])
        self.service.tell(self.bob, "carol", ("psst",))
        self.clock.advance(2)
        self.assertEqual(idle(), ["2", str(start)])

    def test_ison(self) -> None:
        """
        ISON answers with the nicknames online, as they are spelled.
        """
        alice, t = self.connect("alice")
        reply = self.send(alice, t, "ISON BOB nobody :alice x")
        self.assertEqual(self.messages(reply)[0].params, ["alice", "bob alice"])
        self.assertEqual(self.numerics(self.send(alice, t, "ISON")), ["461"])

    def test_userhost(self) -> None:
        """
        USERHOST gives nick[*]=[+-]user@host for each known nickname.
        """
        self.makeOperator("bob")
        alice, t = self.connect("alice")
        self.send(alice, t, "AWAY :x")
        reply = self.send(alice, t, "USERHOST bob alice nobody")
        self.assertEqual(
            self.messages(reply)[0].params,
            ["alice", f"bob*=+bob@{self.guestHost} alice=-alice@{self.guestHost}"],
        )
        self.assertEqual(self.numerics(self.send(alice, t, "USERHOST")), ["461"])

    def test_away(self) -> None:
        """
        AWAY with text is 306, without is 305.
        """
        alice, t = self.connect("alice")
        self.assertEqual(self.numerics(self.send(alice, t, "AWAY :out")), ["306"])
        self.assertEqual(alice.awayMessage, "out")
        self.assertEqual(self.numerics(self.send(alice, t, "AWAY")), ["305"])
        self.assertIsNone(alice.awayMessage)

    def test_lusers(self) -> None:
        """
        LUSERS counts users on every protocol, operators and rooms.
        """
        self.makeOperator("bob")
        alice, t = self.connect("alice")
        messages = self.messages(self.send(alice, t, "LUSERS"))
        self.assertEqual(
            [(m.command, m.params[1:]) for m in messages],
            [
                ("251", ["There are 2 users and 0 invisible on 1 servers"]),
                ("252", ["1", "operator(s) online"]),
                ("254", ["1", "channels formed"]),
                ("255", ["I have 2 clients and 0 servers"]),
                ("265", ["2", "2", "Current local users 2, max 2"]),
                ("266", ["2", "2", "Current global users 2, max 2"]),
            ],
        )
        self.service.disconnect(self.bob)
        [local] = [m for m in self.messages(self.send(alice, t, "LUSERS")) if m.command == "265"]
        self.assertEqual(local.params[1:3], ["1", "2"])

    def test_motd(self) -> None:
        """
        MOTD sends the factory's lines; with none, 422.
        """
        alice, t = self.connect("alice")
        self.assertEqual(
            self.numerics(self.send(alice, t, "MOTD")), ["375", "372", "372", "372", "376"]
        )
        factory = IRCFactory(self.service, self.clock, motd=(), floodBurst=None)
        proto, t2 = connect(factory, self.clock)
        proto.dataReceived(b"NICK carol\r\nUSER c 0 * :C\r\n")
        self.assertEqual(self.numerics(output(t2, self.clock).decode())[-1], "422")


class MaskTests(IRCTestCase):
    def setUp(self) -> None:
        super().setUp()
        bob = RecordingParticipant(protocolName="tchat")
        self.service.connect(bob)
        self.service.login(bob, "bob")
        self.service.enter(bob, "lobby")

    def test_whoMask(self) -> None:
        """
        WHO with wildcards matches nicknames without regard to case; people
        with user mode +i show only to those sharing a room with them.
        """
        alice, ta = self.connect("alice")
        self.connect("alfred")
        hidden, th = self.connect("albert")
        self.send(hidden, th, "MODE albert +i")
        replies = self.messages(self.send(alice, ta, "WHO AL*"))
        self.assertEqual(sorted(m.params[5] for m in replies[:-1]), ["alfred", "alice"])
        self.assertEqual(replies[-1].params[1:], ["AL*", "End of /WHO list."])
        self.send(alice, ta, "JOIN #lobby")
        self.send(hidden, th, "JOIN #lobby")
        self.read(ta)
        replies = self.messages(self.send(alice, ta, "WHO a?*e*"))
        self.assertEqual(sorted(m.params[5] for m in replies[:-1]), ["albert", "alfred", "alice"])

    def test_whoMaskMatchesHostRealNameServer(self) -> None:
        """
        A WHO mask matches the host, the real name and the server as well
        as the nickname (RFC 2812 3.6.1), C{0} everyone; people with +i
        stay hidden from those who share no room with them.
        """
        alice, ta = self.connect("alice")
        self.connect("alfred")
        hidden, th = self.connect("albert")
        self.send(hidden, th, "MODE albert +i")

        def who(mask: str) -> list[str]:
            replies = self.messages(self.send(alice, ta, f"WHO {mask}"))
            self.assertEqual(replies[-1].command, "315")
            return sorted(m.params[5] for m in replies[:-1])

        everyone = ["alfred", "alice", "bob"]
        self.assertEqual(who("0"), everyone)
        self.assertEqual(who("*"), everyone)
        self.assertEqual(who(self.guestHost.upper()), everyone)  # the host, in any case
        self.assertEqual(who("user/*"), [])  # nobody is signed in to an account
        self.assertEqual(who("*real"), ["alfred", "alice"])
        self.assertEqual(who("*tchat?user"), ["bob"])
        self.assertEqual(who("CHAT?"), everyone)  # the server's name
        self.assertEqual(who("albert"), ["albert"])  # a nickname: whoever holds it

    def test_whoOperatorsOnly(self) -> None:
        """
        C{WHO <mask> o} lists only chatd's operators (its IRC operators),
        with WHOX too; none: only C{315}.
        """
        alice, ta = self.connect("alice")
        self.send(alice, ta, "JOIN #lobby")
        self.assertEqual(self.numerics(self.send(alice, ta, "WHO #lobby o")), ["315"])
        self.makeOperator("alice", ta)
        replies = self.messages(self.send(alice, ta, "WHO #lobby o"))
        self.assertEqual([(m.command, m.params[5:6]) for m in replies[:-1]], [("352", ["alice"])])
        replies = self.messages(self.send(alice, ta, "WHO * o%n"))
        self.assertEqual([m.params[1:] for m in replies[:-1]], [["alice"]])
        self.assertEqual(self.numerics(self.send(alice, ta, "WHO #lobby")), ["352", "352", "315"])

    def test_userhostInNames(self) -> None:
        """
        With userhost-in-names, NAMES shows full hostmasks.
        """
        alice, ta = self.connect("alice", caps="userhost-in-names")
        self.send(alice, ta, "JOIN #lobby")
        reply = self.send(alice, ta, "NAMES #lobby")
        names = self.messages(reply)[0].params[-1].split()
        self.assertEqual(names, [f"bob!bob@{self.guestHost}", f"alice!alice@{self.guestHost}"])


class ServerQueryTests(IRCTestCase):
    def quit(self, nick: str, ident: str) -> None:
        """
        An IRC client registers as C{nick} with user name C{ident} and real
        name C{Realname}, then quits.
        """
        proto, t = self.connect(None)
        self.send(proto, t, f"NICK {nick}", f"USER {ident} 0 * :Realname", "QUIT :bye")
        proto.connectionLost()

    def test_whowasUnknown(self) -> None:
        """
        WHOWAS of a nickname nobody left answers 406 then 369; without a
        nickname, 431.
        """
        alice, t = self.connect("alice")
        reply = self.send(alice, t, "WHOWAS bob")
        self.assertEqual(
            [(m.command, m.params[1]) for m in self.messages(reply)],
            [("406", "bob"), ("369", "bob")],
        )
        self.assertEqual(self.numerics(self.send(alice, t, "WHOWAS")), ["431"])
        self.assertEqual(self.numerics(self.send(alice, t, "WHOWAS alice")), ["406", "369"])

    def test_whowas(self) -> None:
        """
        Someone who quit is described by 314 (nick, user, host, real name as
        they were shown) and 312 (server, when they left), then 369.
        """
        alice, t = self.connect("alice")
        self.clock.advance(30)
        self.quit("nick2", "ident2")
        messages = self.messages(self.send(alice, t, "WHOWAS NICK2"))
        self.assertEqual(
            [(m.prefix, m.command, m.params) for m in messages],
            [
                ("chatd", "314", ["alice", "nick2", "ident2", self.guestHost, "*", "Realname"]),
                ("chatd", "312", ["alice", "nick2", "chatd", "Tue Nov 14 22:13:50 2023 UTC"]),
                ("chatd", "369", ["alice", "NICK2", "End of WHOWAS"]),
            ],
        )

    def test_whowasOtherProtocols(self) -> None:
        """
        A TCHAT user who left, and an IRC user's former nickname, are
        remembered too.
        """
        bob = RecordingParticipant(protocolName="tchat")
        self.service.connect(bob)
        self.service.login(bob, "bob")
        alice, t = self.connect("alice")
        self.send(alice, t, "NICK alicia")
        self.service.disconnect(bob, "gone")
        [user, server, end] = self.messages(self.send(alice, t, "WHOWAS bob"))
        self.assertEqual(
            (user.command, user.params[1:]),
            ("314", ["bob", "bob", self.guestHost, "*", "chatd tchat user"]),
        )
        self.assertEqual((server.command, end.command), ("312", "369"))
        self.assertEqual(self.numerics(self.send(alice, t, "WHOWAS alice")), ["314", "312", "369"])

    def test_whowasCount(self) -> None:
        """
        Several entries come most recent first; a positive count limits
        them; zero, a negative or unreadable count means all.
        """
        alice, t = self.connect("alice")
        self.quit("nick2", "ident2")
        self.quit("nick2", "ident3")

        def users(line: str) -> list[str]:
            reply = self.messages(self.send(alice, t, line))
            self.assertEqual(reply[-1].command, "369")
            return [m.params[2] for m in reply if m.command == "314"]

        self.assertEqual(users("WHOWAS nick2"), ["ident3", "ident2"])
        self.assertEqual(users("WHOWAS nick2 1"), ["ident3"])
        self.assertEqual(users("WHOWAS nick2 2"), ["ident3", "ident2"])
        self.assertEqual(users("WHOWAS nick2 0"), ["ident3", "ident2"])
        self.assertEqual(users("WHOWAS nick2 -1"), ["ident3", "ident2"])
        self.assertEqual(users("WHOWAS nick2 many My.Little.Server"), ["ident3", "ident2"])

    def test_time(self) -> None:
        """
        TIME gives the server's time, from the factory's clock.
        """
        alice, t = self.connect("alice")
        [reply] = self.messages(self.send(alice, t, "TIME"))
        self.assertEqual(
            reply.params, ["alice", "chatd", "Tuesday November 14 2023 -- 22:13:20 +00:00"]
        )

    def test_version(self) -> None:
        """
        VERSION gives 351 and the ISUPPORT tokens again.
        """
        alice, t = self.connect("alice")
        messages = self.messages(self.send(alice, t, "VERSION"))
        self.assertEqual(messages[0].params[1:3], ["chatd-0.1", "chatd"])
        self.assertEqual([m.command for m in messages[1:]], ["005", "005", "005"])

    def test_admin(self) -> None:
        """
        ADMIN (of this server, by its name or a nickname here) says who
        runs it as far as the server knows: the network and version, how
        many chat operators are online; another server is 402.
        """
        alice, t = self.connect("alice")
        for line in ("ADMIN", "ADMIN CHATD", "ADMIN alice"):
            messages = self.messages(self.send(alice, t, line))
            self.assertEqual(
                [(m.command, m.params) for m in messages],
                [
                    ("256", ["alice", "chatd", "Administrative info"]),
                    ("257", ["alice", "chatd, run with chatd-0.1"]),
                    ("258", ["alice", "0 chat operator(s) online now"]),
                    ("259", ["alice", "Ask a chat operator: they are marked as such in WHOIS"]),
                ],
            )
        [refused] = self.messages(self.send(alice, t, "ADMIN irc.example.org"))
        self.assertEqual(
            (refused.command, refused.params),
            ("402", ["alice", "irc.example.org", "No such server"]),
        )

    def test_stats(self) -> None:
        """
        STATS u gives the uptime, from the listener's start; every query
        ends with 219, the only answer to the others.
        """
        alice, t = self.connect("alice")
        self.clock.advance(86400 + 3661)
        messages = self.messages(self.send(alice, t, "STATS u"))
        self.assertEqual(
            [(m.command, m.params) for m in messages if m.command != "PING"],  # a day's silence
            [
                ("242", ["alice", "Server Up 1 days 01:01:01"]),
                ("219", ["alice", "u", "End of STATS report"]),
            ],
        )
        for line, query in (("STATS o", "o"), ("STATS", "*")):
            [end] = self.messages(self.send(alice, t, line))
            self.assertEqual(
                (end.command, end.params), ("219", ["alice", query, "End of STATS report"])
            )

    def test_links(self) -> None:
        """
        LINKS shows this server, with its description, then the services
        server linked to it (one hop away, C{services.<server>} by default),
        then the end.
        """
        self.factory.serverInfo = "the club's chat"
        alice, t = self.connect("alice")
        messages = self.messages(self.send(alice, t, "LINKS"))
        self.assertEqual(
            [(m.command, m.params) for m in messages],
            [
                ("364", ["alice", "chatd", "chatd", "0 the club's chat"]),
                ("364", ["alice", "services.chatd", "chatd", "1 chatd services"]),
                ("365", ["alice", "*", "End of /LINKS list"]),
            ],
        )
        named = IRCFactory(self.service, self.clock, serverName="irc.example.org")
        self.assertEqual(named.servicesName, "services.irc.example.org")
        chosen = IRCFactory(self.service, self.clock, servicesName="My.Little.Services")
        self.assertEqual(chosen.servicesName, "My.Little.Services")


class LongListTests(IRCTestCase):
    """
    Replies listing more than one line holds: split over lines of the same
    numeric, each within 512 bytes, no item cut.
    """

    def setUp(self) -> None:
        super().setUp()
        self.service = ChatService(self.clock, maxRoomsPerUser=None)
        self.factory = IRCFactory(
            self.service, self.clock, floodBurst=None, presence=self.service.people.presence
        )

    def split(self, text: str, code: str) -> list[list[str]]:
        """
        The words of each C{code} line of C{text}, checking each line fits.
        """
        lines = [line for line in text.split("\r\n") if f" {code} " in line]
        for line in lines:
            self.assertLessEqual(len(line.encode("utf-8")) + 2, 512, line)
        return [
            m.params[-1].split() for m in self.messages("".join(line + "\r\n" for line in lines))
        ]

    def test_whoisChannels(self) -> None:
        """
        A user in 40 channels is shown in all of them, over two C{319}
        lines, each name whole.  (An operator: 40 entries at once are more
        than a user's allowance, L{chatd.core.allowance}.)
        """
        alice, ta = self.connect("alice")
        self.service.grantOperator(alice.participant)
        channels = [f"#room-number-{n:02d}" for n in range(40)]
        for start in range(0, 40, 10):
            self.send(alice, ta, "JOIN " + ",".join(channels[start : start + 10]))
        carol, tc = self.connect("carol")
        lines = self.split(self.send(carol, tc, "WHOIS alice"), "319")
        self.assertEqual(len(lines), 2)
        self.assertEqual([word for line in lines for word in line], [f"@{c}" for c in channels])

    def test_ison(self) -> None:
        """
        C{ISON} of 29 long nicknames online (a line of 499 bytes) names
        them all, over two C{303} lines, never a piece of one.
        """
        nicks = [f"isonuser{n:08d}" for n in range(29)]
        for nick in nicks:
            self.connect(nick)
        alice, ta = self.connect("alicealicealice")
        lines = self.split(self.send(alice, ta, "ISON " + " ".join(nicks)), "303")
        self.assertEqual(len(lines), 2)
        self.assertEqual([word for line in lines for word in line], nicks)

    def test_isupportWithLongNetworkName(self) -> None:
        """
        C{005} lines hold at most 12 tokens and fewer when they are long,
        each line within 512 bytes and every token whole.
        """
        self.factory.networkName = "N" * 400
        alice, ta = self.connect("alice")
        replies = self.messages(self.send(alice, ta, "VERSION"))
        tokens = [m.params[1:-1] for m in replies if m.command == "005"]
        self.assertIn("NETWORK=" + "N" * 400, [token for line in tokens for token in line])
        self.assertTrue(all(len(line) <= 12 for line in tokens))
        self.split(self.send(alice, ta, "VERSION"), "005")
