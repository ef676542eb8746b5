# -*- test-case-name: tests.integration.test_accounts,tests.unit.core.test_persistence,tests.unit.core.test_registrations -*-  # noqa: E501
"""
Registered nicknames: argon2 password hashes, checked off the reactor
thread, through the L{PasswordGate} that slows password guessing.

An attempt against an unknown name costs exactly what one against a known
name costs (a dummy hash is verified, the same back-off applies), so timing
never tells an attacker which names exist.  Note that whether a name is
registered is no secret in itself: talk mode asks for a password only when
it is.

A successful password login, and a registration, also keep the account's
SCRAM-SHA-256 verifier (L{chatd.core.scram}) if it has none for this
password yet; a L{ScramProof} is checked in a password's place.
"""

from __future__ import annotations

import secrets
import unicodedata
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from precis_i18n import get_profile
from twisted.internet.defer import Deferred
from twisted.internet.interfaces import IReactorTime
from twisted.internet.threads import deferToThread
from twisted.logger import Logger

from chatd.core import errors
from chatd.core.gate import PasswordGate
from chatd.core.keptcredentials import CredentialReads, Credentials
from chatd.core.limits import MAX_PASSWORD, MIN_PASSWORD
from chatd.core.names import key
from chatd.core.registrations import PasswordChangePace, RegistrationPace
from chatd.core.scram import ScramProof, deriveVerifier
from chatd.storage.interfaces import IChatStore

_OPAQUE = get_profile("OpaqueString")

#: What proves an account: its password, or a SCRAM exchange's outcome.
Secret = str | ScramProof


@dataclass(frozen=True)
class PasswordRules:
    """
    What a new password may be: the one rule every front-end's
    registration and change of password asks (C{--password-min-length}
    sets the shortest; the longest is fixed, for IRC's C{AUTHENTICATE}).
    It has no spaces (nor tabs or other blanks): TCHAT's C{LOGIN <nick>
    <password>} carries it as one field and talk mode trims what is typed,
    so a password with one could not log in from every front-end; nor
    control characters (IRC's SASL PLAIN separates its fields with NUL,
    and a terminal cannot type most of them).  Passwords already stored
    keep working whatever the rule becomes.
    """

    shortest: int = MIN_PASSWORD
    longest: int = MAX_PASSWORD

    def describe(self) -> str:
        """
        The rule in words, for prompts and errors:
        C{"4 to 1024 characters, no spaces"}.
        """
        return f"{self.shortest} to {self.longest} characters, no spaces"

    def check(self, password: str) -> None:
        """
        @raise InvalidArgument: C{password} is too short or too long, or
            has a space or a control character.
        """
        if not self.shortest <= len(password) <= self.longest or _hasBlank(password):
            raise errors.InvalidArgument(f"a password is {self.describe()}")
        if any(ord(ch) < 0x20 or 0x7F <= ord(ch) <= 0x9F for ch in password):
            raise errors.InvalidArgument("a password has no control characters (NUL, ESC...)")


def _hasBlank(password: str) -> bool:
    return any(ch.isspace() for ch in password)


def passwordForm(password: str) -> str:
    """
    The form a password is hashed and checked in: RFC 8265's
    C{OpaqueString} (Unicode NFC), so that the same typed text matches
    whether the keyboard sent C{é} as one character or as C{e} and an
    accent (NFD, as some systems do).  A password the profile refuses is
    only put in NFC.
    """
    if password.isascii():
        return password  # what NFC makes of it
    try:
        return _OPAQUE.enforce(password)
    except UnicodeError:
        return unicodedata.normalize("NFC", password)


def passwordForms(password: str) -> tuple[str, ...]:
    """
    What a typed password is checked as: its L{passwordForm}, then, if it
    differs, as typed (a hash made before passwords were normalized).
    """
    form = passwordForm(password)
    return (form,) if form == password else (form, password)


#: Why a guest may not register an operator's name that has no account.
OPERATOR_NAME = "this name is reserved for an operator: an administrator creates its account"


@dataclass(frozen=True)
class Registered:
    """
    What a registration did, so each front-end words it alike: C{account}
    (named as registered) is protected by the new password, a new account
    if C{created}, else the same account with its password changed.
    """

    account: str
    created: bool


def registering(
    nick: str, signedInTo: str | None, registered: Collection[str], reserved: Collection[str] = ()
) -> Registered:
    """
    Which account a registration asked by a connection called C{nick} is
    about, the one rule of every front-end: signed in to an account (under
    any nickname), that account's password changes; a guest registers its
    nickname, unless it is an operator's name (C{--operators}, the
    console's C{op}) that has no account yet: whoever registered it would
    get the operator's rights, so an administrator creates that account
    (the console's C{add account}).  A connection never makes a second
    account out of the nickname it has at the moment, nor moves to one.

    @param signedInTo: the account the connection proved, or C{None}.
    @param registered: the keys of the registered accounts.
    @param reserved: the keys of the operators' names.
    @raise NotPermitted: a guest whose nickname is registered (meanwhile,
        elsewhere): only its password may change that account's password;
        or whose nickname is an operator's.
    """
    if signedInTo is not None:
        return Registered(signedInTo, created=False)
    if key(nick) in registered:
        raise errors.NotPermitted(f"{nick} is registered: sign in with its password first")
    if key(nick) in reserved:
        raise errors.NotPermitted(OPERATOR_NAME)
    return Registered(nick, created=True)


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
        The argon2 hash of C{password} (its L{passwordForm}), computed in a
        thread.
        """
        return self.runInThread(self.hasher.hash, passwordForm(password))

    def _matching(self, passwordHash: str | None, password: str) -> str | None:
        for form in passwordForms(password):
            try:
                self.hasher.verify(passwordHash or self._dummy, form)
            except (VerifyMismatchError, VerificationError, InvalidHashError):
                continue
            return form if passwordHash is not None else None
        return None

    def matching(self, passwordHash: str | None, password: str) -> Deferred[str | None]:
        """
        The form of C{password} (L{passwordForms}) C{passwordHash} was made
        of, checked in a thread, or C{None}: not its hash (for C{None}, no
        such account, a dummy hash is checked, as slowly).
        """
        return self.runInThread(self._matching, passwordHash, password)

    def verify(self, passwordHash: str | None, password: str) -> Deferred[bool]:
        """
        Whether C{password} matches C{passwordHash}, checked in a thread.  For
        C{None} (no such account) a dummy hash is checked, as slowly, and the
        answer is C{False}.
        """
        return self.matching(passwordHash, password).addCallback(lambda form: form is not None)


class Accounts:
    """
    Password checks for registered nicknames, against the store.  Failed
    attempts are logged (without the password) for tools like fail2ban.

    @ivar rules: what a new password must be (a reload may replace them).
    """

    log = Logger()

    def __init__(
        self,
        store: IChatStore,
        clock: IReactorTime,
        checker: PasswordChecker | None = None,
        gate: PasswordGate | None = None,
        rules: PasswordRules = PasswordRules(),
        pace: RegistrationPace | None = None,
        changes: PasswordChangePace | None = None,
    ) -> None:
        self.store = store
        self.rules = rules
        #: How many new accounts an address may register (none: no limit).
        self.pace = pace
        #: How often an account and an address may change a password (none: no limit).
        self.changes = changes
        self.clock = clock
        self.gate = gate or PasswordGate(clock)
        self.checker = checker or PasswordChecker(runInThread=self.gate.inThread)
        #: A sign-in's reads, answered from L{kept} while the store is away.
        self.credentials = CredentialReads(store)
        #: The credentials of the accounts read lately, for an outage.
        self.kept = self.credentials.kept

    async def authenticate(self, nick: str, password: Secret, address: str) -> bool:
        """
        Check C{password} for C{nick} when the gate gives the attempt its
        turn (after any back-off for the name and the address); a
        L{ScramProof} for C{nick} was checked already, and counts the same.
        While the store is unavailable, the check is made against the
        credentials kept of C{nick} (L{kept}), if any, and writes nothing.

        @return: whether the check was the kept credentials'.

        @raise BadPassword: the name is not registered or the password is
            wrong (the two take the same time); its C{wait} says the
            back-off the next try meets.
        @raise TooManyAttempts: too many attempts wait already.
        @raise StoreUnavailable: the store is away and keeps no credentials
            of C{nick} here.
        """
        found: list[str | None] = []
        fromKept: list[bool] = []
        matched: list[str | None] = []
        since = self.kept.changes

        async def verify() -> bool:
            passwordHash, kept = await self.credentials.passwordHash(nick)
            found.append(passwordHash)
            fromKept.append(kept)
            if isinstance(password, ScramProof):
                return password.valid and key(password.account) == key(nick)
            matched.append(await self.checker.matching(passwordHash, password))
            return matched[-1] is not None

        if not await self.gate.check(nick, address, lambda: Deferred.fromCoroutine(verify())):
            self.log.info(
                "bad password for {nick} from {address}{unknown}",
                nick=nick,
                address=address,
                unknown="" if found and found[0] else " (not registered)",
            )
            refused = errors.BadPassword()
            refused.wait = max(self.gate.backoff(nick), self.gate.backoff(address=address))
            raise refused
        if fromKept[0]:  # decided from the kept credentials: nothing is written
            return True
        passwordHash = found[0] or ""
        if isinstance(password, ScramProof):
            try:
                verifier = await self.store.scramVerifier(nick)
            except errors.StoreUnavailable:
                verifier = None
            self.credentials.refresh(nick, passwordHash, since, verifier)
            return False
        # A hash made of the password as typed, before passwords were
        # normalized, is made again of its normal form: any form opens it now.
        if self.checker.hasher.check_needs_rehash(passwordHash) or matched[-1] != passwordForm(
            password
        ):
            passwordHash = await self.checker.hash(password)
            await self.store.saveAccount(nick, passwordHash, int(self.clock.seconds()))
        verifier = None
        try:  # a convenience: the login stands even if the store fails now
            verifier = await self.store.scramVerifier(nick)
            if verifier is None:
                verifier = await self.keepVerifier(nick, passwordHash, password)
        except errors.StoreUnavailable:
            self.log.info("SCRAM verifier for {nick} not kept: the store is down", nick=nick)
        self.credentials.refresh(nick, passwordHash, since, verifier)
        return False

    async def keepVerifier(self, nick: str, passwordHash: str, password: str) -> str | None:
        """
        Derive C{nick}'s SCRAM verifier from C{password} (in a thread: it
        hashes) and keep it for the password hash C{passwordHash}; gives it.
        """
        verifier: str | None = await self.checker.runInThread(deriveVerifier, password)
        if verifier is not None:
            await self.store.saveScramVerifier(nick, passwordHash, verifier)
        return verifier

    async def register(
        self, nick: str, password: str, address: str | None = None, new: bool = True
    ) -> None:
        """
        Register C{nick} with C{password} (C{new}), or change its password;
        asked from C{address}, a new account is counted against it
        (L{pace}), a change against the account and it (L{changes}), before
        anything is hashed; a change the store refused (it is away) is
        given back.

        @raise InvalidArgument: the password breaks L{rules}.
        @raise TooManyRegistrations: that address registered enough lately.
        @raise TooManyPasswordChanges: the account or that address changed
            passwords often enough lately.
        """
        self.rules.check(password)
        if address is not None and new and self.pace is not None:
            self.pace.take(address)
        changes = None if new or address is None else self.changes
        if changes is not None and address is not None:
            changes.take(nick, address)
        self.kept.forget(nick)  # the old password opens nothing any more
        since = self.kept.changes
        passwordHash = await self.checker.hash(password)
        try:
            await self.store.saveAccount(nick, passwordHash, int(self.clock.seconds()))
        except errors.StoreUnavailable:  # refused, nothing changed: it does not count
            if changes is not None and address is not None:
                changes.giveBack(nick, address)
            raise
        self.kept.keepRead(nick, Credentials(nick, passwordHash), since)
        verifier = await self.keepVerifier(nick, passwordHash, password)
        if self.kept.changes == since:
            self.kept.update(nick, verifier=verifier)

    def scramVerifier(self, nick: str) -> Deferred[str | None]:
        """
        C{nick}'s SCRAM verifier, for an exchange (L{chatd.core.scram});
        while the store is unavailable, the one kept here (L{kept}).
        """
        return Deferred.fromCoroutine(self.credentials.verifier(nick))

    def accountName(self, nick: str) -> Deferred[str | None]:
        """
        C{nick}'s account as registered (C{Regt0} for C{REGT0}), or
        C{None}; while the store is unavailable, as kept here (L{kept}).
        """
        return Deferred.fromCoroutine(self.credentials.name(nick))
