# -*- test-case-name: tests.unit.web.test_web,tests.unit.web.test_web_flood -*-
"""
The WebSocket front-end's factory: one L{WebParticipant} per connection,
and what they share (the service, the clock, the limits).
"""

from __future__ import annotations

from functools import partial

from twisted.internet.interfaces import IReactorTime
from twisted.web.server import Request

from chatd.core.interfaces import IChatService
from chatd.lines.idle import IdleTimers
from chatd.lines.turnbudget import TurnBudget
from chatd.web.flood import RequestPace
from chatd.web.guard import GuardProtocol
from chatd.web.socket import WebParticipant

#: The largest request, whatever the message limits: room for every request
#: but a long message.
MIN_REQUEST_BYTES = 16 * 1024
#: The most bytes JSON may write one character of a message in: one beyond
#: U+FFFF (an emoji) escaped as two C{\uXXXX}; a line break (CR LF) too.
JSON_CHARACTER_BYTES = 12
#: Room in a C{say} or C{tell} for what is not its text.
REQUEST_ENVELOPE = 1024


def requestBytes(maxSize: int, maxLines: int) -> int:
    """
    The largest request a connection reads: one carrying a message at the
    service's limits (C{maxSize} characters, C{maxLines} lines:
    L{chatd.core.speaking.BodyRule}), however JSON writes it, so that the
    core, not the transport, refuses a message, with the reason; and never
    less than L{MIN_REQUEST_BYTES}.
    """
    message = JSON_CHARACTER_BYTES * (maxSize + maxLines) + REQUEST_ENVELOPE
    return max(MIN_REQUEST_BYTES, message)


class WebFactory:
    """
    Builds a L{WebParticipant} per WebSocket connection and holds what they
    share: the service, the clock and the limits.

    @ivar maxMessageBytes: largest request accepted (UTF-8 bytes): by
        default, room for a message at the service's body limits
        (L{requestBytes}).
    @ivar rate: requests per second allowed on average, with bursts of
        C{burst} (C{None}: no limit); beyond that requests are refused with
        an error, and a
        client that keeps going (C{floodLimit} refusals in a row) is closed.
    @ivar lineBytes: the bytes of one TCHAT or talk line (C{--max-line-length}):
        a message line longer costs a token more per so many bytes
        (L{chatd.web.flood.cost}).
    @ivar pingInterval: seconds between WebSocket pings; a client that has
        not answered one by the next is closed.
    @ivar turns: the daemon's L{TurnBudget}, shared with the line
        front-ends (C{None}: requests are handled as they arrive); each
        connection's L{chatd.web.frames.FrameReader} asks it.
    """

    def __init__(
        self,
        service: IChatService,
        clock: IReactorTime,
        maxMessageBytes: int | None = None,
        rate: float = 20.0,
        burst: int | None = 100,
        floodLimit: int = 20,
        pingInterval: float = 30.0,
        turns: TurnBudget | None = None,
        lineBytes: int = 4096,
    ) -> None:
        self.service = service
        self.clock = clock
        if maxMessageBytes is None:
            body = service.messages.body
            maxMessageBytes = requestBytes(body.maxSize, body.maxLines)
        self.maxMessageBytes = maxMessageBytes
        self.rate = rate
        self.burst = burst
        self.floodLimit = floodLimit
        self.pingInterval = pingInterval
        self.lineBytes = lineBytes
        self.turns = turns
        self.idleTimers = IdleTimers(clock)
        # Counts the frames each flush sends (Outbox.tally): one for all the
        # connections, not a partial of its own in each (~250 bytes).
        self.tally = partial(service.stats.sent, WebParticipant.protocolName)

    def limits(self) -> dict[str, float | None]:
        """
        The limits a page is told in its C{hello}.
        """
        return {"maxMessageBytes": self.maxMessageBytes, "rate": self.rate, "burst": self.burst}

    def pace(self) -> RequestPace:
        """
        A new connection's allowance of requests and pings (C{/ws} and
        C{/socket} alike).
        """
        return RequestPace(self.clock, self.rate, self.burst, self.floodLimit)

    def buildProtocol(self, request: Request) -> WebParticipant:
        address = request.getClientAddress()
        participant = WebParticipant(self, getattr(address, "host", None) or str(address))
        guard = request.channel.transport
        if not isinstance(guard, GuardProtocol):
            raise TypeError("serve WebFactory through chatd.web.guard.GuardedSite (makeSite)")
        participant.guard = guard
        guard.listener = participant
        participant.outbox = guard.startBatching()
        return participant
