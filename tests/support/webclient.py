"""
An in-memory WebSocket test harness for the web front-end: the whole site on
a L{MemoryReactorClock}, JSON clients connected through
L{WebSocketClientEndpoint} and pumped with L{twisted.test.iosim}; and
plain HTTP requests (L{get}, L{split}), such as the metrics listener's
C{/healthz} (L{metricsHealthz}).
"""

from __future__ import annotations

import json
import struct
from typing import Any

from argon2 import PasswordHasher
from twisted.internet.address import IPv4Address
from twisted.internet.defer import Deferred, maybeDeferred
from twisted.internet.error import ConnectionDone
from twisted.internet.interfaces import IAddress, IProtocol
from twisted.internet.testing import MemoryReactorClock, StringTransport
from twisted.python.failure import Failure
from twisted.test.iosim import ConnectionCompleter, IOPump
from twisted.trial.unittest import SynchronousTestCase
from twisted.web.websocket import WebSocketClientEndpoint, WebSocketTransport

from chatd.core.accounts import Accounts, PasswordChecker
from chatd.core.interfaces import IChatService
from chatd.core.service import ChatService
from chatd.storage.memory import MemoryChatStore
from chatd.web.guard import GuardedSite, GuardProtocol
from chatd.web.metrics import makeMetricsSite
from chatd.web.site import makeSite

HANDSHAKE = (
    b"GET /ws HTTP/1.1\r\n"
    b"Host: %s\r\n"
    b"Upgrade: websocket\r\n"
    b"Connection: Upgrade\r\n"
    b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
    b"Sec-WebSocket-Version: 13\r\n"
    b"%s"
    b"\r\n"
)


class JSONClient:
    """
    A WebSocket client that decodes every frame as JSON and remembers it.
    """

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        self.hello: dict[str, Any] = {}  # the server's first frame
        self.pongs: list[bytes] = []
        self.lost: Failure | None = None
        self.nextId = 1

    def negotiationStarted(self, transport: WebSocketTransport) -> None:
        self.transport = transport

    def negotiationFinished(self) -> None:
        pass

    def textMessageReceived(self, message: str) -> None:
        self.received.append(json.loads(message))

    def bytesMessageReceived(self, data: bytes | bytearray) -> None:
        raise AssertionError("the server sent a binary frame")

    def pongReceived(self, payload: bytes) -> None:
        self.pongs.append(payload)

    def connectionLost(self, reason: Failure) -> None:
        self.lost = reason

    def send(self, **request: Any) -> int:
        """
        Send a request with a fresh C{id}, returned.
        """
        requestId = self.nextId
        self.nextId += 1
        self.transport.sendTextMessage(json.dumps({"id": requestId, **request}))
        return requestId

    def take(self) -> list[dict[str, Any]]:
        """
        Everything received since the last call.
        """
        received, self.received = self.received, []
        return received


class ClientFactory:
    def buildProtocol(self, url: str) -> JSONClient:
        return JSONClient()


class WebHarness:
    """
    One site, any number of clients, all in memory; on port C{portNumber}
    of C{reactor} (one per site on one reactor: a node of a cluster each).
    """

    def __init__(
        self,
        service: IChatService,
        reactor: MemoryReactorClock,
        portNumber: int = 80,
        **options: Any,
    ) -> None:
        self.reactor = reactor
        self.service = service
        self.site: GuardedSite = makeSite(service, reactor, **options)
        self.portNumber = portNumber
        self.port = reactor.listenTCP(portNumber, self.site)
        self.pumps: list[IOPump] = []

    def connect(self, nick: str | None = None) -> JSONClient:
        """
        A connected client, past the C{hello}; logged in as C{nick} if given.
        """
        endpoint = WebSocketClientEndpoint.new(
            self.reactor, f"http://localhost:{self.portNumber}/ws"
        )
        connected = Deferred.fromCoroutine(endpoint.connect(ClientFactory()))
        pump = ConnectionCompleter(self.reactor).succeedOnce()
        assert pump is not None
        self.pumps.append(pump)
        self.flush()
        client: JSONClient | None = None

        def got(result: JSONClient) -> None:
            nonlocal client
            client = result

        connected.addCallback(got)
        assert client is not None, "not connected"
        self.flush()
        hello = client.take()
        assert hello[0]["type"] == "hello", hello
        client.hello = hello[0]
        if nick is not None:
            client.send(type="login", nick=nick)
            self.flush()
            reply = client.take()
            assert reply[0]["type"] == "login", reply
        return client

    def flush(self) -> None:
        """
        Deliver everything written, in both directions, until quiet.  The
        server's output leaves its outboxes at the end of a reactor turn:
        each round runs the turn's flush first.
        """
        for _ in range(10):
            self.reactor.advance(0)
            moved = False
            for pump in self.pumps:
                moved = pump.pump() or moved
            if not moved:
                return

    def rawRequest(
        self, request: bytes, local: IAddress | None = None
    ) -> tuple[bytes, StringTransport, GuardProtocol]:
        """
        Feed raw bytes to a fresh server connection (on the server's address
        C{local}; by default, StringTransport's public 10.0.0.1); return what
        it wrote.
        """
        from twisted.internet.address import IPv4Address

        protocol = self.site.buildProtocol(IPv4Address("TCP", "127.0.0.1", 5555))
        assert isinstance(protocol, GuardProtocol)
        transport = StringTransport(
            hostAddress=local, peerAddress=IPv4Address("TCP", "127.0.0.1", 5555)
        )
        protocol.makeConnection(transport)
        protocol.dataReceived(request)
        self.reactor.advance(0)  # the end of the turn: the outbox is flushed
        return transport.value(), transport, protocol


def handshake(host: bytes = b"localhost", origin: bytes | None = None) -> bytes:
    """
    A raw WebSocket upgrade request, with an C{Origin} header when given.
    """
    extra = b"Origin: " + origin + b"\r\n" if origin is not None else b""
    return HANDSHAKE % (host, extra)


class WebTestCase(SynchronousTestCase):
    service: ChatService

    def setUp(self) -> None:
        self.reactor = MemoryReactorClock()
        self.reactor.advance(1000)
        self.service = self.makeService()
        self.web = WebHarness(self.service, self.reactor, **self.options())

    def makeService(self) -> ChatService:
        return ChatService(self.reactor, rooms=["lobby", "Général"], operators=["moder"])

    def options(self) -> dict[str, Any]:
        return {}

    def request(self, client: JSONClient, **request: Any) -> dict[str, Any]:
        """
        Send one request and return the one frame that answers it.
        """
        requestId = client.send(**request)
        self.web.flush()
        frames = client.take()
        replies = [frame for frame in frames if frame.get("id") == requestId]
        self.assertEqual(len(replies), 1, frames)
        client.received = [frame for frame in frames if frame.get("id") != requestId]
        return replies[0]


class StoredWebTestCase(WebTestCase):
    """
    A web front-end on a service that keeps accounts and messages in memory,
    with the accounts of L{accountsAtStart} registered (a cheap hash).
    """

    accountsAtStart: tuple[tuple[str, str], ...] = (("alice", "sesame"),)
    #: The configured rooms, and those everyone is put in on logging in.
    roomsAtStart: tuple[str, ...] = ("lobby",)
    autojoin: tuple[str, ...] = ()

    def makeStore(self) -> MemoryChatStore:
        """The store of the service: in memory (started)."""
        store = MemoryChatStore()
        store.startService()
        return store

    def makeService(self) -> ChatService:
        self.store = self.makeStore()
        checker = PasswordChecker(
            PasswordHasher(time_cost=1, memory_cost=8, parallelism=1), runInThread=maybeDeferred
        )
        self.accounts = Accounts(self.store, self.reactor, checker)
        service = ChatService(
            self.reactor,
            rooms=list(self.roomsAtStart),
            store=self.store,
            accounts=self.accounts,
            autojoin=list(self.autojoin),
        )
        for nick, password in self.accountsAtStart:
            self.successResultOf(self.accounts.register(nick, password))
        service.startService()
        return service

    def signIn(self, nick: str = "alice", password: str = "sesame") -> JSONClient:
        """A page signed in to C{nick}'s account, what it was told at once read."""
        client = self.web.connect()
        reply = self.request(client, type="login", nick=nick, password=password)
        self.assertEqual(reply.get("nick"), nick, reply)
        self.web.flush()
        client.take()
        return client


def get(path: bytes, host: bytes = b"localhost") -> bytes:
    return b"GET " + path + b" HTTP/1.1\r\nHost: " + host + b"\r\n\r\n"


def split(response: bytes) -> tuple[bytes, dict[bytes, bytes], bytes]:
    """
    Status line, headers (lower-case names) and body of one HTTP response.
    """
    head, _, body = response.partition(b"\r\n\r\n")
    status, *lines = head.split(b"\r\n")
    headers = {}
    for line in lines:
        name, _, value = line.partition(b": ")
        headers[name.lower()] = value
    return status, headers, body


def metricsHealthz(service: ChatService) -> tuple[bytes, dict[str, object]]:
    """
    The status line and JSON body of C{/healthz} on the metrics listener.
    """
    return healthzAnswer(askHealthz(service))


def askHealthz(service: ChatService) -> tuple[IProtocol, StringTransport]:
    """
    A connection to the metrics listener that asked for C{/healthz}: the
    answer is in its transport once the daemon gave it (L{healthzAnswer}).
    """
    protocol = makeMetricsSite(service).buildProtocol(IPv4Address("TCP", "127.0.0.1", 5555))
    assert protocol is not None
    transport = StringTransport()
    protocol.makeConnection(transport)
    protocol.dataReceived(get(b"/healthz"))
    return protocol, transport


def healthzAnswer(asked: tuple[IProtocol, StringTransport]) -> tuple[bytes, dict[str, object]]:
    """
    The status line and JSON body of the answer to L{askHealthz}.
    """
    protocol, transport = asked
    status, _, body = split(transport.value())
    protocol.connectionLost(Failure(ConnectionDone()))
    return status, json.loads(body)


def serverFrames(data: bytes) -> list[tuple[int, bytes]]:
    """
    The (opcode, payload) of each complete unmasked server frame in C{data}.
    """
    result = []
    offset = 0
    while offset < len(data):
        opcode, size = data[offset] & 0x0F, data[offset + 1] & 0x7F
        offset += 2
        if size == 126:
            (size,) = struct.unpack("!H", data[offset : offset + 2])
            offset += 2
        elif size == 127:
            (size,) = struct.unpack("!Q", data[offset : offset + 8])
            offset += 8
        result.append((opcode, data[offset : offset + size]))
        offset += size
    return result


def toldAndClosed(response: bytes) -> tuple[bytes, list[bytes], int | None]:
    """
    What a WebSocket handshake's C{response} (all the server wrote) holds:
    its status line, the payloads of its text frames, and the status of its
    close frame (C{None}: none), as a refused chat connection is answered
    (L{chatd.web.admit}).
    """
    head, _, rest = response.partition(b"\r\n\r\n")
    texts, closeCode = [], None
    for opcode, payload in serverFrames(rest):
        if opcode == 0x1:
            texts.append(payload)
        elif opcode == 0x8:
            (closeCode,) = struct.unpack("!H", payload[:2])
    return head.split(b"\r\n")[0], texts, closeCode
