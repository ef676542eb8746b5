"""
An IRC-over-WebSocket client for the in-memory web harness
(L{tests.support.webclient.WebHarness}): wsproto's own client state machine, so it
can ask for subprotocols (Twisted's WebSocket client cannot), on a
L{MemoryReactorClock} connection pumped with L{twisted.test.iosim}.
"""

from __future__ import annotations

from twisted.internet.protocol import ClientFactory, Protocol
from twisted.python.failure import Failure
from twisted.test.iosim import ConnectionCompleter
from wsproto import ConnectionType, WSConnection
from wsproto.connection import ConnectionState
from wsproto.events import (
    AcceptConnection,
    BytesMessage,
    CloseConnection,
    Ping,
    Pong,
    RejectConnection,
    Request,
    TextMessage,
)

from tests.support.webclient import WebHarness


class IRCWSClient(Protocol):
    """
    One client: the handshake's outcome, every message received (as
    C{(kind, payload)}, C{kind} C{"text"} or C{"binary"}) and the close.
    """

    def __init__(
        self, subprotocols: list[str], path: str = "/socket", origin: str | None = None
    ) -> None:
        self.subprotocols = subprotocols
        self.path = path
        self.origin = origin
        self.ws = WSConnection(ConnectionType.CLIENT)
        self.accepted: AcceptConnection | None = None
        self.rejected: int | None = None
        self.messages: list[tuple[str, str | bytes]] = []
        self.pongs: list[bytes] = []
        self.closeCode: int | None = None
        self.closeReason: str | None = None
        self.lost: Failure | None = None
        self.closed = False
        self._text = ""
        self._bytes = b""

    def connectionMade(self) -> None:
        headers = [] if self.origin is None else [(b"origin", self.origin.encode())]
        request = Request(
            host="localhost",
            target=self.path,
            subprotocols=self.subprotocols,
            extra_headers=headers,
        )
        self.transport.write(self.ws.send(request))  # type: ignore[union-attr]

    def dataReceived(self, data: bytes) -> None:
        self.ws.receive_data(data)
        for event in self.ws.events():
            if isinstance(event, AcceptConnection):
                self.accepted = event
            elif isinstance(event, RejectConnection):
                self.rejected = event.status_code
            elif isinstance(event, TextMessage):
                self._text += event.data
                if event.message_finished:
                    self.messages.append(("text", self._text))
                    self._text = ""
            elif isinstance(event, BytesMessage):
                self._bytes += event.data
                if event.message_finished:
                    self.messages.append(("binary", self._bytes))
                    self._bytes = b""
            elif isinstance(event, Ping):
                self.transport.write(self.ws.send(event.response()))  # type: ignore[union-attr]
            elif isinstance(event, Pong):
                self.pongs.append(bytes(event.payload))
            elif isinstance(event, CloseConnection):
                self.closeCode = event.code
                self.closeReason = event.reason
                if self.ws.state != ConnectionState.CLOSED:
                    self.transport.write(self.ws.send(event.response()))  # type: ignore[union-attr]
                self.transport.loseConnection()  # type: ignore[union-attr]

    def connectionLost(self, reason: Failure | None = None) -> None:
        self.lost = reason
        self.closed = True

    def sendText(self, line: str) -> None:
        self.transport.write(self.ws.send(TextMessage(line)))  # type: ignore[union-attr]

    def sendBytes(self, line: bytes) -> None:
        self.transport.write(self.ws.send(BytesMessage(line)))  # type: ignore[union-attr]

    def ping(self, payload: bytes) -> None:
        self.transport.write(self.ws.send(Ping(payload)))  # type: ignore[union-attr]

    def close(self, code: int = 1000) -> None:
        self.transport.write(self.ws.send(CloseConnection(code)))  # type: ignore[union-attr]

    def take(self) -> list[str]:
        """
        The lines received since the last call, as text (binary ones decoded).
        """
        messages, self.messages = self.messages, []
        return [
            payload if isinstance(payload, str) else payload.decode("utf-8")
            for _, payload in messages
        ]


def connectIRC(
    web: WebHarness,
    subprotocols: list[str],
    path: str = "/socket",
    origin: str | None = None,
) -> IRCWSClient:
    """
    Connect a new L{IRCWSClient} to C{web}'s site and pump the handshake.
    """
    client = IRCWSClient(subprotocols, path, origin)
    factory = ClientFactory.forProtocol(lambda: client)
    web.reactor.connectTCP("localhost", 80, factory)
    pump = ConnectionCompleter(web.reactor).succeedOnce()
    assert pump is not None
    web.pumps.append(pump)
    web.flush()
    return client
