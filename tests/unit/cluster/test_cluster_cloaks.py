"""
Tests for L{chatd.cluster.cloaks}: the nodes of a cluster agree, through
Redis, on one cloak secret, so a guest's host is the same on every node;
the secret of a shared database wins over Redis's.
"""

from __future__ import annotations

import gc
import sqlite3
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

import txredisapi
from twisted.internet.defer import Deferred, fail, maybeDeferred
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
from chatd.storage.cloakkey import CloakSecret, cloakSecret, writeCloakSecret
from chatd.storage.storedcloak import agreeStoredSecret
from tests.support.fakenode import GUEST_HOST, TwoNodes
from tests.support.fakeredis import FakeRedis


def inline(f: Callable[..., Any], *args: Any) -> Deferred[Any]:
    """
    Run what the code would run in a thread at once (trial's synchronous
    tests run no reactor).
    """
    return maybeDeferred(f, *args)


#: Two nodes' secrets, as each made its own at its first start.
FIRST, SECOND = bytes(range(32)), bytes(range(32, 64))
#: A third, for a Redis that changes its mind.
THIRD = bytes(range(64, 96))


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
        return hosts, SharedCloak(hosts, path, runInThread=inline), path

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
            agreed = SharedCloak(hosts, path, runInThread=inline).agree(self.redis.execute)
            self.successResultOf(agreed)
        self.assertEqual(hosts.secret, FIRST)
        self.assertIn(str(path), formatEvent(list(events)[0]))

    def test_fileWrittenInAThread(self) -> None:
        """
        The cluster's secret is in use as soon as Redis gives it; the file
        is written in a thread (it syncs the disk), and the agreement (so
        the link) waits for that write.  Writes go one at a time.
        """
        self.redis.data[CLOAK_KEY] = (FIRST.hex(), None)
        hosts, _, path = self.node(SECOND)
        writes: list[tuple[Callable[..., Any], tuple[Any, ...], Deferred[Any]]] = []

        def thread(f: Callable[..., Any], *args: Any) -> Deferred[Any]:
            d: Deferred[Any] = Deferred()
            writes.append((f, args, d))
            return d

        agree = SharedCloak(hosts, path, runInThread=thread)
        with capturedLogs() as events:
            first = agree.agree(self.redis.execute)
            self.assertEqual(hosts.secret, FIRST)
            self.assertNoResult(first)
            self.assertEqual(cloakSecret(path.parent), SECOND)
            self.redis.data[CLOAK_KEY] = (THIRD.hex(), None)
            second = agree.agree(self.redis.execute)
            self.assertEqual(hosts.secret, THIRD)
            self.assertEqual(len(writes), 1)  # the second waits for the first
            f, args, d = writes[0]
            d.callback(f(*args))
            self.successResultOf(first)
            self.assertEqual(cloakSecret(path.parent), FIRST)
            self.assertEqual(len(writes), 2)
            f, args, d = writes[1]
            d.callback(f(*args))
            self.successResultOf(second)
        self.assertEqual(cloakSecret(path.parent), THIRD)
        self.assertEqual(len([e for e in events if str(path) in formatEvent(e)]), 2)

    def test_databaseWins(self) -> None:
        """
        A node whose secret is the shared database's makes Redis hold it,
        whatever Redis held, keeps its own, and warns, naming the key but
        neither secret; an empty Redis, or one holding the same, is set
        quietly.
        """
        self.redis.data[CLOAK_KEY] = (SECOND.hex(), None)
        dataDir = Path(self.mktemp())
        dataDir.mkdir()
        writeCloakSecret(dataDir / "cloak.key", FIRST)
        hosts = Hosts(ProvenAccounts(), FIRST)
        agree = SharedCloak(
            hosts, dataDir / "cloak.key", fromDatabase=lambda: True, runInThread=inline
        )
        with capturedLogs() as events:
            self.successResultOf(agree.agree(self.redis.execute))
        self.assertEqual(hosts.secret, FIRST)
        self.assertEqual(self.redis.cmd_GET(CLOAK_KEY), FIRST.hex())
        self.assertEqual(cloakSecret(dataDir), FIRST)
        [message] = [formatEvent(event) for event in events]
        self.assertIn(CLOAK_KEY, message)
        self.assertIn("database", message)
        self.assertNotIn(FIRST.hex(), message)
        self.assertNotIn(SECOND.hex(), message)
        with capturedLogs() as quiet:
            self.successResultOf(agree.agree(self.redis.execute))
            self.redis.data.clear()
            self.successResultOf(agree.agree(self.redis.execute))
        self.assertEqual(list(quiet), [])
        self.assertEqual(self.redis.cmd_GET(CLOAK_KEY), FIRST.hex())

    def test_insistOnceTakenFromDatabase(self) -> None:
        """
        A node that took the database's secret while connected (the
        database answered after its start) makes Redis hold it at once,
        saying so if Redis held another; Redis away, nothing fails (the
        next connection insists).
        """
        self.redis.data[CLOAK_KEY] = (SECOND.hex(), None)
        hosts, agree, _ = self.node(FIRST)
        with capturedLogs() as events:
            agree.insist(self.redis.execute)
        self.assertEqual(self.redis.cmd_GET(CLOAK_KEY), FIRST.hex())
        [message] = [formatEvent(event) for event in events]
        self.assertIn(CLOAK_KEY, message)
        agree.insist(lambda *a: fail(RedisUnavailable("away")))
        gc.collect()  # (an unhandled failure would be logged now)
        self.assertEqual(self.flushLoggedErrors(), [])

    def test_databaseTakenWhileRedisAnswers(self) -> None:
        """
        A reply of Redis that comes after the node took the database's
        secret does not replace it.
        """
        hosts, _, path = self.node(SECOND)
        fromDatabase = [False]
        agree = SharedCloak(hosts, path, fromDatabase=lambda: fromDatabase[0], runInThread=inline)
        reply: Deferred[Any] = Deferred()
        agreed = agree.agree(lambda *a: reply)
        fromDatabase[0], hosts.secret = True, FIRST
        reply.callback(THIRD.hex().encode())
        self.successResultOf(agreed)
        self.assertEqual(hosts.secret, FIRST)


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
        node.cloak.runInThread = inline
        with capturedLogs():
            self.successResultOf(node.link.handshake(redis.execute))
        self.assertEqual(service.people.hosts.secret, FIRST)
        self.assertEqual(cloakSecret(dataDir), FIRST)

    def test_cloakTakenWhileLinked(self) -> None:
        """
        A node whose secret became the database's after its start gives it
        to Redis at once while its link is up; while it is down, nothing
        is sent (the next connection insists).
        """
        redis = FakeRedis(Clock())
        redis.data[CLOAK_KEY] = (SECOND.hex(), None)
        service = ChatService(MemoryReactorClock())
        service.people.hosts.secret = FIRST
        node = ClusterNode(service, "redis://127.0.0.1:6379/0", MemoryReactorClock(), nodeId="n1")
        node.cloakTaken()
        self.assertEqual(redis.cmd_GET(CLOAK_KEY), SECOND.hex())
        node.link.up = True
        self.patch(node.link, "execute", redis.execute)
        with capturedLogs():
            node.cloakTaken()
        self.assertEqual(redis.cmd_GET(CLOAK_KEY), FIRST.hex())


class DatabaseHomeTests(SynchronousTestCase):
    def test_emptiedRedisNewNodeFirst(self) -> None:
        """
        Nodes sharing a database: node a starts, and a guest has a host.
        Every node stops, Redis is emptied, and node b, with a fresh data
        directory, starts first: it takes the database's secret before it
        serves anyone, gives it to Redis, and the guest's host on b is the
        one it had on a.
        """
        database = sqlite3.connect(":memory:")

        def stored(offered: bytes) -> bytes:
            with database:
                return agreeStoredSecret(database.cursor(), "qmark", offered)

        redis = FakeRedis(Clock())

        def start(name: str) -> Hosts:
            dataDir = Path(self.mktemp())
            service = ChatService(MemoryReactorClock())
            cloak = CloakSecret(dataDir, service.people.hosts, stored)
            cloak.startService()
            node = ClusterNode(
                service, "redis://127.0.0.1:6379/0", MemoryReactorClock(), nodeId=name,
                cloakFile=dataDir / "cloak.key", cloakFromDatabase=lambda: cloak.fromDatabase,
            )  # fmt: skip
            node.cloak.runInThread = inline
            self.successResultOf(node.link.handshake(redis.execute))
            return service.people.hosts

        with capturedLogs():
            a = start("a")
            before = a.cloak("192.0.2.7")
            redis.data.clear()
            b = start("b")
        self.assertEqual(b.cloak("192.0.2.7"), before)
        self.assertEqual(redis.cmd_GET(CLOAK_KEY), a.secret.hex())


class ChangedCloakTests(TwoNodes):
    def test_otherNodesToldOfTheNewHost(self) -> None:
        """
        A guest of node A whose host changes with A's cloak secret (taken
        from the database, or from Redis, after the guest came in) is shown
        C{CHGHOST} on node B by the members of its channels that asked for
        C{chghost}, from the host B showed; B shows the new host from then on.
        """
        alice = self.ircClient(self.a, "alice", "chghost")
        bob = self.ircClient(self.b, "bob", "chghost")
        carol = self.ircClient(self.b, "carol")
        for client in (alice, bob, carol):
            client.send("JOIN #lobby")
        self.settle()
        for client in (alice, bob, carol):
            client.read()
        self.a.service.people.hosts.secret = bytes(range(32))  # as CloakSecret or SharedCloak do
        self.settle()
        new = self.a.service.people.hosts.cloak("127.0.0.1")
        self.assertNotEqual(new, GUEST_HOST)
        change = f":alice!alicex@{GUEST_HOST} CHGHOST alicex {new}\r\n"
        self.assertEqual(alice.read(), change)
        self.assertEqual(bob.read(), change)
        self.assertEqual(carol.read(), "")
        alice.send("PRIVMSG #lobby :hi")
        self.settle()
        self.assertEqual(carol.read(), f":alice!alicex@{new} PRIVMSG #lobby :hi\r\n")

    def test_newHostLearnedFromAWholeState(self) -> None:
        """
        A guest of node A whose host changes while A's Redis link is down
        reaches node B only in A's whole state once the link is back: B's
        members of its channels that asked for C{chghost} are shown
        C{CHGHOST} all the same, as for a live change; the others keep the
        old host until they see the guest again.
        """
        alice = self.ircClient(self.a, "alice", "chghost")
        bob = self.ircClient(self.b, "bob", "chghost")
        carol = self.ircClient(self.b, "carol")
        for client in (alice, bob, carol):
            client.send("JOIN #lobby")
        self.settle()
        for client in (alice, bob, carol):
            client.read()
        self.down()
        # Longer than A's queue and the envelopes it keeps to send again hold.
        self.a.bus.queueLimit = self.a.bus.sent.limit = 0
        self.a.bus.sent.forget("b")
        self.a.service.people.hosts.secret = bytes(range(32))  # cloaked with an interim secret
        self.settle()
        new = self.a.service.people.hosts.cloak("127.0.0.1")
        change = f":alice!alicex@{GUEST_HOST} CHGHOST alicex {new}\r\n"
        self.assertEqual(alice.read(), change)
        self.assertEqual(bob.read(), "")
        self.up()
        self.assertEqual(bob.read(), change)
        self.assertEqual(carol.read(), "")
        self.assertEqual(alice.read(), "")
        alice.send("PRIVMSG #lobby :hi")
        self.settle()
        self.assertEqual(carol.read(), f":alice!alicex@{new} PRIVMSG #lobby :hi\r\n")
