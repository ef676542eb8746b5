# -*- test-case-name: tests.unit.cluster.test_cluster_bridge,tests.unit.cluster.test_cluster_join -*-  # noqa: E501
"""
One chatd process's membership of a cluster: L{ClusterNode} wires the Redis
link, the bus, presence and the bridge to a L{ChatService}.

C{tap.makeService} builds it only when C{--cluster redis://host:port/db} is
given (a Redis or its Sentinels), and only then imports this package (and txredisapi).
"""

from __future__ import annotations

import os
import secrets
import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any

from twisted.application.service import MultiService
from twisted.internet.defer import Deferred, gatherResults, succeed
from twisted.logger import Logger

from chatd.cluster.address import parseAddress
from chatd.cluster.bridge import Bridge
from chatd.cluster.bus import Bus
from chatd.cluster.cloaks import SharedCloak
from chatd.cluster.farewell import Farewell
from chatd.cluster.guards import Guards
from chatd.cluster.presence import CLAIM_TIMEOUT, Presence
from chatd.cluster.redis import STREAM_LENGTH, RedisLink
from chatd.core.gate import PasswordGate
from chatd.core.registrations import PasswordChangePace, RegistrationPace
from chatd.core.service import ChatService


def newNodeId() -> str:
    """
    A name for this process that no other process, here or on another
    machine, past or present, has: host, pid and a random suffix.
    """
    return f"{socket.gethostname()}-{os.getpid()}-{secrets.token_hex(3)}"


class ClusterNode(MultiService):
    """
    Makes C{service} one node of the cluster on the Redis at C{url}.

    @ivar bridge: what the admin console calls to moderate cluster-wide
        (L{Bridge.kick}, L{Bridge.moderate}, L{Bridge.onModeration}).
    """

    log = Logger()

    def __init__(
        self,
        service: ChatService,
        url: str,
        reactor: Any,
        nodeId: str | None = None,
        heartbeat: float = 1.0,
        ttl: float = 5.0,
        sharedStore: bool = False,
        claimTimeout: float = CLAIM_TIMEOUT,
        streamLength: int = STREAM_LENGTH,
        gate: PasswordGate | None = None,
        pace: RegistrationPace | None = None,
        changes: PasswordChangePace | None = None,
        cloakFile: Path | None = None,
        cloakFromDatabase: Callable[[], bool] = lambda: False,
    ) -> None:
        """
        @param streamLength: entries each node's inbox stream keeps
            (C{--cluster-stream-length}): how far behind a node may fall and
            still catch up.
        @param gate: the node's password gate, C{pace} its limit on new
            accounts and C{changes} on changes of password: each counts the
            other nodes' too.
        @param cloakFile: this node's C{cloak.key}, where the cluster's
            cloak secret is written if it differs (L{SharedCloak}).
        @param cloakFromDatabase: whether this node's cloak secret is the
            shared database's, which Redis is then made to hold.
        """
        super().__init__()
        address = parseAddress(url)
        self.nodeId = nodeId or newNodeId()

        def inbox(node: str) -> str:
            return f"chatd:{address.db}:inbox:{node}"

        self.link = RedisLink(
            reactor,
            address,
            inbox(self.nodeId),
            self._received,
            maxDelay=ttl / 2,
            streamLength=streamLength,
        )
        # One cloak secret for every node, agreed before the link is up.
        self.cloak = SharedCloak(service.people.hosts, cloakFile, fromDatabase=cloakFromDatabase)
        self.link.handshake = self.cloak.agree
        self.bus = Bus(self.nodeId, inbox, self.link.publish, reactor)
        self.presence = Presence(
            self.link.execute,
            reactor,
            self.nodeId,
            interval=heartbeat,
            ttl=ttl,
            ready=self.link.ready,
            claimTimeout=claimTimeout,
            inbox=inbox,
        )
        self.bridge = Bridge(service, self.bus, self.presence, sharedStore)
        if gate is not None:
            Guards(self.bus, gate, pace, changes)
        self.service, self.clock = service, reactor
        self._leaving = False
        self.link.whenUp(self._linkUp)
        self.link.whenDown(self.bridge.linkDown)
        self.persistence = service.persistence
        self.moderation = service.moderation
        service.stats.clusterUp = lambda: self.link.up  # /healthz, chatd_cluster_up
        service.stats.clusterNode = self.nodeId  # the console's stats

    def cloakTaken(self) -> None:
        """
        This node's cloak secret became the shared database's after it
        started (the database could not be asked then): Redis holds it
        from now on, if the link is up (else from the next connection).
        """
        if self.link.up:
            self.cloak.insist(self.link.execute)

    def _received(self, channel: str, message: str) -> None:
        if not self._leaving:  # what it sent, then its goodbye: all the others need
            self.bus.received(channel, message)

    def startService(self) -> None:
        """
        Join the cluster once this node has loaded its store: another node's
        news about a room (its state, an entry) must meet the room as stored
        here, not a blank one that loading would then be measured against.
        And once its sanctions are loaded: its state gives them to the
        others, which may have read the shared database before this node
        imported older ones into it.
        """
        super().startService()
        self.log.info("cluster node id {node}", node=self.nodeId)  # what other nodes call it
        self.presence.start()
        loaded = self.persistence.whenReady() if self.persistence is not None else succeed(None)
        sanctions = self.moderation.whenLoaded() or succeed(None)
        gatherResults([loaded, sanctions], consumeErrors=True).addBoth(self._join)

    def _join(self, _: object) -> None:
        # A store that failed to load is retried by persistence; the node
        # joins anyway, as it did before there was a store to wait for.
        if self.running and self.link.parent is None:
            self.link.setServiceParent(self)

    def _linkUp(self) -> None:
        if self._leaving:  # stopping: only what waited goes out, then the goodbye
            self.bridge.clientIds.linkUp()  # its pages' resends come through other nodes
            self.bus.linkUp()
        else:
            self.bridge.linkUp()

    def stopService(self) -> Deferred[None]:
        """
        Leave cleanly: send what waits for Redis (L{Farewell}: waiting for
        it the shutdown's grace at most), then give up this node's claims,
        key, place in the registry and inbox, so the others see its users
        go at once instead of after the TTL.
        """
        self._leaving = True
        grace = self.service.goodbye.grace
        written = self.bridge.flushStore
        farewell = Farewell(self.bus, self.presence, self.link, self.clock, grace, written)
        left = farewell.leave()

        def stop(_: object) -> Deferred[None]:
            stopped: Deferred[None] = MultiService.stopService(self)
            return stopped

        return left.addCallback(stop)
