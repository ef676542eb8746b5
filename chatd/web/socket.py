# -*- test-case-name: tests.unit.web.test_web,tests.unit.web.test_web_paced,tests.unit.web.test_web_hello,tests.unit.web.test_web_lastacts -*-  # noqa: E501
"""
The WebSocket participant: JSON requests in, service calls, JSON replies and
events out.  The message format is in C{docs/WEB.md}; the encoders are in
L{chatd.web.wire}.

A request is C{{"type": "join", "room": "lobby", "id": 7}}; its reply has the
same C{type} and C{id} plus the result, or is an C{error} frame with the TCHAT
code.  Requests are answered in order: while one waits for the service (a
password check, a store write), later ones wait unread, and under saturation
they wait for a later reactor turn once the turn's budget is spent (the
daemon's L{chatd.lines.turnbudget.TurnBudget}, as the line front-ends do):
the connection's L{chatd.web.frames.FrameReader} hands them over one at a
time, when L{WebParticipant.ready} and the budget allow.  What a client
sent before it closed (a close frame behind waiting requests, or a
connection gone) is carried out all the same, by the line protocols' rule
(L{chatd.lines.closing}).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from twisted.internet.interfaces import IDelayedCall
from twisted.python.failure import Failure
from wsproto.utilities import LocalProtocolError
from zope.interface import implementer

from chatd.core.ctcp import hasText
from chatd.core.errors import ChatError, InvalidArgument
from chatd.core.events import (
    Membership,
    Notice,
    PrivateMessage,
    Redaction,
    Rename,
)
from chatd.core.interfaces import IParticipant
from chatd.core.participant import CONNECTION_CLOSED
from chatd.lines.closing import OPEN, LastActs
from chatd.lines.outbox import Outbox
from chatd.lines.roomhold import RoomHold
from chatd.web import wire
from chatd.web.closecodes import (
    CLOSE_GOING_AWAY,
    CLOSE_NORMAL,
    CLOSE_POLICY,
    CLOSE_TOO_BIG,
    refusalClose,
)
from chatd.web.dispatch import dispatch, guarded, parse, refusal
from chatd.web.flood import admit, cost
from chatd.web.guard import GuardProtocol
from chatd.web.output import PageOutput

if TYPE_CHECKING:
    from chatd.web.factory import WebFactory
    from chatd.web.frames import FrameReader
from chatd.web.replay import ReplayMarks

#: Seconds a client that closed has for what it sent (the site's C{closeGrace} when known).
CLOSE_GRACE = 10.0


@implementer(IParticipant)
class WebParticipant(LastActs, PageOutput):
    """
    One browser tab (or any WebSocket client) as a chat participant.

    @ivar transport: the connection's frame reader, once negotiation starts.
    @ivar guard: the connection under the WebSocket layer, with its byte
        counters (L{chatd.web.guard.GuardedSite}); frames are written to it.
    @ivar outbox: the guard's L{Outbox}, where the fan-out writes directly.
    """

    protocolName = "web"

    # One per connection: slots instead of a dict (the rooms' weak references included).
    __slots__ = (
        "factory",
        "service",
        "address",
        "nick",
        "transport",
        "_pace",
        "_busy",
        "guard",
        "outbox",
        "replay",
        "held",
        "_open",
        "_closeReason",
        "_ended",
        "_admitted",
        "_awaitingPong",
        "lastHeard",
        "__weakref__",
    )

    def __init__(self, factory: WebFactory, address: str) -> None:
        self.factory = factory
        self.service = factory.service
        self.address = address
        self.nick: str | None = None
        self.transport: FrameReader | None = None
        self.guard: GuardProtocol | None = None
        self.outbox: Outbox | None = None
        self._pace = factory.pace()
        self._busy = False  # a request waits for the service
        self._open = False
        self._closeReason = ""
        self._ended = False
        self._admitted = False  # service.connect took it: it has a session to end
        self._clientClosed, self._carryCall = OPEN, None  # chatd.lines.closing
        self._awaitingPong = False
        self.lastHeard = factory.clock.seconds()  # the last frame read (chatd.core.activity)
        # What the page has of each room's past (chatd.web.replay), once named.
        self.replay: ReplayMarks | None = None
        # Rooms being entered: their live frames, held for the replay (holdRoom).
        self.held: RoomHold[tuple[bytes, int]] = RoomHold(factory.clock, self._sendHeld)

    # WebSocketProtocol

    def negotiationStarted(self, transport: FrameReader) -> None:
        self.transport = transport
        if self.guard is not None:  # Twisted's transport is also what reads the frames
            self.guard.upgraded(transport)

    def negotiationFinished(self) -> None:
        self._open = True
        if (outbox := self.outbox) is not None:  # frames from here on, not the handshake
            outbox.countWrites(self.factory.tally)
        # Over an admission limit (chatd.web.admit), or refused by the service
        # (ServerFull, a banned address): said, then closed.
        refusal = self.guard.refusal if self.guard is not None else None
        if refusal is None:
            try:
                self.service.connect(self)
            except ChatError as error:
                refusal = error
        if refusal is not None:
            self._send(wire.errorFrame(refusal))
            self.close(*refusalClose(refusal))  # 1013: the page waits longer
            return
        self._admitted = True
        hello = {
            "type": "hello",
            "server": "chatd",
            "limits": self.factory.limits(),
            "guests": bool(self.service.admitsGuests),  # the login form's password note
        }
        self._send(wire.dumps(hello))
        self._scheduleKeepalive()

    def textMessageReceived(self, message: str) -> None:
        self._messageComplete()
        if self._reading():
            guarded(self, self._handleText, message)

    def _handleText(self, message: str) -> None:
        limit = self.factory.maxMessageBytes
        if len(message) * 4 > limit and len(message.encode("utf-8")) > limit:  # bytes, not letters
            self._send(self._tooLarge())
            return
        request = parse(message)  # text sent costs what it would on TCHAT (chatd.web.flood)
        tokens = cost(request, self.service.messages.body.maxLines, self.factory.lineBytes)
        if not admit(self._pace, self, message, tokens):
            return
        pending = dispatch(self, request)
        if pending is not None:
            self._busy = True
            pending.addBoth(self._answered)
        else:
            self._carriedOut()

    def ready(self) -> bool:
        """
        See L{chatd.web.frames.PacedReceiver.ready}: the last request's
        answer went out (requests are answered in order).
        """
        return not self._busy and self._reading()

    def _reading(self) -> bool:
        """
        Whether requests are handled: while open, and once the connection is
        gone, those it sent before (L{chatd.lines.closing}).
        """
        return self._open or self._gone()

    def bytesMessageReceived(self, data: bytes | bytearray) -> None:
        self._messageComplete()
        self._send(wire.errorFrame(InvalidArgument("binary frames are not supported: send JSON")))

    def pingReceived(self) -> bool:
        """A ping takes from the requests' allowance: refused, it is not answered."""
        self._messageComplete()
        return self._open and admit(self._pace, self)

    def refused(self, why: str, request: str | None) -> None:
        """See L{chatd.web.flood.Paced.refused}: an error frame (a request's, with its id)."""
        error = InvalidArgument(why)
        self._send(wire.errorFrame(error) if request is None else refusal(error, request))

    def closeFlooding(self) -> None:
        self.close(CLOSE_POLICY, "flood")

    def pongReceived(self, payload: bytes) -> None:
        self._messageComplete()
        self._awaitingPong = False

    def closeAhead(self) -> None:
        """
        See L{chatd.web.frames.PacedReceiver.closeAhead}: what the client
        sent before its close frame is answered, then the close
        (L{chatd.lines.closing}); within C{closeGrace}.
        """
        if self._open and self._admitted and self._clientClosed == OPEN:
            self._closeReason = self._closeReason or "quit"
            self.factory.idleTimers.discard(self)  # it sends no pong after its close
            self._sentAll()

    def closeReceived(self) -> bool:
        """
        See L{chatd.web.frames.PacedReceiver.closeReceived}: no, what was
        handed over is answered already (L{ready}).
        """
        return False

    def frameRefused(self, code: int, reason: str | None) -> bool:
        """
        See L{chatd.web.frames.PacedReceiver.frameRefused}: no, what was
        handed over is answered already (L{ready}).
        """
        return False

    def connectionLost(self, reason: Failure) -> None:
        self._open = False
        self.factory.idleTimers.discard(self)
        if not self._closeReason:  # without a close frame answered (a quit: L{closing})
            closed = self.transport is not None and self.transport.closeRead
            self._closeReason = "quit" if closed else CONNECTION_CLOSED
        if self._linger():
            return  # its person leaves once what it sent is carried out
        self._stopCarrying()
        self._leave()

    def closing(self) -> None:
        """
        See L{chatd.web.guard.GuardListener.closing}: a closing connection's
        session ends at once (the rooms are told, the nickname is free).
        """
        self._open = False
        self._stopCarrying()
        self._closeReason = self._closeReason or "quit"
        self._leave()

    # What the client sent before it closed (chatd.lines.closing)

    def _stillToCarry(self) -> bool:
        return self._busy or (self.transport is not None and self.transport.unread())

    def _mayLinger(self) -> bool:
        return self._admitted and not self._ended

    def _graceCall(self, expired: Callable[[], None]) -> IDelayedCall:
        grace = self.guard.factory.closeGrace if self.guard is not None else CLOSE_GRACE
        return self.factory.clock.callLater(grace, expired)

    def _dropRest(self) -> None:
        if self.transport is not None:
            self.transport.dropUnread()

    def _closeAnswered(self) -> None:
        self.close(CLOSE_NORMAL, "quit")

    def _leave(self) -> None:
        if not self._ended:
            self._ended = True
            self.service.disconnect(self, self._closeReason)

    # Requests

    def _answered(self, ignored: object) -> None:
        self._busy = False
        if self.transport is not None:
            self.transport.resume()
        self._carriedOut()

    # IParticipant

    def privateMessage(self, event: PrivateMessage) -> None:
        if hasText(event):  # not one of tags only, nor CTCP
            self._send(event.wire(wire.encodePrivateMessage))

    def membershipChanged(self, event: Membership) -> None:
        self._send(event.wire(wire.encodeMembership))

    def renamed(self, event: Rename) -> None:
        self._send(event.wire(wire.encodeRename))

    def notice(self, event: Notice) -> None:
        for frame in wire.noticeFrames(event, self.nick):
            self._send(frame)

    def messageRedacted(self, event: Redaction) -> None:
        self._send(event.wire(wire.encodeRedaction))

    def disconnect(self, error: ChatError) -> None:
        self._send(wire.dumps({"type": "bye", "code": error.code, "text": error.text}))
        self.close(CLOSE_NORMAL, error.text)

    # Output, closing, limits and keepalive

    def sendFrame(self, frame: bytes) -> None:
        """Send one frame from L{chatd.web.wire} (for request modules' pushes)."""
        self._send(frame)

    def _send(self, frame: bytes) -> None:
        """
        Write one frame from L{chatd.web.wire} straight to the connection:
        frames are built once per event, not once per recipient by the
        WebSocket library.
        """
        guard = self.guard
        if not self._open or guard is None:
            return
        if guard.disconnecting:
            # The peer's close frame arrived and was answered; connectionLost
            # follows.  Nothing more can be said on this connection.
            self._open = False
            return
        guard.write(frame)

    def outputStalled(self) -> None:
        self._open = False
        self._closeReason = "slow reader"

    def close(self, code: int, reason: str) -> None:
        """
        Close with WebSocket status C{code}; C{reason} is what the service
        (and the disconnect metrics) are told.
        """
        if self._gone():  # what it sent before its connection went ends its session
            self._closeReason = reason
            self._stopCarrying()
            self._leave()
            return
        if not self._closeReason:
            self._closeReason = reason
        if self._open and self.transport is not None:
            self._open = False
            try:
                self.transport.loseConnection(code)
            except LocalProtocolError:
                pass

    def _messageComplete(self) -> None:
        self.lastHeard = self.factory.clock.seconds()
        if self.guard is not None:
            self.guard.messageComplete()

    def _tooLarge(self) -> bytes:
        limit = self.factory.maxMessageBytes
        return wire.errorFrame(InvalidArgument(f"message too large (at most {limit} bytes)"))

    def inputTooLarge(self) -> None:
        self._send(self._tooLarge())
        self.close(CLOSE_TOO_BIG, "refused: message too large")

    def _scheduleKeepalive(self) -> None:
        # One shared timer for all connections (chatd.lines.idle): a DelayedCall
        # each cost ~460 bytes per idle connection.
        self.factory.idleTimers.add(self, self.factory.pingInterval)

    def checkIdle(self) -> None:
        """
        The keepalive timer: ping, or close a client that did not answer the
        last ping.
        """
        if not self._open or self.transport is None:
            return
        if self._busy:  # nothing is read while an answer is awaited, a pong neither:
            self._awaitingPong = False  # it is judged again once answered, and
            self._send(wire.STILL_WAITING)  # the page hears that its answer is coming
        elif self._awaitingPong:
            self.close(CLOSE_GOING_AWAY, "timeout: no pong")
            return
        else:
            self._awaitingPong = True
            try:
                self.transport.ping(b"chatd")
            except LocalProtocolError:
                return
        self._scheduleKeepalive()
