"""
Guests and NickServ's users on a node of a cluster sharing its database,
while that database is unavailable: a name the node knows no account of is
a guest's, as with the database up, and NickServ's C{IDENTIFY} is decided
by the credentials kept (L{chatd.core.keptcredentials}).
"""

from __future__ import annotations

from twisted.internet.testing import StringTransport

from chatd.core.names import key
from chatd.irc.message import parse
from chatd.irc.protocol import IRCProtocol
from chatd.tchat import TchatFactory
from tests.support.helpers import connect, output
from tests.support.outagenodes import OutageNodesCase
from tests.support.persistencecase import DATABASE_DOWN


class OutageGuestTests(OutageNodesCase):
    """
    Nodes C{a} and C{b} sharing one database; C{alice} (password
    C{sesame}) and C{bob} (C{bobpw}) registered on C{a}; alice signed in
    once on C{b}, which keeps her credentials; then the database goes away.
    """

    def setUp(self) -> None:
        super().setUp()
        for nick, password in [("alice", "sesame"), ("bob", "bobpw")]:
            self.registerOn(self.a, nick, password)
        self.b.service.disconnect(self.b.user("alice", password="sesame"))
        self.b.turns()
        self.store.down |= DATABASE_DOWN

    def irc(self, *lines: str) -> tuple[IRCProtocol, list[str]]:
        """
        A new IRC connection to C{b} that sends C{lines}: it and the
        lines it was told.
        """
        return self.ircOn(self.b, *lines)

    def send(self, proto: IRCProtocol, *lines: str) -> list[str]:
        proto.dataReceived("".join(line + "\r\n" for line in lines).encode())
        self.b.turns()
        assert isinstance(proto.transport, StringTransport)
        text = output(proto.transport, self.clock).decode()
        return [line for line in text.split("\r\n") if line]

    def codes(self, lines: list[str]) -> list[str]:
        return [parse(line).command for line in lines]

    def test_ircGuest(self) -> None:
        """
        A name nobody registered comes in as a guest on IRC (C{001}), not
        "try again later" (C{263}).
        """
        proto, told = self.irc("NICK tmpguest", "USER s 0 * :s")
        self.assertIn("001", self.codes(told))
        self.assertNotIn("263", self.codes(told))

    def test_tchatGuest(self) -> None:
        """
        A name nobody registered comes in as a guest on TCHAT.
        """
        factory = TchatFactory(self.b.service, self.clock, floodBurst=None, aliveAfter=None)
        proto, transport = connect(factory, self.clock)
        self.addCleanup(proto.connectionLost, None)
        output(transport, self.clock)
        proto.dataReceived(b"clt: LOGIN tmpguest\r\n")
        self.b.turns()
        self.assertTrue(output(transport, self.clock).startswith(b"srv: OKAY!\n"))

    def test_registeredNameNeedsPassword(self) -> None:
        """
        A name registered on another node is still not a guest's: C{433},
        as with the database up.
        """
        proto, told = self.irc("NICK bob", "USER s 0 * :s")
        self.assertEqual(self.codes(told), ["433"])

    def test_nickServIdentify(self) -> None:
        """
        A NickServ user (no SASL, no PASS) is refused its registered name
        (C{433}), comes in under another (C{001}), and C{IDENTIFY} with the
        right password signs it in from the kept credentials (C{900}).
        """
        proto, told = self.irc("NICK alice", "USER s 0 * :s")
        self.assertEqual(self.codes(told), ["433"])
        told = self.send(proto, "NICK alice_")
        self.assertIn("001", self.codes(told))
        told = self.send(proto, "PRIVMSG NickServ :IDENTIFY alice sesame")
        self.assertIn("900", self.codes(told))

    def test_nickServNotKept(self) -> None:
        """
        C{IDENTIFY} to an account the node did not keep is answered "try
        again later", not as a wrong password.
        """
        proto, told = self.irc("NICK bob_", "USER s 0 * :s")
        self.assertIn("001", self.codes(told))
        told = self.send(proto, "PRIVMSG NickServ :IDENTIFY bob bobpw")
        self.assertNotIn("900", self.codes(told))
        self.assertIn("try again later", "\n".join(told))

    def test_notHearing(self) -> None:
        """
        A node whose link to the cluster is down may have missed a
        registration: a guest's name gets the documented "try again later"
        (C{263}) until the database answers.
        """
        self.b.bridge.linkDown()
        proto, told = self.irc("NICK tmpguest", "USER s 0 * :s")
        self.assertIn("263", self.codes(told))

    def test_notHeardSinceBack(self) -> None:
        """
        A node whose link came back may have missed a registration made
        while it was down, until it re-reads the store: meanwhile, with
        the database away, that name gets "try again later" (C{263}), not
        a guest's welcome; once the re-read worked, names are decided from
        the node's copy again, the database away or not.
        """
        self.store.answersAgain()
        self.registerOn(self.a, "carol", "carolpw")
        self.b.bridge.linkDown()
        persistence = self.b.service.persistence
        assert persistence is not None
        persistence.registered.discard(key("carol"))  # (made while b was cut off)
        self.store.down |= DATABASE_DOWN
        self.b.bridge.linkUp()
        self.b.turns()
        proto, told = self.irc("NICK carol", "USER s 0 * :s")
        self.assertIn("263", self.codes(told))
        self.assertNotIn("001", self.codes(told))
        self.store.answersAgain()
        self.b.turns()
        self.store.down |= DATABASE_DOWN
        proto, told = self.irc("NICK carol", "USER s 0 * :s")
        self.assertEqual(self.codes(told), ["433"])
        proto, told = self.irc("NICK tmpguest", "USER s 0 * :s")
        self.assertIn("001", self.codes(told))
