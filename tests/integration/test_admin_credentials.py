"""
Tests for L{chatd.admin.credentials} and the telnet console's login
(L{chatd.admin.telnet}): argon2 password file, back-off, refusals.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import pytest
import pytest_twisted
from argon2 import PasswordHasher
from twisted.conch.telnet import DO, DONT, ECHO, IAC, WONT
from twisted.cred.credentials import UsernamePassword
from twisted.cred.error import UnauthorizedLogin
from twisted.cred.portal import Portal
from twisted.internet.address import IPv4Address
from twisted.internet.defer import Deferred, succeed
from twisted.internet.task import Clock
from twisted.internet.testing import StringTransport
from twisted.trial.unittest import SynchronousTestCase

from chatd.admin import credentials
from chatd.admin.commands import Consoles
from chatd.admin.credentials import (
    ADMIN_PASSWORD_MIN,
    AdminChecker,
    readPasswords,
    setPassword,
    verify,
)
from chatd.admin.telnet import AdminTelnetFactory, ConsoleTelnetRealm
from chatd.core.service import ChatService
from chatd.storage.sqlite import DATABASE_NAME
from tests.support.admincases import fakeVerify
from tests.support.daemon import Daemon

ROOT = Path(__file__).resolve().parents[2]


class PasswordFileTests(SynchronousTestCase):
    """
    The admin password file holds argon2 hashes, never passwords.
    """

    def mktemp(self) -> str:
        """
        A fresh path in the system's temporary directory (trial's own
        C{mktemp} is relative to the working directory: the checkout).
        """
        directory = tempfile.mkdtemp(prefix="chatd-admin-")
        self.addCleanup(shutil.rmtree, directory)
        return str(Path(directory) / "temp")

    def test_eitherUnicodeForm(self) -> None:
        """
        A console password set with C{é} as one character opens with C{e}
        and a combining accent (NFD), and the other way round.
        """
        path = Path(self.mktemp()) / "admin-passwords"
        setPassword(path, "root", "caf\u00e9-pass")
        setPassword(path, "ops", "cafe\u0301-pass")
        self.assertTrue(verify(path, "root", "cafe\u0301-pass"))
        self.assertTrue(verify(path, "ops", "caf\u00e9-pass"))
        self.assertFalse(verify(path, "root", "cafe-pass"))

    def test_oldHashMadeAgain(self) -> None:
        """
        A hash made of a password as typed in NFD (before passwords were
        normalized) opens with that text, and is then made again of the
        normal form, so the NFC spelling opens it too; other entries and
        the name's spelling stay.  A file the daemon may not write keeps
        the old hash, which still opens.
        """
        path = Path(self.mktemp()) / "admin-passwords"
        setPassword(path, "ops", "other-pass")
        typed = "cafe\u0301-pass"
        path.write_text(path.read_text() + f"Root:{PasswordHasher().hash(typed)}\n")
        self.assertFalse(verify(path, "root", "caf\u00e9-pass"))
        self.assertTrue(verify(path, "root", typed))
        self.assertTrue(verify(path, "root", "caf\u00e9-pass"))
        self.assertEqual(["Root", "ops"], sorted(readPasswords(path)))
        self.assertTrue(verify(path, "ops", "other-pass"))
        old = f"Root:{PasswordHasher().hash(typed)}\n"
        path.write_text(old)
        self.patch(os, "replace", self._refuse)
        self.assertTrue(verify(path, "root", typed))
        self.assertEqual(old, path.read_text())
        self.assertEqual([path.name], [each.name for each in path.parent.iterdir()])

    @staticmethod
    def _refuse(*args: object) -> None:
        raise PermissionError(13, "Permission denied")

    def test_setAndVerify(self) -> None:
        """
        L{setPassword} stores an argon2 hash readable by the owner only;
        L{verify} accepts that password and nothing else; a second call
        changes the password and keeps other administrators.
        """
        path = Path(self.mktemp()) / "admin-passwords"
        setPassword(path, "root", "open-sesame")
        setPassword(path, "ops", "other-pass")
        self.assertEqual(0o600, path.stat().st_mode & 0o777)
        text = path.read_text()
        self.assertNotIn("open-sesame", text)
        self.assertTrue(readPasswords(path)["root"].startswith("$argon2id$"))
        self.assertTrue(verify(path, "root", "open-sesame"))
        self.assertFalse(verify(path, "root", "Open-sesame"))
        self.assertFalse(verify(path, "nobody", "open-sesame"))
        setPassword(path, "root", "a new one")
        self.assertFalse(verify(path, "root", "open-sesame"))
        self.assertTrue(verify(path, "root", "a new one"))
        self.assertTrue(verify(path, "ops", "other-pass"))

    def test_badEntries(self) -> None:
        """
        Names with colons or spaces and passwords shorter than 8 characters
        (they open the consoles and the manhole) are refused; a missing
        file means no administrators; a corrupt hash verifies nothing.
        """
        path = Path(self.mktemp())
        long = "x" * ADMIN_PASSWORD_MIN
        for name, password in (("a:b", long), ("a b", long), ("", long), ("a", ""), ("a", "x")):
            self.assertRaises(ValueError, setPassword, path, name, password)
        short = self.assertRaises(ValueError, setPassword, path, "root", long[1:])
        self.assertEqual(
            str(short),
            "an administrator's password is at least 8 characters"
            " (it opens the consoles and the manhole)",
        )
        self.assertEqual({}, readPasswords(path))
        setPassword(path, "root", long)
        self.assertTrue(verify(path, "root", long))
        path.write_text("# comment\nroot:not-a-hash\n\n")
        self.assertEqual({"root": "not-a-hash"}, readPasswords(path))
        self.assertFalse(verify(path, "root", "anything"))

    def test_script(self) -> None:
        """
        C{scripts/chatd-admin NAME --stdin} (which runs the checkout's
        C{.venv/bin/chatd-admin}) adds an administrator, relative paths being
        the caller's; refuses a bad name with status 1.
        """
        dataDir = Path(self.mktemp()).absolute()
        dataDir.mkdir(parents=True)  # as the daemon makes it at its start
        script = [str(ROOT / "scripts" / "chatd-admin")]
        done = subprocess.run(
            [*script, "root", "--stdin", "--data-dir", dataDir.name],
            input=b"open-sesame\n",
            capture_output=True,
            cwd=dataDir.parent,
            timeout=30,
        )
        self.assertEqual(0, done.returncode, done.stderr)
        self.assertTrue(verify(dataDir / "admin-passwords", "root", "open-sesame"))
        bad = subprocess.run(
            [*script, "a:b", "--stdin", "--data-dir", str(dataDir)],
            input=b"x\n",
            capture_output=True,
            timeout=30,
        )
        self.assertEqual(1, bad.returncode)
        self.assertIn(b"colon", bad.stderr)

    def test_scriptsAgree(self) -> None:
        """
        C{scripts/serve} and C{scripts/chatd-admin}, run from the same
        directory (not the checkout's root), take C{./chatd-data} there:
        the daemon uses the administrator added beside it.
        """
        here = Path(self.mktemp()).absolute()
        here.mkdir(parents=True)
        added = subprocess.run(
            [str(ROOT / "scripts" / "chatd-admin"), "root", "--stdin"],
            input=b"open-sesame\n",
            capture_output=True,
            cwd=here,
            timeout=30,
        )
        self.assertEqual(0, added.returncode, added.stderr)
        self.assertTrue(verify(here / "chatd-data" / "admin-passwords", "root", "open-sesame"))
        loopback = "tcp:0:interface=127.0.0.1"
        command = [str(ROOT / "scripts" / "serve"), "--port", loopback, "--admin", loopback]
        command += ["--talk", "", "--web", "", "--irc", "", "--metrics", ""]
        log = here / "serve.log"
        with log.open("wb") as out:
            process = subprocess.Popen(command, cwd=here, stdout=out, stderr=subprocess.STDOUT)
        daemon = Daemon(process, log)
        try:
            daemon.waitFor(("TchatFactory", "AdminTelnetFactory"))
        finally:
            daemon.stop()
        self.assertTrue((here / "chatd-data" / DATABASE_NAME).exists(), daemon.logText())
        self.assertNotIn("no administrator", daemon.logText())


class CheckerTests(SynchronousTestCase):
    """
    L{AdminChecker}: answers, logging and back-off.
    """

    def setUp(self) -> None:
        self.clock = Clock()
        self.checker = AdminChecker(Path("unused"), self.clock, verifier=fakeVerify)

    def check(self, name: bytes, password: bytes) -> Deferred[Any]:
        return self.checker.requestAvatarId(UsernamePassword(name, password))

    def test_success(self) -> None:
        """
        The right password gives the name as avatar ID, at once.
        """
        self.assertEqual(b"root", self.successResultOf(self.check(b"root", b"sesame")))

    def test_backOff(self) -> None:
        """
        After 3 free failures, each attempt for a name waits before it is
        checked (1, 2, 4 s... up to 30 s); a success resets the count.
        """
        for delay in (0, 0, 0, 1, 2, 4, 8, 16, 30, 30):
            d = self.check(b"root", b"guess")
            if delay:
                self.clock.advance(delay - 0.01)
                self.assertNoResult(d)
                self.clock.advance(0.01)
            self.failureResultOf(d, UnauthorizedLogin)
        d = self.check(b"root", b"sesame")
        self.clock.advance(30)
        self.assertEqual(b"root", self.successResultOf(d))
        self.assertEqual(0, self.checker.gate.backoff(name="root"))
        self.failureResultOf(self.check(b"root", b"guess"), UnauthorizedLogin)

    def test_tooManyWaiting(self) -> None:
        """
        Beyond the gate's bound on waiting attempts from an address, a login
        is refused at once, as "try again later".
        """
        self.checker.gate.maxPerAddress = 2
        for _ in range(3):
            self.failureResultOf(self.check(b"root", b"guess"), UnauthorizedLogin)
        waiting = [self.check(b"root", b"guess") for _ in range(2)]
        refused = self.failureResultOf(self.check(b"root", b"sesame"), credentials.TooManyAttempts)
        self.assertIn("try again later", str(refused.value))
        self.clock.advance(1)
        self.clock.advance(2)
        for d in waiting:
            self.failureResultOf(d, UnauthorizedLogin)

    def test_extraCheck(self) -> None:
        """
        An extra source of administrators (accounts flagged admin) is asked
        when the file says no.
        """
        self.checker.extraChecks.append(
            lambda name, pw: succeed("carol" if (name, pw) == ("carol", "x") else None)
        )
        self.assertEqual(b"carol", self.successResultOf(self.check(b"carol", b"x")))


@pytest_twisted.ensureDeferred
async def test_threadedArgon2(tmp_path: Path) -> None:
    """
    The real checker verifies argon2 hashes in a thread.
    """
    from twisted.internet import reactor

    path = tmp_path / "admin-passwords"
    setPassword(path, "root", "open-sesame")
    checker = AdminChecker(path, reactor)
    d = checker.requestAvatarId(UsernamePassword(b"root", b"open-sesame"))
    d.addTimeout(10, reactor)
    assert await d == b"root"
    refused = checker.requestAvatarId(UsernamePassword(b"root", b"wrong"))
    refused.addTimeout(10, reactor)
    with pytest.raises(UnauthorizedLogin):
        await refused


class TelnetLoginTests(SynchronousTestCase):
    """
    The telnet console's login prompt, over a C{StringTransport}.
    """

    def setUp(self) -> None:
        self.clock = Clock()
        self.service = ChatService(self.clock, rooms=["lobby"])
        self.checker = AdminChecker(Path("unused"), self.clock, verifier=fakeVerify)
        portal = Portal(ConsoleTelnetRealm(Consoles(self.service)), [self.checker])
        self.protocol = AdminTelnetFactory(portal).buildProtocol(
            IPv4Address("TCP", "127.0.0.1", 5000)
        )
        self.transport = StringTransport()
        self.protocol.makeConnection(self.transport)

    def read(self) -> bytes:
        data: bytes = self.transport.value()
        self.transport.clear()
        return data

    def attempt(self, name: bytes, password: bytes) -> bytes:
        self.protocol.dataReceived(name + b"\r\n")
        self.assertIn(b"Password: ", self.read())
        self.protocol.dataReceived(IAC + DO + ECHO)  # the client agrees not to echo
        self.protocol.dataReceived(password + b"\r\n")
        self.protocol.dataReceived(IAC + DONT + ECHO)
        return self.read()

    def test_wrongPasswordRefused(self) -> None:
        """
        A wrong password is refused with no console (the first ones at once:
        the back-off starts after 3 failures); the third failure closes the
        connection.
        """
        self.assertEqual(b"Username: ", self.read())
        self.assertTrue(
            self.attempt(b"root", b"guess").endswith(b"\r\nAuthentication failed\r\nUsername: ")
        )
        self.assertIn(b"Authentication failed", self.attempt(b"root", b"sesame2"))
        self.assertIn(b"too many attempts", self.attempt(b"nobody", b"sesame"))
        self.assertTrue(self.transport.disconnecting)
        self.assertNotIn(b"chatd>", self.transport.value())

    def test_backOffBeforeCheck(self) -> None:
        """
        Once the name has failed 3 times, the next attempt is checked only
        after its back-off: nothing is answered before, the console opens
        after.
        """
        self.read()
        for _ in range(3):
            self.failureResultOf(
                self.checker.requestAvatarId(UsernamePassword(b"root", b"x")), UnauthorizedLogin
            )
        answer = self.attempt(b"root", b"sesame")
        self.assertNotIn(b"You are root.", answer)
        self.assertNotIn(b"Authentication", answer)
        self.clock.advance(1)
        self.assertIn(b"You are root.", self.read())

    def test_console(self) -> None:
        """
        The right password opens the console, which runs commands as that
        administrator.
        """
        self.read()
        opened = self.attempt(b"root", b"sesame")
        self.assertIn(b"You are root.", opened)
        # The password's Enter was not echoed: the console starts a line.
        self.assertEqual(opened.split(IAC + WONT + ECHO)[1][:2], b"\r\n")
        self.protocol.dataReceived(b"rooms\r\0")
        self.assertIn(b"lobby", self.read())
        self.protocol.dataReceived("add room Génér\x7f\x7f\x7fnéral\r\0".encode())
        self.assertIn("created Général".encode(), self.read())
        self.protocol.dataReceived(b"ban eve troll\r\0")
        self.assertIn(b"banned eve", self.read())
        [entry] = self.successResultOf(self.service.moderation.store.lastAudit(1))
        self.assertEqual(("root", "ban eve troll"), (entry.who, entry.what))

    def test_rawClient(self) -> None:
        """
        A client that ignores telnet negotiation (netcat) can still log in.
        """
        self.read()
        self.protocol.dataReceived(b"root\n")
        self.protocol.dataReceived(b"sesame\n")
        self.assertIn(b"You are root.", self.read())
        self.protocol.dataReceived(b"rooms\n")
        self.assertIn(b"lobby", self.read())
