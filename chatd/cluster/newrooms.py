# -*- test-case-name: tests.unit.cluster.test_cluster_roomrace -*-
"""
A new room whose creation another node won: this node waits until it has
the room as the winner made it before it answers its own user.

Of two creations of one room at the same moment on two nodes, Redis's
claim picks one (L{chatd.cluster.presence.Presence.claimRoom}).  The loser
learns it lost from Redis, which can be before the winner's node has
created the room at all, let alone announced it; and a C{ping}/C{pong}
round (L{chatd.cluster.barrier}) proves only that the winner read the
loser's ping, not that the loser has read the winner's room.  So the loser
waits here until the room is known on this node with someone in it who
runs it (the winner's creator, announced as its operator, has entered:
C{room}, then C{enter}), so that its user, who enters it instead as a
plain member, is shown the room as everyone else sees it (IRC's
C{353 ... :@creator loser}).

A creator who made the room without entering it (TCHAT's C{CREAT}) is
waited for at most L{WAIT} seconds, and the room, once known here, is
then said to exist all the same.  A room still unknown here after L{WAIT}
seconds (the winner's node died, or Redis is away) is answered as an
unreachable cluster (L{errors.ClusterUnavailable}: try again), never as a
room that does not exist.
"""

from __future__ import annotations

from twisted.internet.defer import Deferred, succeed
from twisted.internet.interfaces import IDelayedCall, IReactorTime

from chatd.cluster.barrier import WAIT
from chatd.core import errors
from chatd.core.names import key
from chatd.core.service import ChatService


class NewRooms:
    """
    The rooms this node lost the claim to create, each with the L{Deferred}s
    waiting for it; L{heard} is told of every change that may make one ready.
    """

    def __init__(self, service: ChatService, clock: IReactorTime, wait: float = WAIT) -> None:
        self.service = service
        self.clock = clock
        self.wait = wait
        self._waiting: dict[str, list[tuple[Deferred[None], IDelayedCall]]] = {}

    def ready(self, room: str) -> bool:
        """
        Whether C{room} is known here with one of its operators in it.
        """
        target = self.service.registry.find(room)
        return target is not None and any(op in target.members for op in target.ops)

    def awaitRoom(self, room: str) -> Deferred[None]:
        """
        Fires once C{room} is L{ready} here, or after L{WAIT} seconds if it
        is known here by then; fails with L{errors.ClusterUnavailable} if it
        is not.
        """
        if self.ready(room):
            return succeed(None)
        waiter: Deferred[None] = Deferred()
        timer = self.clock.callLater(self.wait, self._timedOut, room, waiter)
        self._waiting.setdefault(key(room), []).append((waiter, timer))
        return waiter

    def heard(self, room: str) -> None:
        """
        C{room} changed here (a room, an entry, an operator, a whole state
        from another node; an entry here): those waiting for it go on if
        it is L{ready}.
        """
        if key(room) not in self._waiting or not self.ready(room):
            return
        for waiter, timer in self._waiting.pop(key(room)):
            timer.cancel()
            waiter.callback(None)

    def _timedOut(self, room: str, waiter: Deferred[None]) -> None:
        waiting = self._waiting.get(key(room), [])
        waiting[:] = [(w, t) for w, t in waiting if w is not waiter]
        if not waiting:
            self._waiting.pop(key(room), None)
        if self.service.registry.find(room) is not None:
            waiter.callback(None)  # made without its creator in it: it exists all the same
        else:
            waiter.errback(errors.ClusterUnavailable())
