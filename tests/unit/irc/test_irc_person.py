"""
One account signed in from several IRC connections is one person: what it
does shows the same on each of them as to everyone else (its own C{PART}'s
tags), and its user modes are the person's, not one connection's.
"""

from __future__ import annotations

from twisted.internet.testing import StringTransport

from chatd.admin.commands import Consoles
from chatd.irc.factory import IRCFactory
from chatd.irc.protocol import IRCProtocol
from tests.support.ircstorecase import IRCStoreTestCase
from tests.support.operpasswords import operChecker


class IRCPersonTests(IRCStoreTestCase):
    def signIn(
        self, nick: str, password: str | None, *caps: str
    ) -> tuple[IRCProtocol, StringTransport]:
        proto, t = self.client()
        request = [f"CAP REQ :{' '.join(caps)}"] if caps else []
        login = [f"PASS {password}"] if password else []
        self.send(proto, t, *request, *login, f"NICK {nick}", "USER u 0 * :U", "CAP END")
        return proto, t

    def test_ownPartTagged(self) -> None:
        """
        A PART from one connection carries the same tags (its time, the
        account) to that connection, the person's other connection and
        another member with C{account-tag}.
        """
        caps = ("server-time", "account-tag")
        laptop, tl = self.signIn("alice", "sesame", *caps)
        phone, tp = self.signIn("alice", "sesame", *caps)
        bob, tb = self.signIn("bob", None, *caps)
        self.send(bob, tb, "JOIN #club")
        self.send(laptop, tl, "JOIN #club")
        self.send(phone, tp)
        self.send(bob, tb)
        told = self.send(laptop, tl, "PART #club") + self.send(phone, tp) + self.send(bob, tb)
        parts = [m.tags for m in told if m.command == "PART"]
        self.assertEqual(len(parts), 3)
        self.assertEqual(parts[0]["account"], "alice")
        self.assertEqual(parts, [parts[0]] * 3)

    def test_ownPartTaggedWithReason(self) -> None:
        """
        A PART with a reason, too.
        """
        caps = ("account-tag",)
        laptop, tl = self.signIn("alice", "sesame", *caps)
        phone, tp = self.signIn("alice", "sesame", *caps)
        self.send(laptop, tl, "JOIN #club")
        self.send(phone, tp)
        told = self.send(laptop, tl, "PART #club :bye") + self.send(phone, tp)
        self.assertEqual(
            [(m.params, m.tags) for m in told if m.command == "PART"],
            [(["#club", "bye"], {"account": "alice"})] * 2,
        )

    def mode(self, proto: IRCProtocol, t: StringTransport) -> list[str]:
        [umode] = [m for m in self.send(proto, t, "MODE alice") if m.command == "221"]
        return umode.params[1:]

    def whoStar(self) -> list[str]:
        guest, tg = self.signIn(f"guest{len(self.service.people.users())}", None)
        return [m.params[5] for m in self.send(guest, tg, "WHO *") if m.command == "352"]

    def test_modeChangeSharedByConnections(self) -> None:
        """
        C{MODE alice +i} from one connection is the person's: the other
        connection is shown the change as its own C{MODE} line, C{221} is
        the same on both, and C{WHO *} of someone sharing no room hides
        her; C{-i} from the other shows her again.
        """
        laptop, tl = self.signIn("alice", "sesame")
        phone, tp = self.signIn("alice", "sesame")
        self.send(laptop, tl)
        echo = self.send(phone, tp, "MODE alice +i")
        told = self.send(laptop, tl)
        self.assertEqual(
            [(m.prefix, m.command, m.params) for m in echo + told],
            [(echo[0].prefix, "MODE", ["alice", "+i"])] * 2,
        )
        self.assertEqual((self.mode(laptop, tl), self.mode(phone, tp)), (["+i"], ["+i"]))
        self.assertNotIn("alice", self.whoStar())
        self.send(laptop, tl, "MODE alice -i")
        self.assertEqual([m.params for m in self.send(phone, tp)], [["alice", "-i"]])
        self.assertIn("alice", self.whoStar())

    def test_newConnectionHasThePersonsModes(self) -> None:
        """
        A connection joining a person that set C{+iw} has them (C{221}),
        and stays hidden from C{WHO} masks.
        """
        laptop, tl = self.signIn("alice", "sesame")
        self.send(laptop, tl, "MODE alice +iw")
        phone, tp = self.signIn("alice", "sesame")
        self.assertEqual(self.mode(phone, tp), ["+iw"])
        self.assertNotIn("alice", self.whoStar())

    def test_invisibleCountedOnce(self) -> None:
        """
        C{LUSERS} counts the person invisible once, whichever connection
        set C{+i}, and no more once it is unset.
        """
        laptop, tl = self.signIn("alice", "sesame")
        phone, tp = self.signIn("alice", "sesame")
        self.send(phone, tp, "MODE alice +i")

        def invisible() -> str:
            [line] = [m for m in self.send(laptop, tl, "LUSERS") if m.command == "251"]
            return line.params[-1]

        self.assertIn("and 1 invisible", invisible())
        self.send(laptop, tl, "MODE alice -i")
        self.assertIn("and 0 invisible", invisible())
        self.send(laptop, tl, "MODE alice +i")
        phone.connectionLost(None)
        self.assertIn("and 1 invisible", invisible())
        laptop.connectionLost(None)
        self.assertEqual(self.service.people.invisible, set())

    def test_wallopsReachEveryConnection(self) -> None:
        """
        C{+w} set from one connection brings operators' C{WALLOPS} to each.
        """
        laptop, tl = self.signIn("alice", "sesame")
        phone, tp = self.signIn("alice", "sesame")
        self.send(phone, tp, "MODE alice +w")
        moder, tm = self.signIn("moder", None)
        moder_ = self.service.find("moder")
        assert moder_ is not None
        self.service.grantOperator(moder_)
        self.send(moder, tm, "WALLOPS :hear ye")
        for proto, t in ((laptop, tl), (phone, tp)):
            self.assertEqual(
                [m.params for m in self.send(proto, t) if m.command == "WALLOPS"], [["hear ye"]]
            )

    def test_operIsThePersons(self) -> None:
        """
        C{OPER} on one connection makes the person an operator: the other
        is shown C{MODE +o} (before her channel's) and acts as one; the console's C{deop} ends it
        on both, each told C{-o} (and shown her status in her channel
        change); C{MODE alice -o} from either drops it.
        """
        self.factory.operChecker = operChecker(self, self.clock)
        laptop, tl = self.signIn("alice", "sesame")
        phone, tp = self.signIn("alice", "sesame")
        self.send(phone, tp, "OPER operuser operpassword")
        shown = [m.params for m in self.send(laptop, tl)]
        self.assertEqual(shown, [["alice", "+o"], ["#Général", "+o", "alice"]])
        self.assertTrue(self.service.isOperator(laptop))
        self.assertEqual(self.mode(laptop, tl), ["+o"])
        self.successResultOf(Consoles(self.service)("root").execute("deop alice"))
        for proto, t in ((laptop, tl), (phone, tp)):
            told = [(m.command, m.params) for m in self.send(proto, t)]
            self.assertEqual([command for command, _ in told], ["NOTICE", "MODE", "MODE"])
            self.assertEqual(told[1][1], ["alice", "-o"])
            self.assertEqual(told[2][1], ["#Général", "-o", "alice"])
            self.assertFalse(self.service.isOperator(proto))
            self.assertEqual(self.mode(proto, t), ["+"])
        self.send(phone, tp, "OPER operuser operpassword")
        self.send(laptop, tl, "MODE alice -o")
        dropped = [m.params for m in self.send(phone, tp)]
        self.assertEqual(dropped, [["alice", "-o"], ["#Général", "-o", "alice"]])
        self.assertFalse(self.service.isOperator(phone))

    def test_identifyTakesThePersonsModes(self) -> None:
        """
        A guest that joins the account's person with NickServ's
        C{IDENTIFY} has the person's user modes from then on, and is shown
        the change (C{MODE}) after its C{NICK}.
        """
        self.factory = IRCFactory(
            self.service, self.clock, floodBurst=None, accountRegistration=True
        )
        laptop, tl = self.signIn("alice", "sesame")
        self.send(laptop, tl, "MODE alice +iw")
        guest, tg = self.signIn("someone", None)
        self.send(guest, tg, "MODE someone +B")
        told = self.send(guest, tg, "PRIVMSG NickServ :IDENTIFY alice sesame")
        shown = [(m.command, m.params) for m in told if m.command in ("NICK", "MODE")]
        self.assertEqual(shown, [("NICK", ["alice"]), ("MODE", ["alice", "+iw-B"])])
        self.assertEqual(self.mode(guest, tg), ["+iw"])
        self.assertEqual(self.service.people.invisible, {self.service.find("alice")})

    def test_welcomeShowsThePersonsModes(self) -> None:
        """
        A connection that joins a person with C{+iw} at connect, by C{PASS}
        or SASL, is shown them once in its welcome, after C{005}, as a
        C{MODE} line from its own mask; a guest with no modes gets none.
        """
        laptop, tl = self.signIn("alice", "sesame")
        self.send(laptop, tl, "MODE alice +iw")
        phone, tp = self.client()
        byPass = self.send(phone, tp, "PASS sesame", "NICK alice", "USER u 0 * :U")
        tablet, tt, bySASL = self.saslAs("alice", "sesame", "alice")
        for welcome in (byPass, bySASL):
            commands = self.codes(welcome)
            modes = [(m.prefix, m.params) for m in welcome if m.command == "MODE"]
            self.assertEqual(modes, [("alice!u@user/alice", ["alice", "+iw"])])
            self.assertGreater(commands.index("MODE"), commands.index("005"))
        guest, tg = self.client()
        told = self.send(guest, tg, "NICK someone", "USER u 0 * :U")
        self.assertIn("001", self.codes(told))
        self.assertNotIn("MODE", self.codes(told))
