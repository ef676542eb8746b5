# -*- test-case-name: tests.unit.cluster.test_cluster_barrier -*-
"""
Answering an arrival only once every node has heard of it.

A login, a rename, an entry or a new room is applied on its own node at
once, and reaches the other nodes a moment later, through their inboxes.
Until it has, a user there cannot reach the newcomer: a private message is
refused (no such user), a room message is not sent to a node that the
sender's node does not know has members in the room, and the new room
cannot be entered there.  So the newcomer's node answers
(C{OKAY!}, IRC's C{JOIN}) only after a round trip: it sends every live peer
a C{ping} after the envelopes that told of the arrival, and each peer
answers C{pong} when it reads it, so after everything before it.  Once all
have answered, every peer has applied the arrival, and this node has read
what each peer published before its answer.

A login or an entry also waits for a round before it is checked: then this
node has read what every peer decided just before it (a ban, a room's key),
and nobody gets in, or is kept out, in the moment before it heard.

One round serves every arrival of a reactor turn.  A peer that does not
answer within L{WAIT} (it died, Redis is away) holds up nobody longer, and
is not waited for again until it answers a round: a node killed without a
goodbye costs one wait, not one per arrival until it is declared dead.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from twisted.internet.defer import Deferred, maybeDeferred, succeed
from twisted.internet.interfaces import IDelayedCall

from chatd.cluster.bus import Bus

#: Seconds an arrival waits for the other nodes at most.
WAIT = 2.0


class _Round:
    def __init__(self, peers: set[str], waitingFor: set[str], timer: IDelayedCall) -> None:
        self.peers = peers
        self.waitingFor = waitingFor
        self.timer = timer
        self.arrivals: list[Deferred[None]] = []


class Barrier:
    """
    Rounds of C{ping}/C{pong} with the live peers (L{Bus.peers}); with
    other C{kinds} and a C{prepare}, rounds in which each peer first does
    something (writes what its store queues) and then answers.
    """

    def __init__(
        self,
        bus: Bus,
        wait: float = WAIT,
        kinds: tuple[str, str] = ("ping", "pong"),
        prepare: Callable[[], object] | None = None,
    ) -> None:
        self.bus = bus
        self.clock = bus.clock
        self.wait = wait
        self.kinds, self.prepare = kinds, prepare
        self._rounds: dict[int, _Round] = {}
        self._last = 0
        self._gathering: _Round | None = None
        self._silent: set[str] = set()
        bus.on(kinds[0], self._pinged)
        bus.on(kinds[1], self._ponged)

    def everyoneHeard(self) -> Deferred[None]:
        """
        Fires once every live peer has read what this node published so
        far (this reactor turn included), or after L{WAIT} seconds.
        """
        if not self.bus.up:
            return succeed(None)  # nobody could answer now
        if self._gathering is None:
            peers = set(self.bus.peers())
            if not peers:
                return succeed(None)
            self._last += 1
            number = self._last
            timer = self.clock.callLater(self.wait, self._settle, number)
            round = _Round(peers, peers - self._silent, timer)
            self._gathering = self._rounds[number] = round
            self.clock.callLater(0, self._ping, number)  # after the turn's other envelopes
        if not self._gathering.waitingFor:
            return succeed(None)  # only silent peers: pinged, not waited for
        arrival: Deferred[None] = Deferred()
        self._gathering.arrivals.append(arrival)
        return arrival

    def _ping(self, number: int) -> None:
        self._gathering = None
        round = self._rounds.get(number)
        if round is None:
            return
        for node in sorted(round.peers):  # the silent too: an answer counts them in again
            self.bus.publishTo(node, self.kinds[0], i=number)
        if not round.waitingFor:  # gone meanwhile, or silent
            self._settle(number)

    def _pinged(self, node: str, fields: dict[str, Any]) -> None:
        if self.prepare is None:
            self.bus.publishTo(node, self.kinds[1], i=fields["i"])
            return
        prepared = maybeDeferred(self.prepare)
        # A store that cannot write logs why itself; the asker is answered all the same.
        prepared.addErrback(lambda failure: None)
        prepared.addCallback(lambda _: self.bus.publishTo(node, self.kinds[1], i=fields["i"]))

    def _ponged(self, node: str, fields: dict[str, Any]) -> None:
        self._silent.discard(node)
        round = self._rounds.get(fields["i"])
        if round is not None:
            round.waitingFor.discard(node)
            if not round.waitingFor:
                self._settle(fields["i"])

    def forget(self, node: str) -> None:
        """
        C{node} is gone: nobody waits for it any more.
        """
        self._silent.discard(node)
        for number, round in list(self._rounds.items()):
            round.waitingFor.discard(node)
            round.peers.discard(node)
            if not round.waitingFor and round is not self._gathering:
                self._settle(number)

    def _settle(self, number: int) -> None:
        round = self._rounds.pop(number, None)
        if round is None:
            return
        if round is self._gathering:
            self._gathering = None
        if round.timer.active():
            round.timer.cancel()
        else:  # timed out: who did not answer is not waited for again until they do
            self._silent |= round.waitingFor
        for arrival in round.arrivals:
            arrival.callback(None)
