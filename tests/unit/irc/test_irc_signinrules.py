# -*- test-case-name: tests.unit.irc.test_irc_signinrules -*-
"""
Signing in to an account from a logged-in IRC connection (NickServ
C{IDENTIFY}, SASL after registration) through the real IRC protocol: the
console's bans and kicks of the account refuse it as they refuse a login;
and the rights of a configured operator name (C{--operators}: C{moder}
here) hold only under that name.
"""

from __future__ import annotations

from twisted.internet.testing import StringTransport

from chatd.admin.commands import Consoles
from chatd.irc.factory import IRCFactory
from chatd.irc.message import Message
from chatd.irc.protocol import IRCProtocol
from tests.support.ircstorecase import IRCStoreTestCase
from tests.support.protocolcases import plain

NICKSERV = "NickServ!NickServ@services.chatd"


class SignInTestCase(IRCStoreTestCase):
    """
    A server with accounts C{vtchat}, C{moder} (a configured operator
    name) and C{dave}, whose IRC front-end offers NickServ, and an admin
    console.
    """

    def setUp(self) -> None:
        super().setUp()
        self.factory = IRCFactory(
            self.service, self.clock, floodBurst=None, accountRegistration=True
        )
        self.registered("vtchat", "vtchatpw1")
        self.registered("moder", "TeachPass1")
        self.registered("dave", "davepw12")
        self.admin = Consoles(self.service)("root")

    def console(self, line: str) -> str:
        reply: str = self.successResultOf(self.admin.execute(line))
        return reply

    def guest(self, nick: str, caps: str = "") -> tuple[IRCProtocol, StringTransport]:
        proto, t = self.client()
        lines = [f"CAP REQ :{caps}"] if caps else []
        lines += [f"NICK {nick}", f"USER {nick} 0 * :x"] + (["CAP END"] if caps else [])
        self.assertIn("001", self.codes(self.send(proto, t, *lines)))
        return proto, t

    def identify(self, proto: IRCProtocol, t: StringTransport, words: str) -> list[Message]:
        return self.send(proto, t, f"PRIVMSG NickServ :IDENTIFY {words}")

    def noticed(self, replies: list[Message]) -> list[str]:
        return [m.params[1] for m in replies if m.command == "NOTICE" and m.prefix == NICKSERV]


class SanctionedSignInTests(SignInTestCase):
    def test_identifyToBannedAccount(self) -> None:
        """
        NickServ C{IDENTIFY} to a banned account is refused with the
        login's reason: no C{900}, the connection stays a guest, and the
        account's operator rights do not come with it (C{KILL} is C{481}).
        """
        self.console("ban moder test")
        zz1, t = self.guest("zz1")
        victim, tv = self.guest("victim1")
        replies = self.identify(zz1, t, "moder TeachPass1")
        self.assertEqual(self.codes(replies), ["NOTICE"])
        self.assertEqual(
            self.noticed(replies), ["You cannot sign in to moder: you are banned for good: test."]
        )
        self.assertIsNone(self.service.accountName(zz1))
        self.assertEqual(self.codes(self.send(zz1, t, "KILL victim1 :bye")), ["481"])
        self.assertFalse(tv.disconnecting)

    def test_bannedAccountsHistoryStaysClosed(self) -> None:
        """
        Refused, the guest reads none of the banned account's private
        history: bob's message to it after the ban stays the account's.
        """
        self.console("ban vtchat abusive")
        bob, tb = self.guest("bob")
        self.send(bob, tb, "PRIVMSG vtchat :for your eyes only")
        self.clock.advance(1)
        zz1, t = self.guest("zz1", "batch draft/chathistory")
        refused = self.identify(zz1, t, "vtchat vtchatpw1")
        self.assertIn("you are banned for good: abusive", self.noticed(refused)[0])
        history = self.send(zz1, t, "CHATHISTORY LATEST bob * 10")
        self.assertNotIn("for your eyes only", repr(history))

    def test_saslAfterRegistrationToKickedAccount(self) -> None:
        """
        SASL after registration to an account kicked for an hour is
        refused as a login is (C{904} with the reason and the time left),
        not C{900}/C{903}.
        """
        self.console("kick dave 1h flooding")
        zz2, t = self.guest("zz2")
        self.send(zz2, t, "CAP REQ :sasl", "AUTHENTICATE PLAIN")
        replies = self.send(zz2, t, "AUTHENTICATE " + plain("", "dave", "davepw12"))
        self.assertEqual(self.codes(replies), ["904"])
        self.assertEqual(
            replies[0].params[-1],
            "SASL authentication failed: you were kicked, come back for 1h more: flooding",
        )
        self.assertIsNone(self.service.accountName(zz2))

    def test_kickedNicknameGainsNoAccount(self) -> None:
        """
        A nickname kicked while its connection is still up (the kick not
        yet carried out: the sanction alone, as another node's may arrive)
        signs in to no account: the login's check covers the name it goes
        by too.
        """
        zz1, t = self.guest("zz1")
        self.service.moderation.kick("zz1", 600, "spam", "root")
        replies = self.identify(zz1, t, "vtchat vtchatpw1")
        self.assertIn("you were kicked, come back for 10m more: spam", self.noticed(replies)[0])
        self.assertIsNone(self.service.accountName(zz1))

    def test_wrongPasswordSaysNothingOfTheBan(self) -> None:
        """
        A wrong password for a banned account is a wrong password: only
        whoever proves it learns why the account is kept out.
        """
        self.console("ban vtchat abusive")
        zz1, t = self.guest("zz1")
        replies = self.identify(zz1, t, "vtchat wrongpass")
        self.assertEqual(
            self.noticed(replies), ["Invalid password for vtchat, or no such account."]
        )

    def test_liftedBanLetsIn(self) -> None:
        """
        Once unbanned, the account signs in from a guest as before.
        """
        self.console("ban vtchat abusive")
        self.console("unban vtchat")
        zz1, t = self.guest("zz1")
        self.assertEqual(self.codes(self.identify(zz1, t, "vtchat vtchatpw1")), ["900", "NOTICE"])
        self.assertEqual(self.service.accountName(zz1), "vtchat")


class ConfiguredOperatorNameTests(SignInTestCase):
    def test_rightsNeedTheAccountsName(self) -> None:
        """
        A guest that proved the configured operator C{moder}'s password
        has no rights under its own nickname (C{KILL} is C{481}, nobody is
        killed in C{moder}'s name by C{zz3}); after C{NICK moder} it has;
        renamed away again, it has none.
        """
        zz3, t = self.guest("zz3")
        victim, tv = self.guest("victim2")
        self.assertEqual(self.codes(self.identify(zz3, t, "moder TeachPass1")), ["900", "NOTICE"])
        self.assertFalse(self.service.isOperator(zz3))
        self.assertEqual(self.codes(self.send(zz3, t, "KILL victim2 :bye")), ["481"])
        self.assertFalse(tv.disconnecting)
        self.send(zz3, t, "NICK moder")
        self.assertTrue(self.service.isOperator(zz3))
        self.assertNotIn("481", self.codes(self.send(zz3, t, "KILL victim2 :bye")))
        self.assertTrue(tv.disconnecting)
        self.assertIn("operator moder  kick victim2 bye", self.console("audit"))
        self.send(zz3, t, "NICK zz4")
        self.assertFalse(self.service.isOperator(zz3))
        other, to = self.guest("victim3")
        self.assertEqual(self.codes(self.send(zz3, t, "KILL victim3 :bye")), ["481"])

    def test_saslUnderAnotherNickname(self) -> None:
        """
        SASL before registration under another nickname: no rights until
        the client takes the name; C{WHOIS} shows no C{313}, C{LUSERS}
        counts no operator and the console's C{whois} says why meanwhile.
        """
        tutor, t, _ = self.saslAs("moder", "TeachPass1", "tutor")
        self.assertEqual(self.service.accountName(tutor), "moder")
        self.assertNotIn("313", self.codes(self.send(tutor, t, "WHOIS tutor")))
        [ops] = [m for m in self.send(tutor, t, "LUSERS") if m.command == "252"]
        self.assertEqual(ops.params[1], "0")
        self.assertIn(
            "operator under the name moder only (not now: signed in as tutor) (the account moder)",
            self.console("whois tutor").splitlines(),
        )
        self.send(tutor, t, "NICK moder")
        self.assertIn("313", self.codes(self.send(tutor, t, "WHOIS moder")))
        self.assertIn("operator", self.console("whois moder").splitlines())
        [ops] = [m for m in self.send(tutor, t, "LUSERS") if m.command == "252"]
        self.assertEqual(ops.params[1], "1")

    def test_consoleGrantFollowsTheAccount(self) -> None:
        """
        The console's C{op} of an account that is no configured name
        holds under any nickname it goes by (ADMIN.md's promise).
        """
        self.console("op vtchat")
        zz5, t = self.guest("zz5")
        self.identify(zz5, t, "vtchat vtchatpw1")
        self.assertTrue(self.service.isOperator(zz5))
