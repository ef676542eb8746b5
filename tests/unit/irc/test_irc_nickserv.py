# -*- test-case-name: tests.unit.irc.test_irc_nickserv -*-
"""
NickServ (L{chatd.irc.nickserv}) through the real IRC protocol: signing in
and registering, what it refuses, where its passwords do not go, and how
IRC's queries show it and its services server.
"""

from __future__ import annotations

from twisted.internet.defer import Deferred
from twisted.internet.testing import StringTransport
from twisted.logger import capturedLogs, formatEvent

from chatd.core.delivery import connectionsOf
from chatd.irc.factory import IRCFactory
from chatd.irc.message import Message
from chatd.irc.protocol import IRCProtocol
from tests.support.irchelpers import IRCTestCase
from tests.support.ircstorecase import IRCStoreTestCase

MASK = "NickServ!NickServ@services.chatd"


class NickServTestCase(IRCStoreTestCase):
    """
    A server with accounts (C{alice}/C{sesame}), whose IRC front-end keeps
    MONITOR lists and offers account registration.
    """

    def setUp(self) -> None:
        super().setUp()
        self.factory = IRCFactory(
            self.service,
            self.clock,
            floodBurst=None,
            accountRegistration=True,
            presence=self.service.people.presence,
        )

    def connected(
        self, nick: str, caps: str = "", *more: str
    ) -> tuple[IRCProtocol, StringTransport]:
        proto, t = self.client()
        lines = [f"CAP REQ :{caps}"] if caps else []
        lines += [*more, f"NICK {nick}", f"USER {nick} 0 * :{nick}"]
        lines += ["CAP END"] if caps else []
        self.assertIn("001", self.codes(self.send(proto, t, *lines)))
        return proto, t

    def notices(self, replies: list[Message]) -> list[str]:
        """
        The texts of NickServ's notices among C{replies}: from NickServ on
        the services server.
        """
        return [m.params[1] for m in replies if m.command == "NOTICE" and m.prefix == MASK]

    def registerMeanwhile(self, nick: str, password: str) -> None:
        """
        Register C{nick} while a guest holds it (as another node would).
        """
        persistence = self.service.persistence
        assert persistence is not None
        self.successResultOf(Deferred.fromCoroutine(persistence.accounts.register(nick, password)))
        persistence.registered.add(nick)

    def accountIn(self, proto: IRCProtocol, t: StringTransport, nick: str) -> str | None:
        """
        The account C{WHOIS nick} shows (C{330}), if any.
        """
        whois = self.send(proto, t, f"WHOIS {nick}")
        shown = [m.params[2] for m in whois if m.command == "330"]
        return shown[0] if shown else None


class IdentifyTests(NickServTestCase):
    def test_otherAccount(self) -> None:
        """
        C{IDENTIFY alice sesame} from a guest: C{900} then NickServ's
        notice; the connection keeps its nickname (no C{NICK}) and is logged
        in to C{alice}.
        """
        proto, t = self.connected("guest")
        replies = self.send(proto, t, "PRIVMSG NickServ :IDENTIFY alice sesame")
        self.assertEqual(self.codes(replies), ["900", "NOTICE"])
        self.assertEqual(replies[0].params[1:3], ["guest!guest@user/alice", "alice"])
        self.assertEqual(self.notices(replies), ["You are now logged in as alice."])
        self.assertEqual(proto.nick, "guest")
        self.assertEqual(self.accountIn(proto, t, "guest"), "alice")

    def test_ownNickname(self) -> None:
        """
        C{IDENTIFY <password>} signs in to the nickname's own account (a
        guest whose name was registered meanwhile).
        """
        proto, t = self.connected("carol")
        self.registerMeanwhile("carol", "secret")
        replies = self.send(proto, t, "PRIVMSG NickServ :identify secret")
        self.assertEqual(self.codes(replies), ["900", "NOTICE"])
        self.assertEqual(self.accountIn(proto, t, "carol"), "carol")

    def test_wrongPassword(self) -> None:
        """
        A wrong password, an unknown account and a wrong password for the
        nickname's account are one notice, and change nothing; the right
        password then works.
        """
        proto, t = self.connected("guest")
        for line in ("IDENTIFY alice nope", "IDENTIFY nobody sesame", "IDENTIFY sesame"):
            replies = self.send(proto, t, f"PRIVMSG NickServ :{line}")
            self.assertEqual(self.codes(replies), ["NOTICE"], line)
            self.assertIn("Invalid password", self.notices(replies)[0])
        self.assertIsNone(self.accountIn(proto, t, "guest"))
        self.clock.advance(60)  # the password gate's back-off
        replies = self.send(proto, t, "PRIVMSG NickServ :IDENTIFY alice sesame")
        self.assertEqual(self.codes(replies), ["900", "NOTICE"])

    def test_signedInElsewhere(self) -> None:
        """
        C{IDENTIFY} for an account signed in from another connection (a
        second device) joins that person, as a login with its password
        does: the connection leaves its own channel (whose members see it
        quit) and is shown taking the person's nickname and joining its
        channels; the person's other connection is told nothing.
        """
        alice, ta = self.connected("alice", "", "PASS sesame")
        self.send(alice, ta, "JOIN #Blabla")
        proto, t = self.connected("guest")
        watch, tw = self.connected("watch")
        self.send(proto, t, "JOIN #Lounge")
        self.send(watch, tw, "JOIN #Lounge")
        self.send(proto, t)
        replies = self.send(proto, t, "PRIVMSG NickServ :IDENTIFY alice sesame")
        guest = f"guest!guest@{self.guestHost}"
        self.assertEqual(
            [(m.command, m.prefix, m.params[0]) for m in replies[:2]],
            [("PART", guest, "#Lounge"), ("NICK", guest, "alice")],
        )
        self.assertEqual(self.codes(replies)[2:4], ["900", "NOTICE"])
        self.assertEqual(replies[2].params[1:3], ["alice!alice@user/alice", "alice"])
        self.assertEqual(self.notices(replies), ["You are now logged in as alice."])
        joins = [m.params[0] for m in replies if m.command == "JOIN"]
        self.assertEqual(sorted(joins), ["#Blabla", "#Général"])
        self.assertEqual((proto.nick, self.accountIn(proto, t, "alice")), ("alice", "alice"))
        self.assertIs(self.service.find("alice"), self.service.people.personOf(proto))
        self.assertIsNone(self.service.find("guest"))
        self.assertEqual([(m.command, m.prefix) for m in self.send(watch, tw)], [("QUIT", guest)])
        self.assertEqual(self.send(alice, ta), [])

    def test_signedInElsewhereAtTheLimit(self) -> None:
        """
        At the account's limit of connections, C{IDENTIFY} takes the place
        of the one heard from least recently, as a login with the password
        does: that one is told why and closed.
        """
        self.service.people.maxConnections = 1
        alice, ta = self.connected("alice", "", "PASS sesame")
        proto, t = self.connected("guest")
        self.send(proto, t, "PRIVMSG NickServ :IDENTIFY alice sesame")
        self.assertEqual(proto.nick, "alice")
        self.assertEqual(connectionsOf(self.service.people.personOf(proto)), [proto])
        closing = [m for m in self.send(alice, ta) if m.command == "ERROR"]
        self.assertIn("a newer connection of your account took its place", closing[0].params[0])

    def test_wrongPasswordAtTheLimitTellsNothing(self) -> None:
        """
        A wrong password for an account signed in from as many connections
        as it may have is refused as any account signed in elsewhere is:
        nothing says how many connections it has.
        """
        self.service.people.maxConnections = 1
        self.connected("alice", "", "PASS sesame")
        proto, t = self.connected("guest")
        replies = self.send(proto, t, "PRIVMSG NickServ :IDENTIFY alice wrong")
        self.assertNotIn("connection", self.notices(replies)[0])
        self.assertIsNone(self.accountIn(proto, t, "guest"))

    def test_tooManyAttempts(self) -> None:
        """
        IDENTIFY goes through the password gate, as SASL does: when too
        many checks wait, it is refused at once (try again later).
        """
        persistence = self.service.persistence
        assert persistence is not None
        persistence.accounts.gate.maxPending = 0
        proto, t = self.connected("guest")
        replies = self.send(proto, t, "PRIVMSG NickServ :IDENTIFY alice sesame")
        self.assertEqual(self.codes(replies), ["NOTICE"])
        self.assertIn("too many login attempts", self.notices(replies)[0])
        self.assertIsNone(self.accountIn(proto, t, "guest"))

    def test_alreadyLoggedIn(self) -> None:
        """
        A connection logged in to an account (by NickServ, or with C{PASS})
        is told so, and stays in it.
        """
        self.registered("bob", "hunter22")
        proto, t = self.connected("guest")
        self.send(proto, t, "PRIVMSG NickServ :IDENTIFY alice sesame")
        replies = self.send(proto, t, "PRIVMSG NickServ :IDENTIFY bob hunter22")
        self.assertEqual(self.notices(replies), ["You are already logged in as alice."])
        self.assertEqual(self.accountIn(proto, t, "guest"), "alice")
        proto, t = self.connected("bob", "", "PASS hunter22")
        replies = self.send(proto, t, "PRIVMSG NickServ :IDENTIFY hunter22")
        self.assertEqual(self.notices(replies), ["You are already logged in as bob."])

    def test_accountNotify(self) -> None:
        """
        Someone sharing a channel, with C{account-notify}, hears of the
        sign-in: C{ACCOUNT alice} from the guest's own prefix.
        """
        proto, t = self.connected("guest")
        self.send(proto, t, "JOIN #lobby")
        peer, pt = self.connected("dave", "account-notify")
        self.send(peer, pt, "JOIN #lobby")
        self.send(proto, t, "PRIVMSG NickServ :IDENTIFY alice sesame")
        [told] = self.send(peer, pt)
        self.assertEqual((told.command, told.params), ("ACCOUNT", ["alice"]))
        self.assertEqual(str(told.prefix).split("!")[0], "guest")

    def test_syntax(self) -> None:
        """
        IDENTIFY with no password or too many words says how to use it.
        """
        proto, t = self.connected("guest")
        for line in ("IDENTIFY", "IDENTIFY a b c"):
            replies = self.send(proto, t, f"PRIVMSG NickServ :{line}")
            self.assertEqual(self.notices(replies), ["Syntax: IDENTIFY [account] <password>"])


class PasswordTests(NickServTestCase):
    def test_goesNowhere(self) -> None:
        """
        A password said to NickServ (right or wrong) is not echoed to the
        sender (even with C{echo-message}), reaches none of its person's
        other connections, nobody in its channels, no watcher, no log line,
        and nothing is kept in the store as a message.
        """
        self.registered("bob", "hunter22")
        bob, tb = self.connected("bob", "echo-message", "PASS hunter22")
        sibling, ts = self.connected("bob", "echo-message", "PASS hunter22")
        guest, tg = self.connected("guest", "echo-message labeled-response")
        watcher, tw = self.connected("dave", "account-notify")
        self.send(watcher, tw, "MONITOR + guest,bob", "JOIN #lobby")
        for proto, t in ((bob, tb), (guest, tg)):
            self.send(proto, t, "JOIN #lobby")
        self.send(sibling, ts)
        self.send(watcher, tw)
        nextId = self.successResultOf(self.store.mark())
        with capturedLogs() as events:
            said = [
                self.send(guest, tg, "PRIVMSG NickServ :IDENTIFY alice wrongpass1"),
                self.send(guest, tg, "@label=x PRIVMSG NickServ :IDENTIFY alice sesame"),
                self.send(bob, tb, "PRIVMSG nickserv :IDENTIFY alice sesame"),
                self.send(bob, tb, "NS REGISTER anotherpw"),
            ]
            heard = [self.send(sibling, ts), self.send(watcher, tw)]
        for replies in said:
            self.assertNotIn("PRIVMSG", self.codes(replies))
        for text in ("wrongpass1", "sesame", "anotherpw"):
            for replies in said + heard:
                self.assertNotIn(text, " ".join(" ".join(m.params) for m in replies))
            for event in events:
                self.assertNotIn(text, formatEvent(event) + repr(event))
        self.assertTrue(any("bad password for alice" in formatEvent(e) for e in events))
        self.assertEqual(self.successResultOf(self.store.mark()), nextId)  # no message stored
        self.assertEqual(self.codes(heard[1]), ["ACCOUNT"])  # the sign-in, not the words

    def test_noticeIgnored(self) -> None:
        """
        A C{NOTICE} or C{TAGMSG} to NickServ is never answered, and
        signs in to nothing.
        """
        proto, t = self.connected("guest", "message-tags")
        replies = self.send(
            proto, t, "NOTICE NickServ :IDENTIFY alice sesame", "@+typing=active TAGMSG NickServ"
        )
        self.assertEqual(replies, [])
        self.assertIsNone(self.accountIn(proto, t, "guest"))


class RegisterTests(NickServTestCase):
    def test_register(self) -> None:
        """
        C{REGISTER <password> <email>} registers the nickname (the e-mail
        address is dropped): C{900} and a notice, then the rooms a new
        account is put in, as on every protocol; the name then needs the
        password.
        """
        proto, t = self.connected("dave")
        replies = self.send(proto, t, "PRIVMSG NickServ :REGISTER passphrase dave@example.org")
        self.assertEqual(self.codes(replies)[:3], ["900", "NOTICE", "JOIN"])
        self.assertIn("Account dave registered", self.notices(replies)[0])
        self.assertTrue(self.successResultOf(self.service.isRegistered("dave")))
        self.send(proto, t, "QUIT")
        other, to = self.connected("guest")
        self.assertEqual(
            self.codes(self.send(other, to, "NS IDENTIFY dave passphrase")), ["900", "NOTICE"]
        )

    def test_refusals(self) -> None:
        """
        The core's password rule decides (its words, not the IRC layer's);
        a connection logged in to an account is told so; a missing password
        is the syntax.
        """
        proto, t = self.connected("dave")
        replies = self.send(proto, t, "PRIVMSG NickServ :REGISTER abc")
        self.assertEqual(self.codes(replies), ["NOTICE"])
        self.assertIn("a password is 4 to 1024 characters, no spaces", self.notices(replies)[0])
        self.assertFalse(self.successResultOf(self.service.isRegistered("dave")))
        replies = self.send(proto, t, "PRIVMSG NickServ :REGISTER")
        self.assertEqual(self.notices(replies), ["Syntax: REGISTER <password> [email]"])
        self.send(proto, t, "PRIVMSG NickServ :IDENTIFY alice sesame")
        replies = self.send(proto, t, "PRIVMSG NickServ :REGISTER passphrase")
        self.assertEqual(self.notices(replies), ["You are already logged in as alice."])
        self.assertFalse(self.successResultOf(self.service.isRegistered("dave")))


class CommandTests(NickServTestCase):
    def test_help(self) -> None:
        """
        C{HELP} lists every command, C{HELP identify} one; an unknown
        command and an empty line point at HELP.
        """
        proto, t = self.connected("guest")
        listed = self.notices(self.send(proto, t, "PRIVMSG NickServ :HELP"))
        for command in ("IDENTIFY", "REGISTER", "INFO", "LOGOUT", "HELP"):
            self.assertTrue(any(line.startswith(command) for line in listed), command)
        [one] = self.notices(self.send(proto, t, "PRIVMSG NickServ :help identify"))
        self.assertTrue(one.startswith("IDENTIFY [account] <password>"))
        [unknown] = self.notices(self.send(proto, t, "PRIVMSG NickServ :GHOST bob"))
        self.assertEqual(unknown, "Unknown command GHOST: /msg NickServ HELP lists the commands.")
        [empty] = self.notices(self.send(proto, t, "PRIVMSG NickServ :  "))
        self.assertIn("HELP", empty)

    def test_infoAndLogout(self) -> None:
        """
        C{INFO} says whether an account is registered; C{LOGOUT} is not
        offered, and says why.
        """
        proto, t = self.connected("guest")
        self.assertEqual(
            self.notices(self.send(proto, t, "NS INFO alice", "NS INFO zed")),
            ["alice is a registered account.", "zed is not registered."],
        )
        [logout] = self.notices(self.send(proto, t, "NS LOGOUT"))
        self.assertIn("not supported", logout)
        self.assertIn("QUIT", logout)

    def test_targets(self) -> None:
        """
        NickServ in any case, and C{NickServ@<services server>}, are
        NickServ; at another server it is nobody (C{401}), and the words go
        to no one.  With C{server-time}, its notices carry the time.
        """
        proto, t = self.connected("guest", "server-time")
        for target in ("nickserv", "NICKSERV", "NickServ@services.chatd"):
            [reply] = self.send(proto, t, f"PRIVMSG {target} :INFO alice")
            self.assertEqual((reply.prefix, reply.command), (MASK, "NOTICE"), target)
            self.assertIn("time", reply.tags)
        [reply] = self.send(proto, t, "PRIVMSG NickServ@elsewhere :INFO alice")
        self.assertEqual(reply.command, "401")

    def test_servicesName(self) -> None:
        """
        NickServ is at the services server the listener names.
        """
        self.factory.servicesName = "My.Little.Services"
        proto, t = self.connected("guest")
        [reply] = self.send(proto, t, "PRIVMSG NickServ :INFO alice")
        self.assertEqual(reply.prefix, "NickServ!NickServ@My.Little.Services")


class WithoutAccountsTests(IRCTestCase):
    def test_noStore(self) -> None:
        """
        A server without a store answers IDENTIFY and REGISTER that it keeps
        no accounts.
        """
        proto, t = self.connect("guest")
        for line in ("IDENTIFY alice sesame", "REGISTER passphrase"):
            [reply] = self.messages(self.send(proto, t, f"PRIVMSG NickServ :{line}"))
            self.assertEqual(
                (reply.command, reply.params[1]), ("NOTICE", "This server keeps no accounts.")
            )


class QueryTests(IRCTestCase):
    def test_nickRefused(self) -> None:
        """
        C{NICK NickServ} (any case) is C{432}, before registration and
        after; the name stays free of users.
        """
        proto, t = self.connect()
        reply = self.messages(self.send(proto, t, "NICK NickServ", "USER x 0 * :X"))
        self.assertEqual([(m.command, m.params[1]) for m in reply], [("432", "NickServ")])
        self.assertIn("reserved", reply[0].params[2])
        proto, t = self.connect("bob")
        reply = self.messages(self.send(proto, t, "NICK nickserv"))
        self.assertEqual([m.command for m in reply], ["432"])
        self.assertEqual(proto.nick, "bob")

    def test_authorityNamesRefused(self) -> None:
        """
        C{NICK chatd} (the server's name), C{NICK ChanServ} and look-alikes
        of C{admin} and C{NickServ} (small capitals too: C{ᴀdmin},
        C{ɴickServ}) are C{432}, saying why; the server's name is the one
        it is given, and a name like it is anyone's elsewhere.
        """
        proto, t = self.connect("bob")
        refusals = {
            "chatd": "chatd is the server's own name, reserved: its messages would pass",
            "ChanServ": "ChanServ is reserved for the server's services and administrators",
            "adm1n": "administrators (it reads as admin)",
            "\u0274ickServ": "reserved for the network's services",  # small capital N
            "\u1d00dmin": "administrators (it reads as admin)",
        }
        for name, why in refusals.items():
            [reply] = self.messages(self.send(proto, t, f"NICK {name}"))
            self.assertEqual((reply.command, reply.params[1]), ("432", name))
            self.assertIn(why, reply.params[2])
        self.assertEqual(proto.nick, "bob")
        self.service.serverName = "hub"
        [reply] = self.messages(self.send(proto, t, "NICK HUB"))
        self.assertEqual(reply.command, "432")
        self.send(proto, t, "NICK chatd")
        self.assertEqual(proto.nick, "chatd")

    def test_whoisWho(self) -> None:
        """
        C{WHOIS NickServ} shows a service on the services server; C{WHO}
        (and WHOX) a user there, one hop away.
        """
        proto, t = self.connect("bob")
        whois = self.messages(self.send(proto, t, "WHOIS NickServ"))
        self.assertEqual(
            [(m.command, m.params[1:]) for m in whois],
            [
                (
                    "311",
                    [
                        "NickServ",
                        "NickServ",
                        "services.chatd",
                        "*",
                        "Nickname and account services",
                    ],
                ),
                ("312", ["NickServ", "services.chatd", "chatd services"]),
                ("313", ["NickServ", "is a network service"]),
                ("318", ["NickServ", "End of /WHOIS list."]),
            ],
        )
        who = self.messages(self.send(proto, t, "WHO nickserv"))
        self.assertEqual([m.command for m in who], ["352", "315"])
        self.assertEqual(
            who[0].params[2:8],
            [
                "NickServ",
                "services.chatd",
                "services.chatd",
                "NickServ",
                "H",
                "1 Nickname and account services",
            ],
        )
        whox = self.messages(self.send(proto, t, "WHO NickServ %tnsd,7"))
        self.assertEqual(whox[0].params, ["bob", "7", "services.chatd", "NickServ", "1"])

    def test_isonMonitor(self) -> None:
        """
        C{ISON} and C{MONITOR} show NickServ online, always.
        """
        proto, t = self.connect("bob")
        [ison] = self.messages(self.send(proto, t, "ISON NickServ bob nobody"))
        self.assertEqual(ison.params[1], "NickServ bob")
        [online, offline] = self.messages(self.send(proto, t, "MONITOR + NickServ,nobody"))
        self.assertEqual((online.command, online.params[1]), ("730", MASK))
        self.assertEqual((offline.command, offline.params[1]), ("731", "nobody"))
