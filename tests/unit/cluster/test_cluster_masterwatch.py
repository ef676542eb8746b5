"""
Tests for L{MasterWatch}: the subscription to the Sentinels'
C{+switch-master} channel (one Sentinel at a time, the next one when it is
lost), the connections it drops when a new master is named, and the
periodic question to the Sentinel, on a L{MemoryReactorClock} with fake
Sentinels and the real RESP client over L{StringTransport}s.
"""

from __future__ import annotations

from typing import Any

from twisted.internet.endpoints import TCP4ClientEndpoint
from twisted.internet.error import ConnectionDone, ConnectionRefusedError
from twisted.internet.protocol import Factory, Protocol
from twisted.internet.testing import MemoryReactorClock, StringTransport
from twisted.logger import capturedLogs, formatEvent
from twisted.python.failure import Failure
from twisted.trial.unittest import SynchronousTestCase

from chatd.cluster.address import SentinelAddress
from chatd.cluster.masterwatch import CHECK_EVERY, RESUBSCRIBE_AFTER, MasterWatch
from chatd.cluster.sentinel import SentinelEndpoint
from tests.support.fakesentinels import FakeServers

OLD, NEW = ("127.0.0.1", 6379), ("127.0.0.1", 6380)

SUBSCRIBE = b"*2\r\n$9\r\nSUBSCRIBE\r\n$14\r\n+switch-master\r\n"
SUBSCRIBED = b"*3\r\n$9\r\nsubscribe\r\n$14\r\n+switch-master\r\n:1\r\n"


def published(text: str) -> bytes:
    """
    A message on C{+switch-master}, as a Sentinel sends it to subscribers.
    """
    body = text.encode()
    return b"*3\r\n$7\r\nmessage\r\n$14\r\n+switch-master\r\n$%d\r\n%s\r\n" % (len(body), body)


class MasterWatchTests(SynchronousTestCase):
    def setUp(self) -> None:
        self.reactor = MemoryReactorClock()
        self.servers = FakeServers()
        for port in (1, 2, 3):
            self.servers.sentinel(port, OLD)
        self.servers.redis(OLD[1], "master")
        address = SentinelAddress.fromURL("redis+sentinel://127.0.0.1:1,127.0.0.1:2,127.0.0.1:3/m")
        self.endpoint = SentinelEndpoint(
            self.reactor, address, ask=self.servers.ask, endpointFor=self.tcp
        )
        self.links: list[Any] = []  # the link's connections
        self.watch = MasterWatch(self.reactor, self.endpoint, lambda: self.links, self.tcp)
        self.addCleanup(self.watch.stopService)

    def tcp(self, host: str, port: int) -> TCP4ClientEndpoint:
        return TCP4ClientEndpoint(self.reactor, host, port)

    def connectLink(self) -> StringTransport:
        """
        One connection of the link, made through the endpoint; its transport.
        """
        d = self.endpoint.connect(Factory.forProtocol(Protocol))
        transport = self.accept()[1]
        self.links.append(self.successResultOf(d))
        return transport

    def accept(self) -> tuple[Any, StringTransport]:
        """
        Complete the last TCP connection the reactor was asked for.
        """
        protocol = self.reactor.tcpClients[-1][2].buildProtocol(None)
        assert protocol is not None
        transport = StringTransport()
        protocol.makeConnection(transport)
        return protocol, transport

    def subscribe(self, port: int = 1) -> tuple[Any, StringTransport]:
        """
        Accept the watch's connection to the Sentinel on C{port} and
        confirm its subscription.
        """
        self.assertEqual(self.reactor.tcpClients[-1][:2], ("127.0.0.1", port))
        protocol, transport = self.accept()
        self.assertEqual(transport.value(), SUBSCRIBE)
        protocol.dataReceived(SUBSCRIBED)
        return protocol, transport

    def test_switchDropsConnectionsToTheOldMaster(self) -> None:
        """
        A C{+switch-master} for the link's master drops each connection
        made to the old master, at once, and the next connection goes to
        the new one although the first Sentinel still names the old one.
        """
        links = [self.connectLink(), self.connectLink()]
        self.watch.startService()
        listener, _ = self.subscribe()
        self.servers.redis(NEW[1], "master")
        with capturedLogs() as events:
            listener.dataReceived(published("m 127.0.0.1 6379 127.0.0.1 6380"))
        self.assertEqual([t.disconnecting for t in links], [True, True])
        self.assertEqual(
            [formatEvent(e) for e in events],
            ["Sentinel 127.0.0.1:1 names 127.0.0.1:6380 as master m: moving to it"],
        )
        self.links.clear()
        self.connectLink()
        self.assertEqual(self.reactor.tcpClients[-1][:2], NEW)

    def test_otherMastersAndNewConnectionsKept(self) -> None:
        """
        A switch of another master changes nothing; nor does one to the
        master the connections were already made to (they found it first,
        the old one having died).
        """
        self.servers.sentinel(1, NEW)
        self.servers.redis(OLD[1], "slave")
        self.servers.redis(NEW[1], "master")
        link = self.connectLink()
        self.watch.startService()
        listener, _ = self.subscribe()
        listener.dataReceived(published("other 127.0.0.1 6380 127.0.0.1 6381"))
        listener.dataReceived(published("m 127.0.0.1 6379 127.0.0.1 6380"))
        self.assertFalse(link.disconnecting)

    def test_nextSentinelWhenLost(self) -> None:
        """
        A subscription lost, or one that cannot be made, is made again
        after L{RESUBSCRIBE_AFTER} to the next Sentinel, around the list;
        a switch heard there is followed.
        """
        link = self.connectLink()
        self.watch.startService()
        listener, _ = self.subscribe(1)
        listener.connectionLost(Failure(ConnectionDone()))
        self.reactor.advance(RESUBSCRIBE_AFTER)
        connector = self.reactor.connectors[-1]
        self.reactor.tcpClients[-1][2].clientConnectionFailed(
            connector, Failure(ConnectionRefusedError())
        )  # the second Sentinel is down
        self.reactor.advance(RESUBSCRIBE_AFTER)
        listener, _ = self.subscribe(3)
        listener.connectionLost(Failure(ConnectionDone()))
        self.reactor.advance(RESUBSCRIBE_AFTER)
        listener, _ = self.subscribe(1)
        listener.dataReceived(published("m 127.0.0.1 6379 127.0.0.1 6380"))
        self.assertTrue(link.disconnecting)

    def test_namedTwiceFollowed(self) -> None:
        """
        A switch not heard (the subscription was down) is found by the
        question to the Sentinel, on subscribing and every L{CHECK_EVERY}
        seconds: a master named twice in a row, other than a connection's,
        is followed.  Named once (a Sentinel not yet told, after the
        connections found the new master) it is not.
        """
        link = self.connectLink()
        self.servers.sentinel(1, NEW)
        self.watch.startService()
        self.subscribe()  # asked once
        self.assertFalse(link.disconnecting)
        self.servers.sentinel(1, OLD)
        self.reactor.advance(CHECK_EVERY)
        self.servers.sentinel(1, NEW)
        self.reactor.advance(CHECK_EVERY)
        self.assertFalse(link.disconnecting)
        self.reactor.advance(CHECK_EVERY)
        self.assertTrue(link.disconnecting)
        self.assertEqual(self.endpoint.announced, (NEW, "127.0.0.1:1"))

    def test_unansweredQuestionNextSentinel(self) -> None:
        """
        A Sentinel that does not answer the question loses the
        subscription to the next one.
        """
        self.watch.startService()
        del self.servers.replies[("127.0.0.1", 1)]
        _, transport = self.subscribe(1)
        self.assertTrue(transport.disconnecting)

    def test_hungSentinel(self) -> None:
        """
        A Sentinel that accepts the connection but never confirms the
        subscription is left for the next one.
        """
        self.watch.startService()
        protocol, transport = self.accept()
        self.reactor.advance(2.0)
        self.assertTrue(transport.disconnecting)
        protocol.connectionLost(Failure(ConnectionDone()))
        self.reactor.advance(RESUBSCRIBE_AFTER)
        self.subscribe(2)

    def test_stop(self) -> None:
        """
        Stopping closes the subscription and subscribes no more.
        """
        self.watch.startService()
        listener, transport = self.subscribe()
        self.watch.stopService()
        self.assertTrue(transport.disconnecting)
        listener.connectionLost(Failure(ConnectionDone()))
        clients = len(self.reactor.tcpClients)
        self.reactor.advance(CHECK_EVERY * 2)
        self.assertEqual(len(self.reactor.tcpClients), clients)
