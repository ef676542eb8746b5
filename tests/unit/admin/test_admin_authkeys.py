"""
SSH key logins to the admin console, in memory: the authorized-keys file
(C{NAME KEY} lines, read at every attempt, refused when others may write it)
and the checker, which passes signed attempts through the password gate and
logs them with the key's fingerprint.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any
from unittest import skipIf

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from twisted.conch.error import ValidPublicKey
from twisted.conch.ssh.keys import Key
from twisted.cred.credentials import IUsernamePassword, SSHPrivateKey
from twisted.cred.error import UnauthorizedLogin
from twisted.cred.portal import Portal
from twisted.internet.defer import Deferred
from twisted.internet.task import Clock
from twisted.logger import LogLevel, capturedLogs, formatEvent
from twisted.trial.unittest import SynchronousTestCase

from chatd.admin.authkeys import AdminKeyChecker, AuthorizedKeysFile, fingerprint
from chatd.admin.commands import Consoles
from chatd.admin.credentials import AdminChecker
from chatd.admin.ssh import consoleSSHFactory
from chatd.core.gate import PasswordGate
from chatd.core.service import ChatService
from tests.support.admincases import fakeVerify

SIGNED = b"session id and request"


def newKey() -> Key:
    return Key(Ed25519PrivateKey.generate())


def credentials(
    name: bytes, key: Key, signed: bool = True, address: str = "192.0.2.7"
) -> SSHPrivateKey:
    """
    What conch's userauth hands the portal for C{key}: signed, or the
    client's question whether the key would do.
    """
    public = key.public()
    made = SSHPrivateKey(
        name,
        public.sshType(),
        public.blob(),
        SIGNED if signed else None,
        key.sign(SIGNED) if signed else None,
    )
    made.address = address  # type: ignore[attr-defined]  # (as AddressingPortal sets it)
    return made


class KeyCheckerTests(SynchronousTestCase):
    def setUp(self) -> None:
        self.clock = Clock()
        self.path = Path(self.mktemp())
        self.alice, self.bob = newKey(), newKey()
        self.write(f"# administrators\nAlice {self.line(self.alice)} alice@laptop\n")
        self.gate = PasswordGate(self.clock, runInThread=lambda f, *a: f(*a))
        self.checker = AdminKeyChecker(AuthorizedKeysFile(self.path), self.gate)

    def line(self, key: Key) -> str:
        text: str = key.public().toString("OPENSSH").decode()
        return text

    def write(self, text: str, mode: int = 0o600) -> None:
        self.path.write_text(text)
        self.path.chmod(mode)

    def check(self, creds: SSHPrivateKey) -> tuple[Any, list[str]]:
        """
        The checker's answer (avatar id or failure type) and the log lines.
        """
        with capturedLogs() as events:
            d = self.checker.requestAvatarId(creds)
        results: list[Any] = []
        d.addCallbacks(results.append, lambda f: results.append(f.type))
        self.assertEqual(len(results), 1, "the check did not finish")
        return results[0], [formatEvent(e) for e in events]

    def test_listedKey(self) -> None:
        """
        A key listed for an administrator logs in as that administrator,
        named as the file spells them whatever the case typed; the log
        names them, the address and the key's fingerprint.
        """
        result, log = self.check(credentials(b"alice", self.alice))
        self.assertEqual(result, b"Alice")
        expected = f"administrator Alice logged in from 192.0.2.7 (key {fingerprint(self.alice)})"
        self.assertEqual(log, [expected])
        self.assertTrue(fingerprint(self.alice).startswith("SHA256:"))
        self.assertNotIn("=", fingerprint(self.alice))

    def test_wrongKey(self) -> None:
        """
        Another key, or the key of someone else, is refused and logged as
        a failure.
        """
        result, log = self.check(credentials(b"alice", self.bob))
        self.assertIs(result, UnauthorizedLogin)
        self.assertEqual(
            log,
            [f"failed admin key login for 'alice' from 192.0.2.7 (key {fingerprint(self.bob)})"],
        )
        self.assertIs(self.check(credentials(b"bob", self.alice))[0], UnauthorizedLogin)

    def test_unknownNameNotLogged(self) -> None:
        """
        A key login, or a question, for a name the file does not list logs
        that an unknown name was tried, not the name (it may be a password
        typed for a name).
        """
        typed = credentials(b"hunter2 pass", self.alice)
        result, log = self.check(typed)
        print_ = fingerprint(self.alice)
        failed = f"failed admin key login for an unknown name from 192.0.2.7 (key {print_})"
        self.assertEqual((result, log), (UnauthorizedLogin, [failed]))
        asked = self.check(credentials(b"hunter2 pass", self.alice, False))
        offered = f"admin key {print_} offered for an unknown name from 192.0.2.7 is not listed"
        self.assertEqual(asked, (UnauthorizedLogin, [offered]))

    def test_badSignature(self) -> None:
        """
        A listed key with a signature it did not make is refused.
        """
        creds = credentials(b"alice", self.alice)
        creds.signature = self.bob.sign(SIGNED)
        self.assertIs(self.check(creds)[0], UnauthorizedLogin)

    def test_question(self) -> None:
        """
        Asked whether a key would do (no signature), the checker says yes
        for a listed key (conch's C{ValidPublicKey}) and no otherwise, and
        logs the key not listed.  A question passes no gate and counts as
        no failure.
        """
        self.assertEqual(self.check(credentials(b"alice", self.alice, False)), (ValidPublicKey, []))
        for _ in range(self.gate.nameFree + 1):
            result, log = self.check(credentials(b"alice", self.bob, False))
        offered = f"admin key {fingerprint(self.bob)} offered for 'alice' from 192.0.2.7"
        self.assertEqual((result, log), (UnauthorizedLogin, [offered + " is not listed"]))
        self.assertEqual(self.check(credentials(b"alice", self.alice))[0], b"Alice")

    def test_readEachAttempt(self) -> None:
        """
        A key added to the file (or removed) counts at the next attempt.
        """
        self.assertIs(self.check(credentials(b"bob", self.bob))[0], UnauthorizedLogin)
        self.write(f"bob {self.line(self.bob)}\n")
        self.assertEqual(self.check(credentials(b"bob", self.bob))[0], b"bob")
        self.assertIs(self.check(credentials(b"alice", self.alice))[0], UnauthorizedLogin)

    def test_readInAThread(self) -> None:
        """
        The file is read in a thread (the gate's), not on the reactor's: the
        check waits for that read, and it is the file's.
        """
        reads: list[tuple[Deferred[Any], Any]] = []

        def inThread(f: Any, *args: Any) -> Deferred[Any]:
            reads.append((Deferred(), lambda: f(*args)))
            return reads[-1][0]

        gate = PasswordGate(self.clock, runInThread=inThread)
        checker = AdminKeyChecker(AuthorizedKeysFile(self.path), gate)
        d = checker.requestAvatarId(credentials(b"alice", self.alice))
        self.assertNoResult(d)
        [(read, run)] = reads
        read.callback(run())
        self.assertEqual(self.successResultOf(d), b"Alice")

    def test_writableByOthers(self) -> None:
        """
        A file its group or others may write is not used: every key is
        refused, and the log says why once, not at every attempt; each
        attempt's own line says the file was refused, not that the key
        (which it lists) is not listed.  Made safe again, it is used.
        """
        for mode in (0o666, 0o620):
            self.path.chmod(mode)
            with capturedLogs() as events:
                self.assertIs(self.check(credentials(b"alice", self.alice))[0], UnauthorizedLogin)
                self.check(credentials(b"alice", self.alice, False))
            errors = [formatEvent(e) for e in events if e["log_level"] == LogLevel.error]
            self.assertEqual(len(errors), 1, errors)
            unsafe = f"admin keys file {self.path} is writable by its group or others"
            self.assertIn(unsafe, errors[0])
            self.assertIn(f"(mode {mode:o})", errors[0])
            attempts = [formatEvent(e) for e in events if e["log_level"] < LogLevel.error]
            refused = f"the keys file {unsafe[16:]} (mode {mode:o})"
            self.assertEqual(len(attempts), 2, attempts)
            for line in attempts:
                self.assertIn(refused + ", so no key is used", line)
                self.assertNotIn("not listed", line)
        self.path.chmod(0o644)
        self.assertEqual(self.check(credentials(b"alice", self.alice))[0], b"Alice")

    @skipIf(os.geteuid() != 0, "needs root to give the file away")
    def test_someoneElsesFile(self) -> None:
        """
        A file that belongs to neither the daemon's user nor root is not used.
        """
        os.chown(self.path, 4321, 4321)
        result, log = self.check(credentials(b"alice", self.alice))
        self.assertIs(result, UnauthorizedLogin)
        self.assertTrue(any("belongs to uid 4321" in line for line in log), log)

    def test_missingFileAndBadLines(self) -> None:
        """
        No file: no key logs in.  A line that is not C{NAME KEY} (a bare
        C{.pub} line, a key that does not parse) is skipped with a warning
        naming its line and what is wrong; the others count.
        """
        self.path.unlink()
        self.assertIs(self.check(credentials(b"alice", self.alice))[0], UnauthorizedLogin)
        self.write(f"{self.line(self.bob)}\nalice garbage\n\nalice {self.line(self.alice)}\n")
        result, log = self.check(credentials(b"alice", self.alice))
        self.assertEqual(result, b"alice")
        self.assertEqual(sum("line ignored" in line for line in log), 2, log)
        self.assertTrue(any(f"{self.path} line 2:" in line for line in log), log)
        bare = f"{self.path} line 1: not NAME KEY (a key with no administrator's name before it)"
        self.assertTrue(any(line.startswith(bare) for line in log), log)

    def test_throughTheGate(self) -> None:
        """
        Signed attempts pass the password gate: after a name's free
        failures, even the right key waits for the back-off.
        """
        for _ in range(self.gate.nameFree):
            self.assertIs(self.check(credentials(b"alice", self.bob))[0], UnauthorizedLogin)
        results: list[Any] = []
        self.checker.requestAvatarId(credentials(b"alice", self.alice)).addBoth(results.append)
        self.assertEqual(results, [])
        self.clock.advance(self.gate.base)
        self.assertEqual(results, [b"Alice"])


class AdminsTests(SynchronousTestCase):
    def test_keyHoldersListed(self) -> None:
        """
        The console's C{admins} lists who may log in with a key, marked as
        such, each once (with a count when several keys), after the
        password file's; a file that is not used says why.
        """
        path = Path(self.mktemp())
        one, two = (key.public().toString("OPENSSH").decode() for key in (newKey(), newKey()))
        path.write_text(f"carol {one}\nalice {one}\ncarol {two}\n")
        path.chmod(0o600)
        service = ChatService(Clock(), rooms=["lobby"])
        console = Consoles(service, passwords=Path(self.mktemp()), keys=AuthorizedKeysFile(path))
        admins = self.successResultOf(console("root").execute("admins"))
        self.assertEqual(
            admins.splitlines()[:2], ["password file: nobody", "ssh keys: alice, carol (2 keys)"]
        )
        path.chmod(0o666)
        with capturedLogs():
            admins = self.successResultOf(console("root").execute("admins"))
        self.assertIn(
            f"ssh keys: nobody (the file {path} is writable by its group or others (mode 666))",
            admins,
        )
        path.unlink()
        self.assertIn("ssh keys: nobody\n", self.successResultOf(console("root").execute("admins")))


class PasswordsOffTests(SynchronousTestCase):
    def test_portal(self) -> None:
        """
        The console's SSH portal offers the methods of the checkers it is
        given: keys only, when passwords are off.
        """
        clock = Clock()
        consoles = Consoles(ChatService(clock, rooms=["lobby"]))
        keys = AdminKeyChecker(AuthorizedKeysFile(Path(self.mktemp())), PasswordGate(clock))
        passwords = AdminChecker(Path("unused"), clock, verifier=fakeVerify)
        for checkers, password in (([keys, passwords], True), ([keys], False)):
            factory = consoleSSHFactory(consoles, checkers, newKey(), clock)
            portal: Portal = factory.portal
            self.assertEqual(IUsernamePassword in portal.listCredentialsInterfaces(), password)
