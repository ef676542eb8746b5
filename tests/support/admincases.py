"""
What the unit tests of the admin consoles share: L{fakeVerify}, an instant
stand-in for the password file, L{AccountsTestCase}, a service with
accounts (one flagged admin) and the checker of root's console, and
L{ConsoleScreen}, the line console as an administrator types into it.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any, cast

from twisted.cred.credentials import UsernamePassword
from twisted.cred.error import UnauthorizedLogin
from twisted.internet.defer import Deferred, succeed
from twisted.internet.task import Clock
from twisted.internet.testing import StringTransport
from twisted.logger import ILogObserver, LogEvent, formatEvent, globalLogPublisher
from twisted.trial.unittest import SynchronousTestCase

from chatd.admin.accountcheck import addAccountAdmins
from chatd.admin.commands import AdminConsole
from chatd.admin.credentials import AdminChecker
from chatd.admin.shell import ConsoleLineProtocol
from chatd.core.accounts import Accounts, PasswordChecker
from chatd.core.service import ChatService
from chatd.modstore import MemoryModerationStore
from chatd.storage.memory import MemoryChatStore
from tests.support.persistencecase import FAST, inline

#: The line console's prompt.
PROMPT = "chatd> "


class ConsoleScreen:
    """
    Administrator C{who}'s line console of C{service} on a
    L{StringTransport}: L{type} a line, get the reply.
    """

    def __init__(self, service: ChatService, who: str = "root") -> None:
        self.protocol = ConsoleLineProtocol(AdminConsole(service, who, lambda: None))
        self.transport = StringTransport()
        self.protocol.makeConnection(self.transport)
        self.transport.clear()

    def type(self, line: str) -> str:
        """
        Type C{line}; the reply, without the prompt after it (which must
        have come: the command has finished).
        """
        self.send(line)
        return self.reply()

    def send(self, line: str) -> None:
        """Type C{line}, its reply left for L{reply} (a command that waits)."""
        self.protocol.dataReceived(line.encode("utf-8") + b"\r\n")

    def reply(self) -> str:
        """
        What the console wrote since the last reply, without the prompt
        after it (which must have come: the command has finished).
        """
        text: str = self.transport.value().decode("utf-8")
        self.transport.clear()
        if not text.endswith(PROMPT):
            raise AssertionError(f"no prompt after the command: {text!r}")
        return text[: -len(PROMPT)].rstrip("\n")


def fakeVerify(path: Path, name: str, password: str) -> Deferred[bool]:
    """
    Instant stand-in for the threaded argon2 check: root's password is 'sesame'.
    """
    return succeed((name, password) == ("root", "sesame"))


class AccountsTestCase(SynchronousTestCase):
    """
    A service with a memory store (argon2 inline and fast), registered
    accounts alice (flagged admin) and bob, and root's console.
    """

    def setUp(self) -> None:
        self.clock = Clock()
        self.clock.advance(1_795_000_000)
        self.store = MemoryChatStore()
        self.store.startService()
        self.hasher = PasswordChecker(FAST, runInThread=inline)
        self.service = ChatService(
            self.clock,
            rooms=["lobby"],
            store=self.store,
            accounts=Accounts(self.store, self.clock, self.hasher),
        )
        self.service.moderation.store = MemoryModerationStore()
        self.service.startService()
        for nick, password in (("Alice", "alicepw"), ("bob", "bobpw")):
            self.successResultOf(self.service.persistence.accounts.register(nick, password))  # type: ignore[union-attr]
        self.successResultOf(self.store.setAdmin("alice", True))
        self.checker = AdminChecker(Path("unused"), self.clock, verifier=fakeVerify)
        addAccountAdmins(self.checker, self.service.persistence)  # type: ignore[arg-type]

    def mktemp(self) -> str:
        """
        A fresh path in the system's temporary directory (trial's own
        C{mktemp} is relative to the working directory: the checkout).
        """
        directory = tempfile.mkdtemp(prefix="chatd-acctadmin-")
        self.addCleanup(shutil.rmtree, directory)
        return str(Path(directory) / "admin-passwords")

    def check(self, name: str, password: str) -> Deferred[Any]:
        return self.checker.requestAvatarId(UsernamePassword(name.encode(), password.encode()))

    def refusal(self, name: str, password: str, delay: float = 0.0) -> tuple[str, list[str]]:
        """
        Log in as C{name} with a bad C{password}: the message of the
        refusal, which must come exactly C{delay} seconds later (the
        back-off before the check), and what was logged.
        """
        logged: list[LogEvent] = []
        observer = cast(ILogObserver, logged.append)
        globalLogPublisher.addObserver(observer)
        try:
            d = self.check(name, password)
            if delay:
                self.clock.advance(delay - 0.001)
                self.assertNoResult(d)
                self.clock.advance(0.001)
            failure = self.failureResultOf(d, UnauthorizedLogin)
        finally:
            globalLogPublisher.removeObserver(observer)
        return str(failure.value), [e["log_format"] for e in logged if "log_format" in e]

    def failedLines(self, name: str, password: str) -> list[str]:
        """
        Log in as C{name} with a bad C{password}: the lines logged, as
        they read.
        """
        logged: list[LogEvent] = []
        observer = cast(ILogObserver, logged.append)
        globalLogPublisher.addObserver(observer)
        try:
            self.failureResultOf(self.check(name, password), UnauthorizedLogin)
        finally:
            globalLogPublisher.removeObserver(observer)
        return [formatEvent(event) for event in logged if "log_format" in event]
