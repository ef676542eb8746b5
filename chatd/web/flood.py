# -*- test-case-name: tests.unit.web.test_web_flood,tests.unit.web.test_web_irc -*-
"""
How fast one WebSocket client may send.  Requests and pings alike take from
one token bucket (C{--flood-rate}, C{--flood-burst}): each ping costs a pong,
so unbounded pings were a flood nothing counted (its bytes were finally
taken for one message too large).  A request sending text to others costs
what the same text costs on TCHAT (L{cost}, L{textTokens}): a token per
line, and one more per C{--max-line-length} bytes of a line longer than a
TCHAT line may be, so a 100-line C{say} is 100 lines and one line of 16,384
letters is the 4 or more lines it would take there.  A
client refused more than C{floodLimit} times in a row is flooding, and is
closed as such.  The rule is the same on the page's C{/ws} and on IRC's
C{/socket} (whose lines the IRC front-end's own flood limit paces): L{admit}.
"""

from __future__ import annotations

from typing import Protocol

from twisted.internet.interfaces import IReactorTime

from chatd.core.tokenbucket import TokenBucket
from chatd.lines.throttle import textTokens
from chatd.web.wire import splitText

#: What a refused request or ping is told, and a flooding client at last.
SLOW_DOWN, FLOODING = "too many messages, slow down", "flooding: disconnected"

#: The requests whose C{text} is sent to others, a line of it per token.
TEXT_REQUESTS = frozenset({"say", "tell"})


def cost(request: object, maxLines: int, lineBytes: int) -> int:
    """
    The tokens a parsed C{request} takes: what the text it sends (as its
    handler splits it) costs on TCHAT (L{textTokens}, lines of at most
    C{lineBytes} bytes), at least one; C{maxLines} for one of more lines
    than a message may have (C{--max-body-lines}: it is refused unsent).
    """
    kind = request.get("type") if isinstance(request, dict) else None
    if isinstance(kind, str) and kind in TEXT_REQUESTS:  # any JSON: a list is not hashable
        assert isinstance(request, dict)
        text = request.get("text")
        if isinstance(text, str):
            lines = splitText(text)
            return maxLines if len(lines) > maxLines else textTokens(lines, lineBytes)
    return 1


class RequestPace:
    """
    One connection's allowance of requests and pings (C{burst} C{None}: no
    limit).
    """

    __slots__ = ("bucket", "floodLimit", "refusedInARow")

    def __init__(
        self, clock: IReactorTime, rate: float, burst: float | None, floodLimit: int
    ) -> None:
        self.bucket = None if burst is None else TokenBucket(clock, rate, burst)
        self.floodLimit = floodLimit
        self.refusedInARow = 0

    def refusal(self, tokens: int = 1) -> str | None:
        """
        Take one request or ping, costing C{tokens}: C{None} if it may be
        served now, or what the client is told (L{SLOW_DOWN}, then
        L{FLOODING}: close it).
        """
        if self.bucket is None or self.bucket.take(tokens):
            self.refusedInARow = 0
            return None
        self.refusedInARow += 1
        return FLOODING if self.refusedInARow > self.floodLimit else SLOW_DOWN


class Paced(Protocol):
    """
    A WebSocket connection under a L{RequestPace}, as L{admit} refuses it.
    """

    def refused(self, why: str, request: str | None) -> None:
        """
        Tell the client C{why} (L{SLOW_DOWN} or L{FLOODING}) it was refused the
        C{request} it sent (C{None}: a ping, left unanswered).
        """

    def closeFlooding(self) -> None:
        """
        Close the connection as a flooding one (after what it was told).
        """


def admit(
    pace: RequestPace, connection: Paced, request: str | None = None, tokens: int = 1
) -> bool:
    """
    Whether C{connection}'s C{request} (C{None}: a ping) is served: it takes
    C{tokens} from C{pace} (L{cost}); refused, the client is told, and
    closed once flooding.
    """
    refused = pace.refusal(tokens)
    if refused is None:
        return True
    connection.refused(refused, request)
    if refused == FLOODING:
        connection.closeFlooding()
    return False
