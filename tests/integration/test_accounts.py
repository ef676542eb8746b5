"""
Tests for L{chatd.core.accounts}: argon2 off the reactor thread, rehashing, the
back-off, and what logins do when the store cannot be loaded.
"""

from __future__ import annotations

import threading
from typing import Any, Literal

import pytest_twisted
from argon2 import PasswordHasher
from twisted.internet.defer import fail, maybeDeferred
from twisted.internet.task import Clock
from twisted.trial.unittest import SynchronousTestCase

from chatd.core import errors
from chatd.core.accounts import Accounts, PasswordChecker
from chatd.core.service import ChatService
from chatd.storage.memory import MemoryChatStore
from chatd.testing import RecordingParticipant


def fastHasher() -> PasswordHasher:
    return PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)


class ThreadRecordingHasher(PasswordHasher):
    """
    A (cheap) hasher that notes which thread each hash and check ran in.
    """

    def __init__(self) -> None:
        super().__init__(time_cost=1, memory_cost=8, parallelism=1)
        self.threads: list[int] = []

    def hash(self, password: str | bytes, *, salt: bytes | None = None) -> str:
        self.threads.append(threading.get_ident())
        return super().hash(password, salt=salt)

    def verify(self, hash: str | bytes, password: str | bytes) -> Literal[True]:
        self.threads.append(threading.get_ident())
        return super().verify(hash, password)


@pytest_twisted.ensureDeferred
async def test_argon2OffTheReactorThread() -> None:
    """
    With the default thread runner, every hash and verification of a chat
    login runs outside the reactor's thread.
    """
    hasher = ThreadRecordingHasher()
    checker = PasswordChecker(hasher)
    hasher.threads.clear()  # the dummy hash is made once, at start
    stored = await checker.hash("sesame")
    assert await checker.verify(stored, "sesame") is True
    assert await checker.verify(stored, "wrong") is False
    assert await checker.verify(None, "sesame") is False
    assert len(hasher.threads) == 4
    assert threading.get_ident() not in hasher.threads


def inline(f: Any, *args: Any) -> Any:
    return maybeDeferred(f, *args)


class AccountsTests(SynchronousTestCase):
    def setUp(self) -> None:
        self.clock = Clock()
        self.store = MemoryChatStore()
        self.successResultOf(self.store.load())

    def test_rehashOnLogin(self) -> None:
        """
        A hash made with weaker parameters than the current ones is replaced
        at the next successful login.
        """
        weak = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
        self.successResultOf(self.store.saveAccount("alice", weak.hash("sesame"), 1))
        strong = PasswordChecker(PasswordHasher(time_cost=2, memory_cost=16, parallelism=1), inline)
        accounts = Accounts(self.store, self.clock, strong)
        self.successResultOf(maybeDeferred(accounts.authenticate, "alice", "sesame", "10.0.0.1"))
        stored = self.successResultOf(self.store.accountHash("alice"))
        assert stored is not None
        self.assertIn("t=2", stored)
        self.assertFalse(strong.hasher.check_needs_rehash(stored))

    def test_loadFailure(self) -> None:
        """
        When the store cannot be loaded, the failure is logged and logins
        are refused with "try again later" (03) instead of hanging; the
        internal error (00) is for bugs.
        """
        store = MemoryChatStore()
        store.load = lambda: fail(RuntimeError("database is locked"))  # type: ignore[method-assign]
        checker = PasswordChecker(fastHasher(), inline)
        service = ChatService(
            self.clock, store=store, accounts=Accounts(store, self.clock, checker)
        )
        service.startService()
        self.assertEqual(len(self.flushLoggedErrors(RuntimeError)), 1)
        alice = RecordingParticipant()
        service.connect(alice)
        self.failureResultOf(service.login(alice, "alice"), errors.StoreUnavailable)
