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
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from twisted.application.service import Service
from twisted.internet.defer import Deferred
from twisted.internet.interfaces import IDelayedCall, IReactorTime
from twisted.internet.threads import deferToThread
from twisted.logger import Logger
from twisted.python.failure import Failure

from chatd.core.hosts import Hosts

#: The secret's name in the data directory.
CLOAK_KEY = "cloak.key"
#: The secret's length, in bytes.
KEY_BYTES = 32
#: Seconds between two tries to ask a database that could not be asked.
ASK_AGAIN = 5.0

#: One write of a C{cloak.key} at a time, whichever thread writes it.
_writing = threading.Lock()


class NoStoredSecret(Exception):
    """
    The database holds no cloak secret (its row is something else), or it
    could not be asked; the text says which (L{chatd.storage.storedcloak}).
    """


class DatabaseAway(NoStoredSecret):
    """
    The database could not be asked (down, refusing the node's login,
    silent): it may answer later.
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
    with _writing:  # (the cluster's secret and the database's may be written at once)
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

    A database that could not be asked at start is asked again every
    L{ASK_AGAIN} seconds (on C{clock}, in a thread) until it answers: the
    node then cloaks with the database's secret, as every node that reached
    it does, so that a guest's host is the same on each, and writes it to
    its file; C{taken} is told (the cluster makes Redis hold it at once).

    @ivar stored: what offers the file's secret to the database the nodes
        of a cluster share and returns the one it holds
        (L{chatd.storage.storedcloak.postgresSecret}), or C{None} (SQLite:
        the file alone).  At start it runs before the reactor, so before
        anyone is served; the file is made to hold what it returns.
    @ivar fromDatabase: whether the secret in use is the database's (the
        cluster then makes Redis hold it, L{chatd.cluster.cloaks}).
    @ivar taken: called once the database's secret is taken after the
        start.
    """

    log = Logger()

    def __init__(
        self,
        dataDir: Path,
        hosts: Hosts,
        stored: Callable[[bytes], bytes] | None = None,
        clock: IReactorTime | None = None,
        runInThread: Callable[..., Deferred[Any]] = deferToThread,
    ) -> None:
        self.dataDir = dataDir
        self.hosts = hosts
        self.stored = stored
        self.clock = clock
        self.runInThread = runInThread
        self.fromDatabase = False
        self.taken: Callable[[], None] = lambda: None
        self._asking: IDelayedCall | None = None

    @property
    def path(self) -> Path:
        return self.dataDir / CLOAK_KEY

    def startService(self) -> None:
        super().startService()
        try:
            secret = cloakSecret(self.dataDir)
        except (OSError, ValueError) as error:
            raise SystemExit(f"chatd: {error}") from error
        if self.stored is not None:
            secret = self._fromDatabase(secret)
        self.hosts.secret = secret

    def stopService(self) -> None:
        super().stopService()
        if self._asking is not None and self._asking.active():
            self._asking.cancel()
        self._asking = None

    def _fromDatabase(self, own: bytes) -> bytes:
        assert self.stored is not None
        try:
            stored = self.stored(own)
        except DatabaseAway as error:
            if self.clock is None:
                self._keepOwn(error, "until it starts again")
                return own
            self._keepOwn(error, "until the database answers (asked every {every:g} s)")
            self._asking = self.clock.callLater(ASK_AGAIN, self._askAgain)
            return own
        except NoStoredSecret as error:
            self._keepOwn(error, "until it starts again")
            return own
        self.fromDatabase = True
        if stored == own:
            return stored
        try:
            writeCloakSecret(self.path, stored)
        except OSError as error:
            self._notWritten(Failure(error))
            return stored
        self.log.warn(
            "this node's cloak secret differed from the database's: now the database's, "
            "written to {path}",
            path=str(self.path),
        )
        return stored

    def _keepOwn(self, error: NoStoredSecret, until: str) -> None:
        self.log.error(
            "{error}: this node uses the cloak secret of {path} (and the cluster's, "
            "through Redis) " + until,
            error=str(error),
            path=str(self.path),
            every=ASK_AGAIN,
        )

    def _askAgain(self) -> None:
        """
        Ask the database again, offering the secret in use now (the
        cluster's, if Redis gave one): the first node to reach an empty
        database stores it.
        """
        self._asking = None
        assert self.stored is not None
        asked = self.runInThread(self.stored, self.hosts.secret)
        asked.addCallbacks(self._answered, self._notAnswered)

    def _answered(self, stored: bytes) -> Deferred[None] | None:
        if not self.running:
            return None
        self.fromDatabase = True
        if stored == self.hosts.secret:
            self.taken()
            self.log.info("the database answers: this node's cloak secret is the database's")
            return None
        self.hosts.secret = stored  # in use from now
        self.taken()
        written = self.runInThread(writeCloakSecret, self.path, stored)
        return written.addCallbacks(self._written, self._notWritten)

    def _written(self, _: object) -> None:
        self.log.warn(
            "the database answers: this node's cloak secret differed from the database's: now "
            "the database's, written to {path} (guests' hosts on this node change; bans on "
            "the old ones stop matching)",
            path=str(self.path),
        )

    def _notWritten(self, failure: Failure) -> None:
        failure.trap(OSError)
        self.log.error(
            "this node's cloak secret differed from the database's: now the database's, "
            "but {path} could not be replaced ({error}); it still holds the old one",
            path=str(self.path),
            error=failure.getErrorMessage(),
        )

    def _notAnswered(self, failure: Failure) -> None:
        if not self.running:
            return
        if failure.check(DatabaseAway):
            assert self.clock is not None
            self._asking = self.clock.callLater(ASK_AGAIN, self._askAgain)
        elif isinstance(failure.value, NoStoredSecret):
            self._keepOwn(failure.value, "until it starts again")
        else:
            self.log.failure("asking the database for the cloak secret failed", failure)
