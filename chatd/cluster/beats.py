# -*- test-case-name: tests.unit.cluster.test_cluster_takeover,tests.unit.cluster.test_cluster_presence -*-  # noqa: E501
"""
Which heartbeat a node's key shows, told by the node itself.

Each heartbeat writes in the node's key (L{chatd.cluster.presence}) a
stamp: a token of this run of the node and how many beats it made so far.
Whether a node beat again since some moment is read from that stamp, not
from what is left of the key's life: that is Redis's clock, and after a
Sentinel failover to a replica whose clock differs it can jump either way
while the node beats on or lies dead.  Kept apart from the presence, which
writes the stamps, because a login that waits for a node reads them
(L{chatd.cluster.suspects}).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from secrets import token_hex
from typing import Any

from twisted.internet.defer import Deferred

from chatd.cluster.presencescripts import LAST_BEAT


def newRun() -> str:
    """
    A token for one run of a node: a node restarted under the same id
    counts its beats again from one, under another token.
    """
    return token_hex(4)


def stamp(run: str, count: int) -> str:
    """
    What beat C{count} of run C{run} writes in the node's key.
    """
    return f"{run} {count}"


@dataclass(frozen=True)
class Beat:
    """
    A node's last heartbeat, read from its key: its run and count (the
    node's own), and its age by Redis's clock, C{age} seconds (only
    logged: it is no proof of anything across a failover).
    """

    run: str
    count: int
    age: float

    def since(self, earlier: Beat | None) -> bool:
        """
        Whether the node beat after C{earlier} (C{None}: its key was gone
        then): a later beat of the same run, or another run.  An older
        stamp (a replica that had not yet taken the last beat) is no beat.
        """
        if earlier is None:
            return True
        return self.run != earlier.run or self.count > earlier.count


def parseBeat(reply: object, ttl: float) -> Beat | None:
    """
    The L{Beat} of L{LAST_BEAT}'s reply for a key that lives C{ttl} seconds
    from a beat (C{None}: the key is gone).  A stamp without a count (a
    node that wrote something else) is a run of its own, at count zero.
    """
    if not isinstance(reply, list) or len(reply) != 2:
        return None
    value, left = reply
    text = value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
    run, _, count = text.rpartition(" ")
    if not run or not count.isdigit():
        run, count = text, "0"
    return Beat(run, int(count), ttl - int(left) / 1000)


def readBeat(
    execute: Callable[..., Deferred[Any]], nodeKey: str, ttl: float
) -> Deferred[Beat | None]:
    """
    The last beat C{nodeKey} shows, stamp and life read in one step.
    """
    d = execute("EVAL", LAST_BEAT, 1, nodeKey)
    return d.addCallback(parseBeat, ttl)
