# -*- test-case-name: tests.unit.core.test_metrics -*-
"""
Protocol-neutral counters for the whole daemon.

The service owns one L{ChatStats} and bumps it where every front-end passes
anyway (C{say}, C{tell}, C{disconnect}), so TCHAT, talk, IRC and the web are all
counted without any of them doing anything.  The counters are plain integers
in dictionaries: the hot path pays one dictionary increment per message, never
a lock or a metrics-library call.  Whatever exports them (the web front-end's
C{/metrics}, see L{chatd.web.metrics}) reads them at scrape time, together
with the gauges it can derive from the service's state (connections per
protocol, rooms).
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections import Counter
from collections.abc import Callable
from typing import TYPE_CHECKING

from chatd.core import errors

if TYPE_CHECKING:
    from twisted.internet.defer import Deferred

    from chatd.storage.health import StoreHealth

#: Disconnect reasons are free text ("kicked by alice: spam", "too slow
#: reading, output limit exceeded"); metrics need a small fixed set of labels.
#: A reason is filed under the label of the earliest of these words in it
#: (so a kick whose message mentions flooding is still a kick), unless the
#: session was ended by one of L{_CAUSE_LABELS}.
_REASON_WORDS = {
    "quit": "quit",
    "closed": "closed",
    "lost": "lost",
    "kick": "kicked",
    "ban": "banned",
    "time": "timeout",
    "flood": "flood",
    "slow": "slow",
    "refused": "refused",
    "full": "refused",
    "shut": "shutdown",
}
_REASON = re.compile("|".join(_REASON_WORDS), re.IGNORECASE)

#: The label of a session ended by one of these errors, whatever words the
#: reason typed with it holds: an administrator's kick, ban or kill (a kill
#: "for flooding" is not a flood disconnect).
_CAUSE_LABELS: dict[type[errors.ChatError], str] = {
    errors.Kicked: "kicked",
    errors.Banned: "banned",
    errors.Killed: "killed",
}

#: Every label L{reasonLabel} returns.
DISCONNECT_REASONS = frozenset(_REASON_WORDS.values()) | set(_CAUSE_LABELS.values()) | {"other"}

#: Upper bounds (seconds) of the store write latency histogram buckets.
STORE_LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)


def reasonLabel(reason: str, cause: errors.ChatError | None = None) -> str:
    """
    The metrics label for a disconnect: that of its C{cause}, the error that
    ended the session, if L{_CAUSE_LABELS} has one; else from the free-text
    C{reason}, see L{_REASON_WORDS}: an empty reason is C{"closed"}, one
    with none of the words C{"other"}.
    """
    for kind, label in _CAUSE_LABELS.items():
        if isinstance(cause, kind):
            return label
    if not reason:
        return "closed"
    found = _REASON.search(reason)
    return "other" if found is None else _REASON_WORDS[found.group().lower()]


class ChatStats:
    """
    Running totals since the daemon started.

    @ivar messagesIn: messages accepted by the service, by (sender's protocol,
        C{"room"} or C{"private"}).
    @ivar deliveries: events handed to recipients by fan-out, by kind: one
        room message to a room of N other members counts N.
    @ivar framesOut: protocol frames or lines written by front-ends that count
        their output (by protocol).
    @ivar disconnects: closed connections, by (protocol, L{reasonLabel}).
    @ivar storeWriteBuckets: store write latency histogram: counts per bucket
        of L{STORE_LATENCY_BUCKETS} plus one overflow bucket.
    @ivar storeQueueDepth: a callable returning how many writes the message
        store has queued, set by the store when there is one (C{None}: no
        store, the gauge is not exported).
    @ivar storeHealth: the store's L{StoreHealth} (C{None}: no store).
    @ivar storeCheck: tries the store now, firing with why it fails or
        C{None} (for C{/healthz}; C{None}: no store).
    @ivar sanctionsProblem: why the stored sanctions are not loaded (logins
        are refused meanwhile), or C{None} once they are.
    @ivar loadProblem: why the chat store could not be loaded at start for
        a reason other than an outage (logins are refused), or C{None}.
    @ivar clusterUp: whether the other cluster nodes can be reached now
        (Redis answers), set by a cluster node (C{None}: not in a cluster).
    @ivar clusterNode: this process's id in its cluster, which the other
        nodes show as its users' address (C{None}: not in a cluster).
    """

    def __init__(self) -> None:
        self.messagesIn: Counter[tuple[str, str]] = Counter()
        self.deliveries: Counter[str] = Counter()
        self.framesOut: Counter[str] = Counter()
        self.disconnects: Counter[tuple[str, str]] = Counter()
        self.storeWriteBuckets = [0] * (len(STORE_LATENCY_BUCKETS) + 1)
        self.storeWriteSum = 0.0
        self.storeQueueDepth: Callable[[], int] | None = None
        self.storeHealth: StoreHealth | None = None
        self.storeCheck: Callable[[], Deferred[str | None]] | None = None
        self.clusterUp: Callable[[], bool] | None = None
        self.clusterNode: str | None = None
        self.sanctionsProblem: str | None = None
        self.loadProblem: str | None = None

    def messageIn(self, protocol: str, kind: str, recipients: int) -> None:
        """
        The service accepted one message of C{kind} (C{"room"} or
        C{"private"}) from a C{protocol} user and handed it to C{recipients}
        people.
        """
        self.messagesIn[protocol, kind] += 1
        self.deliveries[kind] += recipients

    def sent(self, protocol: str, frames: int = 1) -> None:
        """
        A front-end wrote C{frames} frames (or lines) to its clients.
        """
        self.framesOut[protocol] += frames

    def disconnected(
        self, protocol: str, reason: str, cause: errors.ChatError | None = None
    ) -> None:
        """
        A C{protocol} connection closed, for C{reason} (free text) or ended
        by C{cause} (see L{reasonLabel}).
        """
        self.disconnects[protocol, reasonLabel(reason, cause)] += 1

    def storeWrite(self, seconds: float) -> None:
        """
        The message store finished one write that took C{seconds}: the hook
        the persistence layer calls.
        """
        self.storeWriteBuckets[bisect_left(STORE_LATENCY_BUCKETS, seconds)] += 1
        self.storeWriteSum += seconds
