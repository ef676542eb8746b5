"""
A line-oriented test client for real loopback connections.
"""

from __future__ import annotations

import re
from typing import Any

from twisted.internet import tcp
from twisted.internet.defer import Deferred, DeferredQueue
from twisted.internet.endpoints import TCP4ClientEndpoint, connectProtocol
from twisted.internet.protocol import Protocol
from twisted.protocols.basic import LineOnlyReceiver
from twisted.python.failure import Failure

TIMEOUT = 10.0

#: Talk mode's option requests (C{IAC DO BINARY}, the C{IAC DO TIMING-MARK}
#: probe...): a client that never answers them, as this one, sees each once.
TELNET_COMMAND = re.compile(b"\xff[\xfb-\xfe].")


class LineClient(LineOnlyReceiver):
    """
    Collects received lines in a queue; L{line} waits for the next one.
    """

    delimiter = b"\n"
    MAX_LENGTH = 1 << 20

    def __init__(self, reactor: Any) -> None:
        self.reactor = reactor
        self.lines: DeferredQueue[str] = DeferredQueue()
        self.closed: Deferred[None] = Deferred()

    def lineReceived(self, line: bytes) -> None:
        # Talk mode's telnet option requests are no text.
        self.lines.put(TELNET_COMMAND.sub(b"", line).rstrip(b"\r").decode("utf-8"))

    def connectionLost(self, reason: Failure | None = None) -> None:
        self.closed.callback(None)

    def send(self, *lines: str) -> None:
        self.transport.write("".join(line + "\r\n" for line in lines).encode("utf-8"))  # type: ignore[union-attr]

    async def line(self) -> str:
        """
        The next line received, or a timeout after L{TIMEOUT} seconds.
        """
        d = self.lines.get()
        d.addTimeout(TIMEOUT, self.reactor)
        return await d

    async def nextLines(self, count: int) -> list[str]:
        return [await self.line() for _ in range(count)]

    async def close(self) -> None:
        """
        Close as a client that is done: over TCP, shut the sending side and
        wait for the server to close (chatd answers what it read, then
        closes), so the server's side has ended too when this returns.
        """
        transport = self.transport
        if isinstance(transport, tcp.Connection):
            if transport.connected and not transport.disconnecting:  # (not closed already)
                transport.loseWriteConnection()
        else:
            transport.loseConnection()  # type: ignore[union-attr]
        await self.closed


async def connectLines(reactor: Any, port: int, host: str = "127.0.0.1") -> LineClient:
    """
    Connect a L{LineClient} to C{host:port}.
    """
    endpoint = TCP4ClientEndpoint(reactor, host, port, timeout=int(TIMEOUT))
    d = connectProtocol(endpoint, LineClient(reactor))
    d.addTimeout(TIMEOUT, reactor)
    client: LineClient = await d
    return client


class BytesClient(Protocol):
    """
    Keeps every byte received, telnet commands included; L{until} waits for
    some to come.
    """

    def __init__(self, reactor: Any) -> None:
        self.reactor = reactor
        self.received = b""
        self._waiting: list[tuple[bytes, Deferred[bytes]]] = []
        self.closed: Deferred[None] = Deferred()

    def connectionLost(self, reason: Failure | None = None) -> None:
        self.closed.callback(None)

    async def close(self) -> None:
        self.transport.loseConnection()  # type: ignore[union-attr]
        await self.closed

    def dataReceived(self, data: bytes) -> None:
        self.received += data
        for marker, d in self._waiting[:]:
            if marker in self.received:
                self._waiting.remove((marker, d))
                d.callback(self._take(marker))

    def _take(self, marker: bytes) -> bytes:
        end = self.received.index(marker) + len(marker)
        taken, self.received = self.received[:end], self.received[end:]
        return taken

    async def until(self, marker: bytes) -> bytes:
        """
        What was received up to and including C{marker}, once it came (a
        timeout after L{TIMEOUT} seconds).
        """
        if marker in self.received:
            return self._take(marker)
        d: Deferred[bytes] = Deferred()
        self._waiting.append((marker, d))
        d.addTimeout(TIMEOUT, self.reactor)
        return await d


async def connectBytes(reactor: Any, port: int) -> BytesClient:
    """
    Connect a L{BytesClient} to 127.0.0.1:C{port}.
    """
    endpoint = TCP4ClientEndpoint(reactor, "127.0.0.1", port, timeout=int(TIMEOUT))
    d = connectProtocol(endpoint, BytesClient(reactor))
    d.addTimeout(TIMEOUT, reactor)
    client: BytesClient = await d
    return client
