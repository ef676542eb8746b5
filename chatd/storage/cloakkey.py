# -*- test-case-name: tests.unit.storage.test_cloakkey,tests.unit.storage.test_storedcloak -*-
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
from collections.abc import Callable
from pathlib import Path

from twisted.application.service import Service
from twisted.logger import Logger

from chatd.core.hosts import Hosts

#: The secret's name in the data directory.
CLOAK_KEY = "cloak.key"
#: The secret's length, in bytes.
KEY_BYTES = 32


class NoStoredSecret(Exception):
    """
    The database holds no cloak secret (its row is something else), or it
    could not be asked; the text says which (L{chatd.storage.storedcloak}).
    """


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

    @ivar stored: what offers the file's secret to the database the nodes
        of a cluster share and returns the one it holds
        (L{chatd.storage.storedcloak.postgresSecret}), or C{None} (SQLite:
        the file alone).  It runs before the reactor, so before anyone is
        served; the file is made to hold what it returns.
    @ivar fromDatabase: whether the secret in use is the database's (the
        cluster then makes Redis hold it, L{chatd.cluster.cloaks}).
    """

    log = Logger()

    def __init__(
        self, dataDir: Path, hosts: Hosts, stored: Callable[[bytes], bytes] | None = None
    ) -> None:
        self.dataDir = dataDir
        self.hosts = hosts
        self.stored = stored
        self.fromDatabase = False

    def startService(self) -> None:
        super().startService()
        try:
            secret = cloakSecret(self.dataDir)
        except (OSError, ValueError) as error:
            raise SystemExit(f"chatd: {error}") from error
        if self.stored is not None:
            secret = self._fromDatabase(secret)
        self.hosts.secret = secret

    def _fromDatabase(self, own: bytes) -> bytes:
        assert self.stored is not None
        path = self.dataDir / CLOAK_KEY
        try:
            stored = self.stored(own)
        except NoStoredSecret as error:
            self.log.error(
                "{error}: this node uses the cloak secret of {path} (and the cluster's, "
                "through Redis) until it starts again",
                error=str(error),
                path=str(path),
            )
            return own
        self.fromDatabase = True
        if stored == own:
            return stored
        try:
            writeCloakSecret(path, stored)
        except OSError as error:
            self.log.error(
                "this node's cloak secret differed from the database's: now the database's, "
                "but {path} could not be replaced ({error}); it still holds the old one",
                path=str(path),
                error=str(error),
            )
            return stored
        self.log.warn(
            "this node's cloak secret differed from the database's: now the database's, "
            "written to {path}",
            path=str(path),
        )
        return stored
