"""
Tests for how a L{RedisLink} retries (L{chatd.cluster.connections}): what
a Redis outage writes in the log, and the back-off between attempts when
Redis refuses connections, accepts them and resets them before they are
ready, or accepts them and never answers.
"""

from __future__ import annotations

from twisted.internet.error import ConnectionDone, ConnectionRefusedError
from twisted.internet.testing import MemoryReactorClock, StringTransport
from twisted.logger import capturedLogs, formatEvent
from twisted.python.failure import Failure
from twisted.trial.unittest import SynchronousTestCase

from chatd.cluster.address import RedisAddress
from chatd.cluster.connections import REPLY_TIMEOUT
from chatd.cluster.redis import RedisLink

#: The link's longest back-off here (a node's TTL / 2), before jitter.
MAX_DELAY = 2.5


class OutageLogTests(SynchronousTestCase):
    def test_oneLinePerOutage(self) -> None:
        """
        Redis refusing every connection of the link (commands and reader)
        again and again is one line in the log, not two per retry.
        """
        reactor = MemoryReactorClock()
        address = RedisAddress.fromURL("redis://127.0.0.1:6379/0")
        link = RedisLink(reactor, address, "inbox", lambda channel, message: None)
        failed = 0
        with capturedLogs() as events:
            link.startService()
            for _ in range(8):
                for connector, (_, _, factory, _, _) in list(
                    zip(reactor.connectors, reactor.tcpClients, strict=True)
                )[failed:]:
                    factory.clientConnectionFailed(connector, Failure(ConnectionRefusedError()))
                    failed += 1
                reactor.advance(3)  # past the longest back-off
            link.stopService()
        self.assertGreaterEqual(failed, 6)  # retried, both connections
        self.assertEqual(
            [formatEvent(event) for event in events],
            ["cannot reach Redis at redis://127.0.0.1:6379/0; retrying"],
        )


class UnreadyTests(SynchronousTestCase):
    """
    Redis (or a proxy before it) accepts every connection, which then fails
    before it is ready: each such connection is a failed attempt, so the
    link backs off as it would from refused connections, and the outage is
    logged once.
    """

    def setUp(self) -> None:
        self.reactor = MemoryReactorClock()
        address = RedisAddress.fromURL("redis://127.0.0.1:6379/0")
        self.link = RedisLink(
            self.reactor, address, "inbox", lambda channel, message: None, maxDelay=MAX_DELAY
        )
        self.made = 0
        self.attempts: dict[str, list[float]] = {"PING": [], "XREVRANGE": []}
        self.open: list[tuple[object, StringTransport]] = []

    def accept(self) -> None:
        """
        Accept every connection asked for since the last call.
        """
        for _, _, factory, _, _ in self.reactor.tcpClients[self.made :]:
            self.made += 1
            protocol = factory.buildProtocol(None)
            assert protocol is not None
            transport = StringTransport()
            protocol.makeConnection(transport)
            kind = "PING" if b"PING" in transport.value() else "XREVRANGE"
            self.attempts[kind].append(self.reactor.seconds())  # when each kind was made
            self.open.append((protocol, transport))

    def reset(self, dropped: bool = False) -> None:
        """
        Close every open connection, as a proxy that resets them does (or,
        with C{dropped}, those the link dropped).
        """
        closing = [(p, t) for p, t in self.open if not dropped or t.disconnecting]
        for protocol, transport in closing:
            self.open.remove((protocol, transport))
            protocol.connectionLost(Failure(ConnectionDone("reset")))  # type: ignore[attr-defined]

    def outage(self, seconds: float, hang: bool = False) -> list[str]:
        """
        For C{seconds}, accept each connection and reset it at once (or,
        with C{hang}, leave it unanswered until its PING times out, then
        close it); the log lines meanwhile.
        """
        with capturedLogs() as events:
            self.link.startService()
            for _ in range(int(seconds * 10)):
                self.accept()
                self.reset(dropped=hang)
                self.reactor.advance(0.1)
            self.link.stopService()
            self.reactor.advance(2)
        return [formatEvent(event) for event in events]

    def assertBacksOff(self) -> None:
        """
        Both connections (commands, which PING first, and the reader)
        were tried again and again, each one's later tries at least
        L{MAX_DELAY} apart.
        """
        for starts in self.attempts.values():
            self.assertGreaterEqual(len(starts), 6)
            gaps = [later - earlier for earlier, later in zip(starts, starts[1:], strict=False)]
            self.assertTrue(all(gap >= MAX_DELAY - 0.01 for gap in gaps[5:]), gaps)

    def test_resetBeforeReady(self) -> None:
        """
        Connections reset before they are ready, for 26 s: the link backs off
        to L{MAX_DELAY} between tries (not ~0.7 s each time, as after a
        connection that was made), and logs one "not ready" line.
        """
        lines = self.outage(26)
        self.assertBacksOff()
        self.assertLessEqual(len(self.attempts["PING"]), 14)
        self.assertEqual(
            [line for line in lines if "not ready" in line],
            ["a new connection to Redis was not ready: Lost connection"],
        )
        self.assertEqual(
            [line for line in lines if "cannot reach" in line],
            ["cannot reach Redis at redis://127.0.0.1:6379/0; retrying"],
        )

    def test_hungRedis(self) -> None:
        """
        A Redis that accepts connections and never answers (stopped with
        C{SIGSTOP}): each new connection's PING times out after
        L{REPLY_TIMEOUT}, which is logged once for the outage, not once
        per try.
        """
        lines = self.outage(40, hang=True)
        self.assertGreaterEqual(len(self.attempts["PING"]), 4)
        timedOut = f"Not received Redis response in {REPLY_TIMEOUT} seconds"
        self.assertEqual(
            [line for line in lines if "not ready" in line],
            [f"a new connection to Redis was not ready: {timedOut}"],
        )
