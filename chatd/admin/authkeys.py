# -*- test-case-name: tests.unit.admin.test_admin_authkeys -*-
"""
Public-key logins to the SSH console and the manhole: a file of
administrators' OpenSSH public keys (C{--admin-keys}, by default
C{DATA_DIR/admin-authorized-keys}) and the checker that reads it.

The file has one line per key, the administrator's name and then the key as
an C{id_*.pub} file holds it::

    alice ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAA... alice@laptop

(C{#} starts a comment; an administrator may have several lines.)  It is
read again at each login attempt, in a thread (as the password file is),
so adding or removing a key needs no restart.  As sshd's C{StrictModes}, a
file that its group or others may write, or that belongs to neither the
daemon's user nor root, is not used: every key login is refused, and the
log says why.  The console's C{admins} lists who holds a key
(L{keyHolders}).

Conch's L{SSHPublicKeyChecker} checks the key and its signature.  A signed
attempt passes the daemon's one L{PasswordGate}, as a password does (the
same per-name and per-address back-off), and is logged with the key's
fingerprint; a client's question "would this key do?" (no signature yet)
is answered at once and truly, as sshd does (it proves nothing, and a
client with several keys asks about each), and a key not listed is logged.
The log names who was tried only if the file lists that name
(L{chatd.admin.credentials.failedAs}).
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from twisted.conch.checkers import InMemorySSHKeyDB, SSHPublicKeyChecker
from twisted.conch.error import ValidPublicKey
from twisted.conch.ssh.keys import BadKeyError, FingerprintFormats, Key
from twisted.cred.checkers import ICredentialsChecker
from twisted.cred.credentials import ISSHPrivateKey
from twisted.cred.error import UnauthorizedLogin
from twisted.internet.defer import Deferred, maybeDeferred
from twisted.logger import Logger
from zope.interface import implementer

from chatd.admin.credentials import TooManyAttempts, failedAs
from chatd.core import errors
from chatd.core.gate import PasswordGate

KEYS = "admin-authorized-keys"
#: How OpenSSH's key types begin: a line starting so has no name first.
KEY_TYPES = (b"ssh-", b"ecdsa-", b"sk-")


def fingerprint(key: Key) -> str:
    """
    C{key}'s fingerprint as C{ssh-keygen -l} shows it (C{SHA256:...}).
    """
    printed: str = key.fingerprint(FingerprintFormats.SHA256_BASE64)
    return "SHA256:" + printed.rstrip("=")


def unsafe(status: os.stat_result) -> str | None:
    """
    Why a keys file with this C{status} must not be trusted, or C{None}.
    """
    if status.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        return f"is writable by its group or others (mode {stat.S_IMODE(status.st_mode):o})"
    if status.st_uid not in (0, os.geteuid()):
        return f"belongs to uid {status.st_uid}, neither root nor the daemon's user"
    return None


#: What L{AuthorizedKeysFile.load} read: the file's bytes (C{None}: none
#: to use), and why it is not used with its status, if it is not.
Loaded = tuple[bytes | None, str | None, "os.stat_result | None"]


class AuthorizedKeysFile:
    """
    The administrators' keys in the file at C{path}, read at every look-up.
    """

    log = Logger()

    def __init__(self, path: Path) -> None:
        self.path = path
        self._warned: tuple[str, int, int] | None = None

    def load(self) -> Loaded:
        """
        Read the file, if it is there and safe (L{unsafe}).  Blocking: run
        it in a thread; L{entriesOf} reads the result.
        """
        try:
            with self.path.open("rb") as f:
                status = os.fstat(f.fileno())
                why = unsafe(status)
                return (f.read(), None, None) if why is None else (None, why, status)
        except FileNotFoundError:
            return None, None, None
        except OSError as error:
            return None, f"cannot be read ({error.strerror})", None

    def entries(self) -> list[tuple[str, Key]]:
        """
        Every (administrator, key) of the file, read now (blocking).
        """
        return self.entriesOf(self.load())

    def entriesOf(self, loaded: Loaded) -> list[tuple[str, Key]]:
        """
        Every (administrator, key) of what L{load} read; none when the file
        is missing, unreadable or unsafe, which is logged once per change.
        """
        data, why, status = loaded
        if data is not None:
            self._warned = None
            return list(self._parse(data))
        if why is None:
            return []
        seen = (why, status.st_ctime_ns if status else 0, status.st_ino if status else 0)
        if seen != self._warned:
            self._warned = seen
            self.log.error(
                "admin keys file {path} {why}: every SSH key login is refused"
                " until it is fixed (chmod go-w, chown)",
                path=str(self.path),
                why=why,
            )
        return []

    def _parse(self, data: bytes) -> Iterable[tuple[str, Key]]:
        for number, raw in enumerate(data.splitlines(), 1):
            line = raw.strip()
            if not line or line.startswith(b"#"):
                continue
            name, _, rest = line.partition(b" ")
            try:
                if name.startswith(KEY_TYPES):
                    raise ValueError("a key with no administrator's name before it")
                yield name.decode("utf-8"), Key.fromString(rest.strip())
            except (BadKeyError, UnicodeDecodeError, ValueError, IndexError) as error:
                self.log.warn(
                    "{path} line {number}: not NAME KEY ({error}); line ignored",
                    path=str(self.path),
                    number=number,
                    error=str(error) or type(error).__name__,
                )


def keyHolders(keys: AuthorizedKeysFile) -> str:
    """
    Who may log in with a key, for the console's C{admins}: each name once,
    with its count of keys when several; or why the file is not used.
    """
    loaded = keys.load()
    if loaded[1] is not None:
        return f"ssh keys: nobody (the file {keys.path} {loaded[1]})"
    counts: dict[str, int] = {}
    for name, _ in keys.entriesOf(loaded):
        counts[name] = counts.get(name, 0) + 1
    shown = [f"{n} ({c} keys)" if c > 1 else n for n, c in sorted(counts.items())]
    return f"ssh keys: {', '.join(shown) if shown else 'nobody'}"


@implementer(ICredentialsChecker)
class AdminKeyChecker:
    """
    Checks an SSH key login against L{AuthorizedKeysFile}, through C{gate}.
    """

    credentialInterfaces = (ISSHPrivateKey,)
    log = Logger()

    def __init__(self, keys: AuthorizedKeysFile, gate: PasswordGate) -> None:
        self.keys = keys
        self.gate = gate

    def requestAvatarId(self, credentials: Any) -> Deferred[bytes | tuple[()]]:
        d: Deferred[bytes | tuple[()]] = Deferred.fromCoroutine(self._check(credentials))
        return d

    async def _check(self, credentials: Any) -> bytes:
        username: bytes = credentials.username
        name = username.decode("utf-8", "replace")
        loaded: Loaded = await maybeDeferred(self.gate.runInThread, self.keys.load)
        entries = self.keys.entriesOf(loaded)
        listed = [(n, k) for n, k in entries if n.casefold() == name.casefold()]
        try:
            offered = Key.fromString(credentials.blob)
        except BadKeyError:
            raise UnauthorizedLogin("not a key") from None
        address = str(getattr(credentials, "address", "") or "unknown")
        print_ = fingerprint(offered)
        unused = "" if loaded[1] is None else f"the keys file {self.keys.path} {loaded[1]}"
        if not credentials.signature:
            # "Would this key do?" Conch's checker says yes to any key; the
            # truth spares a client with several keys a failure per key.
            if any(key == offered for _, key in listed):
                raise ValidPublicKey()
            self.log.info(
                "admin key {fingerprint} offered for {who} from {address} {why}",
                who=failedAs(name, bool(listed)),
                address=address,
                fingerprint=print_,
                why=f"refused: {unused}, so no key is used" if unused else "is not listed",
            )
            raise UnauthorizedLogin("key not authorized")
        conch = SSHPublicKeyChecker(InMemorySSHKeyDB({username: [k for _, k in listed]}))

        async def verify() -> bool:
            try:
                await conch.requestAvatarId(credentials)
            except (UnauthorizedLogin, ValidPublicKey):
                return False
            return True

        try:
            ok = await self.gate.check(name, address, lambda: Deferred.fromCoroutine(verify()))
        except errors.TooManyAttempts:
            raise TooManyAttempts("too many attempts, try again later") from None
        if ok:
            recorded = listed[0][0]
            self.log.info(
                "administrator {name} logged in from {address} (key {fingerprint})",
                name=recorded,
                address=address,
                fingerprint=print_,
            )
            return recorded.encode("utf-8")
        self.log.warn(
            "failed admin key login for {who} from {address} (key {fingerprint}){why}",
            who=failedAs(name, bool(listed)),
            address=address,
            fingerprint=print_,
            why=f": {unused}, so no key is used" if unused else "",
        )
        raise UnauthorizedLogin("key not authorized")
