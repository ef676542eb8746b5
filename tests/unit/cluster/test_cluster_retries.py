"""
Tests for L{chatd.cluster.connections.QuietClientService}: what a Redis
outage writes in the log.
"""

from __future__ import annotations

from twisted.internet.error import ConnectionRefusedError
from twisted.internet.testing import MemoryReactorClock
from twisted.logger import capturedLogs, formatEvent
from twisted.python.failure import Failure
from twisted.trial.unittest import SynchronousTestCase

from chatd.cluster.address import RedisAddress
from chatd.cluster.redis import RedisLink


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
