# -*- test-case-name: tests.unit.cluster.test_cluster_bus -*-
"""
The event bus between chatd nodes: compact JSON envelopes in one Redis
stream per cluster.

Each envelope carries its node's id (C{n}), the node's sequence number
(C{q}), a kind (C{k}) and the kind's fields.  A node publishes an event once,
however many people on other nodes receive it; each node then fans it out
to its own connections.

Order: a node appends on a single Redis connection, so its envelopes enter
the stream in order and every node reads them in that order: everything
one sender says in one room arrives in order everywhere.  The sequence
number, counted per node (hence per sender), lets a receiver prove it: an
envelope at or below the last one seen from that node is a duplicate and
dropped, and a jump means envelopes were lost (a reader fell behind the
stream's length, Redis forgot unread entries, a full queue dropped some),
which L{Bus} reports so the node can ask for a fresh state.
A node ignores its own envelopes.

While Redis is away, envelopes wait in a bounded queue, in order, and go
out when the link is back, before anything newer: a gap delays them.  One
whose C{XADD} failed with the connection goes back in the queue (sent
again, a receiver drops it as a duplicate by its number).  A private message
is not queued: L{Bus.send} answers at once, so its sender is told to try
again rather than told it was sent.  The queue's bound (L{QUEUE_LIMIT})
is what L{Bus.hasRoom} reports; the bridge refuses a room message when the
queue is full, and other envelopes beyond it are dropped (the gap they
leave makes the other nodes ask for a fresh state).
"""

from __future__ import annotations

import json
from bisect import insort
from collections.abc import Callable
from typing import Any

from twisted.internet.defer import Deferred, fail
from twisted.logger import Logger
from twisted.python.failure import Failure

from chatd.cluster.address import RedisUnavailable

#: A handler gets the sending node's id and the envelope's fields.
Handler = Callable[[str, dict[str, Any]], None]

#: Envelopes a node keeps while Redis is away (about 200 bytes each).
QUEUE_LIMIT = 10000


def encode(node: str, seq: int, kind: str, fields: dict[str, Any]) -> str:
    """
    The wire form of one envelope: JSON without spaces, non-ASCII kept.
    """
    return json.dumps(
        {"n": node, "q": seq, "k": kind, **fields}, separators=(",", ":"), ensure_ascii=False
    )


class Bus:
    """
    Publishes this node's events and dispatches other nodes' events.

    C{onPeer(node)} is called for a node's first envelope (or its first
    after L{forget}), C{onHeard(node)} for every one, C{onGap(node)} when
    envelopes from C{node} went missing.

    @ivar handlers: kind -> handler.
    @ivar lastSeq: per other node, the last sequence number accepted.
    @ivar dropped: envelopes this node could not publish (the queue was full).
    @ivar up: whether envelopes go to Redis now (else they are queued):
        false from a failed C{XADD} until L{linkUp}.
    """

    log = Logger()

    def __init__(
        self,
        nodeId: str,
        channel: str,
        publish: Callable[[str, str], Deferred[Any]],
        onGap: Callable[[str], None] = lambda node: None,
        onPeer: Callable[[str], None] = lambda node: None,
        onHeard: Callable[[str], None] = lambda node: None,
        queueLimit: int = QUEUE_LIMIT,
    ) -> None:
        self.nodeId = nodeId
        self.channel = channel
        self._publish = publish
        self.onGap = onGap
        self.onPeer = onPeer
        self.onHeard = onHeard
        self.handlers: dict[str, Handler] = {}
        self.lastSeq: dict[str, int] = {}
        self.dropped = 0
        self.up = True
        self.queueLimit = queueLimit
        self._seq = 0
        self._waiting: list[tuple[int, str, str]] = []

    def on(self, kind: str, handler: Handler) -> None:
        """
        Call C{handler(node, fields)} for every C{kind} envelope from another node.
        """
        self.handlers[kind] = handler

    def publish(self, kind: str, **fields: Any) -> None:
        """
        Publish one event for every other node.  Never raises and never
        waits: while Redis is away the event waits in the queue; past its
        bound it is dropped (and counted), and the sequence gap tells the
        other nodes to resynchronise.
        """
        self._seq += 1
        entry = (self._seq, kind, encode(self.nodeId, self._seq, kind, fields))
        if self.up and not self._waiting:
            self._send(entry)
        elif len(self._waiting) < self.queueLimit:
            insort(self._waiting, entry)
        else:
            self.dropped += 1

    def send(self, kind: str, **fields: Any) -> Deferred[None]:
        """
        Publish one event now, not queued: fires once Redis has it, fails
        with L{RedisUnavailable} if it cannot take it (at once while the link
        is down or the queue not yet sent).
        """
        if not self.up or self._waiting:
            return fail(RedisUnavailable("Redis is unreachable"))
        self._seq += 1
        d = self._publish(self.channel, encode(self.nodeId, self._seq, kind, fields))
        return d.addCallbacks(lambda _: None, self._sendFailed)

    def hasRoom(self) -> bool:
        """
        Whether one more envelope would be published or queued, not dropped.
        """
        return (self.up and not self._waiting) or len(self._waiting) < self.queueLimit

    @property
    def waiting(self) -> int:
        """
        How many envelopes wait for Redis.
        """
        return len(self._waiting)

    def linkUp(self) -> None:
        """
        Redis is (back): send what waited, in order, before anything newer.
        """
        self.up = True
        waiting, self._waiting = self._waiting, []
        if waiting:
            self.log.info("sending {count} events queued while Redis was away", count=len(waiting))
        for entry in waiting:
            self._send(entry)

    def linkDown(self) -> None:
        self.up = False

    def _send(self, entry: tuple[int, str, str]) -> None:
        self._publish(self.channel, entry[2]).addErrback(self._failed, entry)

    def _failed(self, failure: Failure, entry: tuple[int, str, str]) -> None:
        if failure.check(RedisUnavailable):
            self.up = False  # until the link is back: what follows must queue behind it
            insort(self._waiting, entry)
            return
        self.dropped += 1
        self.log.failure("publishing a {kind} event failed", failure, kind=entry[1])

    def _sendFailed(self, failure: Failure) -> Failure:
        if failure.check(RedisUnavailable):
            self.up = False
        return failure

    def forget(self, node: str) -> None:
        """
        C{node} is gone: its next envelope, if it comes back, starts afresh.
        """
        self.lastSeq.pop(node, None)

    def received(self, channel: str, message: str) -> None:
        """
        One envelope from Redis: check it, order it, dispatch it.
        """
        try:
            envelope = json.loads(message)
            node, seq, kind = envelope.pop("n"), envelope.pop("q"), envelope.pop("k")
            if not isinstance(node, str) or not isinstance(seq, int):
                raise ValueError("bad node or sequence")
        except (ValueError, KeyError, TypeError, AttributeError):
            self.log.warn("ignoring a malformed bus message: {message!r}", message=message[:200])
            return
        if node == self.nodeId:
            return
        last = self.lastSeq.get(node)
        if last is not None and seq <= last:
            return
        self.lastSeq[node] = seq
        self.onHeard(node)
        if last is None:
            self.onPeer(node)
        elif seq != last + 1:
            self.log.warn(
                "missed {count} events from node {node}; resynchronising",
                count=seq - last - 1,
                node=node,
            )
            self.onGap(node)
        handler = self.handlers.get(kind)
        if handler is None:
            self.log.warn("ignoring an unknown {kind} event from {node}", kind=kind, node=node)
            return
        handler(node, envelope)
