# -*- test-case-name: tests.unit.lines.test_keepalive -*-
"""
TCP keepalive: the kernel's check that the other end of a connection is
still there, for a client that answers no probe of the protocol's own (a
person reading the TCHAT port through C{telnet}, a client written from the
course's seed, which has no C{ALIVE}).

The kernel sends an empty segment after the connection has been idle a
while, which any live peer's TCP stack acknowledges without its program
knowing; after a few unanswered, or when sent data stays unacknowledged as
long, the connection is reset and the protocol sees it lost, as when the
peer closes.
"""

from __future__ import annotations

import socket
from math import ceil
from typing import Any

from twisted.logger import Logger

log = Logger()

#: Unanswered keepalive segments before the connection is given up.
PROBES = 3
_MACOS_IDLE = getattr(socket, "TCP_KEEPALIVE", None)


def tcpKeepAlive(transport: Any, after: float) -> bool:
    """
    Have the kernel check that the peer of C{transport} is alive: a
    keepalive segment after C{after} seconds of quiet, then every
    C{after / 3}; the connection is reset once the peer has answered
    nothing, neither those nor data sent to it, for C{2 * after} seconds
    (what L{chatd.lines.idle.Liveness} allows a probe's answer).

    @param transport: a TCP transport, or one wrapping it (TLS, PROXY).
    @return: whether keepalive is on (C{False}: no socket, as in a test,
        or a platform without the options).
    """
    sock = getattr(transport, "socket", None)
    if not isinstance(sock, socket.socket):
        return False
    idle = max(1, ceil(after))
    interval = max(1, ceil(after / PROBES))
    options = [
        (socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1),
        # macOS names the idle time TCP_KEEPALIVE.
        (socket.IPPROTO_TCP, getattr(socket, "TCP_KEEPIDLE", _MACOS_IDLE), idle),
        (socket.IPPROTO_TCP, getattr(socket, "TCP_KEEPINTVL", None), interval),
        (socket.IPPROTO_TCP, getattr(socket, "TCP_KEEPCNT", None), PROBES),
        # Keepalive waits while sent data is unacknowledged: this bounds that.
        (socket.IPPROTO_TCP, getattr(socket, "TCP_USER_TIMEOUT", None), 2 * idle * 1000),
    ]
    try:
        for level, name, value in options:
            if name is not None:
                sock.setsockopt(level, name, value)
    except OSError as error:
        log.info("TCP keepalive not set: {error}", error=error)
        return False
    return True
