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
C{cloak.key}, so that it still has it after a restart while Redis is away.
A Redis that restarted empty gets it back from the first node to reconnect
(which holds it like every other node).  The secret travels only on the
link to Redis, never to a chat client, and is never logged.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import txredisapi
from twisted.internet.defer import Deferred
from twisted.logger import Logger
from twisted.python.failure import Failure

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


class SharedCloak:
    """
    Makes C{hosts}' cloak secret the cluster's.

    @ivar path: this node's C{cloak.key}, where an adopted secret is
        written (C{None}: kept in memory only).
    """

    log = Logger()

    def __init__(self, hosts: Hosts, path: Path | None = None, key: str = CLOAK_KEY) -> None:
        self.hosts = hosts
        self.path = path
        self.key = key

    def agree(self, execute: Execute) -> Deferred[None]:
        """
        Offer this node's secret to the cluster through C{execute} (one
        Redis command) and take the cluster's.  Fails only as the command
        connection does (Redis is away: the link tries again); a reply it
        cannot use is logged, and the node keeps its own secret.
        """
        d: Deferred[Any] = execute("EVAL", AGREE, 1, self.key, self.hosts.secret.hex())
        return d.addCallbacks(self._adopt, self._refused)

    def _adopt(self, reply: object) -> None:
        text = reply.decode("ascii", "replace") if isinstance(reply, bytes) else str(reply)
        shared = parseCloakSecret(text) if reply is not None else None
        if shared is None:
            self.log.error(
                "Redis key {key} holds no cloak secret; this node keeps its own, and guests' "
                "hosts may differ by node (delete the key, then restart the nodes)",
                key=self.key,
            )
            return
        if shared == self.hosts.secret:
            return
        self.hosts.secret = shared
        if self.path is None:
            self.log.warn("this node's cloak secret differed from the cluster's: now the cluster's")
            return
        try:
            writeCloakSecret(self.path, shared)
        except OSError as error:
            self.log.error(
                "this node's cloak secret differed from the cluster's: now the cluster's, "
                "but {path} could not be replaced ({error}); it still holds the old one",
                path=str(self.path),
                error=str(error),
            )
            return
        self.log.warn(
            "this node's cloak secret differed from the cluster's: now the cluster's, "
            "written to {path} (guests' hosts on this node change; bans on the old ones "
            "stop matching)",
            path=str(self.path),
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
