# -*- test-case-name: tests.unit.lines.test_closing -*-
"""
What a client sent before it closed is carried out, in order.

A client that shuts its writing side (C{printf ... | nc -q1}: end of file
on read, L{IHalfCloseableProtocol.readConnectionLost}) is answered every
line already read, then the connection closes.  One whose connection is gone
while lines wait (for a password check, the store, the flood limit or a
later turn) has them carried out all the same, as its last acts, answers
dropped; then its person leaves.  Either is bounded: the lines already read
and no more, within the factory's C{closeGrace} seconds, after which what
is left is dropped and the session ends.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from twisted.internet.interfaces import IDelayedCall, IHalfCloseableProtocol
from zope.interface import implementer

from chatd.core.participant import CONNECTION_CLOSED

if TYPE_CHECKING:
    from collections import deque

    from chatd.lines.factory import ChatFactory

#: The client is still sending.
OPEN = 0
#: The client shut its writing side: what it sent is answered, then it closes.
READ_ENDED = 1
#: The connection is gone: what it sent is carried out, answers dropped.
GONE = 2
#: Carried out (or out of time): nothing more is.
DONE = 3


@implementer(IHalfCloseableProtocol)
class ClientClose:
    """
    The half-close and the linger of L{chatd.lines.lineproto.ChatLineReceiver}.
    """

    factory: ChatFactory
    closeReason: str
    _pending: deque[Any] | None
    _blocked: bool
    _yielded: bool
    _admitted: bool
    _closeCall: IDelayedCall | None
    #: L{OPEN}, L{READ_ENDED}, L{GONE} or L{DONE}.
    _clientClosed: int
    #: When what is left is dropped (L{ChatFactory.closeGrace} after the close).
    _carryCall: IDelayedCall | None

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
        self._clientClosed = READ_ENDED
        self.factory.idleTimers.discard(self)  # type: ignore[arg-type]  # it cannot answer a probe
        self._bound()
        self._carriedOut()

    def writeConnectionLost(self) -> None:
        """
        Nothing more can be sent (chatd never shuts its writing side alone).
        """

    def _stillToCarry(self) -> bool:
        """Whether lines read wait to be carried out."""
        return bool(self._pending) or self._blocked or self._yielded

    def _linger(self) -> bool:
        """
        The connection is gone: whether its person stays until the lines
        it sent are carried out (L{_carriedOut} then ends the session).
        """
        if self._clientClosed == DONE or not (self._admitted and self._stillToCarry()):
            return False
        self._clientClosed = GONE
        self._bound()
        return True

    def _bound(self) -> None:
        if self._carryCall is None:
            self._carryCall = self.factory.clock.callLater(self.factory.closeGrace, self._outOfTime)

    def _carriedOut(self) -> None:
        """
        Called once lines were handled: if the client closed and nothing it
        sent waits any more, the session ends.
        """
        if self._clientClosed in (OPEN, DONE) or self._stillToCarry():
            return
        self._end()

    def _outOfTime(self) -> None:
        self._carryCall = None
        if self._pending:
            self._pending.clear()
        self._end()

    def _end(self) -> None:
        if self._clientClosed == READ_ENDED:
            self.closeWith(CONNECTION_CLOSED)  # which stops carrying
        elif self._stopCarrying() == GONE:
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

    def _leave(self) -> None:
        """The gone connection's person leaves (its lines were carried out)."""
        if self._admitted:
            self._admitted = False
            self.factory.service.disconnect(self, self.closeReason)  # type: ignore[arg-type]
        self._release()

    def _gone(self) -> bool:
        """Whether the connection is gone while its lines are carried out."""
        return self._clientClosed == GONE
