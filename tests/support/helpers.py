"""
Helpers for driving chatd's protocols in memory.
"""

from __future__ import annotations

import re
import socket
from collections.abc import Callable
from typing import Any

from twisted.internet.address import IPv4Address
from twisted.internet.task import Clock
from twisted.internet.testing import StringTransport

_port = [40000]


def connect(factory: Any, clock: Clock, host: str = "127.0.0.1") -> tuple[Any, StringTransport]:
    """
    Build a protocol from C{factory} on a fresh L{StringTransport}; output is
    flushed by C{clock.advance(0)} (see L{output}).
    """
    _port[0] += 1
    proto = factory.buildProtocol(IPv4Address("TCP", host, _port[0]))
    assert proto is not None
    transport = StringTransport(peerAddress=IPv4Address("TCP", host, _port[0]))
    proto.makeConnection(transport)
    return proto, transport


def guestHost(service: Any, address: str = "127.0.0.1") -> str:
    """
    The host C{service} shows for a guest connected from C{address} (the
    address L{connect} gives): its cloak (L{chatd.core.hosts}).
    """
    host: str = service.people.hosts.cloak(address)
    return host


def output(transport: StringTransport, clock: Clock) -> bytes:
    """
    Everything written to C{transport} so far, after this reactor turn's
    flush; the transport is cleared.
    """
    clock.advance(0)
    data: bytes = transport.value()
    transport.clear()
    return data


def turn(clock: Clock) -> None:
    """
    Run the calls due that were scheduled before now, in order, as the
    reactor's turn does: those they schedule wait for the next turn.
    """
    due = [call for call in clock.calls if call.getTime() <= clock.seconds()]
    for call in due:
        if call.active():
            clock.calls.remove(call)
            call.called = 1
            call.func(*call.args, **call.kw)


class SlowTransport(StringTransport):
    """
    A transport whose reader lags: like Twisted's, it pauses its producer
    once more than C{bufferSize} bytes wait, and resumes it when the
    reader has read everything (L{read}).
    """

    def __init__(self, bufferSize: int) -> None:
        super().__init__()
        self.bufferSize = bufferSize
        self.paused = False

    def write(self, data: bytes) -> None:
        super().write(data)
        if len(self.value()) > self.bufferSize and self.producer is not None and not self.paused:
            self.paused = True
            self.producer.pauseProducing()

    def read(self) -> bytes:
        data: bytes = self.value()
        self.clear()
        if self.paused and self.producer is not None:
            self.paused = False
            self.producer.resumeProducing()
        return data


def readAll(
    transport: SlowTransport,
    clock: Clock,
    until: bytes,
    rounds: int = 1000,
    check: Callable[[], object] = lambda: None,
) -> bytes:
    """
    What a reader whose buffer holds C{transport.bufferSize} bytes reads,
    a reactor turn then a read at a time, up to and including C{until}
    (or C{rounds} turns); C{check} runs after each turn.
    """
    got = b""
    for _ in range(rounds):
        clock.advance(0)
        check()
        got += transport.read()
        if until in got:
            break
    return got


class SocketTransport(StringTransport):
    """
    A L{StringTransport} with a real, unconnected TCP socket as its
    C{socket} (as Twisted's TCP transports have), so that socket options set
    on the connection can be read back; L{close} it after the test.
    """

    def __init__(self, peerAddress: IPv4Address) -> None:
        super().__init__(peerAddress=peerAddress)
        self.socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)

    def keepAlive(self) -> tuple[int, ...]:
        """
        C{SO_KEEPALIVE}, C{TCP_KEEPIDLE}, C{TCP_KEEPINTVL}, C{TCP_KEEPCNT}
        and C{TCP_USER_TIMEOUT} as set on the socket (Linux).
        """
        return tuple(
            self.socket.getsockopt(level, name)
            for level, name in [
                (socket.SOL_SOCKET, socket.SO_KEEPALIVE),
                (socket.IPPROTO_TCP, socket.TCP_KEEPIDLE),
                (socket.IPPROTO_TCP, socket.TCP_KEEPINTVL),
                (socket.IPPROTO_TCP, socket.TCP_KEEPCNT),
                (socket.IPPROTO_TCP, socket.TCP_USER_TIMEOUT),
            ]
        )


def connectSocket(factory: Any, clock: Clock) -> tuple[Any, SocketTransport]:
    """
    As L{connect}, on a L{SocketTransport}, whose socket the caller closes.
    """
    _port[0] += 1
    address = IPv4Address("TCP", "127.0.0.1", _port[0])
    proto = factory.buildProtocol(address)
    assert proto is not None
    transport = SocketTransport(address)
    proto.makeConnection(transport)
    return proto, transport


#: Why a login to an account signed in on another node of a cluster is
#: refused, as every front-end says it (TCHAT in a notice before C{ERROR 23}).
SIGNED_IN_ELSEWHERE = (
    "that account is signed in on another server of this chat, and one account's"
    " connections must all be on the same server: sign out there first (if that"
    " server just stopped, try again in a few seconds)"
)


def refusedElsewhere(said: bytes) -> bool:
    """
    Whether C{said} is TCHAT's whole answer to a LOGIN of an account signed
    in on another node, at any time: the reason in a notice, then C{ERROR 23}.
    """
    reason = re.escape(SIGNED_IN_ELSEWHERE.encode())
    return (
        re.fullmatch(rb"srv: NOTICE \d+\nsrv: " + reason + rb"\nsrv: \.\nsrv: ERROR 23\n", said)
        is not None
    )
