"""
C{--guests off}: only a login that proves an account's password is
admitted, the core's rule (L{chatd.core.login.Logins.refuseGuest}), which
TCHAT, talk mode, IRC and the web page each say in their own words.
"""

from __future__ import annotations

from twisted.internet.task import Clock
from twisted.trial.unittest import SynchronousTestCase

from chatd.core import errors
from chatd.core.service import ChatService
from chatd.testing import RecordingParticipant, settled
from tests.support.helpers import connect, output
from tests.support.ircstorecase import IRCStoreTestCase
from tests.support.persistencecase import PersistenceTestCase
from tests.support.talkstorecase import TalkStoreTestCase
from tests.support.tchatstorecase import TchatStoreTestCase
from tests.support.webclient import StoredWebTestCase

REFUSAL = errors.GuestsRefused.reason


class CoreTests(PersistenceTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.registered("alice", "sesame")
        self.service.logins.guests = False

    def attempt(self, nick: str, password: str | None = None) -> object:
        participant = RecordingParticipant("10.0.0.1")
        self.service.connect(participant)
        return settled(self.service.login(participant, nick, password))

    def test_guestRefused(self) -> None:
        """
        A login without a password, of a name nobody registered, is refused
        with L{errors.GuestsRefused}: nobody gets the name.
        """
        failure = self.failureResultOf(self.attempt("pupil"), errors.GuestsRefused)
        self.assertEqual(failure.value.code, 22)
        self.assertIsNone(self.service.find("pupil"))

    def test_accountAdmitted(self) -> None:
        """
        A login with an account's password is admitted; one without it is
        refused as it always is (its password is missing).
        """
        self.login("alice", "sesame")
        self.failureResultOf(self.attempt("alice"), errors.BadPassword)

    def test_guestsOn(self) -> None:
        """
        With guests admitted again (a reload), a guest logs in.
        """
        self.service.logins.guests = True
        self.login("pupil")


class NoStoreTests(SynchronousTestCase):
    def test_noAccounts(self) -> None:
        """
        Without a store there are no accounts: nobody logs in.
        """
        service = ChatService(Clock())
        service.logins.guests = False
        participant = RecordingParticipant("10.0.0.1")
        service.connect(participant)
        self.assertRaises(errors.GuestsRefused, service.login, participant, "pupil")


class TchatTests(TchatStoreTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.registered("alice", "sesame")
        self.service.logins.guests = False

    def test_guest(self) -> None:
        """
        C{LOGIN} without an account's password: C{ERROR 22}, the connection
        stays open for a LOGIN with one.
        """
        proto, transport = connect(self.factory, self.clock)
        output(transport, self.clock)
        self.assertEqual(self.send(proto, transport, "clt: LOGIN pupil"), b"srv: ERROR 22\n")
        self.assertFalse(transport.disconnecting)
        reply = self.send(proto, transport, "clt: LOGIN alice sesame")
        self.assertTrue(reply.startswith(b"srv: OKAY!\n"), reply)

    def test_account(self) -> None:
        self.connectAs("alice", "sesame")


class TalkTests(TalkStoreTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.registered("alice", "sesame")
        self.service.logins.guests = False

    def test_guest(self) -> None:
        """
        A nickname nobody registered: a sentence asking for an account, and
        the nickname prompt again.
        """
        proto, transport = connect(self.factory, self.clock)
        output(transport, self.clock)
        seen = self.type(proto, transport, "pupil").decode("utf-8")
        self.assertIn(f"Sorry, {REFUSAL}.", seen)
        self.assertIsNone(self.service.find("pupil"))

    def test_account(self) -> None:
        proto, transport = self.talk("alice", "sesame")
        self.assertEqual(proto.nick, "alice")


class IRCTests(IRCStoreTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.service.logins.guests = False

    def test_guest(self) -> None:
        """
        Registration without SASL: C{FAIL * ACCOUNT_REQUIRED}, then
        C{ERROR}, and the link closes, as servers requiring SASL answer.
        """
        proto, transport = self.client()
        told = self.send(proto, transport, "NICK pupil", "USER u 0 * :U")
        self.assertEqual(self.codes(told), ["FAIL", "ERROR"])
        self.assertEqual(told[0].params, ["*", "ACCOUNT_REQUIRED", REFUSAL])
        self.assertTrue(transport.disconnecting)
        self.assertIsNone(self.service.find("pupil"))

    def test_passForGuest(self) -> None:
        """
        C{PASS} with a name nobody registered is a guest's registration.
        """
        proto, transport = self.client()
        told = self.send(proto, transport, "PASS sesame", "NICK pupil", "USER u 0 * :U")
        self.assertEqual(self.codes(told), ["FAIL", "ERROR"])

    def test_account(self) -> None:
        """
        SASL, or C{PASS} with the account's name, registers.
        """
        _, _, told = self.saslAs("alice", "sesame", "alice")
        self.assertIn("001", self.codes(told))
        proto, transport = self.client()
        told = self.send(proto, transport, "PASS sesame", "NICK alice", "USER u 0 * :U")
        self.assertIn("001", self.codes(told))


class WebTests(StoredWebTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.service.logins.guests = False

    def test_guest(self) -> None:
        """
        The page's login without an account's password: error 22 with the
        core's text, which the page shows.
        """
        client = self.web.connect()
        reply = self.request(client, type="login", nick="pupil")
        self.assertEqual((reply["type"], reply["code"], reply["text"]), ("error", 22, REFUSAL))

    def test_account(self) -> None:
        self.signIn("alice", "sesame")
