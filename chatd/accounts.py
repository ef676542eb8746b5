# -*- test-case-name: tests.test_accounts -*-
"""
Registered nicknames: argon2 password hashes, checked off the reactor
thread, and a back-off that slows password guessing.

An attempt against an unknown name costs exactly what one against a known
name costs (a dummy hash is verified, the same back-off applies), so timing
never tells an attacker which names exist.  Note that whether a name is
registered is no secret in itself: talk mode asks for a password only when
it is.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from twisted.internet.defer import Deferred
from twisted.internet.interfaces import IReactorTime
from twisted.internet.task import deferLater
from twisted.internet.threads import deferToThread
from twisted.logger import Logger

from chatd import errors
from chatd.names import key
from chatd.storage.interfaces import IChatStore

MIN_PASSWORD, MAX_PASSWORD = 4, 256


def checkPasswordRules(password: str) -> None:
    """
    @raise InvalidArgument: C{password} is shorter than 4 or longer than 256
        characters.
    """
    if not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        raise errors.InvalidArgument(f"a password is {MIN_PASSWORD} to {MAX_PASSWORD} characters")


class PasswordChecker:
    """
    argon2id hashing and verification in a thread, never on the reactor.

    @ivar runInThread: how to run a blocking call, C{deferToThread} unless a
        test gives another.
    """

    def __init__(
        self,
        hasher: PasswordHasher | None = None,
        runInThread: Callable[..., Deferred[Any]] = deferToThread,
    ) -> None:
        self.hasher = hasher or PasswordHasher()
        self.runInThread = runInThread
        # Made once, at start: unknown names are verified against it.
        self._dummy = self.hasher.hash(secrets.token_urlsafe(16))

    def hash(self, password: str) -> Deferred[str]:
        """
        The argon2 hash of C{password}, computed in a thread.
        """
        return self.runInThread(self.hasher.hash, password)

    def _verify(self, passwordHash: str | None, password: str) -> bool:
        try:
            self.hasher.verify(passwordHash or self._dummy, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False
        return passwordHash is not None

    def verify(self, passwordHash: str | None, password: str) -> Deferred[bool]:
        """
        Whether C{password} matches C{passwordHash}, checked in a thread.  For
        C{None} (no such account) a dummy hash is checked, as slowly, and the
        answer is C{False}.
        """
        return self.runInThread(self._verify, passwordHash, password)


class Backoff:
    """
    Spaces out failed attempts per key (a name, an address).

    After C{free} failures, attempts for a key are let through at most one
    per C{base * 2**(failures - free)} seconds (at most C{maximum}), even when
    they arrive in parallel: each attempt reserves the next slot.  A key is
    forgotten C{forget} seconds after its last failure, and a success clears
    it.
    """

    def __init__(
        self,
        clock: IReactorTime,
        free: int = 3,
        base: float = 1.0,
        maximum: float = 60.0,
        forget: float = 3600.0,
    ) -> None:
        self.clock = clock
        self.free, self.base, self.maximum, self.forget = free, base, maximum, forget
        # key -> [failures, next allowed attempt, last failure]
        self._state: dict[str, list[float]] = {}

    def _interval(self, failures: float) -> float:
        if failures < self.free:
            return 0.0
        return float(min(self.base * 2 ** (failures - self.free), self.maximum))

    def _prune(self, now: float) -> None:
        if len(self._state) > 10000:
            for k in [k for k, s in self._state.items() if s[2] + self.forget < now]:
                del self._state[k]

    def wait(self, key: str) -> float:
        """
        Reserve the next attempt slot for C{key}; returns how many seconds to
        wait for it.
        """
        now = self.clock.seconds()
        state = self._state.get(key)
        if state is None:
            return 0.0
        if state[2] + self.forget < now:
            del self._state[key]
            return 0.0
        # Parallel attempts queue up one interval apart, but never more than
        # `maximum` ahead: each connection has at most one login under way.
        at = min(max(now, state[1]), now + self.maximum)
        state[1] = at + self._interval(state[0])
        return at - now

    def failed(self, key: str) -> None:
        """
        An attempt for C{key} failed.
        """
        now = self.clock.seconds()
        self._prune(now)
        state = self._state.setdefault(key, [0, now, now])
        state[0] += 1
        state[2] = now
        state[1] = max(state[1], now + self._interval(state[0]))

    def succeeded(self, key: str) -> None:
        """
        An attempt for C{key} succeeded: forget its failures.
        """
        self._state.pop(key, None)


class Accounts:
    """
    Password checks for registered nicknames, against the store.  Failed
    attempts are logged (without the password) for tools like fail2ban.
    """

    log = Logger()

    def __init__(
        self,
        store: IChatStore,
        clock: IReactorTime,
        checker: PasswordChecker | None = None,
        perName: Backoff | None = None,
        perAddress: Backoff | None = None,
    ) -> None:
        self.store = store
        self.clock = clock
        self.checker = checker or PasswordChecker()
        self.perName = perName or Backoff(clock, free=3)
        self.perAddress = perAddress or Backoff(clock, free=10)

    async def authenticate(self, nick: str, password: str, address: str) -> None:
        """
        Check C{password} for C{nick}, after any back-off for the name and the
        address.

        @raise BadPassword: the name is not registered or the password is
            wrong (the two take the same time).
        """
        delay = max(self.perName.wait(key(nick)), self.perAddress.wait(address))
        if delay:
            await deferLater(self.clock, delay, lambda: None)
        passwordHash = await self.store.accountHash(nick)
        if not await self.checker.verify(passwordHash, password):
            self.perName.failed(key(nick))
            self.perAddress.failed(address)
            self.log.info(
                "bad password for {nick} from {address}{unknown}",
                nick=nick,
                address=address,
                unknown="" if passwordHash else " (not registered)",
            )
            raise errors.BadPassword()
        self.perName.succeeded(key(nick))
        if self.checker.hasher.check_needs_rehash(passwordHash or ""):
            await self.store.saveAccount(
                nick, await self.checker.hash(password), int(self.clock.seconds())
            )

    async def register(self, nick: str, password: str) -> None:
        """
        Register C{nick} with C{password}, or change its password.

        @raise InvalidArgument: the password breaks L{checkPasswordRules}.
        """
        checkPasswordRules(password)
        passwordHash = await self.checker.hash(password)
        await self.store.saveAccount(nick, passwordHash, int(self.clock.seconds()))
