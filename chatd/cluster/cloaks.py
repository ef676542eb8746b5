# -*- test-case-name: tests.unit.cluster.test_cluster_cloaks,tests.integration.test_cluster_cloaks_e2e -*-  # noqa: E501
"""
One cloak secret for the whole cluster, kept in Redis: a guest's host
(L{chatd.core.hosts}) is then the same on every node, and a ban on it holds
wherever the guest connects.

Each time a node's command connection to Redis is made, before the link is
up (before the node beats, says hello or claims a name), L{SharedCloak}
puts the node's secret in Redis unless one is there (L{AGREE}: C{SET NX},
then C{GET}, in one script), and takes the one Redis holds.  The first node
of a cluster sets it; every later one adopts it, and writes it to its own
C{cloak.key} (in a thread: L{writeCloakSecret} syncs the disk), so that it
still has it after a restart while Redis is away.  A Redis that restarted
empty gets it back from the first node to reconnect (which holds it like
every other node).  The secret travels only on the link to Redis, never to
a chat client, and is never logged.

When the nodes share a PostgreSQL database, the database is the secret's
durable home (L{chatd.storage.storedcloak}): a node that took its secret
from there at start makes Redis hold that one (L{INSIST}), and warns if
Redis held another; the database wins.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import txredisapi
from twisted.internet.defer import Deferred, DeferredLock
from twisted.internet.threads import deferToThread
from twisted.logger import Logger
from twisted.python.failure import Failure

from chatd.cluster.address import RedisUnavailable
from chatd.cluster.presence import Execute
from chatd.core.hosts import Hosts
from chatd.storage.cloakkey import parseCloakSecret, writeCloakSecret

#: Where the cluster's cloak secret lives in Redis (hexadecimal digits).
CLOAK_KEY = "chatd:cloak"

#: Set KEYS[1] to ARGV[1] unless it is set; return its value.
AGREE = """
redis.call('SET', KEYS[1], ARGV[1], 'NX')
return redis.call('GET', KEYS[1])
"""

#: Set KEYS[1] to ARGV[1]; return what it held before (nil: nothing).
INSIST = """
local before = redis.call('GET', KEYS[1])
redis.call('SET', KEYS[1], ARGV[1])
return before
"""


class SharedCloak:
    """
    Makes C{hosts}' cloak secret the cluster's.

    @ivar path: this node's C{cloak.key}, where an adopted secret is
        written (C{None}: kept in memory only).
    @ivar fromDatabase: whether this node's secret is the shared
        database's (then Redis is made to hold it, whatever it held).
    @ivar runInThread: how the file is written, off the reactor thread.
    """

    log = Logger()

    def __init__(
        self,
        hosts: Hosts,
        path: Path | None = None,
        key: str = CLOAK_KEY,
        fromDatabase: Callable[[], bool] = lambda: False,
        runInThread: Callable[..., Deferred[Any]] = deferToThread,
    ) -> None:
        self.hosts = hosts
        self.path = path
        self.key = key
        self.fromDatabase = fromDatabase
        self.runInThread = runInThread
        self._writing = DeferredLock()  # one write of the file at a time

    def agree(self, execute: Execute) -> Deferred[None]:
        """
        Offer this node's secret to the cluster through C{execute} (one
        Redis command) and take the cluster's, or, if this node's secret is
        the database's, make it the cluster's.  Fails only as the command
        connection does (Redis is away: the link tries again); a reply it
        cannot use is logged, and the node keeps its own secret.  Fires
        once the secret is in use, and written to the file if it changed.
        """
        if self.fromDatabase():
            return self._insist(execute)
        d: Deferred[Any] = execute("EVAL", AGREE, 1, self.key, self.hosts.secret.hex())
        return d.addCallbacks(self._adopt, self._refused)

    def insist(self, execute: Execute) -> None:
        """
        This node took the database's secret while connected (the database
        answered after the start, L{chatd.storage.cloakkey.CloakSecret}):
        make Redis hold it now, so that a node that connects from now on
        takes it; if Redis is away, the next connection does.
        """
        self._insist(execute).addErrback(lambda f: f.trap(RedisUnavailable) and None)

    def _insist(self, execute: Execute) -> Deferred[None]:
        insisted: Deferred[Any] = execute("EVAL", INSIST, 1, self.key, self.hosts.secret.hex())
        return insisted.addCallbacks(self._insisted, self._refused)

    def _insisted(self, before: object) -> None:
        if before is None:
            return
        text = before.decode("ascii", "replace") if isinstance(before, bytes) else str(before)
        if parseCloakSecret(text) != self.hosts.secret:
            self.log.warn(
                "Redis key {key} held another cloak secret than the database's: now the "
                "database's (nodes that took Redis's take the database's when they connect "
                "to Redis again)",
                key=self.key,
            )

    def _adopt(self, reply: object) -> Deferred[None] | None:
        text = reply.decode("ascii", "replace") if isinstance(reply, bytes) else str(reply)
        shared = parseCloakSecret(text) if reply is not None else None
        if shared is None:
            self.log.error(
                "Redis key {key} holds no cloak secret; this node keeps its own, and guests' "
                "hosts may differ by node (delete the key, then restart the nodes)",
                key=self.key,
            )
            return None
        if shared == self.hosts.secret or self.fromDatabase():
            return None  # (the database's, taken while Redis answered, wins)
        self.hosts.secret = shared  # in use from now: before the link is up
        if (path := self.path) is None:
            self.log.warn("this node's cloak secret differed from the cluster's: now the cluster's")
            return None
        written = self._writing.run(self.runInThread, writeCloakSecret, path, shared)
        return written.addCallbacks(
            self._written, self._notWritten, callbackArgs=(path,), errbackArgs=(path,)
        )

    def _written(self, _: object, path: Path) -> None:
        self.log.warn(
            "this node's cloak secret differed from the cluster's: now the cluster's, "
            "written to {path} (guests' hosts on this node change; bans on the old ones "
            "stop matching)",
            path=str(path),
        )

    def _notWritten(self, failure: Failure, path: Path) -> None:
        failure.trap(OSError)
        self.log.error(
            "this node's cloak secret differed from the cluster's: now the cluster's, "
            "but {path} could not be replaced ({error}); it still holds the old one",
            path=str(path),
            error=failure.getErrorMessage(),
        )

    def _refused(self, failure: Failure) -> None | Failure:
        if not failure.check(txredisapi.ResponseError):
            return failure  # the connection's trouble: it is made again
        self.log.error(
            "Redis refused the cloak secret ({error}); this node keeps its own, and guests' "
            "hosts may differ by node",
            error=failure.getErrorMessage(),
        )
        return None
