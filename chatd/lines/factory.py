# -*- test-case-name: tests.unit.lines.test_lineproto -*-
"""
What the connections of one line-protocol front-end share: the service,
the clock, the output flusher, the liveness timers, the turn budget and the
limits.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from twisted.internet.interfaces import IReactorTime
from twisted.internet.protocol import ServerFactory

from chatd.core.interfaces import IChatService
from chatd.core.limits import MAX_BODY_LINES
from chatd.lines.flusher import FlushScheduler
from chatd.lines.idle import IdleTimers
from chatd.lines.throttle import waitingLines
from chatd.lines.turnbudget import TurnBudget

if TYPE_CHECKING:
    from chatd.lines.lineproto import ChatLineReceiver


class ChatFactory(ServerFactory):
    """
    What the connections of one front-end share: the service, the clock, and
    the limits.

    @ivar maxLineLength: bytes in one line, without its delimiter.
    @ivar maxOutput: bytes a connection may have waiting before it is cut off.
    @ivar floodBurst: lines accepted at once before throttling (C{None}: off).
    @ivar floodRate: lines per second accepted once the burst is spent.
    @ivar floodBacklog: bytes of throttled input held before disconnecting.
        Lines held are bounded too (L{floodLines}).
    @ivar aliveAfter: seconds of silence before a liveness probe (C{None}: off).
    @ivar closeGrace: seconds a connection being closed has to send what it
        holds and close before it is cut (a TLS peer that never answers the
        close alert, a reader that stopped reading).
    @ivar turns: how long one reactor turn may spend handling input, one
        for all the front-ends of a daemon (C{None}: no bound).
    """

    protocol: type[ChatLineReceiver]  # type: ignore[assignment]

    def __init__(
        self,
        service: IChatService,
        clock: IReactorTime,
        *,
        maxLineLength: int = 4096,
        maxOutput: int = 1 << 20,
        floodBurst: int | None = 100,
        floodRate: float = 20.0,
        floodBacklog: int = 64 * 1024,
        aliveAfter: float | None = 15.0,
        closeGrace: float = 10.0,
        turns: TurnBudget | None = None,
    ) -> None:
        self.service = service
        self.clock = clock
        self.turns = turns
        self.flusher = FlushScheduler(clock, turns)
        self.idleTimers = IdleTimers(clock)
        self.maxLineLength = maxLineLength
        self.maxOutput = maxOutput
        self.floodBurst = floodBurst
        self.floodRate = floodRate
        self.floodBacklog = floodBacklog
        self.aliveAfter = aliveAfter
        self.closeGrace = closeGrace

    @property
    def floodLines(self) -> int:
        """
        Lines of throttled input held before disconnecting
        (L{chatd.lines.throttle.waitingLines}: a whole message's and 50).
        """
        return waitingLines(getattr(self, "maxBodyLines", MAX_BODY_LINES))

    def stopFactory(self) -> None:
        self.flusher.flush()
        self.flusher.cancel()
        self.idleTimers.cancel()
