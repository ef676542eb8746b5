# -*- test-case-name: tests.unit.core.test_scram -*-
"""
SCRAM-SHA-256 (RFC 5802, RFC 7677) for registered accounts, with the
C{scramp} library: the verifier an account's password gives (derived at
registration, or at the account's next password login, since the stored
argon2 hash cannot give it), and one server-side exchange.

A verifier is kept as C{SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>}
(base64, as PostgreSQL writes its own).  An exchange only decides whether
the client proved the password: logging in with that answer is the
service's (L{ScramProof} goes where a password goes, through the same
password gate, so wrong proofs are slowed down as wrong passwords are).

A name without a verifier (nobody registered it, or its account has none
yet) gets an exchange all the same, as RFC 5802 section 9 advises: a salt
derived from the name and a secret of the daemon, the same at every
attempt, and keys no proof matches, so that it fails only at the final
step, through the password gate, as a wrong password does.  Whether a name
has an account is then no quicker to learn by SCRAM than by PLAIN.
"""

from __future__ import annotations

import hmac
import secrets
from base64 import b64decode, b64encode
from collections.abc import Callable
from dataclasses import dataclass
from hashlib import sha256
from typing import Any

from scramp import ScramException, ScramMechanism
from twisted.internet.defer import Deferred

from chatd.core.names import key, normalize

MECHANISM = "SCRAM-SHA-256"
#: RFC 7677's minimum, scramp's default.
ITERATIONS = 4096

_mechanism = ScramMechanism(MECHANISM)

#: A verifier's parts: salt, StoredKey, ServerKey, iteration count.
AuthInfo = tuple[bytes, bytes, bytes, int]

#: What the salts of names without a verifier are derived from: random for
#: each run of the daemon.
DECOY_SECRET = secrets.token_bytes(32)


def decoyInfo(name: str, secret: bytes = DECOY_SECRET) -> AuthInfo:
    """
    The verifier an exchange for C{name}, which has none, goes on with: a
    salt from C{name}'s key and C{secret} (look-alike names get the same),
    as long as a real one; keys nobody knows, so no proof is valid.
    """
    salt = hmac.digest(secret, key(name).encode("utf-8"), sha256)  # 32 bytes, as scramp's
    return salt, secrets.token_bytes(32), secrets.token_bytes(32), ITERATIONS


def deriveVerifier(password: str, salt: bytes | None = None) -> str | None:
    """
    The verifier for C{password} (blocking: 4096 rounds of PBKDF2) with a
    new random salt unless given, or C{None} for a password SASLprep refuses
    (it can only use PLAIN).
    """
    try:
        salt, storedKey, serverKey, iterations = _mechanism.make_auth_info(
            password, ITERATIONS, salt
        )
    except ScramException:
        return None
    return formatVerifier((salt, storedKey, serverKey, iterations))


def formatVerifier(info: AuthInfo) -> str:
    salt, storedKey, serverKey, iterations = info
    text = [b64encode(part).decode("ascii") for part in (salt, storedKey, serverKey)]
    return f"{MECHANISM}${iterations}:{text[0]}${text[1]}:{text[2]}"


def parseVerifier(verifier: str) -> AuthInfo:
    """
    @raise ValueError: not a verifier L{formatVerifier} wrote.
    """
    name, head, keys = verifier.split("$")
    iterations, salt = head.split(":")
    storedKey, serverKey = keys.split(":")
    if name != MECHANISM:
        raise ValueError(name)
    return b64decode(salt), b64decode(storedKey), b64decode(serverKey), int(iterations)


@dataclass(frozen=True)
class ScramProof:
    """
    The outcome of an exchange for C{account}: what a login checks instead
    of a password.
    """

    account: str
    valid: bool


class ScramExchange:
    """
    The server's side of one exchange: L{first} takes the client's first
    message and, once C{lookup} found the account's verifier, gives the
    server's first; L{final} takes the client's final message and gives the
    server's final one with the L{ScramProof}.  A name without a verifier
    gets a decoy (L{decoyInfo}): its proof is never valid.

    @raise ScramError: (from either) a malformed message.
    """

    def __init__(
        self,
        lookup: Callable[[str], Deferred[str | None]],
        nonce: str | None = None,
        secret: bytes = DECOY_SECRET,
    ) -> None:
        self.lookup = lookup
        self.nonce = nonce  # the server's part of the nonce: random unless given
        self.secret = secret
        self.server: Any = None
        self.account = ""
        self.decoy = False

    async def first(self, message: str) -> str:
        names: list[str] = []

        def probe(name: str) -> AuthInfo:
            names.append(name)
            return b"\0" * 16, b"\0" * 32, b"\0" * 32, ITERATIONS

        try:  # parsed once to learn the account, then for real
            _mechanism.make_server(probe).set_client_first(message)
        except ScramException as e:
            raise ScramError(str(e)) from None
        self.account = normalize(names[0])
        verifier = await self.lookup(self.account)
        self.decoy = verifier is None
        info = decoyInfo(self.account, self.secret) if verifier is None else parseVerifier(verifier)
        salt, storedKey, serverKey, iterations = info
        self.server = _mechanism.make_server(
            lambda name: (salt, storedKey, serverKey, iterations), s_nonce=self.nonce
        )
        try:
            self.server.set_client_first(message)
            return str(self.server.get_server_first())
        except ScramException as e:
            raise ScramError(str(e)) from None

    def final(self, message: str) -> tuple[str, ScramProof]:
        if self.server is None:
            raise ScramError("no exchange under way")
        try:
            self.server.set_client_final(message)
        except ScramException as e:
            if self.server.error is None:
                raise ScramError(str(e)) from None
            return str(self.server.get_server_final()), ScramProof(self.account, False)
        return str(self.server.get_server_final()), ScramProof(self.account, not self.decoy)


class ScramError(Exception):
    """
    The exchange cannot go on (answered C{904}).
    """
