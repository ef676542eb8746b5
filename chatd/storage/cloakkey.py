# -*- test-case-name: tests.unit.storage.test_cloakkey -*-
"""
The cloak secret: the key guests' cloaks are made with
(L{chatd.core.hosts}), kept in the data directory as C{cloak.key} so that
an address gives the same cloak after a restart, and a ban on it holds.

The file is made at the first start: 32 random bytes, as 64 hexadecimal
digits, readable by the daemon's user only (mode 0600).  Whoever reads it
can tell which address a cloak stands for by trying addresses, so it is a
secret as the SSH host key is; C{chatd-admin backup} copies it with the
rest of the data directory.  A new secret gives every guest a new cloak
(bans on the old ones stop matching).
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from twisted.application.service import Service

from chatd.core.hosts import Hosts

#: The secret's name in the data directory.
CLOAK_KEY = "cloak.key"
#: The secret's length, in bytes.
KEY_BYTES = 32


def cloakSecret(dataDir: Path) -> bytes:
    """
    The cloak secret of C{dataDir}, made there first if it has none.

    @raise OSError: it cannot be read or made.
    @raise ValueError: the file holds no secret (not hexadecimal digits,
        too short).
    """
    path = dataDir / CLOAK_KEY
    try:
        text = path.read_text("ascii").strip()
    except FileNotFoundError:
        dataDir.mkdir(mode=0o700, parents=True, exist_ok=True)
        secret = secrets.token_bytes(KEY_BYTES)
        writeCloakSecret(path, secret)
        return secret
    found = parseCloakSecret(text)
    if found is None:
        raise ValueError(f"{path} holds no cloak secret: move it away to make a new one")
    return found


def parseCloakSecret(text: str) -> bytes | None:
    """
    The secret C{text} spells in hexadecimal digits, or C{None} if it
    spells none (not hexadecimal digits, too short).
    """
    try:
        secret = bytes.fromhex(text.strip())
    except ValueError:
        return None
    return secret if len(secret) >= KEY_BYTES // 2 else None


def writeCloakSecret(path: Path, secret: bytes) -> None:
    """
    Put C{secret} in the file C{path} (mode 0600) in place of what it held:
    written whole beside it first, so that a crash leaves the old one or
    the new one, never half of one.
    """
    temporary = path.with_name(path.name + ".new")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)  # (a leftover from a crash may have had another mode)
    with os.fdopen(fd, "w", encoding="ascii") as out:
        out.write(secret.hex() + "\n")
        out.flush()
        os.fsync(out.fileno())
    os.replace(temporary, path)


class CloakSecret(Service):
    """
    Gives C{hosts} the cloak secret of C{dataDir} when the daemon starts,
    after the data directory's lock: after twistd forked and became the
    daemon's user, so the file is made as that user and nothing is written
    in the data directory before.
    """

    def __init__(self, dataDir: Path, hosts: Hosts) -> None:
        self.dataDir = dataDir
        self.hosts = hosts

    def startService(self) -> None:
        super().startService()
        try:
            self.hosts.secret = cloakSecret(self.dataDir)
        except (OSError, ValueError) as error:
            raise SystemExit(f"chatd: {error}") from error
