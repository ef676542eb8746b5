"""
Tests for accounts flagged admin: the console's C{admins}, C{admin grant} and
C{admin revoke} (L{chatd.admin.commands}), and the admin login with an
account password (L{chatd.admin.accountcheck}), in memory with a L{Clock},
against a real SQLite store in threads, and through the telnet console.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import pytest_twisted
from twisted.cred.credentials import UsernamePassword
from twisted.cred.error import UnauthorizedLogin
from twisted.cred.portal import Portal
from twisted.internet.address import IPv4Address
from twisted.internet.defer import fail
from twisted.internet.error import ConnectionDone
from twisted.internet.task import Clock
from twisted.internet.testing import StringTransport
from twisted.python.failure import Failure
from twisted.trial.unittest import SynchronousTestCase

from chatd.admin.accountcheck import accountAdminCheck
from chatd.admin.commands import AdminConsole, Consoles
from chatd.admin.credentials import AdminChecker, setPassword
from chatd.admin.shell import ConsoleLineProtocol
from chatd.admin.telnet import AdminTelnetFactory, ConsoleTelnetRealm
from chatd.core.events import Notice
from chatd.core.service import ChatService
from chatd.modstore import MemoryModerationStore
from chatd.storage.sqlite import sqliteStore
from chatd.testing import RecordingParticipant, settled
from tests.support.admincases import AccountsTestCase

PROMPT = "chatd> "


class CheckerTests(AccountsTestCase):
    """
    L{accountAdminCheck} behind L{AdminChecker}.
    """

    def test_flaggedAccount(self) -> None:
        """
        An account flagged admin logs in with its account password, in any
        spelling of its name, as the account (its own name: what the audit
        trail and the log record); the password file still works.
        """
        for typed in ("alice", "ALICE", "ÀLICE"):  # the account was registered as Alice
            self.assertEqual(b"Alice", self.successResultOf(self.check(typed, "alicepw")))
        self.assertEqual(b"root", self.successResultOf(self.check("root", "sesame")))

    def test_refusedLikeThePasswordFile(self) -> None:
        """
        A wrong password for a flagged account, the right password of an
        account that is not flagged, and a name nobody registered are each
        refused as a bad password-file login is: same timing, same message,
        the same failure logged.
        """
        expected = self.refusal("root", "guess")
        for name, password in (("alice", "wrong"), ("bob", "bobpw"), ("nobody", "x"), ("b!d", "x")):
            self.assertEqual(expected, self.refusal(name, password), name)

    def test_failedLineNamesOnlyAdministrators(self) -> None:
        """
        A failed login's log line names who was tried only if it is an
        administrator's: a name in the password file, or an account
        flagged admin (in any spelling).  Any other name, such as a
        password typed at the name prompt, is not written: the line says
        an unknown name was tried.
        """
        path = Path(self.mktemp())
        path.write_text("root:$argon2id$unused\n", "utf-8")
        self.checker.path = path
        for name in ("root", "ROOT", "alice", "ÀLICE"):
            self.assertEqual(
                [f"failed admin login for {name!r} from unknown"], self.failedLines(name, "wrong")
            )
        for name in ("bob", "nobody", "Tr0ub4dor&3 secret", "b!d"):
            lines = self.failedLines(name, "wrong")
            self.assertEqual(["failed admin login for an unknown name from unknown"], lines)

    def test_sameBackOff(self) -> None:
        """
        Failures for an account back off like the file's (after 3 free
        ones, 1, 2 s... before the next check), and a success resets them.
        """
        for delay in (0, 0, 0, 1, 2):
            self.refusal("alice", "wrong", delay)
        self.assertEqual(4.0, self.checker.gate.backoff(name="alice"))
        d = self.check("alice", "alicepw")
        self.clock.advance(4)
        self.successResultOf(d)
        self.assertEqual(0, self.checker.gate.backoff(name="alice"))

    def test_revoked(self) -> None:
        """
        The flag is read at each login: once revoked, the account's password
        no longer opens the console.
        """
        self.successResultOf(self.check("alice", "alicepw"))
        self.successResultOf(self.store.setAdmin("alice", False))
        self.refusal("alice", "alicepw")

    def test_storeFailure(self) -> None:
        """
        A store that fails is a refusal (logged with its traceback), never
        an error escaping the checker.
        """
        self.store.adminHash = lambda nick: fail(RuntimeError("disk on fire"))  # type: ignore[method-assign]
        message, logged = self.refusal("alice", "alicepw")
        self.assertEqual("wrong name or password", message)
        self.assertTrue(any("accounts flagged admin" in text for text in logged))
        self.assertEqual(1, len(self.flushLoggedErrors(RuntimeError)))


class ConsoleTests(AccountsTestCase):
    """
    C{admins}, C{admin grant} and C{admin revoke} on a C{StringTransport}.
    """

    def setUp(self) -> None:
        super().setUp()
        self.passwords = Path(self.mktemp())
        self.console = AdminConsole(self.service, "root", passwords=self.passwords)
        self.protocol = ConsoleLineProtocol(self.console)
        self.transport = StringTransport()
        self.protocol.makeConnection(self.transport)
        self.transport.clear()

    def run_(self, line: str) -> str:
        self.protocol.dataReceived(line.encode("utf-8") + b"\r\n")
        text: str = self.transport.value().decode("utf-8")
        self.transport.clear()
        self.assertTrue(text.endswith(PROMPT), text)
        return text[: -len(PROMPT)].rstrip("\n")

    def audit(self) -> list[tuple[str, str]]:
        entries = self.successResultOf(self.service.moderation.lastAudit(100))
        return [(entry.who, entry.what) for entry in entries]

    def test_admins(self) -> None:
        """
        C{admins} lists the password file's administrators and the accounts
        flagged admin, by display name.
        """
        self.assertEqual(
            "password file: nobody\naccounts flagged admin: Alice", self.run_("admins")
        )
        setPassword(self.passwords, "root", "open-sesame")
        self.successResultOf(self.store.setAdmin("alice", False))
        self.assertEqual("password file: root\naccounts flagged admin: none", self.run_("admins"))

    def test_grantAndRevoke(self) -> None:
        """
        C{admin grant} flags a registered account (told if online) and
        C{admin revoke} unflags it; both are audited, and doing either twice
        changes nothing and is not audited again.
        """
        bob = RecordingParticipant("10.0.0.2")
        self.service.connect(bob)
        self.successResultOf(settled(self.service.login(bob, "bob", "bobpw")))
        self.clock.advance(0)
        bob.events.clear()
        self.assertEqual(
            "BOB is now an administrator (logs in with their account password)",
            self.run_("admin grant BOB"),
        )
        self.assertEqual(
            ["the administrator root made you an administrator of this server"],
            [e.text for e in bob.events if isinstance(e, Notice)],
        )
        self.assertEqual(
            self.successResultOf(self.store.accountHash("bob")),
            self.successResultOf(self.store.adminHash("bob")),
        )
        self.assertEqual("bob is already an administrator", self.run_("admin grant bob"))
        self.assertEqual(
            "password file: nobody\naccounts flagged admin: Alice, bob", self.run_("admins")
        )
        self.assertEqual(
            "bob is no longer an administrator; 0 open console session(s) closed",
            self.run_("admin revoke bob"),
        )
        self.assertEqual("bob is not an administrator", self.run_("admin revoke bob"))
        self.assertIsNone(self.successResultOf(self.store.adminHash("bob")))
        self.assertEqual([("root", "admin grant BOB"), ("root", "admin revoke bob")], self.audit())

    def test_onlyRegisteredAccounts(self) -> None:
        """
        An unregistered name cannot be flagged (nor unflagged): a clear
        refusal, nothing stored, nothing audited.
        """
        for line in ("admin grant ghost", "admin revoke ghost"):
            reply = self.run_(line)
            self.assertTrue(reply.startswith("refused: ghost is not a registered account"), reply)
        self.assertEqual(["Alice"], self.successResultOf(self.store.admins()))
        self.assertEqual([], self.audit())

    def test_usage(self) -> None:
        """
        Missing or extra arguments, a bad name or an unknown subcommand get
        the usage hint.
        """
        for line, usage in (
            ("admin grant", "usage: admin grant <username>"),
            ("admin grant bob eve", "usage: admin grant <username> (too many arguments)"),
            ("admin grant b!d", "usage: admin grant <username> ('b!d' is not a nickname)"),
            ("admin revoke", "usage: admin revoke <username>"),
            ("admins all", "usage: admins (too many arguments)"),
            ("admin", "usage: admin grant <username> | admin revoke <username>"),
            ("admin promote bob", "usage: admin grant <username> | admin revoke <username>"),
        ):
            self.assertEqual(usage, self.run_(line), line)

    def test_help(self) -> None:
        """
        C{help} lists the new commands and explains each.
        """
        listing = self.run_("help")
        for usage in ("admins", "admin grant <username>", "admin revoke <username>"):
            self.assertIn(usage, listing)
        self.assertIn("registered account", self.run_("help admin grant"))


class NoStoreTests(SynchronousTestCase):
    """
    Without a store there are no accounts to flag.
    """

    def test_noStore(self) -> None:
        service = ChatService(Clock(), rooms=["lobby"])
        service.moderation.store = MemoryModerationStore()
        console = AdminConsole(service, "root")
        self.assertEqual(
            "refused: this server has no accounts (it runs without a store)",
            self.successResultOf(console.execute("admin grant bob")),
        )
        self.assertEqual(
            "accounts flagged admin: none (this server runs without a store)",
            self.successResultOf(console.execute("admins")),
        )


class TelnetTests(AccountsTestCase):
    """
    The telnet console's login prompt accepts a flagged account.
    """

    def test_loginAsAccount(self) -> None:
        """
        Alice logs in with her account password and her actions are audited
        under her name; a wrong password gets the usual refusal.
        """
        portal = Portal(ConsoleTelnetRealm(Consoles(self.service)), [self.checker])
        protocol = AdminTelnetFactory(portal).buildProtocol(IPv4Address("TCP", "127.0.0.1", 1))
        transport = StringTransport()
        protocol.makeConnection(transport)
        protocol.dataReceived(b"alice\nwrong\n")
        self.clock.advance(1)
        self.assertIn(b"Authentication failed", transport.value())
        transport.clear()
        protocol.dataReceived(b"alice\nalicepw\n")
        self.assertIn(b"You are Alice.", transport.value())  # the account's own name
        protocol.dataReceived(b"ban eve troll\n")
        self.assertIn(b"banned eve", transport.value())
        entries = self.successResultOf(self.service.moderation.lastAudit(1))
        self.assertEqual([("Alice", "ban eve troll")], [(e.who, e.what) for e in entries])

    def test_revokeClosesSessions(self) -> None:
        """
        Revoking an account closes its open console sessions (not the
        revoking administrator's own); a name also in the password file
        keeps its sessions, since its file password still lets it in.
        """
        passwords = Path(self.mktemp())
        makeConsole = Consoles(self.service, passwords=passwords)
        portal = Portal(ConsoleTelnetRealm(makeConsole), [self.checker])
        factory = AdminTelnetFactory(portal)
        sessions = []
        for name, password in (
            (b"alice", b"alicepw"),
            (b"alice", b"alicepw"),
            (b"root", b"sesame"),
        ):
            protocol = factory.buildProtocol(IPv4Address("TCP", "127.0.0.1", 1))
            transport = StringTransport()
            protocol.makeConnection(transport)
            protocol.dataReceived(name + b"\n" + password + b"\n")
            self.assertIn(b"You are " + (b"Alice" if name == b"alice" else name), transport.value())
            sessions.append((protocol, transport))
        rootConsole = makeConsole("root")
        self.assertEqual(
            "alice is no longer an administrator; 2 open console session(s) closed",
            self.successResultOf(rootConsole.execute("admin revoke alice")),
        )
        self.assertEqual(
            [True, True, False], [transport.disconnecting for _, transport in sessions]
        )
        for protocol, _ in sessions[:2]:
            protocol.connectionLost(Failure(ConnectionDone()))
        self.assertEqual(1, len(rootConsole.sessions))
        # root is in the password file and an account flagged admin: revoking
        # the account leaves root's session open.
        setPassword(passwords, "root", "open-sesame")
        self.successResultOf(self.service.persistence.accounts.register("root", "rootpw"))  # type: ignore[union-attr]
        self.successResultOf(self.store.setAdmin("root", True))
        self.assertEqual(
            "root is no longer an administrator; 0 open console session(s) closed",
            self.successResultOf(makeConsole("carol").execute("admin revoke root")),
        )
        self.assertFalse(sessions[2][1].disconnecting)


@pytest_twisted.ensureDeferred
async def test_realSQLiteStore(tmp_path: Path) -> None:
    """
    Against a real SQLite store, with argon2 in threads: a registered
    account flagged admin is accepted with its password, a wrong password
    and a non-admin account are refused.
    """
    from twisted.internet import reactor

    store = sqliteStore(str(tmp_path / "chat.sqlite3"), reactor)
    store.startService()
    service = ChatService(reactor, rooms=["lobby"], store=store)
    service.startService()
    try:
        assert service.persistence is not None
        await service.persistence.whenReady()
        await service.persistence.accounts.register("carol", "carolpw")
        await service.persistence.accounts.register("dave", "davepw")
        assert await store.setAdmin("carol", True) is False
        checker = AdminChecker(
            tmp_path / "admin-passwords", reactor, [accountAdminCheck(service.persistence)]
        )

        async def attempt(name: bytes, password: bytes) -> Any:
            d = checker.requestAvatarId(UsernamePassword(name, password))
            d.addTimeout(10, reactor)
            return await d

        assert await attempt(b"carol", b"carolpw") == b"carol"
        for name, password in ((b"carol", b"wrong"), (b"dave", b"davepw")):
            with pytest.raises(UnauthorizedLogin):
                await attempt(name, password)
    finally:
        service.stopService()
        await store.stopService()
