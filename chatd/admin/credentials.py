# -*- test-case-name: tests.integration.test_admin_credentials -*-
"""
Who may administer: a file of argon2 password hashes, and the one
credentials checker the telnet console, the SSH console and the manhole
share.

The file has one C{name:hash} line per administrator (C{#} starts a
comment); C{chatd-admin password} writes it.  It is read again at each login,
so adding or removing an administrator needs no restart.  Every attempt
passes the daemon's one L{PasswordGate}, as chat logins do: attempts for a
name, and from an address, are checked one at a time and, after a few
failures, only once their back-off has passed; hashing runs in a thread
(argon2 is slow on purpose), a bounded number at once.  Every failure is
logged, naming the name tried only when it is an administrator's: a name
no administrator has may be a password typed at the name prompt
(L{failedAs}).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from twisted.cred.checkers import ICredentialsChecker
from twisted.cred.credentials import IUsernamePassword, UsernamePassword
from twisted.cred.error import UnauthorizedLogin
from twisted.internet.defer import Deferred
from twisted.internet.interfaces import IReactorTime
from twisted.logger import Logger
from zope.interface import implementer

from chatd.core import errors
from chatd.core.accounts import passwordForm, passwordForms
from chatd.core.gate import PasswordGate

_hasher = PasswordHasher()
log = Logger()

#: The fewest characters of an administrator's password (the password file's):
#: it opens the consoles and the manhole, a Python shell in the daemon.
ADMIN_PASSWORD_MIN = 8


def readPasswords(path: Path) -> dict[str, str]:
    """
    Administrator name -> argon2 hash, from C{path} (empty if it is missing).
    """
    try:
        text = path.read_text("utf-8")
    except FileNotFoundError:
        return {}
    entries = {}
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#") and ":" in line:
            name, _, hashed = line.partition(":")
            entries[name.strip()] = hashed.strip()
    return entries


def recorded(entries: dict[str, str], name: str) -> str | None:
    """
    Administrator C{name} as C{entries} spell it, or C{None}: names are
    matched without regard to case, as every name of the console is.
    """
    folded = name.casefold()
    return next((entry for entry in entries if entry.casefold() == folded), None)


def matchOwner(path: Path, directory: Path) -> None:
    """
    Run as root, give C{path} to C{directory}'s owner: a file root writes
    in a daemon's data directory must stay readable by the daemon's user.
    """
    owner = directory.stat()
    if os.geteuid() == 0 and (owner.st_uid, owner.st_gid) != (0, 0):
        os.chown(path, owner.st_uid, owner.st_gid)


def setPassword(path: Path, name: str, password: str) -> None:
    """
    Add administrator C{name} to the file at C{path}, or change its password.
    The file is replaced atomically and readable by its owner only: the
    owner of its directory when root writes it (L{matchOwner}).

    @raise ValueError: C{name} is empty or has a colon or whitespace, or the
        password breaks L{checkAdminPassword}.
    """
    if not name or ":" in name or any(c.isspace() for c in name):
        raise ValueError("an administrator name has no colon and no whitespace")
    checkAdminPassword(password)
    _save(path, name, password)


def checkAdminPassword(password: str) -> None:
    """
    The rule of an administrator's password (it opens the consoles and the
    manhole), which C{chatd-admin password} checks before asking it again.

    @raise ValueError: it is shorter than L{ADMIN_PASSWORD_MIN} characters,
        or has nothing but spaces (or other blanks).
    """
    if len(passwordForm(password)) < ADMIN_PASSWORD_MIN:
        raise ValueError(
            f"an administrator's password is at least {ADMIN_PASSWORD_MIN} characters"
            " (it opens the consoles and the manhole)"
        )
    if not password.strip():
        raise ValueError("an administrator's password is more than spaces")


def _save(path: Path, name: str, password: str) -> None:
    """
    Write C{name}'s hash of C{password} in the file at C{path} (L{setPassword}).
    """
    entries = readPasswords(path)
    entries.pop(recorded(entries, name) or name, None)  # (the spelling given now stays)
    entries[name] = _hasher.hash(passwordForm(password))
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".new")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write("# chatd administrators: name:argon2 hash (see chatd-admin password)\n")
        out.writelines(f"{entry}:{hashed}\n" for entry, hashed in sorted(entries.items()))
    try:
        matchOwner(temporary, path.parent)
        os.replace(temporary, path)
    except OSError:
        temporary.unlink(missing_ok=True)
        raise


def verify(path: Path, name: str, password: str) -> bool:
    """
    Whether C{password} is C{name}'s, per the file at C{path}.  Blocking:
    run it in a thread.
    """
    entries = readPasswords(path)
    hashed = entries.get(recorded(entries, name) or name)
    if hashed is None:
        _hasher.hash(password)  # spend the same time: don't reveal who exists
        return False
    forms = passwordForms(password)
    for form in forms:
        try:
            _hasher.verify(hashed, form)
        except (VerificationError, InvalidHashError):
            continue
        if form != forms[0] or _hasher.check_needs_rehash(hashed):
            _hashAgain(path, recorded(entries, name) or name, password)
        return True
    return False


def _hashAgain(path: Path, name: str, password: str) -> None:
    """
    Hash C{name}'s password again, in its normal form and with today's
    argon2 parameters, as chat accounts are at login: a hash made of the
    password as typed (before passwords were normalized) then opens with
    either form.  A file the daemon may not write keeps the old hash, which
    still opens.
    """
    try:
        _save(path, name, password)  # (one set before the minimum was asked opens still)
    except OSError as error:
        log.info(
            "could not update the hash of administrator {name} in {path}: {error}",
            name=name,
            path=str(path),
            error=error.strerror,
        )


#: Another source of administrators: C{(name, password)} -> fires with the
#: administrator's name as it is to be recorded (an account's own name), or
#: C{None}.  Accounts flagged admin plug in here once the account store exists.
ExtraCheck = Callable[[str, str], "Deferred[str | None]"]


#: Whether a name is an administrator's by another source than the password
#: file (an account flagged admin): what the failed-login line may name.
KnownCheck = Callable[[str], "Deferred[bool]"]


def failedAs(name: str, known: bool) -> str:
    """
    How a failed admin login's line names who was tried: C{name}, quoted,
    if it is an administrator's (C{known}); otherwise nothing of it, for an
    administrator who typed their password at the name prompt would find
    it in the log.
    """
    return repr(name) if known else "an unknown name"


class AddressedCredentials(UsernamePassword):
    """
    A name and password, with the address they come from (for the gate's
    per-address lane).
    """

    def __init__(self, username: bytes, password: bytes, address: str) -> None:
        super().__init__(username, password)
        self.address = address


class TooManyAttempts(UnauthorizedLogin):
    """
    Refused without a check: too many attempts wait already.
    """


@implementer(ICredentialsChecker)
class AdminChecker:
    """
    Checks a name and password against the admin password file (and, if
    given, L{ExtraCheck}s such as accounts flagged admin), through C{gate};
    C{knownChecks} tell the failed-login line which names are those extra
    administrators' (L{failedAs}).
    """

    credentialInterfaces = (IUsernamePassword,)
    log = Logger()

    def __init__(
        self,
        path: Path,
        clock: IReactorTime,
        extraChecks: list[ExtraCheck] | None = None,
        verifier: Callable[[Path, str, str], Any] | None = None,
        gate: PasswordGate | None = None,
        knownChecks: list[KnownCheck] | None = None,
    ) -> None:
        self.path = path
        self.clock = clock
        self.extraChecks = list(extraChecks or [])
        self.knownChecks = list(knownChecks or [])
        self.gate = gate or PasswordGate(clock)
        self._verify = verifier or (lambda *args: self.gate.inThread(verify, *args))

    def requestAvatarId(self, credentials: Any) -> Deferred[bytes | tuple[()]]:
        d: Deferred[bytes | tuple[()]] = Deferred.fromCoroutine(self._check(credentials))
        return d

    async def _verifyAll(self, name: str, password: str) -> str | None:
        """
        The administrator C{name} and C{password} prove, as named where
        they are recorded, or C{None}.
        """
        if await self._verify(self.path, name, password):
            return recorded(readPasswords(self.path), name) or name
        for extra in self.extraChecks:
            found = await extra(name, password)
            if found is not None:
                return found
        return None

    async def _check(self, credentials: Any) -> bytes:
        raw = credentials.username
        name = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
        password = credentials.password
        if isinstance(password, bytes):
            password = password.decode("utf-8", "replace")
        address = str(getattr(credentials, "address", "") or "unknown")
        proven: list[str] = []  # the gate answers only yes or no

        async def verify() -> bool:
            found = await self._verifyAll(name, password)
            proven.extend([] if found is None else [found])
            return found is not None

        try:
            ok = await self.gate.check(name, address, lambda: Deferred.fromCoroutine(verify()))
        except errors.TooManyAttempts:
            raise TooManyAttempts("too many attempts, try again later") from None
        if ok and proven:
            self.log.info(
                "administrator {name} logged in from {address}", name=proven[0], address=address
            )
            return proven[0].encode("utf-8")
        # Logged beside the answer, not before it: whether the name is
        # known must not change when the refusal comes.
        logging = Deferred.fromCoroutine(self._logFailure(name, address))
        logging.addErrback(lambda f: self.log.failure("logging a failed admin login", f))
        raise UnauthorizedLogin("wrong name or password")

    async def _known(self, name: str) -> bool:
        """
        Whether C{name} is an administrator's: in the password file, or
        known to one of L{knownChecks}.
        """
        known = recorded(readPasswords(self.path), name) is not None
        for check in self.knownChecks:
            known = await check(name) or known
        return known

    async def _logFailure(self, name: str, address: str) -> None:
        who = failedAs(name, await self._known(name))
        self.log.warn("failed admin login for {who} from {address}", who=who, address=address)
