# -*- test-case-name: tests.integration.test_outbox -*-
"""
Sending straight to a TCP socket: which transports an L{chatd.lines.outbox.Outbox}
may write to itself, skipping Twisted's buffer, and when.
"""

from __future__ import annotations

from twisted.internet.interfaces import ITransport
from twisted.internet.tcp import Connection

from chatd.proxied import ProxiedConnection


def directTransport(transport: ITransport) -> Connection | None:
    """
    The TCP connection whose socket L{chatd.lines.outbox.Outbox.flush} may send to itself,
    skipping Twisted's buffer, or C{None} to always go through
    C{transport.write}.

    C{transport.write} only queues: the socket is written on the reactor's
    next turn, after registering for and dispatching a writable event, which
    at light load costs about as much CPU as the whole fan-out (see
    docs/dev/decisions/outbox-direct-send.md).  Only plain TCP transports qualify, and only while
    this Twisted keeps the buffer attributes L{sendable} reads: should a
    release drop them, chatd falls back to plain writes rather than fail.
    The PROXY layer of a listener behind a load balancer
    (L{chatd.proxied}) passes writes straight on, so its connection
    qualifies too.
    """
    if isinstance(transport, ProxiedConnection):
        transport = transport.transport  # type: ignore[assignment]
    if isinstance(transport, Connection) and hasattr(transport, "_tempDataLen"):
        return transport
    return None


def sendable(transport: Connection) -> bool:
    """
    Whether output may go to the socket now: Twisted holds nothing queued
    (order), the connection is open, and no TLS layer must see the bytes
    first.  (Twisted resets C{dataBuffer} to C{b""} once it is all sent.)
    """
    return bool(
        transport.connected
        and not transport.disconnecting
        and not transport.TLS
        and not transport._tempDataLen
        and not transport.dataBuffer
    )
