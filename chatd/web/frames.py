# -*- test-case-name: tests.unit.web.test_web_frames,tests.unit.web.test_web_output,tests.unit.web.test_web_lastacts -*-  # noqa: E501
"""
The page's WebSocket (C{/ws}) read a frame at a time, as far as the turn
budget and the participant allow.

Twisted's own wire protocol hands wsproto every read and parses all the
frames in it before the participant sees the first: under saturation a
sender's read of dozens of requests was all parsed in the turn, after the
budget was spent (L{chatd.lines.turnbudget}).  wsproto parses lazily (its
C{events()} is a generator over the bytes it buffers), so L{FrameReader}
takes one event at a time, only while the participant is L{ready
<PacedReceiver.ready>} and the turn has budget: the rest stays in wsproto's
buffer, the socket stops being read, and a later turn's share goes on
(docs/dev/decisions/websocket-frame-reader.md).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, Protocol

from twisted.internet.interfaces import IProtocol
from twisted.python.failure import Failure
from twisted.web.resource import Resource
from twisted.web.server import NOT_DONE_YET, Request
from wsproto.connection import Connection, ConnectionState
from wsproto.events import (
    AcceptConnection,
    BytesMessage,
    CloseConnection,
    Event,
    Ping,
    Pong,
    TextMessage,
)
from wsproto.frame_protocol import CloseReason
from zope.interface import implementer

from chatd.lines.turnbudget import LIGHT, TurnBudget
from chatd.web.eventlist import lightenQueue
from chatd.web.handshake import startHandshake

if TYPE_CHECKING:
    from chatd.web.guard import GuardProtocol


class PacedReceiver(Protocol):
    """
    What a L{FrameReader} hands messages to (Twisted's C{WebSocketProtocol},
    and whether it takes the next one now).
    """

    def ready(self) -> bool:
        """
        Whether the next message may be handed over now; once C{False}
        (an answer is awaited), the receiver calls L{FrameReader.resume}.
        """

    def negotiationStarted(self, transport: FrameReader) -> None: ...
    def negotiationFinished(self) -> None: ...
    def textMessageReceived(self, message: str) -> None: ...
    def bytesMessageReceived(self, data: bytes | bytearray) -> None: ...
    def pingReceived(self) -> bool:
        """
        Whether to answer the ping just read (a flood of them is refused).
        """

    def closeAhead(self) -> None:
        """
        The client's close frame was read behind messages still to be
        handed over: it sent all it will (L{chatd.lines.closing}).
        """

    def closeReceived(self) -> bool:
        """
        The client's close frame was handed over (all before it was):
        whether the receiver answers it itself, once what it was handed is
        answered (L{chatd.lines.closing}), by L{FrameReader.loseConnection}.
        C{False}: the close is answered now.
        """

    def frameRefused(self, code: int, reason: str | None) -> bool:
        """
        The client sent a frame it may not (RFC 6455: a protocol error),
        after all it sent before was handed over: whether the receiver
        answers that first, as it answers a close frame (L{closeReceived}),
        then closes with C{code} and C{reason}, by L{FrameReader.loseConnection}.
        C{False}: the close is sent now.  (wsproto parses nothing after it.)
        """

    def pongReceived(self, payload: bytes) -> None: ...
    def connectionLost(self, reason: Failure) -> None: ...


class ReceiverFactory(Protocol):
    """
    What L{PacedWebSocketResource} builds receivers with (L{chatd.web.factory.WebFactory}).
    """

    turns: TurnBudget | None

    def buildProtocol(self, request: Request) -> PacedReceiver: ...


@implementer(IProtocol)
class FrameReader:
    """
    One WebSocket connection's wire side: wsproto's C{connection} in, events
    to C{receiver} one at a time (pings and the close handshake answered
    here, as Twisted does), while C{turns} and the receiver allow.

    @ivar guard: the connection underneath, which reads and writes.
    """

    def __init__(
        self,
        connection: Connection,
        receiver: PacedReceiver,
        guard: GuardProtocol,
        turns: TurnBudget | None,
    ) -> None:
        self.connection = connection
        self.receiver = receiver
        self.guard = guard
        self.turns = turns
        lightenQueue(connection)
        # The parse under way (a wsproto generator), and events parsed ahead
        # to tell a light connection from a busy one.
        self._events: Iterator[Event] | None = None
        self._ahead: deque[Event] | None = None
        self._parts: list[Any] = []  # a fragmented message's frames so far
        self._waiting = False  # for a share of a later turn
        self._paused = False
        self._lost = False  # the connection is gone: what was read may still be handed over
        self._closeAhead = False  # the receiver was told of a close frame parsed ahead
        #: The client's close frame was parsed ahead (before its connection went).
        self.closeRead = False

    # IProtocol (what the HTTP channel hands the upgraded connection to)

    def makeConnection(self, transport: object) -> None:
        self.connectionMade()

    def connectionMade(self) -> None:
        self.receiver.negotiationStarted(self)

    def dataReceived(self, data: bytes) -> None:
        self.connection.receive_data(data)
        if not self._waiting:
            self._read()

    def connectionLost(self, reason: Failure) -> None:
        """
        What the client sent before its connection went, up to its close
        frame, is parsed: the receiver may still take it (L{unread}).
        """
        self._lost = True
        ahead = self._parseRest()
        sent = []
        for event in ahead:
            if isinstance(event, CloseConnection):
                self.closeRead = True
                break
            sent.append(event)
        self._ahead = deque(sent) if sent else None
        self._events = None
        self.receiver.connectionLost(reason)
        if self.receiver.ready() and not self._waiting:
            self._read()

    # What the receiver may call

    def resume(self) -> None:
        """
        The receiver is ready again (its answer went out): go on reading.
        """
        if not self._waiting:
            self._read()

    def unread(self) -> bool:
        """
        Whether events parsed ahead wait to be handed over: once the
        connection is gone, or a close frame was parsed ahead
        (L{PacedReceiver.closeAhead}), all that the client sent.
        """
        return bool(self._ahead)

    def dropUnread(self) -> None:
        """
        What was read and not handed over is not, ever (the client's time
        to have it carried out ran out).
        """
        self._ahead = self._events = None
        self._parts = []

    def ping(self, payload: bytes = b"") -> None:
        self.guard.write(self.connection.send(Ping(payload)))

    def loseConnection(self, code: int = 1000, reason: str = "") -> None:
        self.guard.write(self.connection.send(CloseConnection(code, reason)))
        self.guard.loseConnection()

    # Reading

    def _read(self, share: bool = False) -> bool:
        """
        Hand events over while the receiver is ready and the turn (in a
        C{share}: the share) has budget.  C{True}: more are left for this
        connection's next share.
        """
        turns, handled = self.turns, False
        while self.receiver.ready():
            if share:
                if handled and turns is not None and turns.shareSpent():
                    return True
            elif turns is not None and turns.spent():
                self._waitForTurn(turns)
                return False
            event = self._next()
            if event is None:
                self._caughtUp(share)
                return False
            self._handle(event)
            handled = True
        self._lookAhead()
        self._pauseReading()  # until the receiver resumes us
        return False

    def _next(self) -> Event | None:
        ahead = self._ahead
        if ahead:
            event = ahead.popleft()
            if not ahead:
                self._ahead = None
            return event
        return self._parse()

    def _lookAhead(self) -> None:
        """
        The receiver awaits an answer: parse a few of the events read after
        (at most L{LIGHT} and one ahead, as L{_waitForTurn}: the budget's
        saving stands), to learn of the close frame of a client that sent a
        request or two and closed (a page, a bot).
        """
        if self._lost or self._closeAhead:
            return
        ahead = self._ahead or deque()
        while len(ahead) <= LIGHT and (event := self._parse()) is not None:
            ahead.append(event)
        if ahead:
            self._ahead = ahead
            if any(isinstance(event, CloseConnection) for event in ahead):
                self._closeAhead = self.closeRead = True
                self.receiver.closeAhead()

    def _parseRest(self) -> deque[Event]:
        """
        The events parsed ahead, and all that the bytes read hold after them
        (the connection is gone: they are all there is to carry out).
        """
        ahead = self._ahead or deque()
        while (event := self._parse()) is not None:
            ahead.append(event)
        return ahead

    def _parse(self) -> Event | None:
        events = self._events
        if events is None:
            events = self._events = self.connection.events()
        event = next(events, None)
        if event is None:
            self._events = None
        return event

    def _caughtUp(self, share: bool = False) -> None:
        """
        Everything read is handled: the answers go this turn (in a later
        turn's C{share}, which is before the turn's reads and flush: now),
        and the socket is read again.
        """
        if self._lost:
            return
        self._resumeReading()
        outbox = self.guard.outbox
        if share and outbox is not None:
            outbox.flush()  # it waited a turn already, not one more
        else:
            self.guard.hurry()

    def _waitForTurn(self, turns: TurnBudget) -> None:
        """
        Past the budget: parse at most L{LIGHT} events more, to tell a
        connection with a request or two (served first) from a busy one,
        keep the rest unparsed, and stop reading until a later turn.
        """
        ahead = self._ahead or deque()
        more = True
        while more and len(ahead) <= LIGHT:
            event = self._parse()
            more = event is not None
            if event is not None:
                ahead.append(event)
        if not ahead:
            self._caughtUp()
            return
        self._ahead = ahead
        self._waiting = True
        self._pauseReading()
        turns.wait(self._share, not more)

    def _share(self) -> bool:
        """
        A later turn's share (L{TurnBudget.wait}).
        """
        self._waiting = False
        self._waiting = self._read(share=True)
        return self._waiting

    def _handle(self, event: Event) -> None:
        receiver = self.receiver
        if isinstance(event, TextMessage | BytesMessage):
            if not event.message_finished:
                self._parts.append(event.data)
                return
            data: Any = event.data
            if self._parts:
                data = data[:0].join([*self._parts, data])
                self._parts = []
            if isinstance(event, TextMessage):
                receiver.textMessageReceived(data)
            else:
                receiver.bytesMessageReceived(data)
        elif isinstance(event, Ping):
            # (Not after a close frame parsed ahead: the answer to that is the last.)
            if receiver.pingReceived() and self.connection.state == ConnectionState.OPEN:
                self.guard.write(self.connection.send(event.response()))
        elif isinstance(event, Pong):
            receiver.pongReceived(event.payload)
        elif isinstance(event, CloseConnection):
            if self.connection.state == ConnectionState.REMOTE_CLOSING and receiver.closeReceived():
                self.closeRead = True
                return  # answered with the receiver's own close, after its answers
            if self.connection.state == ConnectionState.OPEN:  # wsproto refused what it read
                event = CloseConnection(event.code, _plainReason(event.code, event.reason))
                if receiver.frameRefused(event.code, event.reason):
                    return  # closed by the receiver, after its answers
            if self.connection.state != ConnectionState.CLOSED:
                self.guard.write(self.connection.send(event.response()))
            self.guard.loseConnection()

    def _pauseReading(self) -> None:
        if not self._paused and not self._lost:
            self._paused = True
            self.guard.pauseReading()

    def _resumeReading(self) -> None:
        if self._paused:
            self._paused = False
            self.guard.resumeReading()


def _plainReason(code: int, reason: str | None) -> str | None:
    """
    The reason a close for a frame wsproto refused gives: for bytes that
    are not UTF-8, plain words rather than Python's decoder message (which
    says where, in which codec); wsproto's own words for the rest.
    """
    if code == CloseReason.INVALID_FRAME_PAYLOAD_DATA:
        return "invalid UTF-8 in a frame"
    return reason


class PacedWebSocketResource(Resource):
    """
    Accepts WebSocket handshakes as Twisted's C{WebSocketResource} does, and
    reads each connection with a L{FrameReader}.
    """

    def __init__(self, factory: ReceiverFactory) -> None:
        super().__init__()
        self.factory = factory

    def render_GET(self, request: Request) -> bytes | int:
        handshake = startHandshake(request)
        if isinstance(handshake, bytes):
            return handshake
        receiver = self.factory.buildProtocol(request)
        accept = handshake.send(AcceptConnection())
        connection = handshake.connection
        guard: Any = request.channel.transport
        assert connection is not None and guard is not None
        reader = FrameReader(connection, receiver, guard, self.factory.turns)
        request.channel._protocolUpgradeForWebsockets(reader)
        guard.write(accept)
        receiver.negotiationFinished()
        return NOT_DONE_YET
