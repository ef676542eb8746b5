# -*- test-case-name: tests.unit.web.test_web_admit -*-
"""
Which web connections the admission policy (L{chatd.core.admission}) counts:
only those that become chat connections, a WebSocket on C{/ws} or IRC over
WebSocket, as a TCHAT, talk or IRC connection is.  Loading the page opens
several keep-alive HTTP connections for its files; they are not chat
sessions, and counted they would use up C{--max-per-address} (a second
browser behind the same address got 429 for the page's scripts, and its page
never started).  Plain HTTP is bounded by its own limits instead
(L{chatd.web.channel.ChatChannel}: header deadline, idle keep-alive, no
bodies).

The handshake is admitted before the upgrade; its client is the one a
trusted proxy names (L{chatd.web.forwarded}), else the peer.  A refusal is
not an HTTP answer (429, 503): a browser's page sees a failed handshake only
as a close without a reason (1006), and would reconnect for ever without
telling why.  The upgrade is accepted all the same, the refusal kept on the
guard (C{refusal}); the WebSocket's protocol says it as it says any refusal
at connecting (the page an C{error} frame, IRC over WebSocket its C{ERROR}
line) and closes, holding no place.  The connection's guard holds the
ticket and gives it back when the connection closes
(L{chatd.web.guard.GuardProtocol.connectionLost}), or at once when the
handshake is not accepted after all (L{release}).
"""

from __future__ import annotations

from typing import Any

from twisted.web.server import Request

from chatd.core import errors
from chatd.web.forwarded import proxiesOf


def admitChat(request: Request) -> errors.ChatError | None:
    """
    Count the WebSocket handshake C{request}'s connection as a chat
    connection, under its client's address; the refusal if the admission
    policy turns it away, else C{None}.
    """
    guard: Any = request.channel.transport
    admission = getattr(getattr(guard, "factory", None), "admission", None)
    if admission is None or getattr(guard, "ticket", None) is not None:
        return None
    peer = guard.transport.getPeer()
    proxies = proxiesOf(request)
    try:
        if proxies is not None and proxies.trusts(getattr(peer, "host", None)):
            client = request.getClientAddress()
            guard.ticket = admission.admit(client.host)
            guard.client = client
        else:
            guard.ticket = admission.admitPeer(peer)
    except errors.ChatError as error:
        guard.refusal = error
        return error
    return None


def release(request: Request) -> None:
    """
    The handshake L{admitChat} counted did not become a WebSocket: give its
    place back (the connection stays a plain HTTP one).
    """
    guard: Any = request.channel.transport
    admission = getattr(getattr(guard, "factory", None), "admission", None)
    ticket = getattr(guard, "ticket", None)
    if admission is not None and ticket is not None:
        admission.release(ticket)
        guard.ticket = None
        guard.client = None
