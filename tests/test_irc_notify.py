# -*- test-case-name: tests.test_irc_notify -*-
"""
IRCv3 C{account-tag} and C{extended-join}: who did something, as the
account they are logged in to (on any protocol) and their real name.
"""

from __future__ import annotations

from chatd.tchat import TchatFactory
from tests.helpers import connect, output
from tests.irchelpers import IRCTestCase


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
        self.service.accountProven(alice, "alice")
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
        self.service.accountProven(alice, "alice")  # as a LOGIN with its password does
        alice.dataReceived(b"clt: ENTER lobby\n")
        output(ta, self.clock)
        (join,) = self.messages(self.read(tb))
        self.assertEqual(join.command, "JOIN")
        self.assertEqual(join.tags.get("account"), "alice")
        self.assertEqual(join.params, ["#lobby", "alice", "chatd tchat user"])
        alice.dataReceived(b"clt: SPEAK lobby\nclt: hello\nclt: .\n")
        (said,) = self.messages(self.read(tb))
        self.assertEqual((said.command, said.tags.get("account")), ("PRIVMSG", "alice"))

    def test_ownJoinAndNick(self) -> None:
        """
        The client's own JOIN carries its account; a NICK change carries
        the account of the one renamed.
        """
        alice, ta = self.connect("alice", caps="account-tag extended-join")
        self.service.accountProven(alice, "alice")
        (join, *_) = self.messages(self.send(alice, ta, "JOIN #lobby"))
        self.assertEqual(join.params, ["#lobby", "alice", "alice Real"])
        self.assertEqual(join.tags.get("account"), "alice")
        bob, tb = self.connect("bob")
        self.service.accountProven(bob, "bob")
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
