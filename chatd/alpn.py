# -*- test-case-name: tests.unit.test_alpn -*-
"""
ALPN for the daemon's TLS listeners.  Twisted's own select callback
answers a client whose offer shares nothing with the listener (an IRC or
TCHAT port, which negotiates nothing; C{h2} alone to the web) with an empty
protocol, which OpenSSL turns into an C{internal error} alert: browsers,
curl and C{openssl s_client -alpn} could not connect.  Here such a client
is answered without ALPN, as most servers do, and the handshake goes on.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from OpenSSL.SSL import NO_OVERLAPPING_PROTOCOLS, Connection, Context
from twisted.internet.interfaces import IProtocolNegotiationFactory

#: What a web listener agrees to (L{chatd.web.channel.ChatSite}).
HTTP_1_1 = b"http/1.1"


def offered(tlsProtocol: Any) -> Sequence[bytes]:
    """
    The protocols the factory behind C{tlsProtocol} (a
    L{TLSMemoryBIOProtocol}) speaks, most preferred first, as the first
    L{IProtocolNegotiationFactory} down its wrappers (the web's guard, a
    C{haproxy:} reader) says; none if none says.
    """
    factory = getattr(tlsProtocol.factory, "wrappedFactory", None)
    while factory is not None:
        negotiating = IProtocolNegotiationFactory(factory, None)
        if negotiating is not None:
            return tuple(negotiating.acceptableProtocols())
        factory = getattr(factory, "wrappedFactory", None)
    return ()


def select(connection: Connection, clientProtocols: list[bytes]) -> Any:
    """
    The first protocol the listener speaks that the client offered, or no
    ALPN at all when there is none.
    """
    for protocol in offered(connection.get_app_data()):
        if protocol in clientProtocols:
            return protocol
    return NO_OVERLAPPING_PROTOCOLS


def negotiate(context: Context) -> None:
    """
    Make C{context} choose its connections' ALPN protocol with L{select}.
    """
    context.set_alpn_select_callback(select)
