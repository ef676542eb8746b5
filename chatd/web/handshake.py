# -*- test-case-name: tests.unit.web.test_web_channel,tests.unit.web.test_web_irc -*-
"""
What a WebSocket handshake must carry before Twisted's L{WebSocketResource}
(and wsproto under it) sees it.  wsproto assumes an HTTP/1.1 request: without
C{Host} it raised an exception (500 and a traceback in the log), and it took
any C{Sec-WebSocket-Key}.  RFC 6455 section 4.2.1 asks for HTTP/1.1 or later,
a C{Host} header and a key that is the base64 encoding of 16 bytes; a request
without them is answered 400 here; L{startHandshake} begins wsproto's side
of one, for the resources that accept them.
"""

from __future__ import annotations

import binascii
from base64 import b64decode

from twisted.web.server import Request
from wsproto import ConnectionType
from wsproto.handshake import H11Handshake
from wsproto.utilities import RemoteProtocolError

#: Bytes a C{Sec-WebSocket-Key} decodes to (RFC 6455 section 4.1).
KEY_BYTES = 16


def validKey(value: bytes) -> bool:
    """
    Whether C{value} is the base64 encoding of exactly L{KEY_BYTES} bytes.
    """
    try:
        return len(b64decode(value.strip(), validate=True)) == KEY_BYTES
    except binascii.Error:
        return False


def handshakeProblem(request: Request) -> str | None:
    """
    Why C{request} cannot be a WebSocket handshake, or C{None} if it may be
    one (the rest is wsproto's to check).
    """
    if request.method != b"GET":
        return None  # not a handshake: the resource answers 405
    if request.clientproto != b"HTTP/1.1":
        return "a WebSocket handshake needs HTTP/1.1"
    if not request.requestHeaders.getRawHeaders(b"host"):
        return "a WebSocket handshake needs a Host header"
    keys = request.requestHeaders.getRawHeaders(b"sec-websocket-key") or []
    if len(keys) != 1 or not validKey(keys[0]):
        return "Sec-WebSocket-Key must be the base64 encoding of 16 bytes"
    return None


def startHandshake(request: Request) -> H11Handshake | bytes:
    """
    wsproto's side of C{request}'s WebSocket handshake, for a resource to
    accept (C{/ws}, IRC's C{/socket}); or, when wsproto finds it invalid,
    the C{400} answer to render.
    """
    handshake = H11Handshake(ConnectionType.SERVER)
    raw = request.requestHeaders.getAllRawHeaders()
    try:
        handshake.initiate_upgrade_connection(
            [(name, value) for name, values in raw for value in values], request.path
        )
    except RemoteProtocolError as error:
        request.setResponseCode(400)
        request.setHeader(b"content-type", b"text/plain; charset=utf-8")
        return f"not a valid WebSocket handshake: {error}\n".encode()
    return handshake
