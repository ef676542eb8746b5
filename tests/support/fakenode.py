"""
L{FakeNode}: one cluster node (a service, its bus, presence and bridge) on a
L{FakeRedis}, for the unit tests of the cluster that run several nodes on one
L{Clock}; L{TwoNodes}, a test case's two of them; L{IRCClient}, an IRC
client of one of them.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from pathlib import Path
from typing import Any

from argon2 import PasswordHasher
from twisted.internet.defer import Deferred, maybeDeferred, succeed
from twisted.internet.task import Clock
from twisted.internet.testing import StringTransport
from twisted.trial.unittest import SynchronousTestCase

from chatd.admin.credentials import AdminChecker, setPassword, verify
from chatd.cluster.bridge import Bridge
from chatd.cluster.bus import Bus, Publish
from chatd.cluster.presence import Presence
from chatd.core.accounts import Accounts, PasswordChecker
from chatd.core.events import RoomMessage
from chatd.core.hosts import Hosts
from chatd.core.service import ChatService
from chatd.core.signedin import ProvenAccounts
from chatd.irc.factory import IRCFactory
from chatd.storage.memory import MemoryChatStore
from chatd.testing import RecordingParticipant, settled
from tests.support.fakeredis import FakeRedis
from tests.support.helpers import connect, output
from tests.support.skewedclock import SkewedClock

#: The cloak secret of every fake node (L{chatd.core.hosts}).
CLOAK_SECRET = b"cloak secret of the fake nodes.."
#: The host the fake nodes show for a guest of L{connect}'s address.
GUEST_HOST = Hosts(ProvenAccounts(), CLOAK_SECRET).cloak("127.0.0.1")


def said(user: RecordingParticipant, room: str) -> list[tuple[str, str]]:
    """
    What C{user} heard said in C{room}: (sender, first line).
    """
    return [
        (e.sender, e.lines[0])
        for e in user.events
        if isinstance(e, RoomMessage) and e.room == room and e.lines
    ]


def inbox(node: str) -> str:
    """
    The inbox stream of C{node}, as L{chatd.cluster.node.ClusterNode} names it.
    """
    return f"chatd:0:inbox:{node}"


class FakeNode:
    """
    One node: a service, a bus, presence and the bridge, on a fake Redis.
    """

    def __init__(
        self,
        test: SynchronousTestCase,
        redis: FakeRedis,
        name: str,
        sharedStore: bool = False,
        ahead: float = 0,
        publish: Publish | None = None,
        **storage: Any,
    ) -> None:
        """
        @param publish: how its bus's scripts reach C{redis} (by default
            C{redis.publish}, at once).
        """
        self.test = test
        self.clock = redis.clock
        self.alive = True
        # Entries for this node kept back by hold() (None: delivered as they come).
        self.held: list[tuple[str, str]] | None = None
        # Its clock, C{ahead} seconds ahead of the others' (behind, if negative).
        clock = SkewedClock(redis.clock, ahead) if ahead else redis.clock
        self.service = ChatService(clock, rooms=["lobby"], operators=["op"], **storage)
        # One cloak secret for every node, as their operators copy it.
        self.service.people.hosts.secret = CLOAK_SECRET
        self.inbox = inbox(name)
        self.bus = Bus(name, inbox, publish or redis.publish, redis.clock)
        self.presence = Presence(
            redis.execute, redis.clock, name, interval=1.0, ttl=3.0, inbox=inbox
        )
        self.bridge = Bridge(self.service, self.bus, self.presence, sharedStore)
        self.service.startService()  # observed from the start, as the daemon's is
        redis.subscribers.append(self._received)
        test.addCleanup(self.presence.stop)

    def _received(self, channel: str, message: str) -> None:
        if self.held is not None:
            self.held.append((channel, message))
        elif self.alive and channel == self.inbox:
            self.bus.received(channel, message)

    def hold(self) -> None:
        """
        Keep what Redis delivers to this node until L{release}: a node slow
        to read its inbox.
        """
        self.held = []

    def release(self) -> None:
        """
        Read what L{hold} kept, in order, and from now on as it comes.
        """
        held, self.held = self.held or [], None
        for channel, message in held:
            self._received(channel, message)

    def start(self) -> None:
        self.bridge.linkUp()
        self.presence.start()

    def crash(self) -> None:
        """
        Stop dead, as with C{kill -9}: no goodbye, no more beats.
        """
        self.alive = False
        self.presence.stop()

    def user(
        self,
        nick: str,
        *rooms: str,
        password: str | None = None,
        proven: bool = True,
        address: str = "127.0.0.1",
    ) -> RecordingParticipant:
        person = RecordingParticipant(address)
        self.service.connect(person)
        if nick == "op" and proven:  # the operator's password login proves it first
            self.service.people.accounts.prove(person, nick)
        login = settled(self.service.login(person, nick, password))
        self.turns()  # the other nodes hear of the login before it is answered
        self.test.successResultOf(login)
        for room in rooms:
            self.service.enter(person, room)
        self.turns()
        return person

    def outcome(self, call: Callable[..., Any], *args: Any) -> Deferred[Any]:
        """
        What C{call(*args)} comes to once the nodes have run a few turns (a
        call that waits for the other nodes: an entry, a login).
        """
        result = maybeDeferred(call, *args)
        self.turns()
        return result

    def turns(self, count: int = 10) -> None:
        """
        Let the fake Redis and every node run C{count} reactor turns.
        """
        for _ in range(count):
            self.clock.advance(0)


def accountNodes(
    test: SynchronousTestCase, redis: FakeRedis, store: Callable[[], Any]
) -> tuple[FakeNode, FakeNode]:
    """
    Nodes C{a} and C{b} on C{redis}, started, sharing one database: each
    node's view of it from C{store()}, with accounts whose passwords hash
    cheaply (argon2 at its lowest cost, in the reactor's thread).
    """
    a, b = namedAccountNodes(test, redis, store, "ab")
    return a, b


def namedAccountNodes(
    test: SynchronousTestCase,
    redis: FakeRedis,
    store: Callable[[], Any],
    names: str,
    unlinked: str = "",
) -> list[FakeNode]:
    """
    As L{accountNodes}, one node for each letter of C{names}; those also
    in C{unlinked} have read the store but are not started: their link
    to Redis is not up yet (L{FakeNode.start} brings it up).
    """
    checker = PasswordChecker(
        PasswordHasher(time_cost=1, memory_cost=8, parallelism=1), runInThread=maybeDeferred
    )
    nodes = []
    for name in names:
        view = store()
        accounts = Accounts(view, redis.clock, checker)
        nodes.append(FakeNode(test, redis, name, sharedStore=True, store=view, accounts=accounts))
    for name, node in zip(names, nodes, strict=True):
        if name not in unlinked:
            node.start()
    return nodes


def sharedStoreNodes(
    test: SynchronousTestCase,
    redis: FakeRedis,
    store: MemoryChatStore | None = None,
    unlinked: str = "",
) -> tuple[FakeNode, FakeNode]:
    """
    L{accountNodes} sharing one database in memory (C{store}, or a new
    one), started but for those named in C{unlinked} (L{namedAccountNodes}).
    """
    if store is None:
        store = MemoryChatStore()
    store.startService()
    a, b = namedAccountNodes(test, redis, lambda: store, "ab", unlinked)
    return a, b


class AccountNodesCase(SynchronousTestCase):
    """
    Nodes C{a} and C{b} with accounts on C{redis}, sharing the started
    store in memory C{store}, on C{clock}.
    """

    #: When the test starts (its nodes' clock).
    started = 1_700_000_000

    def setUp(self) -> None:
        self.clock = Clock()
        self.clock.advance(self.started)
        self.redis = FakeRedis(self.clock)
        self.store = MemoryChatStore()
        self.store.startService()
        self.a, self.b = accountNodes(self, self.redis, lambda: self.store)
        self.settle()

    def settle(self) -> None:
        """Let the nodes and Redis run a few reactor turns."""
        for _ in range(10):
            self.clock.advance(0)


class PrivateAcrossNodes(AccountNodesCase):
    """
    Nodes C{a} and C{b} sharing one database in memory (C{store}), bob
    registered and gus a guest, both on C{b}; alice on C{a}: private
    messages from one node to the other.
    """

    def setUp(self) -> None:
        super().setUp()
        self.bob = self.b.user("bob")
        self.successResultOf(self.b.service.register(self.bob, "secret1"))
        self.gus = self.b.user("gus")
        self.alice = self.a.user("alice")
        self.settle()


class TwoNodes(SynchronousTestCase):
    """
    Nodes C{a} and C{b} on one fake Redis, with a switch for an outage.
    """

    def setUp(self) -> None:
        self.clock = Clock()
        self.clock.advance(1_700_000_000)
        self.redis = FakeRedis(self.clock)
        self.a = FakeNode(self, self.redis, "a")
        self.b = FakeNode(self, self.redis, "b")
        for node in (self.a, self.b):
            node.start()
        self.settle()

    def settle(self) -> None:
        for _ in range(10):
            self.clock.advance(0)

    def down(self) -> None:
        """
        Redis goes away; the nodes' links notice.
        """
        self.redis.down = True
        for node in (self.a, self.b):
            node.bridge.linkDown()

    def ircClient(self, node: FakeNode, nick: str, *caps: str, real: str = "") -> IRCClient:
        """
        An L{IRCClient} of C{node} (real name C{real}, else C{nick}
        capitalised), closed when the test ends.
        """
        client = IRCClient(node, self.clock, nick, real or nick.capitalize(), *caps)
        self.addCleanup(client.proto.connectionLost, None)
        return client

    def operChecker(self) -> AdminChecker:
        """
        An IRC C{OPER} checker that knows C{operuser} with the password
        C{operpassword}.
        """
        directory = Path(self.mktemp())
        directory.mkdir(parents=True)
        setPassword(directory / "admin-passwords", "operuser", "operpassword")
        return AdminChecker(
            directory / "admin-passwords", self.clock, verifier=lambda *a: succeed(verify(*a))
        )

    def up(self) -> None:
        self.redis.down = False
        for node in (self.a, self.b):
            node.bridge.linkUp()
        self.settle()


class ThreeNodes(TwoNodes):
    """
    L{TwoNodes} and a third, C{c}, on the same fake Redis.
    """

    def setUp(self) -> None:
        super().setUp()
        self.c = FakeNode(self, self.redis, "c")
        self.c.start()
        self.settle()


class IRCClient:
    """
    An IRC client on one fake node, registered with capabilities C{caps},
    after logging in to the account C{sasl} (name, password) if given.
    """

    def __init__(
        self,
        node: FakeNode,
        clock: Clock,
        nick: str,
        real: str,
        *caps: str,
        sasl: tuple[str, str] | None = None,
    ) -> None:
        self.clock = clock
        factory = IRCFactory(
            node.service,
            clock,
            floodBurst=None,
            aliveAfter=60,
            presence=node.service.people.presence,
        )
        self.proto: Any
        self.transport: StringTransport
        self.proto, self.transport = connect(factory, clock)
        if sasl is not None:
            caps += ("sasl",)
        if caps:
            self.send(f"CAP REQ :{' '.join(caps)}")
        if sasl is not None:
            plain = base64.b64encode(f"\0{sasl[0]}\0{sasl[1]}".encode()).decode()
            self.send("AUTHENTICATE PLAIN", f"AUTHENTICATE {plain}")
            node.turns()
        self.send(f"NICK {nick}", f"USER {nick}x 0 * :{real}", "CAP END")
        assert " 001 " in self.read()

    def send(self, *lines: str) -> None:
        self.proto.dataReceived("".join(line + "\r\n" for line in lines).encode())
        for _ in range(10):
            self.clock.advance(0)

    def read(self) -> str:
        for _ in range(10):
            self.clock.advance(0)
        return output(self.transport, self.clock).decode()

    def lines(self) -> list[str]:
        return self.read().split("\r\n")
