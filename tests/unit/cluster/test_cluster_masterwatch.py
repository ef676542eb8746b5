"""
Tests for L{MasterWatch}: the subscriptions to the Sentinels'
C{+switch-master} channel (every Sentinel at once, each made again on its
own when lost), the connections it drops when a new master is named, the
periodic question to the Sentinels, and what it logs of a Sentinel that
does not answer, on a L{MemoryReactorClock} with fake Sentinels and the
real RESP client over L{StringTransport}s.
"""

from __future__ import annotations

from typing import Any

from twisted.internet.endpoints import TCP4ClientEndpoint
from twisted.internet.error import ConnectionDone, ConnectionRefusedError
from twisted.internet.protocol import Factory, Protocol
from twisted.internet.testing import MemoryReactorClock, StringTransport
from twisted.logger import LogLevel, capturedLogs, formatEvent
from twisted.python.failure import Failure
from twisted.trial.unittest import SynchronousTestCase

from chatd.cluster.address import SentinelAddress
from chatd.cluster.masterwatch import CHECK_EVERY, RESUBSCRIBE_AFTER, MasterWatch
from chatd.cluster.sentinel import QUERY_TIMEOUT, SentinelEndpoint
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
        transport = self.accept(self.reactor.tcpClients[-1][1])[1]
        self.links.append(self.successResultOf(d))
        return transport

    def attempts(self, port: int) -> int:
        """How many TCP connections to C{port} the reactor was asked for."""
        return sum(1 for client in self.reactor.tcpClients if client[1] == port)

    def accept(self, port: int) -> tuple[Any, StringTransport]:
        """
        Complete the last TCP connection to C{port} the reactor was asked for.
        """
        [factory] = [c[2] for c in self.reactor.tcpClients if c[1] == port][-1:]
        protocol = factory.buildProtocol(None)
        assert protocol is not None
        transport = StringTransport()
        protocol.makeConnection(transport)
        return protocol, transport

    def refuse(self, port: int) -> None:
        """
        Refuse the last TCP connection to C{port} the reactor was asked for.
        """
        [index] = [i for i, c in enumerate(self.reactor.tcpClients) if c[1] == port][-1:]
        self.reactor.tcpClients[index][2].clientConnectionFailed(
            self.reactor.connectors[index], Failure(ConnectionRefusedError())
        )

    def subscribe(self, port: int = 1) -> tuple[Any, StringTransport]:
        """
        Accept the watch's connection to the Sentinel on C{port} and
        confirm its subscription.
        """
        protocol, transport = self.accept(port)
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

    def test_silentSentinelAnotherAnnounces(self) -> None:
        """
        Every Sentinel is subscribed to at once: with one silent (hung:
        its connection open, nothing coming), another's announcement
        moves the link at once, without waiting for a question to time out.
        """
        link = self.connectLink()
        self.watch.startService()
        self.subscribe(1)  # then silent
        listener, _ = self.subscribe(2)
        self.subscribe(3)
        self.servers.redis(NEW[1], "master")
        listener.dataReceived(published("m 127.0.0.1 6379 127.0.0.1 6380"))
        self.assertTrue(link.disconnecting)
        self.assertEqual(self.endpoint.announced, (NEW, "127.0.0.1:2"))

    def test_everyAnnouncementDropsOnce(self) -> None:
        """
        Every Sentinel announcing the same switch drops a connection once
        and logs the move once.
        """
        self.connectLink()
        self.watch.startService()
        listeners = [self.subscribe(port)[0] for port in (1, 2, 3)]
        with capturedLogs() as events:
            for listener in listeners:
                listener.dataReceived(published("m 127.0.0.1 6379 127.0.0.1 6380"))
        self.assertEqual(len(events), 1)

    def test_eachSubscriptionMadeAgainOnItsOwn(self) -> None:
        """
        A subscription lost, or one that cannot be made, is made again to
        the same Sentinel after L{RESUBSCRIBE_AFTER}, doubled each time in
        a row, while the others stay; a switch heard on any is followed.
        """
        link = self.connectLink()
        self.watch.startService()
        listener, _ = self.subscribe(1)
        self.subscribe(2)
        self.refuse(3)  # the third Sentinel is down
        listener.connectionLost(Failure(ConnectionDone()))
        self.reactor.advance(RESUBSCRIBE_AFTER)
        self.assertEqual([self.attempts(port) for port in (1, 2, 3)], [2, 1, 2])
        self.refuse(3)
        self.reactor.advance(RESUBSCRIBE_AFTER)
        self.assertEqual(self.attempts(3), 2)  # twice as long now
        self.reactor.advance(RESUBSCRIBE_AFTER)
        listener, _ = self.subscribe(3)
        listener.dataReceived(published("m 127.0.0.1 6379 127.0.0.1 6380"))
        self.assertTrue(link.disconnecting)

    def test_silentSentinelLoggedOnce(self) -> None:
        """
        A Sentinel that does not answer is logged once, a warning, however
        often it fails in a row, and once when it answers again.
        """
        with capturedLogs() as events:
            self.watch.startService()
            self.refuse(1)
            for port in (2, 3):
                self.subscribe(port)
            self.reactor.advance(RESUBSCRIBE_AFTER)
            self.refuse(1)
            self.reactor.advance(RESUBSCRIBE_AFTER * 2)
            self.subscribe(1)
        self.assertEqual(
            [(e["log_level"], formatEvent(e)) for e in events if e["log_level"] > LogLevel.debug],
            [
                (
                    LogLevel.warn,
                    "Sentinel 127.0.0.1:1 does not answer: Connection was refused by other side.",
                ),
                (LogLevel.info, "Sentinel 127.0.0.1:1 answers again"),
            ],
        )

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

    def test_unansweredQuestionSubscribedAgain(self) -> None:
        """
        A Sentinel that does not answer the question loses its
        subscription, made again later.
        """
        self.watch.startService()
        del self.servers.replies[("127.0.0.1", 1)]
        listener, transport = self.subscribe(1)
        self.assertTrue(transport.disconnecting)
        listener.connectionLost(Failure(ConnectionDone()))
        self.reactor.advance(RESUBSCRIBE_AFTER)
        self.assertEqual(self.attempts(1), 2)

    def test_hungSentinel(self) -> None:
        """
        A Sentinel that accepts the connection but never confirms the
        subscription is left, and tried again later; the others are kept.
        """
        self.watch.startService()
        protocol, transport = self.accept(1)
        others = [self.subscribe(port)[1] for port in (2, 3)]
        self.reactor.advance(QUERY_TIMEOUT)
        self.assertTrue(transport.disconnecting)
        protocol.connectionLost(Failure(ConnectionDone()))
        self.reactor.advance(RESUBSCRIBE_AFTER)
        self.subscribe(1)
        self.assertEqual([t.disconnecting for t in others], [False, False])

    def test_stop(self) -> None:
        """
        Stopping closes the subscriptions and subscribes no more.
        """
        self.watch.startService()
        listener, transport = self.subscribe()
        self.refuse(2)
        self.watch.stopService()
        self.assertTrue(transport.disconnecting)
        listener.connectionLost(Failure(ConnectionDone()))
        clients = len(self.reactor.tcpClients)
        self.reactor.advance(CHECK_EVERY * 2)
        self.assertEqual(len(self.reactor.tcpClients), clients)
