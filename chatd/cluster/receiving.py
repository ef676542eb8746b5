# -*- test-case-name: tests.unit.cluster.test_cluster_bus,tests.unit.cluster.test_cluster_snapshot,tests.unit.cluster.test_cluster_outage -*-  # noqa: E501
"""
The receiving side of the event bus (L{chatd.cluster.bus.Bus}): each
envelope checked against its node's numbers, dispatched in order, a
duplicate dropped, and what follows a gap held until the gap is filled
(L{chatd.cluster.replay}) or given up on.

A request to resend (C{resume}) is answered even when it comes past this
node's own gap from its asker: when both nodes have a gap at once, each
one's request would otherwise wait behind the other's, and both would give
theirs up.  A gap given up is named to its sender (C{missed}, with the
numbers given up), whose node sends again the private messages in it
(L{chatd.cluster.receipts}).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from twisted.logger import Logger

from chatd.cluster.envelopes import unpack
from chatd.cluster.replay import Holds

#: A handler gets the sending node's id and the envelope's fields.
Handler = Callable[[str, dict[str, Any]], None]


class Receiving:
    """
    What L{chatd.cluster.bus.Bus} does with the stream entries it reads.
    """

    log: Logger
    nodeId: str
    lastSeq: dict[str, int]
    goneSeq: dict[str, int]
    handlers: dict[str, Handler]
    onGap: Callable[[str], None]
    onPeer: Callable[[str], None]
    onHeard: Callable[[str], None]
    _heardInEntry: str | None
    _holds: Holds
    # The bus's:
    publishTo: Callable[..., None]
    _resume: Handler

    def received(self, channel: str, message: str) -> None:
        """
        One stream entry from Redis: each of its envelopes checked, ordered
        and dispatched, in order.  A malformed envelope is logged and
        skipped, and a handler's failure logged: neither costs the entry's
        other envelopes.
        """
        self._heardInEntry = None
        for index, envelope in enumerate(unpack(message)):
            try:
                node, seq, kind = envelope.pop("n"), envelope.pop("q"), envelope.pop("k")
                if not isinstance(node, str) or not isinstance(seq, int):
                    raise ValueError("bad node or sequence")
            except (ValueError, KeyError, TypeError, AttributeError):
                # Not "message": a legacy log observer replaces that key with ().
                line = message.split("\n")[index]
                self.log.warn("ignoring a malformed bus message: {text!r}", text=line[:200])
                continue
            self._accept(node, seq, kind, envelope)

    def _accept(self, node: str, seq: int, kind: str, envelope: dict[str, Any]) -> None:
        """
        Dispatch one envelope, unless it is this node's own or a duplicate;
        one past a gap is held until the sender fills the gap or cannot.
        """
        if node == self.nodeId:
            return
        last = self.lastSeq.get(node)
        if last is None and node in self.goneSeq:
            if seq <= self.goneSeq[node]:
                return  # a gone node's envelope read again: it must not come back to life
            del self.goneSeq[node]  # it did come back
        if last is not None and seq != last + 1:
            if seq > last:
                self._hold(node, seq, kind, envelope, last)
            return
        self.lastSeq[node] = seq
        if node != self._heardInEntry:  # an entry holds one node's turn: once is enough
            self._heardInEntry = node
            self.onHeard(node)
        if last is None:
            self.onPeer(node)
        handler = self.handlers.get(kind)
        if handler is None:
            self.log.warn("ignoring an unknown {kind} event from {node}", kind=kind, node=node)
        else:
            try:
                handler(node, envelope)
            except Exception:
                self.log.failure("handling a {kind} event from {node} failed", kind=kind, node=node)
        if self._holds.held:  # a gap was just filled?
            for held in self._holds.takeRun(node, seq):
                self._accept(node, *held)

    def _hold(self, node: str, seq: int, kind: str, envelope: dict[str, Any], last: int) -> None:
        """
        Hold an envelope past a gap; a request to fill the asker's own gap
        is answered now (both may have one: neither request waits behind
        the other's gap), its number held in its place.
        """
        if kind == "resume":
            self._resume(node, envelope)
            kind, envelope = "void", {}
        if self._holds.hold(node, seq, kind, envelope):
            self.publishTo(node, "resume", f=last)
        if kind == "noreplay" or self._holds.full(node):
            self._giveUp(node)

    def _giveUp(self, node: str) -> None:
        """
        C{node} cannot fill its gap (or did not in time): the gap is
        reported, and what was held dispatched after it.
        """
        held = self._holds.release(node)
        last = self.lastSeq.get(node)
        if not held or last is None:
            return
        self.log.warn(
            "missed {count} events from node {node}; resynchronising",
            count=held[0][0] - last - 1,
            node=node,
        )
        self.publishTo(node, "missed", f=last, t=held[0][0] - 1)  # its sender sees to what it held
        self.onGap(node)
        self.lastSeq[node] = held[0][0] - 1
        for envelope in held:
            self._accept(node, *envelope)
