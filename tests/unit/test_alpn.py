"""
Tests for L{chatd.alpn}: the protocol a TLS listener agrees to by ALPN,
and no ALPN rather than a failed handshake when it speaks none offered.
"""

from __future__ import annotations

from typing import Any

from OpenSSL.SSL import NO_OVERLAPPING_PROTOCOLS
from twisted.internet.protocol import Factory
from twisted.protocols.policies import WrappingFactory
from twisted.trial.unittest import SynchronousTestCase
from twisted.web.resource import Resource

from chatd.alpn import HTTP_1_1, offered, select
from chatd.web.channel import ChatSite


class FakeTLS:
    """
    What the select callback reaches through the connection: the TLS
    protocol, whose factory (a L{WrappingFactory}, as
    L{twisted.protocols.tls.TLSMemoryBIOFactory}) wraps the listener's.
    """

    def __init__(self, wrapped: Any) -> None:
        self.factory = WrappingFactory(wrapped)


class FakeConnection:
    def __init__(self, tls: FakeTLS) -> None:
        self.tls = tls

    def get_app_data(self) -> FakeTLS:
        return self.tls


class ALPNTests(SynchronousTestCase):
    def test_webSpeaksHTTP11(self) -> None:
        """
        The web site, behind the wrappers around it (its guard), agrees to
        HTTP/1.1 and nothing else, whatever else the browser prefers.
        """
        web = FakeTLS(WrappingFactory(WrappingFactory(ChatSite(Resource()))))
        self.assertEqual(offered(web), (HTTP_1_1,))
        chosen = select(FakeConnection(web), [b"h2", b"http/1.1"])  # type: ignore[arg-type]
        self.assertEqual(chosen, HTTP_1_1)

    def test_noOverlapMeansNoALPN(self) -> None:
        """
        A client offering only what the listener does not speak, or a line
        listener that negotiates nothing, gets no ALPN answer (the
        handshake goes on) rather than an empty protocol (an alert).
        """
        web = FakeTLS(ChatSite(Resource()))
        self.assertIs(select(FakeConnection(web), [b"h2"]), NO_OVERLAPPING_PROTOCOLS)  # type: ignore[arg-type]
        line = FakeTLS(Factory())
        self.assertEqual(offered(line), ())
        self.assertIs(select(FakeConnection(line), [b"irc"]), NO_OVERLAPPING_PROTOCOLS)  # type: ignore[arg-type]
