# -*- test-case-name: tests.unit.web.test_web_site -*-
"""
The web front-end's HTTP side: the page, the WebSocket endpoint behind an
Origin check, C{/metrics} and C{/healthz}, assembled by L{makeSite}.
"""

from __future__ import annotations

from collections.abc import Iterable
from importlib.resources import files
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import h11
from twisted.internet.interfaces import IReactorTime
from twisted.logger import Logger
from twisted.web.pages import notFound
from twisted.web.resource import IResource, Resource
from twisted.web.server import NOT_DONE_YET, Request

from chatd.core.admission import Network
from chatd.core.interfaces import IChatService
from chatd.web.admit import admitChat, release
from chatd.web.channel import HEADER_TIMEOUT, ChatSite
from chatd.web.factory import WebFactory
from chatd.web.forwarded import ForwardedRequest, TrustedProxies
from chatd.web.frames import PacedWebSocketResource
from chatd.web.guard import GuardedSite
from chatd.web.handshake import handshakeProblem
from chatd.web.hosts import HostRule
from chatd.web.ircsocket import PATH as IRC_PATH
from chatd.web.ircsocket import IRCWebSocketResource
from chatd.web.metrics import HealthResource, MetricsResource

if TYPE_CHECKING:
    from chatd.irc.listener import IRCListener

#: No inline script or style, nothing from elsewhere: whatever a user manages
#: to smuggle into the page cannot run.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self';"
    " connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)

_STATIC = {
    b"": ("index.html", "text/html; charset=utf-8"),
    b"app.js": ("app.js", "text/javascript; charset=utf-8"),
    **{
        f"{name}.js".encode("ascii"): (f"{name}.js", "text/javascript; charset=utf-8")
        for name in (
            "alerts",
            "catchup",
            "commands",
            "compose",
            "convos",
            "events",
            "fold",
            "goto",
            "keys",
            "log",
            "me",
            "menu",
            "net",
            "reads",
            "redact",
            "rooms",
            "search",
            "send",
            "session",
            "settings",
            "speak",
            "state",
            "topic",
            "unsure",
            "view",
        )
    },
    b"style.css": ("style.css", "text/css; charset=utf-8"),
    b"favicon.svg": ("favicon.svg", "image/svg+xml"),
}


def securityHeaders(request: Request) -> None:
    """
    The headers every answer of the page's site carries: its policy (only
    the page's own files), no type sniffing, no referrer.
    """
    request.setHeader(b"content-security-policy", CONTENT_SECURITY_POLICY.encode("ascii"))
    request.setHeader(b"x-content-type-options", b"nosniff")
    request.setHeader(b"referrer-policy", b"no-referrer")


class Root(Resource):
    """
    The site's root: its children, and a plain 404 for anything else
    (with the page's security headers, as every file).
    """

    def getChild(self, path: bytes, request: Request) -> IResource:
        securityHeaders(request)
        return notFound()


class StaticFile(Resource):
    """
    One file of the page, read once from the package, served with the
    security headers.
    """

    isLeaf = True

    def __init__(self, name: str, contentType: str) -> None:
        super().__init__()
        self.body = files("chatd.web").joinpath("static", name).read_bytes()
        self.contentType = contentType.encode("ascii")

    def render_GET(self, request: Request) -> bytes:
        request.setHeader(b"content-type", self.contentType)
        securityHeaders(request)
        request.setHeader(b"cache-control", b"no-cache")
        return self.body

    render_HEAD = render_GET


class OriginCheck(Resource):
    """
    Refuse WebSocket handshakes from pages on other sites (403) before
    the WebSocket resource accepts them: a browser sends C{Origin} with every
    WebSocket handshake, and without this check any site a user visits could
    chat in their name.

    @ivar allowed: the exact origins allowed (C{"https://chat.example.org"}),
        or C{"*"} for any.  Empty: same origin only, judged from the
        request's C{Host} header and scheme.  A handshake without C{Origin}
        (not a browser) is allowed.
    """

    log = Logger()

    def __init__(self, wrapped: Resource, allowed: Iterable[str] = ()) -> None:
        super().__init__()
        self.wrapped = wrapped
        self.allowed = frozenset(origin.rstrip("/").lower() for origin in allowed)

    def allows(self, request: Request) -> bool:
        """
        Whether C{request}'s C{Origin} is acceptable.
        """
        header = request.getHeader(b"origin")
        if header is None:
            return True
        origin = header.decode("latin-1").lower()
        if "*" in self.allowed or origin in self.allowed:
            return True
        if self.allowed:
            return False
        parts = urlsplit(origin)
        host = request.getHeader(b"host")
        scheme = "https" if request.isSecure() else "http"
        return host is not None and (parts.scheme, parts.netloc) == (
            scheme,
            host.decode("latin-1").lower(),
        )

    def render(self, request: Request) -> bytes | int:
        problem = handshakeProblem(request)
        if problem is not None:
            return self._refuse(request, 400, problem)
        if not self.allows(request):
            self.log.warn(
                "refused WebSocket from origin {origin}",
                origin=request.getHeader(b"origin"),
            )
            return self._refuse(request, 403, "origin not allowed")
        # A chat connection over a limit is upgraded all the same, to be told
        # why (the guard's refusal, chatd.web.admit).
        admitChat(request)
        try:
            result: bytes | int = self.wrapped.render(request)
        except h11.LocalProtocolError as error:
            # wsproto found the request unfit for its HTTP/1.1 model (a
            # request target h11 refuses...): the client's fault, not ours.
            release(request)
            return self._refuse(request, 400, f"not a valid WebSocket handshake: {error}")
        if result != NOT_DONE_YET:  # not upgraded: no chat connection to count
            release(request)
        elif request in request.channel.requests:
            # Upgraded: the channel now hands every byte to the WebSocket and
            # will never finish or even look at this request again, but kept
            # it (with its headers: ~1.7 KB) for the life of the connection.
            request.channel.requests.remove(request)
        return result

    @staticmethod
    def _refuse(request: Request, code: int, text: str, message: bytes | None = None) -> bytes:
        request.setResponseCode(code, message)
        request.setHeader(b"content-type", b"text/plain; charset=utf-8")
        return text.encode("utf-8") + b"\n"


def pendingInput(maxMessageBytes: int) -> int:
    """
    The bytes a connection may send without completing a message, for
    requests of at most C{maxMessageBytes}: their frames' headers, and a
    ping or pong between them, leave room to spare.
    """
    return 4 * maxMessageBytes + 65536


def makeSite(
    service: IChatService,
    clock: IReactorTime,
    origins: Iterable[str] = (),
    maxMessageBytes: int | None = None,
    maxPendingOutput: int = 1 << 20,
    headerTimeout: float | None = HEADER_TIMEOUT,
    metrics: bool = True,
    irc: IRCListener | None = None,
    trustedProxies: Iterable[Network] = (),
    **limits: Any,
) -> GuardedSite:
    """
    The web front-end as a protocol factory for C{strports.service}.

    @param origins: see L{OriginCheck}; their hosts are also those a
        request on a loopback address may name (L{HostRule}).
    @param maxMessageBytes: largest WebSocket request (by default, room for
        a message at the service's body limits,
        L{chatd.web.factory.requestBytes}); a message still incomplete after
        four times that (plus one read) closes the connection
        (L{pendingInput}).
    @param maxPendingOutput: bytes a client may leave unread (beyond the
        transport's buffer) before it is disconnected.
    @param headerTimeout: seconds a request's headers may take
        (L{chatd.web.channel.ChatChannel}).
    @param metrics: whether C{/metrics} is served here too (the daemon
        serves it on its own listener unless told otherwise).
    @param irc: the IRC front-end to serve over WebSocket on C{/socket}
        (L{chatd.web.ircsocket}), behind the same Origin check; C{None}: none.
    @param trustedProxies: the networks of the HTTP proxies whose
        C{X-Forwarded-For} names the client (L{chatd.web.forwarded}).
    @param limits: further L{WebFactory} settings (C{rate}, C{burst},
        C{floodLimit}, C{pingInterval}).
    """
    factory = WebFactory(service, clock, maxMessageBytes=maxMessageBytes, **limits)
    root = Root()
    for path, (name, contentType) in _STATIC.items():
        root.putChild(path, StaticFile(name, contentType))
    root.putChild(b"index.html", root.children[b""])
    root.putChild(b"ws", OriginCheck(PacedWebSocketResource(factory), origins))
    if irc is not None:
        root.putChild(IRC_PATH, OriginCheck(IRCWebSocketResource(irc, factory.pace), origins))
    if metrics:
        root.putChild(b"metrics", MetricsResource(service))
    root.putChild(b"healthz", HealthResource(service))
    site = ChatSite(
        root, requestFactory=ForwardedRequest, reactor=clock, headerTimeout=headerTimeout
    )
    site.trustedProxies = TrustedProxies(trustedProxies)
    site.hosts = HostRule(origins)
    site.displayTracebacks = False
    return GuardedSite(
        site,
        maxPendingInput=pendingInput(factory.maxMessageBytes),
        maxPendingOutput=maxPendingOutput,
        clock=clock,
        admission=service.admission,
        turns=factory.turns,
    )
