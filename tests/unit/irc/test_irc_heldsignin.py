"""
Signing in to an account signed in here from another connection, from an
IRC connection already signed in to another account (NickServ
C{IDENTIFY}, SASL after registration), which does not join it
(L{chatd.core.signin.signInAgain}): the password is checked first, as on
an account nobody holds, so a wrong one is a wrong password and counts
towards the password's back-off; the right one is told the account is
signed in elsewhere.
"""

from __future__ import annotations

from twisted.internet.testing import StringTransport

from chatd.core.names import key
from chatd.irc.factory import IRCFactory
from chatd.irc.message import Message
from chatd.irc.protocol import IRCProtocol
from tests.support.ircstorecase import IRCStoreTestCase
from tests.support.protocolcases import plain

NICKSERV = "NickServ!NickServ@services.chatd"
HELD = "alice is signed in elsewhere: connect with it to join"


class HeldSignInTests(IRCStoreTestCase):
    """
    alice (password C{sesame}) signed in from one IRC connection; C{zed}
    connected as a guest and signed in to dave's account since.
    """

    def setUp(self) -> None:
        super().setUp()
        self.factory = IRCFactory(
            self.service, self.clock, floodBurst=None, accountRegistration=True
        )
        self.registered("dave", "davepw12")
        self.alice = self.clientAs("alice", "PASS sesame")
        self.assertEqual(self.service.accountName(self.alice[0].participant), "alice")
        self.zed, self.t = self.client()
        caps = ["CAP REQ :sasl", "NICK zed", "USER z 0 * :Z", "CAP END"]
        self.assertIn("001", self.codes(self.send(self.zed, self.t, *caps)))
        self.assertIn("900", self.codes(self.identify("dave davepw12")))

    def identify(self, words: str) -> list[Message]:
        return self.send(self.zed, self.t, f"PRIVMSG NickServ :IDENTIFY {words}")

    def noticed(self, replies: list[Message]) -> list[str]:
        return [m.params[1] for m in replies if m.command == "NOTICE" and m.prefix == NICKSERV]

    def sasl(self, proto: IRCProtocol, t: StringTransport, password: str) -> list[Message]:
        self.send(proto, t, "AUTHENTICATE PLAIN")
        return self.send(proto, t, "AUTHENTICATE " + plain("", "alice", password))

    def assertStillDaves(self) -> None:
        """zed is still zed, signed in to dave's account; alice goes on alone."""
        self.assertEqual(self.service.accountName(self.zed.participant), "dave")
        self.assertEqual(self.zed.participant.nick, "zed")
        self.assertEqual(
            self.service.people.accounts.signedIn(key("alice")), [self.alice[0].participant]
        )

    def test_identifyTellsNothingOfAlice(self) -> None:
        """
        NickServ C{IDENTIFY alice} from zed, signed in to dave already, is
        refused as such whatever the password: nothing says alice is in.
        """
        for words in ("alice wrong", "alice sesame"):
            replies = self.identify(words)
            self.assertEqual(self.noticed(replies), ["You are already logged in as dave."])
        self.assertStillDaves()

    def test_saslAgain(self) -> None:
        """
        SASL after registration to alice: a wrong password is C{904} as any
        wrong password; hers is C{904} saying she is signed in elsewhere.
        """
        wrong = self.sasl(self.zed, self.t, "wrong")
        self.assertEqual(self.codes(wrong), ["904"])
        self.assertNotIn("elsewhere", wrong[0].params[-1])
        right = self.sasl(self.zed, self.t, "sesame")
        self.assertEqual(self.codes(right), ["904"])
        self.assertIn(HELD, right[0].params[-1])
        self.assertStillDaves()

    def test_wrongPasswordsBackOff(self) -> None:
        """
        Wrong passwords for alice from zed (SASL) count as any login's: past the
        failures a name is allowed, the next check waits its back-off.
        """
        persistence = self.service.persistence
        assert persistence is not None
        gate = persistence.accounts.gate
        for _ in range(gate.nameFree + 1):
            self.clock.advance(gate.maximum)  # past any back-off: answered at once
            self.assertEqual(self.codes(self.sasl(self.zed, self.t, "wrong")), ["904"])
        self.assertGreater(gate.backoff("alice"), 0)

    def test_saslAgainHolderRenamed(self) -> None:
        """
        alice goes by another nickname now: SASL after registration to her
        account is refused as signed in elsewhere all the same (her
        account is hers alone, whatever she is called), once the password
        is proven.
        """
        alice, ta = self.alice
        self.send(alice, ta, "NICK alicia")
        self.assertEqual(alice.participant.nick, "alicia")
        wrong = self.sasl(self.zed, self.t, "wrong")
        self.assertNotIn("elsewhere", wrong[0].params[-1])
        right = self.sasl(self.zed, self.t, "sesame")
        self.assertEqual(self.codes(right), ["904"])
        self.assertIn(HELD, right[0].params[-1])
        self.assertStillDaves()
