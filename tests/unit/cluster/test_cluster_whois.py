"""
Tests for the console's C{whois} of a person in a cluster
(L{chatd.admin.whois}): every node says the same of their connections, an
always-on person with none open included.
"""

from __future__ import annotations

from argon2 import PasswordHasher
from twisted.internet.defer import maybeDeferred
from twisted.internet.task import Clock
from twisted.trial.unittest import SynchronousTestCase

from chatd.admin.commands import AdminConsole
from chatd.admin.timespec import formatTime
from chatd.core.accounts import Accounts, PasswordChecker
from chatd.core.alwayson import alwaysOnOf
from chatd.storage.memory import MemoryChatStore
from chatd.testing import RecordingParticipant, settled
from tests.support.fakenode import FakeNode
from tests.support.fakeredis import FakeRedis

#: What C{whois} says of an always-on person with no connection open.
ABSENT = "bea: not connected, present in their rooms (always on)"


class ClusterWhoisTests(SynchronousTestCase):
    def setUp(self) -> None:
        self.clock = Clock()
        self.clock.advance(1_700_000_000)
        self.redis = FakeRedis(self.clock)
        self.store = MemoryChatStore()  # the database the nodes share
        self.store.startService()
        self.a, self.b = (self.node(name) for name in "ab")
        self.settle()

    def node(self, name: str) -> FakeNode:
        checker = PasswordChecker(
            PasswordHasher(time_cost=1, memory_cost=8, parallelism=1), runInThread=maybeDeferred
        )
        accounts = Accounts(self.store, self.clock, checker)
        node = FakeNode(
            self, self.redis, name, sharedStore=True, store=self.store, accounts=accounts
        )
        node.start()
        return node

    def settle(self) -> None:
        for _ in range(12):
            self.clock.advance(0.25)
            self.a.turns()

    def signIn(self, node: FakeNode, protocol: str, address: str) -> RecordingParticipant:
        """
        Sign C{bea} in on C{node} over C{protocol} with her password, into
        lobby; the first time, she registers.
        """
        connection = RecordingParticipant(address, protocol)
        node.service.connect(connection)
        registered = self.successResultOf(self.store.accountHash("bea")) is not None
        login = settled(node.service.login(connection, "bea", "sesame" if registered else None))
        self.settle()
        self.successResultOf(login)
        if not registered:
            registering = node.service.register(connection, "sesame")
            self.settle()
            self.successResultOf(registering)
            node.service.enter(connection, "lobby")
            self.settle()
        return connection

    def whois(self, node: FakeNode) -> list[str]:
        reply = AdminConsole(node.service, "root").execute("whois bea")
        self.settle()
        lines: list[str] = self.successResultOf(reply).splitlines()
        return lines

    def test_severalConnectionsOnAnotherNode(self) -> None:
        """
        A person signed in twice on node a is shown with both connections
        on node b too, each with its front-end and since when (their
        address there is node a's).
        """
        since = [formatTime(self.clock.seconds())]
        self.signIn(self.a, "tchat", "10.0.0.1")
        self.clock.advance(5)
        since.append(formatTime(self.clock.seconds()))
        self.signIn(self.a, "web", "10.0.0.2")
        self.assertEqual(
            self.whois(self.a)[:2],
            [
                f"bea: connected from 10.0.0.1 over tchat since {since[0]} UTC",
                f"bea: connected from 10.0.0.2 over web since {since[1]} UTC",
            ],
        )
        self.assertEqual(
            self.whois(self.b)[:2],
            [
                f"bea: connected from node a over tchat since {since[0]} UTC",
                f"bea: connected from node a over web since {since[1]} UTC",
            ],
        )

    def test_alwaysOnWithoutConnectionOnAnotherNode(self) -> None:
        """
        An always-on person whose last connection on node a closed is not
        connected, says every node's C{whois}, alike; nor is it reached by
        C{announce} on node b.
        """
        bea = self.signIn(self.a, "talk", "10.0.0.1")
        alwaysOn = alwaysOnOf(self.a.service)
        assert alwaysOn is not None
        self.assertTrue(self.successResultOf(alwaysOn.set(bea, True)))
        self.a.service.disconnect(bea, "closed")
        self.settle()
        onA = self.whois(self.a)
        self.assertEqual(onA[0], ABSENT)
        self.assertEqual(self.whois(self.b), onA)
        announced = AdminConsole(self.b.service, "root").execute("announce hi")
        self.settle()
        self.assertEqual(self.successResultOf(announced), "announced to 0 user(s)")
