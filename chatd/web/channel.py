# -*- test-case-name: tests.unit.web.test_web_channel,tests.unit.web.test_web_upgradeframes -*-
"""
The HTTP channel of the web front-end: Twisted's L{HTTPChannel} with the two
bounds it lacks for a site that only serves pages and a WebSocket.

  - A deadline for a request's headers, from the moment the channel waits
    for a request (the connection opened, or the previous response ended)
    until its last header line: Twisted's own timeout is an idle timeout,
    restarted by every byte, so a client sending one byte every few seconds
    (slowloris) held a connection for ever: it gets 408 and is closed.  The
    same deadline closes an idle connection (a keep-alive one between
    requests), silently.  Once a request is read, the request (or the
    WebSocket it becomes) is no longer timed by it.
  - No request bodies: nothing here takes one, and Twisted spools any body
    over 100 kB to a temporary file, without limit.  A request that
    announces one (or a chunked one, of unknown length) is answered 413 and
    the connection closed, before a byte of the body is read.

It also answers a request line or a header too long to read, or too many
headers (414, 431),
where Twisted closes without a word.  And a keep-alive connection serves at
most L{MAX_REQUESTS} requests, for at most L{MAX_LIFETIME} seconds: the
response to the request past either says C{Connection: close} and the
connection closes after it (a request to become a WebSocket excepted), so a
client asking for a page every few seconds cannot hold its connection, nor
its place in L{chatd.web.httpcap}'s bound, for ever.

A WebSocket's first frames may come in the same read as its upgrade request
(a client that does not wait for the C{101}): Twisted's channel kept them,
as the start of a next request it never read.  They are the WebSocket's:
once the upgrade is answered, they are read as the connection's next read
(L{rawDataReceived}, L{ChatChannel.readBehind}), through the same input
limits as every read after it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from twisted.internet.interfaces import IDelayedCall, IProtocol
from twisted.internet.protocol import connectionDone
from twisted.python.failure import Failure
from twisted.web.http import HTTPChannel
from twisted.web.resource import IResource
from twisted.web.server import Request, Site

from chatd.alpn import HTTP_1_1
from chatd.web.hosts import HostRefused, HostRule

#: Seconds for a request's headers to arrive (C{--http-header-timeout}).
HEADER_TIMEOUT = 10.0

#: Requests one keep-alive connection serves.
MAX_REQUESTS = 100

#: Seconds after which a keep-alive connection closes after its response.
MAX_LIFETIME = 300.0


def closingResponse(status: bytes, text: str) -> bytes:
    """
    A whole HTTP response, written before the connection closes: C{status}
    (C{b"413 Content Too Large"}) and C{text} as a plain-text line.
    """
    body = text.encode("utf-8") + b"\n"
    return b"".join(
        [
            b"HTTP/1.1 ",
            status,
            b"\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ",
            str(len(body)).encode("ascii"),
            b"\r\nConnection: close\r\n\r\n",
            body,
        ]
    )


TOO_LARGE = closingResponse(b"413 Content Too Large", "request bodies are not accepted")
URI_TOO_LONG = closingResponse(b"414 URI Too Long", "the request's address is too long")
HEADER_TOO_LARGE = closingResponse(
    b"431 Request Header Fields Too Large", "a request header is too long"
)
TOO_MANY_HEADERS = closingResponse(
    b"431 Request Header Fields Too Large", "a request's headers are too many or too large"
)
TIMED_OUT = closingResponse(b"408 Request Timeout", "request headers took too long")


class ChatChannel(HTTPChannel):
    """
    See the module docstring.

    @ivar headerTimeout: seconds a request's headers may take (C{None}: no
        deadline).
    @ivar waiting: told C{True} when the channel starts waiting for a
        request, C{False} when one starts (L{chatd.web.httpcap}).
    @ivar seconds: the clock's time, for L{MAX_LIFETIME}.
    @ivar readBehind: reads what came behind a WebSocket upgrade request as
        the connection reads every later read: the guard's, which counts
        it against the input limits (L{chatd.web.guard.GuardProtocol});
        C{None}: none is under this channel, the upgraded protocol reads it.
    """

    headerTimeout: float | None = HEADER_TIMEOUT
    waiting: Callable[[bool], object] | None = None
    readBehind: Callable[[bytes], None] | None = None
    seconds: Callable[[], float] | None = None
    _openedAt = 0.0
    _served = 0
    _waits = False
    _headerCall: IDelayedCall | None = None
    _refusedBody = False
    _requestStarted = False
    _linesOfRequest = 0
    _bytesOfRequest = 0
    _upgradedTo: IProtocol | None = None

    def connectionMade(self) -> None:
        if self.seconds is not None:
            self._openedAt = self.seconds()
        super().connectionMade()
        self._startHeaderClock()

    def dataReceived(self, data: bytes) -> None:
        self._requestStarted = True
        self._reading()
        super().dataReceived(data)

    def _reading(self) -> None:
        if self._waits:
            self._waits = False
            if self.waiting is not None:
                self.waiting(False)

    def checkPersistence(self, request: Any, version: bytes) -> bool:
        """
        Twisted's answer, except that the request past L{MAX_REQUESTS} or
        L{MAX_LIFETIME} closes the connection (unless it asks to upgrade).
        """
        persistent: bool = super().checkPersistence(request, version)
        self._served += 1
        aged = self.seconds is not None and self.seconds() - self._openedAt >= MAX_LIFETIME
        if (
            persistent
            and (self._served >= MAX_REQUESTS or aged)
            and not request.requestHeaders.hasHeader(b"upgrade")
        ):
            request.responseHeaders.setRawHeaders(b"connection", [b"close"])
            return False
        return persistent

    def lineReceived(self, line: bytes) -> None:
        self._reading()
        self._linesOfRequest += 1
        self._bytesOfRequest += len(line)
        if self._bytesOfRequest > self.totalHeadersSize or (
            line and self._linesOfRequest > self.maxHeaders + 1
        ):
            # Past these limits Twisted answers a plain 400: say which.
            self.transport.write(TOO_MANY_HEADERS)  # type: ignore[union-attr]
            self.loseConnection()
            return
        super().lineReceived(line)

    def lineLengthExceeded(self, line: bytes) -> None:
        """
        A line past Twisted's C{MAX_LENGTH}: say which (the request line,
        or a header) before closing, as Twisted, which only closes, does not.
        """
        tooLong = HEADER_TOO_LARGE if self._linesOfRequest else URI_TOO_LONG
        self.transport.write(tooLong)  # type: ignore[union-attr]
        self.loseConnection()

    def _startHeaderClock(self) -> None:
        self._stopHeaderClock()
        self._requestStarted = False
        self._linesOfRequest = self._bytesOfRequest = 0
        if self.headerTimeout is not None:
            self._headerCall = self.callLater(self.headerTimeout, self._headersTimedOut)
        self._waits = True
        if self.waiting is not None:
            self.waiting(True)

    def _stopHeaderClock(self) -> None:
        if self._headerCall is not None and self._headerCall.active():
            self._headerCall.cancel()
        self._headerCall = None

    def _headersTimedOut(self) -> None:
        self._headerCall = None
        if self._requestStarted:  # else an idle connection, closed without a word
            self.transport.write(TIMED_OUT)  # type: ignore[union-attr]
        # Twisted's timeout path: close, and abort if the peer does not let go.
        self.timeoutConnection()

    def allHeadersReceived(self) -> None:
        self._stopHeaderClock()
        if self.length != 0:  # a Content-Length, or None: chunked
            self._refusedBody = True
            self.transport.write(TOO_LARGE)  # type: ignore[union-attr]
            self.loseConnection()
            return
        super().allHeadersReceived()

    def rawDataReceived(self, data: bytes) -> None:
        if self._upgradedTo is not None:  # read with the upgrade request, behind it
            (self.readBehind or self._upgradedTo.dataReceived)(data)
        elif not self._refusedBody:  # else: the body, read while closing
            super().rawDataReceived(data)

    def _protocolUpgradeForWebsockets(self, protocol: IProtocol) -> None:
        """
        Twisted's upgrade; what the channel read behind the request is
        C{protocol}'s (its first frames), read once the upgrade request is
        answered (when Twisted's channel passes it on to L{rawDataReceived})
        as the connection's next read (L{readBehind}).
        """
        self._upgradedTo = protocol
        super()._protocolUpgradeForWebsockets(protocol)

    def requestDone(self, request: Any) -> None:
        # Before the base class reads a request the client already sent
        # (pipelining), which stops the clock again once its headers are in.
        if self.persistent:
            self._startHeaderClock()
        super().requestDone(request)

    def connectionLost(self, reason: Failure = connectionDone) -> None:
        self._stopHeaderClock()
        super().connectionLost(reason)


class ChatSite(Site):
    """
    A L{Site} whose connections are L{ChatChannel}s with C{headerTimeout},
    built directly rather than behind Twisted's wrapper that would negotiate
    HTTP/2 over TLS: that needs the C{h2} package, which chatd does not
    install, and the WebSocket upgrade is HTTP/1.1 only.  Over TLS it
    agrees to HTTP/1.1 by ALPN (L{chatd.alpn}).
    """

    def __init__(self, *args: Any, headerTimeout: float | None = HEADER_TIMEOUT, **kw: Any):
        super().__init__(*args, **kw)
        self.headerTimeout = headerTimeout
        #: The HTTP proxies whose C{X-Forwarded-For} names the client
        #: (L{chatd.web.forwarded.TrustedProxies}; C{None}: none).
        self.trustedProxies: Any = None
        #: The hosts a request on a loopback address may name
        #: (L{chatd.web.hosts.HostRule}: the loopback ones by default).
        self.hosts = HostRule()

    def getResourceFor(self, request: Request) -> IResource:
        """
        The resource for C{request}; L{HostRefused} for one on a loopback
        address that names a host L{hosts} refuses (DNS rebinding), page,
        WebSockets and all.
        """
        if not self.hosts.allows(request):
            return HostRefused()
        resource: IResource = super().getResourceFor(request)
        return resource

    def protocol(self) -> ChatChannel:  # type: ignore[override]
        channel = ChatChannel()
        channel.headerTimeout = self.headerTimeout
        channel.seconds = getattr(self.reactor, "seconds", None)
        return channel

    def acceptableProtocols(self) -> list[bytes]:
        """
        HTTP/1.1 only, even where Twisted could speak HTTP/2: its channel
        cannot.
        """
        return [HTTP_1_1]
