# -*- test-case-name: tests.unit.web.test_web_irc,tests.unit.web.test_web_reservedopcodes -*-
"""
IRC over WebSocket (the IRCv3 WebSocket specification) on the web listener,
for browser IRC clients such as gamja and Kiwi IRC.

The IRC front-end runs unchanged: L{IRCWebSocket} is a thin adapter that is
at once the WebSocket protocol Twisted calls and the transport the IRC
protocol writes to.  Each WebSocket message the client sends is fed to the
IRC protocol as one line; each line the IRC protocol writes (CR LF ended)
leaves as one WebSocket message, without its CR LF.  The subprotocol is
negotiated as the specification asks: C{binary.ircv3.net} (binary messages)
or C{text.ircv3.net} (text messages, UTF-8), the client's first choice that
chatd knows; a client that asks for neither gets text messages, and either
kind of message is read from any client.

Everything under the WebSocket layer is the web front-end's, shared with
the page's own WebSocket: the Origin check (L{chatd.web.site.OriginCheck}),
the admission at the handshake (L{chatd.web.admit}), the byte limits
(L{chatd.web.guard}), the frames read (L{chatd.web.frames.FrameReader}) and
written (L{chatd.web.wire.frame}),
and the flood rule for WebSocket pings (L{chatd.web.flood}; IRC lines, PING
commands included, are paced by the IRC front-end's own flood limit).
Twisted's L{WebSocketResource} accepts no subprotocol, so
L{IRCWebSocketResource} repeats its C{render_GET} with one
(docs/dev/decisions/irc-websocket-subprotocol.md).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from twisted.internet.error import ConnectionDone
from twisted.internet.interfaces import IAddress, IPushProducer, ITransport
from twisted.python.failure import Failure
from twisted.web.resource import Resource
from twisted.web.server import NOT_DONE_YET, Request
from wsproto.events import AcceptConnection
from wsproto.events import Request as HandshakeRequest
from wsproto.utilities import LocalProtocolError
from zope.interface import implementer

from chatd.core.errors import ChatError, InvalidArgument
from chatd.lines.lineproto import ChatLineReceiver
from chatd.web import wire
from chatd.web.closecodes import CLOSE_NORMAL, CLOSE_POLICY, CLOSE_TOO_BIG, refusalClose
from chatd.web.flood import FLOODING, RequestPace, admit
from chatd.web.frames import FrameReader
from chatd.web.guard import GuardProtocol
from chatd.web.handshake import startHandshake

if TYPE_CHECKING:
    from chatd.irc.listener import IRCListener

#: The subprotocols of the IRCv3 WebSocket specification.
BINARY, TEXT = "binary.ircv3.net", "text.ircv3.net"

#: Where the endpoint is served: gamja's default (C{server.url}), and what
#: Kiwi IRC is told with C{direct_path}.
PATH = b"socket"


def chooseSubprotocol(offered: list[str]) -> str | None:
    """
    The first of the subprotocols a client C{offered} (in its order of
    preference) that chatd speaks, or C{None}.
    """
    for name in offered:
        if name in (BINARY, TEXT):
            return name
    return None


@implementer(ITransport)
class IRCWebSocket:
    """
    One IRC client over WebSocket: the WebSocket protocol for Twisted, the
    transport for the IRC protocol, the listener of its connection's guard.

    @ivar subprotocol: what was negotiated (C{None}: nothing; text frames).
    @ivar irc: the IRC protocol, once the handshake is complete.
    """

    #: The web listener's admission counted this connection already: the
    #: IRC protocol does not count it again (L{chatd.lines.lineproto}).
    admitted = True

    def __init__(
        self,
        listener: IRCListener,
        guard: GuardProtocol,
        subprotocol: str | None,
        pace: RequestPace,
    ) -> None:
        self.listener = listener
        self.guard = guard
        self.subprotocol = subprotocol
        self.pace = pace
        self.first = wire.BINARY if subprotocol == BINARY else wire.TEXT
        self.irc: ChatLineReceiver | None = None
        self.websocket: FrameReader | None = None
        self.producer: IPushProducer | None = None
        self.disconnecting = False
        self._partial = b""
        self._closeCode = CLOSE_NORMAL
        self._closeText = ""  # the close frame's reason
        self._lost = False

    @property
    def refusal(self) -> ChatError | None:
        """
        Why the web listener's admission turned this connection away
        (L{chatd.web.admit}): the IRC protocol says it and closes.
        """
        return self.guard.refusal

    # The WebSocket side (L{chatd.web.frames.PacedReceiver})

    def negotiationStarted(self, transport: FrameReader) -> None:
        self.websocket = transport
        self.guard.upgraded(transport)

    def ready(self) -> bool:
        """
        Always: the IRC protocol paces its lines itself (its flood limit,
        the turn's budget; L{pauseProducing}).
        """
        return True

    def negotiationFinished(self) -> None:
        """
        The handshake is answered: the IRC connection starts (and, turned
        away by the listener's admission, says why and closes as C{/ws}
        does: L{chatd.web.closecodes.refusalClose}).
        """
        if self.refusal is not None:
            self._closeCode, self._closeText = refusalClose(self.refusal)
        irc = self.listener.buildProtocol(self.getPeer())
        assert isinstance(irc, ChatLineReceiver)
        self.irc = irc
        irc.makeConnection(self)

    def textMessageReceived(self, message: str) -> None:
        self.lineReceived(message.encode("utf-8"))

    def bytesMessageReceived(self, data: bytes | bytearray) -> None:
        self.lineReceived(bytes(data))

    def lineReceived(self, line: bytes) -> None:
        """
        One message is one line, without its CR LF.  The IRC protocol's own
        framing reads it (a message holding CR or LF is several lines, as
        over TCP), and its limits apply: a line too long gets 417.
        """
        self.guard.messageComplete()
        if self.irc is not None and not self._lost:
            self.irc.dataReceived(line + b"\n")

    def pingReceived(self) -> bool:
        """A ping takes from the connection's allowance (L{chatd.web.flood})."""
        self.guard.messageComplete()
        return self.irc is not None and not self._lost and admit(self.pace, self)

    def pongReceived(self, payload: bytes) -> None:
        self.guard.messageComplete()

    def closeAhead(self) -> None:
        """
        Never called: always L{ready}, nothing is parsed ahead (the close
        frame comes to L{closeReceived}).
        """

    def closeReceived(self) -> bool:
        """
        The client's close frame is its half-close: the IRC protocol
        answers the lines it read, then closes (C{ERROR}, then the close
        frame), within C{closeGrace} (L{chatd.lines.closing}).
        """
        if self.irc is None or self._lost or self.disconnecting:
            return False
        self.irc.readConnectionLost()
        return True

    def frameRefused(self, code: int, reason: str | None) -> bool:
        """
        A frame the client may not send ends what it sends, as its close
        frame does (L{closeReceived}): the lines it sent before are
        answered, then C{ERROR} and the close, with C{code} (1002).
        """
        self._closeCode, self._closeText = code, reason or ""
        return self.closeReceived()

    def refused(self, why: str, request: str | None) -> None:
        """
        See L{chatd.web.flood.Paced}: an IRC client hears of a flood only,
        as of one of lines (a ping refused is just not answered).
        """
        if why == FLOODING and self.irc is not None:
            self.irc.floodRefused(InvalidArgument(why))

    def closeFlooding(self) -> None:
        if self.irc is not None:
            self._closeCode = CLOSE_POLICY
            self.irc.closeWith("flooding")

    def connectionLost(self, reason: Failure) -> None:
        self.disconnecting = True
        if self.irc is not None and not self._lost:
            self._lost = True
            self.irc.connectionLost(reason)

    # The guard's listener (chatd.web.guard.GuardListener)

    def inputTooLarge(self) -> None:
        if self.irc is not None:
            self._closeCode = CLOSE_TOO_BIG
            self.irc.closeWith("input too large")

    def outputStalled(self) -> None:
        if self.irc is not None:
            self.irc.closeReason = "too slow reading, output limit exceeded"

    def closing(self) -> None:
        """
        The WebSocket is closing (the client's close frame was answered, or
        ours sent): the IRC session ends now, not when TCP closes.  (When
        the close is ours, the IRC protocol has ended it already.)
        """
        if not self.disconnecting:
            self.connectionLost(Failure(ConnectionDone("WebSocket closed")))

    # The IRC side (ITransport)

    def write(self, data: bytes) -> None:
        """
        Send each whole line of C{data} as one message, without CR LF.
        """
        if self.disconnecting:
            return
        if self._partial:
            data, self._partial = self._partial + data, b""
        lines = data.split(b"\n")
        self._partial = lines.pop()
        first = self.first
        guard = self.guard
        for line in lines:
            if line.endswith(b"\r"):
                line = line[:-1]
            if first == wire.TEXT:
                try:
                    line.decode("utf-8")
                except UnicodeDecodeError:  # a text message must be UTF-8
                    line = line.decode("utf-8", "replace").encode("utf-8")
            guard.write(wire.frame(line, first))
        guard.hurry()  # the IRC connection's own outbox chose when

    def writeSequence(self, data: Iterable[bytes]) -> None:
        self.write(b"".join(data))

    def loseConnection(self) -> None:
        """
        Close the WebSocket (after what was written).
        """
        if self.disconnecting or self.websocket is None:
            return
        self.disconnecting = True
        try:
            self.websocket.loseConnection(self._closeCode, self._closeText)
        except LocalProtocolError:  # the client's close came first
            pass

    def abortConnection(self) -> None:
        self.disconnecting = True
        transport = self.guard.transport
        if transport is not None:
            transport.abortConnection()  # type: ignore[attr-defined]

    def getPeer(self) -> IAddress:
        """
        The client's address: the one a trusted proxy named, if any.
        """
        if self.guard.client is not None:
            return self.guard.client
        return self.guard.transport.getPeer()  # type: ignore[union-attr]

    def getHost(self) -> IAddress:
        return self.guard.transport.getHost()  # type: ignore[union-attr]

    def pauseProducing(self) -> None:
        """
        The IRC connection is far behind (its turn's budget was spent):
        stop reading the socket until it has caught up.
        """
        transport = self.guard.transport
        if transport is not None:
            transport.pauseProducing()  # type: ignore[attr-defined]

    def resumeProducing(self) -> None:
        transport = self.guard.transport
        if transport is not None and not self.disconnecting:
            transport.resumeProducing()  # type: ignore[attr-defined]

    def registerProducer(self, producer: IPushProducer, streaming: bool) -> None:
        """
        The IRC protocol's outbox: paused and resumed with the connection's
        own (L{GuardProtocol.upstream}).
        """
        self.producer = self.guard.upstream = producer
        if self.guard.writePaused:
            producer.pauseProducing()

    def unregisterProducer(self) -> None:
        self.producer = self.guard.upstream = None


class IRCWebSocketResource(Resource):
    """
    Accepts WebSocket handshakes as Twisted's L{WebSocketResource} does,
    negotiating the IRCv3 subprotocols, and runs one IRC connection on each.
    """

    isLeaf = True

    def __init__(self, listener: IRCListener, pace: Callable[[], RequestPace]) -> None:
        super().__init__()
        self.listener = listener
        self.pace = pace  # a new connection's allowance of pings (the page's, WebFactory.pace)

    def render_GET(self, request: Request) -> bytes | int:
        handshake = startHandshake(request)
        if isinstance(handshake, bytes):
            return handshake
        offered = [e for e in handshake.events() if isinstance(e, HandshakeRequest)]
        subprotocol = chooseSubprotocol(list(offered[0].subprotocols) if offered else [])
        guard = request.channel.transport
        if not isinstance(guard, GuardProtocol):
            raise TypeError("serve IRCWebSocketResource through chatd.web.site.makeSite")
        adapter = IRCWebSocket(self.listener, guard, subprotocol, self.pace())
        guard.listener = adapter
        guard.startBatching()
        accept = handshake.send(AcceptConnection(subprotocol=subprotocol))
        connection = handshake.connection
        assert connection is not None
        request.channel._protocolUpgradeForWebsockets(FrameReader(connection, adapter, guard, None))
        guard.write(accept)
        adapter.negotiationFinished()
        return NOT_DONE_YET
