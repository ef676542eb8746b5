"""
Tests for L{chatd.lines.keepalive}: TCP keepalive set on a connection's
socket, through the layers that may wrap it.
"""

from __future__ import annotations

from twisted.internet.address import IPv4Address
from twisted.internet.protocol import Factory, Protocol
from twisted.internet.testing import StringTransport
from twisted.protocols.policies import ProtocolWrapper, WrappingFactory
from twisted.trial.unittest import SynchronousTestCase

from chatd.lines.keepalive import tcpKeepAlive
from tests.support.helpers import SocketTransport

ADDRESS = IPv4Address("TCP", "127.0.0.1", 4321)


class KeepAliveTests(SynchronousTestCase):
    def transport(self) -> SocketTransport:
        transport = SocketTransport(ADDRESS)
        self.addCleanup(transport.socket.close)
        return transport

    def test_options(self) -> None:
        """
        Keepalive is on: a check after C{after} seconds of quiet, then every
        third of it, three unanswered (or data unacknowledged for twice
        C{after}) give the connection up; at least a second each.
        """
        transport = self.transport()
        self.assertTrue(tcpKeepAlive(transport, 15))
        self.assertEqual((1, 15, 5, 3, 30_000), transport.keepAlive())
        self.assertTrue(tcpKeepAlive(transport, 0.5))
        self.assertEqual((1, 1, 1, 3, 2_000), transport.keepAlive())

    def test_wrapped(self) -> None:
        """
        A wrapper's socket is the one under it (TLS, a PROXY header).
        """
        transport = self.transport()
        wrapper = ProtocolWrapper(WrappingFactory(Factory()), Protocol())
        wrapper.makeConnection(transport)
        self.assertTrue(tcpKeepAlive(wrapper, 15))
        self.assertEqual(1, transport.keepAlive()[0])

    def test_noSocket(self) -> None:
        """
        Without a socket, or with one that refuses, nothing is set.
        """
        self.assertFalse(tcpKeepAlive(StringTransport(), 15))
        transport = self.transport()
        transport.socket.close()
        self.assertFalse(tcpKeepAlive(transport, 15))
