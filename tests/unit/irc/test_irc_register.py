# -*- test-case-name: tests.unit.irc.test_irc_register -*-
"""
IRC C{REGISTER} (C{draft/account-registration}) through the service's
account registration.
"""

from __future__ import annotations

from twisted.internet.testing import StringTransport

from chatd.core.interfaces import settled
from chatd.irc.factory import IRCFactory
from chatd.irc.protocol import IRCProtocol
from chatd.testing import RecordingParticipant
from tests.support.irchelpers import IRCTestCase
from tests.support.ircstorecase import IRCStoreTestCase


class RegisterTests(IRCStoreTestCase):
    """
    REGISTER with a store: the account is the nickname.
    """

    def setUp(self) -> None:
        super().setUp()
        self.factory = IRCFactory(
            self.service, self.clock, floodBurst=None, accountRegistration=True
        )

    def connected(self, nick: str) -> tuple[IRCProtocol, StringTransport]:
        proto, t = self.client()
        replies = self.send(
            proto, t, "CAP LS 302", f"NICK {nick}", f"USER {nick} 0 * :R", "CAP END"
        )
        caps = [m for m in replies if m.command == "CAP"][0].params[-1].split()
        self.assertIn("draft/account-registration", caps)
        return proto, t

    def test_register(self) -> None:
        """
        C{REGISTER * * password} registers the current nickname: C{REGISTER
        SUCCESS} and 900; the name then needs the password on every
        protocol.
        """
        proto, t = self.connected("bob")
        replies = self.send(proto, t, "REGISTER * * passphrase")
        self.assertEqual(
            [(m.command, m.params[:2]) for m in replies[:2]],
            [("REGISTER", ["SUCCESS", "bob"]), ("900", ["bob", "bob!bob@user/bob"])],
        )
        self.assertTrue(self.successResultOf(self.service.isRegistered("bob")))
        self.send(proto, t, "QUIT")
        other = RecordingParticipant()
        self.service.connect(other)
        self.assertEqual(
            self.successResultOf(settled(self.service.login(other, "bob", "passphrase"))), "bob"
        )

    def test_operatorName(self) -> None:
        """
        The configured operator name C{moder}, which has no account, is
        not registered by a guest holding it, with C{REGISTER} or
        NickServ's: whoever did would get its rights.
        """
        proto, t = self.connected("moder")
        (reply,) = self.send(proto, t, "REGISTER * * passphrase")
        self.assertEqual(
            (reply.command, reply.params[1], reply.params[-1]),
            (
                "FAIL",
                "BAD_ACCOUNT_NAME",
                "this name is reserved for an operator: an administrator creates its account",
            ),
        )
        replies = self.send(proto, t, "PRIVMSG NickServ :REGISTER passphrase")
        self.assertIn(
            "this name is reserved for an operator: an administrator creates its account",
            replies[-1].params[-1],
        )
        self.assertFalse(self.successResultOf(self.service.isRegistered("moder")))
        self.assertFalse(self.service.isOperator(proto.participant))

    def test_refusals(self) -> None:
        """
        Another account name, a second registration, a password the core's
        rule refuses (4 to 1024 characters, no spaces; a line holds fewer)
        and registering before the
        connection is complete are each a C{FAIL REGISTER} with the
        spec's code.
        """
        proto, t = self.client()
        self.send(proto, t, "NICK carol")
        (reply,) = self.send(proto, t, "REGISTER * * passphrase")
        self.assertEqual(reply.params[:2], ["REGISTER", "COMPLETE_CONNECTION_REQUIRED"])
        proto, t = self.connected("dave")
        (reply,) = self.send(proto, t, "REGISTER other * passphrase")
        self.assertEqual(
            (reply.command, reply.params[:3]),
            ("FAIL", ["REGISTER", "ACCOUNT_NAME_MUST_BE_NICK", "other"]),
        )
        (reply,) = self.send(proto, t, "REGISTER dave * abc")
        self.assertEqual(reply.params[:2], ["REGISTER", "UNACCEPTABLE_PASSWORD"])
        (reply,) = self.send(proto, t, "REGISTER dave * :" + "x" * 494)
        self.assertEqual(reply.command, "417")  # the line is too long for IRC first
        (reply,) = self.send(proto, t, "REGISTER dave * :a long one")
        self.assertEqual(
            reply.params[:2] + reply.params[-1:],
            ["REGISTER", "UNACCEPTABLE_PASSWORD", "a password is 4 to 1024 characters, no spaces"],
        )
        self.assertEqual(
            self.codes(self.send(proto, t, "REGISTER DAVE * :a-long-one"))[:2], ["REGISTER", "900"]
        )
        (reply,) = self.send(proto, t, "REGISTER * * again")
        self.assertEqual(reply.params[:2], ["REGISTER", "ALREADY_AUTHENTICATED"])


class NoAccountsTests(IRCTestCase):
    def test_withoutStore(self) -> None:
        """
        A server without a store does not offer the capability, and
        REGISTER is C{FAIL REGISTER TEMPORARILY_UNAVAILABLE}.
        """
        proto, t = self.connect("alice")
        self.assertNotIn("account-registration", self.send(proto, t, "CAP LS 302"))
        (reply,) = self.messages(self.send(proto, t, "REGISTER * * passphrase"))
        self.assertEqual(reply.params[:2], ["REGISTER", "TEMPORARILY_UNAVAILABLE"])
