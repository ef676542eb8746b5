"""
Tests for L{chatd.irc.oper}: C{OPER} against the admin password file.
"""

from __future__ import annotations

from chatd.admin.commands import AdminConsole, Consoles
from chatd.admin.credentials import AdminChecker
from chatd.admin.sessions import REVOKE_ADMIN
from chatd.irc.factory import IRCFactory
from tests.support.irchelpers import IRCTestCase
from tests.support.operpasswords import operChecker


class OperTestCase(IRCTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.factory.operChecker = operChecker(self, self.clock)


class OperTests(OperTestCase):
    def test_operSuccess(self) -> None:
        """
        The right name and password: 381, MODE +o, and the connection is a
        chatd operator (channel operator everywhere), only until it closes.
        """
        proto, t = self.connect("baz")
        reply = self.messages(self.send(proto, t, "OPER operuser operpassword"))
        self.assertEqual([m.command for m in reply], ["381", "MODE"])
        self.assertEqual(reply[1].params, ["baz", "+o"])
        self.assertTrue(self.service.isOperator(proto))
        self.assertTrue(self.service.isRoomOperator(proto, "lobby"))
        self.assertEqual(self.messages(self.send(proto, t, "MODE baz"))[0].params, ["baz", "+o"])
        proto.connectionLost(Exception("bye"))  # type: ignore[arg-type]
        other, _ = self.connect("baz")
        self.assertFalse(self.service.isOperator(other))

    def test_dropOwnOper(self) -> None:
        """
        C{MODE nick -o} drops the rights OPER gave (echoed, and the
        connection is no chatd operator any more); C{+o} gives nothing.
        """
        proto, t = self.connect("baz")
        self.send(proto, t, "MODE baz +o")
        self.assertFalse(self.service.isOperator(proto))
        self.send(proto, t, "OPER operuser operpassword")
        reply = self.messages(self.send(proto, t, "MODE baz -o"))
        self.assertEqual([(m.command, m.params) for m in reply], [("MODE", ["baz", "-o"])])
        self.assertFalse(self.service.isOperator(proto))
        self.assertEqual(self.messages(self.send(proto, t, "MODE baz"))[0].params, ["baz", "+"])

    def test_operFailure(self) -> None:
        """
        A wrong password or unknown name is 464; later lines wait for the
        answer; a missing password is 461.
        """
        proto, t = self.connect("baz")
        self.assertEqual(
            self.numerics(self.send(proto, t, "OPER operuser wrong", "PING x")), ["464", "PONG"]
        )
        self.assertEqual(self.numerics(self.send(proto, t, "OPER nobody pw")), ["464"])
        self.assertFalse(self.service.isOperator(proto))
        self.assertEqual(self.numerics(self.send(proto, t, "OPER operuser")), ["461"])

    def test_operBackOff(self) -> None:
        """
        After 3 wrong passwords for a name, the next OPER for it (even the
        right one, from elsewhere) is checked only after the back-off; the
        client's later lines wait for it.
        """
        for i in range(3):
            guesser, tg = self.connect(f"guess{i}")
            self.assertEqual(self.numerics(self.send(guesser, tg, "OPER operuser wrong")), ["464"])
        proto, t = self.connect("baz")
        self.assertEqual(self.send(proto, t, "OPER operuser operpassword", "PING x"), "")
        self.clock.advance(1)
        self.assertEqual(self.numerics(self.read(t)), ["381", "MODE", "PONG"])

    def test_operTooMany(self) -> None:
        """
        When too many password checks wait already, OPER is answered 263
        (try again later) at once, without a check.
        """
        checker = self.factory.operChecker
        assert isinstance(checker, AdminChecker)
        checker.gate.maxPending = 0
        proto, t = self.connect("baz")
        [reply] = self.messages(self.send(proto, t, "OPER operuser operpassword"))
        self.assertEqual(reply.command, "263")
        self.assertEqual(reply.params[1:], ["OPER", "Too many attempts, try again later"])
        self.assertFalse(self.service.isOperator(proto))

    def test_noOper(self) -> None:
        """
        A server without an OPER checker answers 491.
        """
        self.factory = IRCFactory(self.service, self.clock, floodBurst=None, aliveAfter=60)
        proto, t = self.connect("baz")
        self.assertEqual(self.numerics(self.send(proto, t, "OPER a b")), ["491"])

    def test_kill(self) -> None:
        """
        KILL by someone who is not an operator is 481; by an operator it
        ends the target's session; an unknown nick is 401, as is one nobody
        can have (not 432: KILL renames nobody).
        """
        oper, to = self.connect("ircop")
        self.send(oper, to, "OPER operuser operpassword")
        alice, ta = self.connect("alice")
        self.assertEqual(self.numerics(self.send(alice, ta, "KILL ircop :no")), ["481"])
        self.assertEqual(self.numerics(self.send(oper, to, "KILL nobody :x")), ["401"])
        self.assertEqual(self.numerics(self.send(oper, to, "KILL b! :x")), ["401"])
        self.send(oper, to, "KILL alice :enough")
        self.assertIsNone(self.service.find("alice"))
        self.assertTrue(ta.disconnecting)
        self.assertIn("enough", ta.value().decode())

    def test_info(self) -> None:
        """
        INFO is 371 lines ended by 374.
        """
        proto, t = self.connect("baz")
        self.assertEqual(self.numerics(self.send(proto, t, "INFO")), ["371"] * 3 + ["374"])


class WallopsTests(IRCTestCase):
    """
    C{WALLOPS}: a chatd operator's message to the users with mode C{+w}.
    """

    def test_wallops(self) -> None:
        """
        An operator's WALLOPS reaches the users who set C{+w}, with the
        operator's prefix, and nobody else; C{-w} stops it.
        """
        moder, tr = self.connect("moder")
        self.makeOperator("moder")
        reader, trd = self.connect("reader")
        other, to = self.connect("other")
        self.assertEqual(self.numerics(self.send(reader, trd, "MODE reader +w")), ["MODE"])
        self.assertEqual(self.send(moder, tr, "WALLOPS :hi everyone"), "")
        [line] = self.messages(self.read(trd))
        self.assertEqual(line.command, "WALLOPS")
        self.assertEqual(line.params, ["hi everyone"])
        assert line.prefix is not None
        self.assertTrue(line.prefix.startswith("moder!"))
        self.assertEqual(self.read(to), "")
        self.send(reader, trd, "MODE reader -w")
        self.send(moder, tr, "WALLOPS :again")
        self.assertEqual(self.read(trd), "")

    def test_notAnOperator(self) -> None:
        """
        Anyone else gets 481, and nobody receives anything.
        """
        reader, trd = self.connect("reader")
        self.send(reader, trd, "MODE reader +w")
        alice, ta = self.connect("alice")
        self.assertEqual(self.numerics(self.send(alice, ta, "WALLOPS :hi")), ["481"])
        self.assertEqual(self.read(trd), "")


class OperOnTheConsoleTests(OperTestCase):
    """
    The console sees, takes away and ends IRC C{OPER} rights.
    """

    def console(self) -> AdminConsole:
        return Consoles(self.service)("root")

    def test_whoisShowsOper(self) -> None:
        proto, t = self.connect("opguy")
        self.send(proto, t, "OPER operuser operpassword")
        reply = self.successResultOf(self.console().execute("whois opguy"))
        self.assertIn("operator until they sign out (IRC OPER as operuser)", reply)

    def test_deopEndsOper(self) -> None:
        """
        C{deop} takes OPER rights away, and the connection is told.
        """
        proto, t = self.connect("opguy")
        self.send(proto, t, "OPER operuser operpassword")
        reply = self.successResultOf(self.console().execute("deop opguy"))
        self.assertIn("opguy is no longer an operator", reply)
        self.assertFalse(self.service.isOperator(proto))
        told = self.messages(self.read(t))
        self.assertEqual([m.command for m in told], ["NOTICE", "MODE"])
        self.assertIn("the administrator root took your operator rights away", told[0].params[-1])
        self.assertEqual(told[1].params, ["opguy", "-o"])
        self.assertEqual(self.messages(self.send(proto, t, "MODE opguy"))[0].params, ["opguy", "+"])

    def test_deopOfTheAdministratorEndsItsOperSessions(self) -> None:
        """
        C{deop} of the administrator name that C{OPER} gave ends the rights
        of every connection that used it, each told, and says how many; an
        administrator nobody used is no operator.
        """
        first, t1 = self.connect("teach1")
        second, t2 = self.connect("teach2")
        for proto, t in ((first, t1), (second, t2)):
            self.send(proto, t, "OPER operuser operpassword")
        reply = self.successResultOf(self.console().execute("deop operuser"))
        self.assertEqual(reply, "2 IRC OPER session(s) as operuser no longer operators")
        for proto, t in ((first, t1), (second, t2)):
            self.assertFalse(self.service.isOperator(proto))
            told = self.messages(self.read(t))
            self.assertEqual([m.command for m in told], ["NOTICE", "MODE"])  # once each
            self.assertIn(
                "the administrator root took your operator rights away", told[0].params[-1]
            )
        reply = self.successResultOf(self.console().execute("deop operuser"))
        self.assertEqual(reply, "operuser is not an operator")

    def test_modeLinesCarryTime(self) -> None:
        """
        With C{server-time}, the C{MODE +o} of C{OPER} and the C{MODE -o}
        of a C{deop} carry the time tag, as the notice before it does.
        """
        proto, t = self.connect("timed", caps="server-time")
        opered = self.messages(self.send(proto, t, "OPER operuser operpassword"))
        self.assertIn("time", opered[-1].tags)
        self.successResultOf(self.console().execute("deop timed"))
        told = self.messages(self.read(t))
        self.assertEqual([("time" in m.tags) for m in told], [True, True])

    def test_deopTimeToTheMillisecond(self) -> None:
        """
        The console's notice of a C{deop} and its C{MODE -o} carry the
        time to the millisecond, as messages do.
        """
        proto, t = self.connect("timed", caps="server-time")
        self.send(proto, t, "OPER operuser operpassword")
        self.clock.advance(0.25)
        self.successResultOf(self.console().execute("deop timed"))
        told = self.messages(self.read(t))
        self.assertEqual([m.tags["time"] for m in told], ["2023-11-14T22:13:20.250Z"] * 2)

    def test_revokeEndsOper(self) -> None:
        """
        Revoking the administrator whose password gave OPER ends the rights
        of those sessions (here as another node's revoke: the same rule).
        """
        proto, t = self.connect("opguy")
        self.send(proto, t, "OPER operuser operpassword")
        Consoles(self.service).peerModeration(REVOKE_ADMIN, {"nick": "operuser"})
        self.assertFalse(self.service.isOperator(proto))
        told = self.messages(self.read(t))
        self.assertIn("no longer an operator", told[0].params[-1])
        self.assertEqual(told[1].params, ["opguy", "-o"])


class ConsoleActionsTests(OperTestCase):
    """
    What an administrator does from the console reaches IRC clients from
    the server's services, never under a user's prefix: a guest who took
    the administrator's name cannot pass for them.
    """

    def test_notUnderAGuestsPrefix(self) -> None:
        ada, tr = self.connect("ada")
        watch, tw = self.connect("watch")
        self.send(ada, tr, "JOIN #adm")
        self.send(watch, tw, "JOIN #adm")
        self.read(tw)
        console = Consoles(self.service)("ada")
        self.successResultOf(console.execute("roomop adm watch"))
        self.successResultOf(console.execute("topic adm from the console"))
        self.successResultOf(console.execute("delete room adm cleanup"))
        shown = [(m.prefix, m.command) for m in self.messages(self.read(tw))]
        self.assertEqual(
            shown,
            [
                ("services.chatd", "MODE"),
                ("services.chatd", "TOPIC"),
                ("services.chatd", "KICK"),  # ada out, then watch
                ("services.chatd", "KICK"),
            ],
        )
