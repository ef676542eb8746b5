"""
The console's C{add account}, C{account password} and C{account delete}
(L{chatd.admin.accountcommands}), typed into the telnet console, then
checked with a chat login: the old password is refused and the new one
works, a deleted account's sessions end and its name is anyone's to
register; each is audited without the password.
"""

from __future__ import annotations

from twisted.cred.portal import Portal
from twisted.internet.address import IPv4Address
from twisted.internet.defer import maybeDeferred
from twisted.internet.protocol import Protocol
from twisted.internet.testing import StringTransport

from chatd.admin.commands import AdminConsole, Consoles
from chatd.admin.telnet import AdminTelnetFactory, ConsoleTelnetRealm
from chatd.core import errors
from chatd.core.events import Notice
from chatd.core.names import key
from chatd.core.scram import deriveVerifier, parseVerifier
from chatd.core.service import ChatService
from chatd.testing import RecordingParticipant, settled
from tests.support.admincases import AccountsTestCase


class AccountCommandTests(AccountsTestCase):
    """
    Root types the commands into a telnet console; bob (password bobpw) and
    alice (alicepw, flagged admin) chat.
    """

    def setUp(self) -> None:
        super().setUp()
        assert self.service.persistence is not None
        self.service.persistence.registered |= {key("alice"), key("bob")}  # as loaded at start
        self.consoles = Consoles(self.service)
        self.root, self.rootShown = self.telnet(b"root", b"sesame")

    def telnet(self, name: bytes, password: bytes) -> tuple[Protocol, StringTransport]:
        portal = Portal(ConsoleTelnetRealm(self.consoles), [self.checker])
        protocol = AdminTelnetFactory(portal).buildProtocol(IPv4Address("TCP", "127.0.0.1", 1))
        transport = StringTransport()
        protocol.makeConnection(transport)
        protocol.dataReceived(name + b"\r\n" + password + b"\r\n")
        self.assertIn(b"You are ", transport.value())
        return protocol, transport

    def typed(self, text: str) -> str:
        """What root's telnet console shows once C{text} and Enter are typed."""
        self.rootShown.clear()
        self.root.dataReceived(text.encode("utf-8") + b"\r\n")
        shown: bytes = self.rootShown.value()
        return shown.decode("utf-8", "replace")

    def chat(self, nick: str, password: str | None) -> RecordingParticipant:
        user = RecordingParticipant()
        self.service.connect(user)
        self.successResultOf(settled(self.service.login(user, nick, password)))
        self.clock.advance(0)
        return user

    def refusedLogin(self, nick: str, password: str) -> None:
        user = RecordingParticipant()
        self.service.connect(user)
        self.failureResultOf(settled(self.service.login(user, nick, password)), errors.BadPassword)

    def lastAudit(self) -> tuple[str, str]:
        (entry,) = self.successResultOf(self.service.moderation.lastAudit(1))
        return entry.who, entry.what

    def test_passwordAskedHidden(self) -> None:
        """
        Left out of the line, the new password is asked twice and echoed
        nowhere; then bob's old password is refused, the new one opens the
        account, and the SCRAM verifier is the new password's.  The audit
        trail names the account, not the password.
        """
        self.assertIn("New password for bob: ", self.typed("account password bob"))
        shown = self.typed("n3w-s3cret")
        self.assertIn("Again: ", shown)
        shown += self.typed("n3w-s3cret")
        self.assertNotIn("n3w-s3cret", shown)
        self.assertIn("new password set for bob; 0 session(s) stay signed in", shown)
        # Checked before any password login, which would derive it anew.
        verifier = self.successResultOf(self.store.scramVerifier("bob"))
        assert verifier is not None
        salt = parseVerifier(verifier)[0]
        self.assertEqual(verifier, deriveVerifier("n3w-s3cret", salt))
        self.assertNotEqual(verifier, deriveVerifier("bobpw", salt))
        self.refusedLogin("bob", "bobpw")
        self.chat("bob", "n3w-s3cret")
        self.assertEqual(("root", "account password bob"), self.lastAudit())

    def test_passwordsDiffer(self) -> None:
        """
        Two different answers change nothing.
        """
        self.typed("account password bob")
        self.typed("first-one")
        self.assertIn("the two passwords differ: nothing was done", self.typed("second-one"))
        self.chat("bob", "bobpw")

    def test_passwordOnTheLine(self) -> None:
        """
        The password may end the line (the SSH command line, the daemon's
        terminal); the password rules apply, and only registered accounts
        have one.
        """
        refused = self.typed("account password bob abc")
        self.assertIn("refused: a password is 4 to 1024 characters, no spaces", refused)
        self.assertIn(
            "refused: ghost is not a registered account",
            self.typed("account password ghost secret1"),
        )
        self.service.disconnect(self.chat("bob", "bobpw"))
        self.assertIn("new password set for bob", self.typed("account password BOB secret1"))
        self.chat("bob", "secret1")

    def test_sessionsStayOrSignOut(self) -> None:
        """
        The account's sessions stay signed in and are told, unless
        C{--sign-out} ends them with the reason.
        """
        bob = self.chat("bob", "bobpw")
        self.assertIn("1 session(s) stay signed in", self.typed("account password bob secret1"))
        self.assertIsNone(bob.disconnectedWith)
        notices = [event.text for event in bob.events if isinstance(event, Notice)]
        self.assertIn("the administrator root set a new password for your account bob", notices)
        reply = self.typed("account password bob --sign-out secret2")
        self.assertIn("new password set for bob; 1 session(s) signed out", reply)
        self.assertIsInstance(bob.disconnectedWith, errors.Killed)
        self.assertEqual(("root", "account password bob --sign-out"), self.lastAudit())
        self.chat("bob", "secret2")

    def test_sessionsCountConnections(self) -> None:
        """
        An account signed in from two devices has two sessions: the
        replies count connections, not people.
        """
        laptop, phone = self.chat("bob", "bobpw"), self.chat("bob", "bobpw")
        reply = self.typed("account password bob secret1")
        self.assertIn("new password set for bob; 2 session(s) stay signed in", reply)
        reply = self.typed("account delete bob")
        self.assertIn("deleted the account bob; 2 session(s) ended", reply)
        self.assertIsNotNone(laptop.disconnectedWith)
        self.assertIsNotNone(phone.disconnectedWith)

    def test_passwordWithSpaces(self) -> None:
        """
        A password of several words on the command line (a CSV line's
        passphrase) is refused with why, and nothing is made or changed.
        """
        why = "(a password has no spaces (a space ends it))"
        reply = self.typed("add account carol correct horse battery")
        self.assertIn(f"usage: add account <username> [password] {why}", reply)
        self.assertIn(why, self.typed("account password bob two words"))
        self.assertFalse(self.successResultOf(self.service.isRegistered("carol")))

    def test_delete(self) -> None:
        """
        A deleted account's sessions end with the reason; its room messages
        stay; its password opens nothing and its name is registered by
        someone else, who gets none of its rights.
        """
        bob = self.chat("bob", "bobpw")
        maybeDeferred(self.service.enter, bob, "lobby")
        maybeDeferred(self.service.say, bob, "lobby", ("goodbye",))
        self.clock.advance(1)
        self.assertTrue(self.service.moderation.op("bob", "root"))
        reply = self.typed("account delete bob left the company")
        self.assertIn("deleted the account bob; 1 session(s) ended", reply)
        assert bob.disconnectedWith is not None
        self.assertIn(
            "your account was deleted by the administrator root: left the company",
            bob.disconnectedWith.text,
        )
        self.assertEqual(("root", "account delete bob left the company"), self.lastAudit())
        history = self.successResultOf(self.store.history("lobby", 10))
        self.assertEqual([("bob", ("goodbye",))], [(m.sender, m.lines) for m in history])
        self.assertIsNone(self.successResultOf(self.store.accountHash("bob")))
        newcomer = self.chat("bob", None)  # a guest may take the name now
        self.successResultOf(self.service.register(newcomer, "newbob"))
        self.refusedLogin("bob", "bobpw")
        self.chat("bob", "newbob")
        self.assertFalse(self.service.isOperator(newcomer))
        self.assertIn(
            "refused: bob2 is not a registered account", self.typed("account delete bob2")
        )

    def test_deleteAdministrator(self) -> None:
        """
        Deleting an account flagged admin closes its console sessions, as
        C{admin revoke} does, and the flag goes with the account.
        """
        _, aliceShown = self.telnet(b"alice", b"alicepw")
        reply = self.typed("account delete alice")
        self.assertIn("it was an administrator: 1 open console session(s) closed", reply)
        self.assertTrue(aliceShown.disconnecting)
        self.assertIn("accounts flagged admin: none", self.typed("admins"))
        self.refusedLogin("alice", "alicepw")

    def test_addAskedHidden(self) -> None:
        """
        C{add account}, the way in where guests may not log in
        (C{--guests off}): left out of the line, the password is asked
        twice, echoed nowhere; the account then logs in with it, and the
        audit trail names the account, not the password.
        """
        self.service.logins.guests = False
        user = RecordingParticipant()
        self.service.connect(user)
        self.failureResultOf(settled(self.service.login(user, "pupil")), errors.GuestsRefused)
        self.assertIn("New password for pupil: ", self.typed("add account pupil"))
        shown = self.typed("pupil-pw") + self.typed("pupil-pw")
        self.assertNotIn("pupil-pw", shown)
        self.assertIn("account pupil created: it logs in with that password", shown)
        self.chat("pupil", "pupil-pw")
        self.assertEqual(("root", "add account pupil"), self.lastAudit())

    def test_addRefused(self) -> None:
        """
        A registered name, a password the rules refuse: nothing is made.
        """
        self.assertIn("refused: bob is registered already", self.typed("add account bob secret1"))
        self.assertIn("refused: a password is 4 to 1024", self.typed("add account pupil abc"))
        self.refusedLogin("pupil", "abc")


class NoStoreTests(AccountsTestCase):
    def test_noStore(self) -> None:
        """
        Without a store there are no accounts to change.
        """
        console = AdminConsole(ChatService(self.clock, rooms=["lobby"]), "root")
        for line in ("account password bob secret1", "account delete bob"):
            reply = self.successResultOf(console.execute(line))
            self.assertIn("refused: this server keeps no accounts", reply)
