"""
IRC's SASL (PLAIN, SCRAM-SHA-256) and NickServ's C{IDENTIFY} while the
database is unavailable: the password of an account the node read lately
is checked against the credentials it kept (L{chatd.core.keptcredentials});
that of another cannot be checked, which the client is told as "try again
later", not as a failed authentication.
"""

from __future__ import annotations

from chatd.irc.factory import IRCFactory
from chatd.irc.message import Message
from tests.support.ircstorecase import IRCStoreTestCase
from tests.support.persistencecase import DATABASE_DOWN, OutageStoreCase
from tests.support.protocolcases import plain
from tests.support.scramclient import ScramClient


class KeptSaslTests(OutageStoreCase, IRCStoreTestCase):
    """
    C{alice} (password C{sesame}) signed in once with SASL before the
    database goes away.
    """

    def setUp(self) -> None:
        super().setUp()
        proto, transport, told = self.saslAs("alice", "sesame", "alice")
        self.assertIn("903", self.codes(told))
        proto.connectionLost(None)
        self.clock.advance(0)
        self.outage.down |= DATABASE_DOWN

    def test_rightPassword(self) -> None:
        """
        The right password signs in (C{900}, C{903}) and the client is
        welcomed (C{001}) under the account's name.
        """
        proto, transport, told = self.saslAs("alice", "sesame", "alice")
        codes = self.codes(told)
        self.assertIn("903", codes)
        self.assertIn("001", codes)
        self.assertEqual(proto.nick, "alice")
        proto.connectionLost(None)

    def test_wrongPassword(self) -> None:
        """
        A wrong password fails as a wrong password (C{904}).
        """
        proto, transport, told = self.saslAs("alice", "wrong-one", "alice")
        codes = self.codes(told)
        self.assertIn("904", codes)
        self.assertNotIn("903", codes)
        proto.connectionLost(None)

    def scram(self, password: str) -> list[str]:
        """
        The codes of the answers to a SCRAM-SHA-256 exchange for alice
        with C{password}, up to the server's last.
        """
        proto, t = self.client()
        self.addCleanup(proto.connectionLost, None)
        self.send(proto, t, "CAP REQ sasl", "NICK alice", "USER a 0 * :A")
        self.send(proto, t, "AUTHENTICATE SCRAM-SHA-256")
        client = ScramClient("alice", password)
        [challenge] = self.send(proto, t, "AUTHENTICATE " + client.first())
        answer = self.send(proto, t, "AUTHENTICATE " + client.final(challenge.params[0]))
        if self.codes(answer) != ["AUTHENTICATE"]:
            return self.codes(answer)
        self.assertTrue(client.verify(answer[0].params[0]))
        return self.codes(self.send(proto, t, "AUTHENTICATE +"))

    def test_scram(self) -> None:
        """
        SCRAM-SHA-256 is checked against the verifier kept: the right
        password signs in (C{900}, C{903}), a wrong one fails (C{904}).
        """
        self.assertEqual(self.scram("sesame")[:2], ["900", "903"])
        self.assertEqual(self.scram("wrong-one"), ["904"])

    def test_nickServIdentify(self) -> None:
        """
        NickServ's C{IDENTIFY} from a guest is checked against the kept
        credentials too: the right password signs in (C{900}), a wrong one
        does not.
        """
        self.factory = IRCFactory(
            self.service, self.clock, floodBurst=None, accountRegistration=True
        )
        proto, t = self.client()
        self.addCleanup(proto.connectionLost, None)
        self.assertIn("001", self.codes(self.send(proto, t, "NICK guest", "USER g 0 * :G")))
        wrong = self.send(proto, t, "PRIVMSG NickServ :IDENTIFY alice wrong-one")
        self.assertNotIn("900", self.codes(wrong))
        self.clock.advance(60)  # (past the back-off of the wrong one)
        right = self.send(proto, t, "PRIVMSG NickServ :IDENTIFY alice sesame")
        self.assertIn("900", self.codes(right))


class UnkeptSaslTests(OutageStoreCase, IRCStoreTestCase):
    """
    C{alice} (password C{sesame}) registered; a server started since, which
    never read her account, serves the clients; then the database goes away.
    """

    def setUp(self) -> None:
        super().setUp()
        fresh = self.makeService()
        self.addCleanup(fresh.stopService)
        self.factory = IRCFactory(fresh, self.clock, floodBurst=None)
        self.outage.down |= DATABASE_DOWN

    def assertTryAgain(self, told: list[Message]) -> None:
        """
        C{told} ends the exchange with a standard reply, then C{904}, both
        saying "temporarily unavailable, try again later", and no success.
        """
        codes = self.codes(told)
        self.assertNotIn("903", codes)
        fail = told[codes.index("FAIL")]
        self.assertEqual(fail.params[:2], ["AUTHENTICATE", "TEMPORARILY_UNAVAILABLE"])
        self.assertIn("try again later", fail.params[-1])
        self.assertLess(codes.index("FAIL"), codes.index("904"))
        said = "SASL authentication temporarily unavailable: service unavailable, try again later"
        self.assertEqual(told[codes.index("904")].params[-1], said)

    def test_plain(self) -> None:
        """
        PLAIN: "try again later" (C{FAIL AUTHENTICATE TEMPORARILY_UNAVAILABLE},
        C{904} saying so); the same password, once the database answers,
        signs in.
        """
        proto, transport, told = self.saslAs("alice", "sesame", "alice")
        self.assertTryAgain(told)
        proto.connectionLost(None)
        self.outage.answersAgain()
        proto, transport, told = self.saslAs("alice", "sesame", "alice")
        self.assertIn("903", self.codes(told))
        proto.connectionLost(None)

    def scram(self, password: str) -> list[Message]:
        """
        A SCRAM-SHA-256 exchange for alice with C{password}: what its first
        message is answered.
        """
        proto, t = self.client()
        self.addCleanup(proto.connectionLost, None)
        self.send(proto, t, "CAP REQ sasl", "NICK alice", "USER a 0 * :A")
        self.send(proto, t, "AUTHENTICATE SCRAM-SHA-256")
        return self.send(proto, t, "AUTHENTICATE " + ScramClient("alice", password).first())

    def test_registeringAfterwards(self) -> None:
        """
        A client that ends its registration after the "try again later"
        (C{CAP END}, as clients that do not disconnect on a SASL failure
        do) is told to try again later (C{263}) for the account's
        nickname, whether it tried PLAIN or SCRAM: not that its password
        was wrong (C{433}).
        """
        for mechanism in ("PLAIN", "SCRAM-SHA-256"):
            proto, t = self.client()
            self.addCleanup(proto.connectionLost, None)
            self.send(proto, t, "CAP REQ sasl", "NICK alice", "USER a 0 * :A")
            self.send(proto, t, f"AUTHENTICATE {mechanism}")
            first = (
                plain("", "alice", "sesame")
                if mechanism == "PLAIN"
                else ScramClient("alice", "sesame").first()
            )
            self.assertTryAgain(self.send(proto, t, "AUTHENTICATE " + first))
            codes = self.codes(self.send(proto, t, "CAP END"))
            self.assertIn("263", codes, mechanism)
            self.assertNotIn("433", codes, mechanism)

    def test_scram(self) -> None:
        """
        SCRAM-SHA-256: the verifier cannot be read, "try again later"; once
        the database answers, the exchange goes on (its challenge).
        """
        self.assertTryAgain(self.scram("sesame"))
        self.outage.answersAgain()
        self.assertEqual(self.codes(self.scram("sesame")), ["AUTHENTICATE"])
