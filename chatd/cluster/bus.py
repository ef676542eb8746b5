# -*- test-case-name: tests.test_cluster_bus -*-
"""
The event bus between chatd nodes: compact JSON envelopes on one Redis
pub/sub channel per cluster.

Each envelope carries its node's id (C{n}), the node's sequence number
(C{q}), a kind (C{k}) and the kind's fields.  A node publishes an event once,
however many people on other nodes receive it; each node then fans it out
to its own connections.

Order: a node publishes on a single Redis connection, and Redis delivers
one connection's publications to every subscriber in order, so everything
one sender says in one room arrives in order everywhere.  The sequence
number, counted per node (hence per sender), lets a receiver prove it: an
envelope at or below the last one seen from that node is a duplicate and
dropped, and a jump means envelopes were lost (Redis went away in
between), which L{Bus} reports so the node can ask for a fresh state.
A node ignores its own envelopes.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from twisted.internet.defer import Deferred
from twisted.logger import Logger

from chatd.cluster.address import RedisUnavailable

#: A handler gets the sending node's id and the envelope's fields.
Handler = Callable[[str, dict[str, Any]], None]


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
    @ivar dropped: envelopes this node could not publish (Redis was down).
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
        self._seq = 0

    def on(self, kind: str, handler: Handler) -> None:
        """
        Call C{handler(node, fields)} for every C{kind} envelope from another node.
        """
        self.handlers[kind] = handler

    def publish(self, kind: str, **fields: Any) -> None:
        """
        Publish one event for every other node.  Never raises and never
        waits: while Redis is away the event is dropped (and counted), and
        the sequence gap tells the other nodes to resynchronise.
        """
        self._seq += 1
        data = encode(self.nodeId, self._seq, kind, fields)
        self._publish(self.channel, data).addErrback(self._failed, kind)

    def _failed(self, failure: Any, kind: str) -> None:
        self.dropped += 1
        if not failure.check(RedisUnavailable):
            self.log.failure("publishing a {kind} event failed", failure, kind=kind)

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
