"""
Tests for L{chatd.cluster.cloaks}: the nodes of a cluster agree, through
Redis, on one cloak secret, so a guest's host is the same on every node.
"""

from __future__ import annotations

import stat
from pathlib import Path

import txredisapi
from twisted.internet.defer import fail
from twisted.internet.task import Clock
from twisted.internet.testing import MemoryReactorClock
from twisted.logger import capturedLogs, formatEvent
from twisted.trial.unittest import SynchronousTestCase

from chatd.cluster.address import RedisUnavailable
from chatd.cluster.cloaks import CLOAK_KEY, SharedCloak
from chatd.cluster.node import ClusterNode
from chatd.core.hosts import Hosts
from chatd.core.service import ChatService
from chatd.core.signedin import ProvenAccounts
from chatd.storage.cloakkey import cloakSecret, writeCloakSecret
from tests.support.fakeredis import FakeRedis

#: Two nodes' secrets, as each made its own at its first start.
FIRST, SECOND = bytes(range(32)), bytes(range(32, 64))


class SharedCloakTests(SynchronousTestCase):
    def setUp(self) -> None:
        self.redis = FakeRedis(Clock())

    def node(self, secret: bytes) -> tuple[Hosts, SharedCloak, Path]:
        """
        A node's hosts with C{secret}, its C{cloak.key} holding it, and
        what makes it agree with the cluster.
        """
        dataDir = Path(self.mktemp())
        dataDir.mkdir()
        path = dataDir / "cloak.key"
        writeCloakSecret(path, secret)
        hosts = Hosts(ProvenAccounts(), secret)
        return hosts, SharedCloak(hosts, path), path

    def test_twoNodesAgree(self) -> None:
        """
        Two nodes that start with different secrets end with the first's:
        one guest host for one address on both.  The second writes it to its
        C{cloak.key} (owner only), so a restart keeps it, and says so,
        naming the file; the first changes nothing.
        """
        a, agreeA, pathA = self.node(FIRST)
        b, agreeB, pathB = self.node(SECOND)
        self.assertNotEqual(a.cloak("127.0.0.1"), b.cloak("127.0.0.1"))
        with capturedLogs() as first:
            self.successResultOf(agreeA.agree(self.redis.execute))
        with capturedLogs() as second:
            self.successResultOf(agreeB.agree(self.redis.execute))
        self.assertEqual(a.secret, FIRST)
        self.assertEqual(b.secret, FIRST)
        self.assertEqual(b.cloak("127.0.0.1"), a.cloak("127.0.0.1"))
        self.assertEqual(cloakSecret(pathB.parent), FIRST)
        self.assertEqual(stat.S_IMODE(pathB.stat().st_mode), 0o600)
        self.assertEqual(cloakSecret(pathA.parent), FIRST)
        self.assertEqual(list(first), [])
        messages = [formatEvent(event) for event in second]
        self.assertEqual(len(messages), 1)
        self.assertIn(str(pathB), messages[0])
        self.assertNotIn(FIRST.hex(), messages[0])  # the secret is never logged
        self.assertNotIn(SECOND.hex(), messages[0])

    def test_redisRestartedEmpty(self) -> None:
        """
        A Redis that restarted empty gets the cluster's secret back from the
        first node to reconnect; a node with a new secret then adopts it.
        """
        a, agreeA, _ = self.node(FIRST)
        self.successResultOf(agreeA.agree(self.redis.execute))
        self.redis.data.clear()
        self.successResultOf(agreeA.agree(self.redis.execute))
        self.assertEqual(self.redis.cmd_GET(CLOAK_KEY), FIRST.hex())
        b, agreeB, _ = self.node(SECOND)
        self.successResultOf(agreeB.agree(self.redis.execute))
        self.assertEqual(b.secret, FIRST)

    def test_noSecretInRedis(self) -> None:
        """
        A value in Redis that is no secret is not taken: the node keeps its
        own and says so, naming the key.
        """
        self.redis.data[CLOAK_KEY] = ("not hexadecimal", None)
        hosts, agree, path = self.node(SECOND)
        with capturedLogs() as events:
            self.successResultOf(agree.agree(self.redis.execute))
        self.assertEqual(hosts.secret, SECOND)
        self.assertEqual(cloakSecret(path.parent), SECOND)
        self.assertIn(CLOAK_KEY, formatEvent(list(events)[0]))

    def test_refusedOrUnreachable(self) -> None:
        """
        A reply that is a Redis error leaves the node its own secret (the
        link comes up all the same); a connection's failure is the link's,
        which makes the connection again.
        """
        hosts, agree, _ = self.node(SECOND)
        refused = txredisapi.ResponseError("WRONGTYPE")
        with capturedLogs():
            self.successResultOf(agree.agree(lambda *a: fail(refused)))
        self.assertEqual(hosts.secret, SECOND)
        self.failureResultOf(
            agree.agree(lambda *a: fail(RedisUnavailable("away"))), RedisUnavailable
        )

    def test_unwritableFile(self) -> None:
        """
        A node that cannot write the cluster's secret to its file still
        uses it, and says which file holds the old one.
        """
        self.redis.data[CLOAK_KEY] = (FIRST.hex(), None)
        hosts = Hosts(ProvenAccounts(), SECOND)
        path = Path(self.mktemp()) / "missing" / "cloak.key"
        with capturedLogs() as events:
            self.successResultOf(SharedCloak(hosts, path).agree(self.redis.execute))
        self.assertEqual(hosts.secret, FIRST)
        self.assertIn(str(path), formatEvent(list(events)[0]))


class NodeTests(SynchronousTestCase):
    def test_linkAgreesBeforeItIsUp(self) -> None:
        """
        A cluster node's link runs the agreement on each new command
        connection (before the link is up): its service's hosts take the
        cluster's secret, and its data directory's C{cloak.key} holds it.
        """
        redis = FakeRedis(Clock())
        redis.data[CLOAK_KEY] = (FIRST.hex(), None)
        dataDir = Path(self.mktemp())
        dataDir.mkdir()
        writeCloakSecret(dataDir / "cloak.key", SECOND)
        service = ChatService(MemoryReactorClock())
        service.people.hosts.secret = SECOND
        node = ClusterNode(
            service, "redis://127.0.0.1:6379/0", MemoryReactorClock(), nodeId="n1",
            cloakFile=dataDir / "cloak.key",
        )  # fmt: skip
        with capturedLogs():
            self.successResultOf(node.link.handshake(redis.execute))
        self.assertEqual(service.people.hosts.secret, FIRST)
        self.assertEqual(cloakSecret(dataDir), FIRST)
