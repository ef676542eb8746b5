# -*- test-case-name: tests.unit.lines.test_closing,tests.unit.web.test_web_lastacts -*-
"""
What a client sent before it closed is carried out, in order.

A client that says it sent all it will (on a line protocol it shuts its
writing side, C{printf ... | nc -q1}: end of file on read,
L{IHalfCloseableProtocol.readConnectionLost}; on the web page's WebSocket,
its close frame) is answered everything it sent before, then the
connection closes.  One whose connection is gone while requests wait (for a
password check, the store, the flood limit or a later turn) has them
carried out all the same, as its last acts, answers dropped; then its
person leaves.  Either is bounded: what was read and no more, within the
C{closeGrace} seconds (C{--close-grace}), after which what is left is
dropped and the session ends.

L{LastActs} is that rule, for any connection that handles what it reads in
order; L{ClientClose} applies it to the line protocols
(L{chatd.lines.lineproto.ChatLineReceiver}), L{chatd.web.socket} to the
web page's WebSocket.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from twisted.internet.interfaces import IDelayedCall, IHalfCloseableProtocol
from zope.interface import implementer

from chatd.core.participant import CONNECTION_CLOSED

if TYPE_CHECKING:
    from collections import deque

    from chatd.lines.factory import ChatFactory

#: The client is still sending.
OPEN = 0
#: The client sent all it will: what it sent is answered, then it closes.
READ_ENDED = 1
#: The connection is gone: what it sent is carried out, answers dropped.
GONE = 2
#: Carried out (or out of time): nothing more is.
DONE = 3


class LastActs:
    """
    The rule: a connection's state since its client closed, and what ends
    it.  A connection calls L{_sentAll} when its client says it sent all it
    will, L{_linger} when the connection is gone, L{_carriedOut} after each
    request it handled, and L{_stopCarrying} when its session ends anyway;
    it tells what waits and how its session ends through the methods that
    raise L{NotImplementedError} here.
    """

    __slots__ = ("_clientClosed", "_carryCall")

    #: L{OPEN}, L{READ_ENDED}, L{GONE} or L{DONE}.
    _clientClosed: int
    #: When what is left is dropped (C{closeGrace} after the close).
    _carryCall: IDelayedCall | None

    def _stillToCarry(self) -> bool:
        """Whether requests read wait to be carried out."""
        raise NotImplementedError()

    def _mayLinger(self) -> bool:
        """Whether the connection has a session whose person may linger."""
        raise NotImplementedError()

    def _graceCall(self, expired: Callable[[], None]) -> IDelayedCall:
        """Call C{expired} once the connection's C{closeGrace} seconds pass."""
        raise NotImplementedError()

    def _dropRest(self) -> None:
        """Out of time: the requests still waiting are not carried out."""
        raise NotImplementedError()

    def _closeAnswered(self) -> None:
        """The client that sent all it will had it answered: close now."""
        raise NotImplementedError()

    def _leave(self) -> None:
        """The gone connection's person leaves (what it sent was carried out)."""
        raise NotImplementedError()

    def _sentAll(self) -> None:
        """
        The client sent all it will: answer what it sent, then close.
        """
        self._clientClosed = READ_ENDED
        self._bound()
        self._carriedOut()

    def _linger(self) -> bool:
        """
        The connection is gone: whether its person stays until the requests
        it sent are carried out (L{_carriedOut} then ends the session).
        """
        if self._clientClosed == DONE or not (self._mayLinger() and self._stillToCarry()):
            return False
        self._clientClosed = GONE
        self._bound()
        return True

    def _bound(self) -> None:
        if self._carryCall is None:
            self._carryCall = self._graceCall(self._outOfTime)

    def _carriedOut(self) -> None:
        """
        Called once requests were handled: if the client closed and nothing
        it sent waits any more, the session ends.
        """
        if self._clientClosed in (OPEN, DONE) or self._stillToCarry():
            return
        self._end()

    def _outOfTime(self) -> None:
        self._carryCall = None
        self._dropRest()
        self._end()

    def _end(self) -> None:
        state = self._stopCarrying()
        if state == READ_ENDED:
            self._closeAnswered()
        elif state == GONE:
            self._leave()

    def _stopCarrying(self) -> int:
        """
        Nothing more is carried out (the session ends); what the client's
        close had made of the connection before (L{OPEN}, L{READ_ENDED},
        L{GONE} or L{DONE}).
        """
        state, self._clientClosed = self._clientClosed, DONE
        if self._carryCall is not None:
            if self._carryCall.active():
                self._carryCall.cancel()
            self._carryCall = None
        return state

    def _gone(self) -> bool:
        """Whether the connection is gone while its requests are carried out."""
        return self._clientClosed == GONE


@implementer(IHalfCloseableProtocol)
class ClientClose(LastActs):
    """
    L{LastActs} for L{chatd.lines.lineproto.ChatLineReceiver}: its lines,
    and the half-close.
    """

    factory: ChatFactory
    closeReason: str
    _pending: deque[Any] | None
    _blocked: bool
    _yielded: bool
    _admitted: bool
    _closeCall: IDelayedCall | None

    def closeWith(self, reason: str) -> None:
        raise NotImplementedError()

    def _release(self) -> None:
        raise NotImplementedError()

    def readConnectionLost(self) -> None:
        """
        The client sent all it will: answer what it sent, then close.
        """
        if self._clientClosed != OPEN or self._closeCall is not None:
            return  # (or the server is closing it already)
        self.factory.idleTimers.discard(self)  # type: ignore[arg-type]  # it cannot answer a probe
        self._sentAll()

    def writeConnectionLost(self) -> None:
        """
        Nothing more can be sent (chatd never shuts its writing side alone).
        """

    def _stillToCarry(self) -> bool:
        return bool(self._pending) or self._blocked or self._yielded

    def _mayLinger(self) -> bool:
        return self._admitted

    def _graceCall(self, expired: Callable[[], None]) -> IDelayedCall:
        return self.factory.clock.callLater(self.factory.closeGrace, expired)

    def _dropRest(self) -> None:
        if self._pending:
            self._pending.clear()

    def _closeAnswered(self) -> None:
        self.closeWith(CONNECTION_CLOSED)  # which stops carrying

    def _leave(self) -> None:
        if self._admitted:
            self._admitted = False
            self.factory.service.disconnect(self, self.closeReason)  # type: ignore[arg-type]
        self._release()
