# -*- test-case-name: tests.unit.cluster.test_cluster_presence -*-
"""
Short-lived shared state in Redis: which nodes are alive, who holds which
nickname.

A nickname is claimed with C{SET chatd:nick:<key> <node> NX PX <ttl>}: the
first node to claim it wins, and the claim expires unless its node renews
it.  Every C{interval} seconds a node's heartbeat, one Lua script, sets its
own C{chatd:node:<id>} key with the same expiry (holding the beat's stamp,
L{chatd.cluster.beats}) and renews (or, after a
Redis restart, re-takes) the claims of its users; a claim another node took
meanwhile is reported lost.  The beat also puts the node in the registry of
nodes (C{chatd:nodes}), from which a node that (re)connects learns its peers
(L{Presence.discover}), and keeps its inbox stream alive.  The same beat
reads the keys of the peers this node knows: a peer whose key expired is dead, and its users leave
their rooms here.  A peer is only declared dead once this node has itself
been connected for a whole C{ttl}, so a Redis restart (which forgets every
key at once) is not mistaken for every other node dying.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

from twisted.internet.defer import Deferred, maybeDeferred, succeed
from twisted.internet.interfaces import IReactorTime
from twisted.internet.task import LoopingCall
from twisted.logger import Logger
from twisted.python.failure import Failure

from chatd.cluster.address import RedisUnavailable
from chatd.cluster.beats import Beat, newRun, readBeat, stamp
from chatd.cluster.presencescripts import DISCOVER, HEARTBEAT, RELEASE
from chatd.core.errors import ChatError, GroupExists, NickTaken
from chatd.core.names import key

#: Claims one heartbeat script renews at most.
CLAIMS_PER_SCRIPT = 1000

#: How long, in seconds, a node's inbox outlives its last heartbeat, or
#: being declared dead (another node's event may have made it again): a node
#: cut off from Redis for less finds what was sent to it meanwhile (as far
#: as the inbox's length allows); one gone for longer is forgotten.
KEEP = 3600.0

#: Seconds a room's creation claim lasts at most: it is given up once
#: every node heard of the room (a round, L{chatd.cluster.barrier.WAIT} at
#: most), so a room that vanished can be made again at once.
ROOM_CLAIM = 10.0

#: Seconds a login or rename waits for its nickname claim (for Redis to
#: answer, or for the link to come up) before the user is told to try again:
#: shorter than the link's own reply timeout, so a hung Redis is felt by the
#: user as a prompt error rather than as silence.
CLAIM_TIMEOUT = 3.0

Execute = Callable[..., Deferred[Any]]


def _alwaysReady() -> Deferred[None]:
    return succeed(None)


class Presence:
    """
    This node's heartbeat, its nickname claims, and its watch on its peers.

    @ivar peers: the other nodes heard from and believed alive.
    """

    log = Logger()

    def __init__(
        self,
        execute: Execute,
        clock: IReactorTime,
        nodeId: str,
        localNicks: Callable[[], list[str]] = list,
        onNickLost: Callable[[str], None] = lambda nick: None,
        onNodeLost: Callable[[str], None] = lambda node: None,
        interval: float = 1.0,
        ttl: float = 5.0,
        namespace: str = "chatd",
        ready: Callable[[], Deferred[None]] = _alwaysReady,
        claimTimeout: float = CLAIM_TIMEOUT,
        inbox: Callable[[str], str] = lambda node: f"chatd:inbox:{node}",
    ) -> None:
        """
        @param inbox: a node's id -> its inbox stream, whose expiry the
            heartbeat renews (L{KEEP}).
        """
        if ttl <= interval:
            raise ValueError("the claim lifetime must exceed the heartbeat interval")
        self.execute = execute
        self.clock = clock
        self.nodeId = nodeId
        self.localNicks = localNicks
        self.onNickLost = onNickLost
        self.onNodeLost = onNodeLost
        self.onPeerFound: Callable[[str], None] = lambda node: None
        self.interval, self.ttl = interval, ttl
        self.namespace = namespace
        self.ready = ready
        self.claimTimeout = claimTimeout
        self.inbox = inbox
        self.peers: set[str] = set()
        self._heard: dict[str, float] = {}
        self._upSince: float | None = None
        # This run's token and the beats it made: each beat's stamp.
        self._run, self._beats = newRun(), 0
        self._loop = LoopingCall(self.beat)
        self._loop.clock = clock
        # Claims sent to Redis and not answered yet, by key; once leaving,
        # none more is sent.
        self._claiming: Counter[str] = Counter()
        self._leaving = False

    def nodeKey(self, node: str) -> str:
        return f"{self.namespace}:node:{node}"

    def registryKey(self) -> str:
        """
        The set of nodes, each put in by its own heartbeat.
        """
        return f"{self.namespace}:nodes"

    def nickKey(self, nick: str) -> str:
        return f"{self.namespace}:nick:{key(nick)}"

    def roomKey(self, room: str) -> str:
        return f"{self.namespace}:room:{key(room)}"

    @property
    def _ttlMs(self) -> int:
        return int(self.ttl * 1000)

    # Life cycle

    def start(self) -> None:
        self._loop.start(self.interval, now=False)

    def stop(self) -> None:
        if self._loop.running:
            self._loop.stop()

    def forget(self, node: str) -> None:
        """
        C{node} said goodbye: no longer a peer.
        """
        self.peers.discard(node)
        self._heard.pop(node, None)

    def linkUp(self) -> Deferred[None]:
        """
        Redis is (back): beat at once, so this node's key and claims exist
        again before anyone looks, and learn which other nodes there are.
        """
        self._upSince = self.clock.seconds()
        return self.beat()

    def discover(self) -> Deferred[None]:
        """
        Take every node of the registry whose key lives as a peer: this
        node's events for every peer go to them, and each is watched from
        now on (one that stopped beating is declared dead after a TTL, as
        any other).  Run at every beat, so a node declared dead that beats
        again (it was only stalled) is found again even if it says nothing:
        C{onPeerFound} is told of each node that was not a peer.
        """
        d = self.execute("EVAL", DISCOVER, 1, self.registryKey(), self.nodeKey(""))

        def found(nodes: list[object]) -> None:
            for node in map(str, nodes):
                if node != self.nodeId and node not in self.peers:
                    self.seen(node)
                    self.onPeerFound(node)

        return d.addCallback(found).addErrback(self._logFailure, "finding the other nodes")

    def linkDown(self) -> None:
        self._upSince = None

    # Claims

    def claim(self, nick: str) -> Deferred[None]:
        """
        Claim C{nick} for this node, within C{claimTimeout} seconds.

        While the link is (re)connecting the claim waits for it (C{ready})
        instead of failing at once: a node that has just started, or that
        lost Redis for a moment, does not turn away the users who arrive
        meanwhile.  Past the deadline, waiting or not, the claim fails and
        its reply, if it ever comes, is dropped (txredisapi still matches it
        to this command, so no other reply shifts); a claim Redis may
        already have granted is given back, so the user's retry finds the
        name free.

        @return: fires when claimed; fails with L{NickTaken} when another
            claim holds it, or L{RedisUnavailable} when Redis is away or did
            not answer in time.
        """
        return self._claim(self.nickKey(nick), self._ttlMs, NickTaken, "nickname")

    def release(self, nick: str) -> None:
        """
        Give C{nick} up (if this node holds it).  Without Redis the claim
        simply expires.
        """
        self._release(self.nickKey(nick), "nickname")

    def claimRoom(self, room: str) -> Deferred[None]:
        """
        Claim the creation of C{room}, as L{claim} a nickname, for at most
        L{ROOM_CLAIM} seconds: two nodes never both create it.

        @return: fails with L{GroupExists} when another node's creation
            holds it, or L{RedisUnavailable}.
        """
        return self._claim(self.roomKey(room), int(ROOM_CLAIM * 1000), GroupExists, "room")

    def releaseRoom(self, room: str) -> None:
        """
        C{room}'s creation is known everywhere: give its claim up.
        """
        self._release(self.roomKey(room), "room")

    def _claim(self, name: str, ttlMs: int, taken: type[ChatError], what: str) -> Deferred[None]:
        sent = False

        def send(_: object) -> Deferred[Any]:
            nonlocal sent
            if self._leaving:
                raise RedisUnavailable("this node is stopping")
            sent = True
            self._claiming[name] += 1
            return self.execute("SET", name, self.nodeId, "NX", "PX", ttlMs).addBoth(answered)

        def answered(result: object) -> object:
            self._claiming -= Counter({name: 1})
            return result

        def claimed(reply: object) -> None:
            if reply != "OK":
                raise taken()

        def timedOut(result: object, timeout: float) -> None:
            if sent:
                self._release(name, what)
            raise RedisUnavailable(f"no {what} claim from Redis in {timeout:g} s")

        d = self.ready().addCallback(send).addCallback(claimed)
        return d.addTimeout(self.claimTimeout, self.clock, onTimeoutCancel=timedOut)

    def giveBack(self) -> None:
        """
        This node is leaving: give back its users' claims and those still
        awaiting Redis's answer (Redis grants each before this release: one
        link, in order), and ask for none more, so that no claim of a
        stopped node keeps a name from the others until it expires.
        """
        self._leaving = True
        names = {self.nickKey(nick) for nick in self.localNicks()} | set(self._claiming)
        for name in sorted(names):
            self._release(name, "leaving node's")

    def _release(self, name: str, what: str) -> None:
        d = self.execute("EVAL", RELEASE, 1, name, self.nodeId)
        d.addErrback(self._logFailure, f"releasing a {what} claim")

    # Peers

    def seen(self, node: str) -> None:
        """
        C{node} spoke on the bus: it is alive now, and its heartbeat is
        watched from now on.  A node that is publishing is never declared
        dead, even if a busy reactor delayed its beat past the TTL.
        """
        if node != self.nodeId:
            self.peers.add(node)
            self._heard[node] = self.clock.seconds()

    def quietFor(self, node: str) -> float | None:
        """
        Seconds since C{node} last spoke on the bus (C{None}: not a peer).
        """
        heard = self._heard.get(node)
        return None if heard is None else self.clock.seconds() - heard

    def lastBeat(self, node: str) -> Deferred[Beat | None]:
        """
        C{node}'s last heartbeat as its key shows it (C{None}: its key is
        gone): which beat, by the node's own count, and how old.
        """
        return readBeat(self.execute, self.nodeKey(node), self.ttl)

    # The beat

    def beat(self) -> Deferred[None]:
        """
        Renew this node's key and claims, then check the peers' keys and
        look for nodes that are not peers (L{discover}).  Claims are
        renewed L{CLAIMS_PER_SCRIPT} at a time, one script after another, so
        Redis serves other commands between them instead of stalling for
        the whole node (about 0.7 ms per thousand claims).
        """
        nicks = self.localNicks()
        d: Deferred[Any] = succeed(None)
        for start in range(0, max(len(nicks), 1), CLAIMS_PER_SCRIPT):
            some = nicks[start : start + CLAIMS_PER_SCRIPT]
            d.addCallback(self._renew, some)
        d.addCallback(lambda _: self._checkPeers())
        d.addCallback(lambda _: self.discover())
        d.addErrback(self._logFailure, "the heartbeat")
        return d

    def _renew(self, _: object, nicks: list[str]) -> Deferred[None]:
        keys = [self.nodeKey(self.nodeId), self.registryKey(), self.inbox(self.nodeId)]
        keys += [self.nickKey(nick) for nick in nicks]
        keep = int(KEEP * 1000)
        self._beats += 1
        beat = stamp(self._run, self._beats)
        d = self.execute("EVAL", HEARTBEAT, len(keys), *keys, self.nodeId, self._ttlMs, keep, beat)
        return d.addCallback(self._renewed, nicks)

    def _renewed(self, lost: list[int], nicks: list[str]) -> None:
        for index in lost:
            nick = nicks[index - 1]
            self.log.warn("another node holds {nick} now", nick=nick)
            self.onNickLost(nick)

    def checkPeers(self) -> Deferred[None]:
        """
        Look at the keys of the peers not heard from for a TTL now, not at
        the next beat: one whose key is gone is counted dead at once (as
        another node that asks this one to write what it keeps, for a login
        there that waited for that node, did a moment ago).
        """
        d: Deferred[None] = maybeDeferred(self._checkPeers).addCallback(lambda _: None)
        return d.addErrback(self._logFailure, "looking at the peers' keys")

    def _checkPeers(self) -> Deferred[None] | None:
        if self._upSince is None or self.clock.seconds() - self._upSince < self.ttl:
            return None
        now = self.clock.seconds()
        peers = sorted(p for p in self.peers if now - self._heard.get(p, 0.0) >= self.ttl)
        if not peers:
            return None

        def check(values: list[object]) -> None:
            for peer, value in zip(peers, values, strict=True):
                if value is None and peer in self.peers:
                    self.peers.discard(peer)
                    self._heard.pop(peer, None)
                    self.log.warn("node {node} stopped beating; its users leave", node=peer)
                    self.execute("PEXPIRE", self.inbox(peer), int(KEEP * 1000)).addErrback(
                        self._logFailure, "letting a dead node's inbox expire"
                    )
                    self.onNodeLost(peer)

        d: Deferred[None] = self.execute("MGET", *[self.nodeKey(p) for p in peers]).addCallback(
            check
        )
        return d

    def _logFailure(self, failure: Failure, what: str) -> None:
        if not failure.check(RedisUnavailable):
            self.log.failure("{what} failed", failure, what=what)
