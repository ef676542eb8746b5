"""
Tests for L{chatd.cluster.rooms}: a room change made after another was
seen ranks after it on every node, whatever the nodes' clocks say and
across a restart (its stamp is kept with the room); and a topic set from
the console is credited to the administrator on a node that learns it from
a whole state or from its store.
"""

from __future__ import annotations

import re

from twisted.internet.defer import Deferred

from chatd.admin.commands import AdminConsole
from chatd.storage.interfaces import RoomSettings
from chatd.storage.memory import MemoryChatStore
from tests.support.fakenode import FakeNode, IRCClient
from tests.support.roomclusters import ClusterCase, setter


class ClocksApartTests(ClusterCase):
    """
    C{alice} on node A (clock 10 s ahead), C{bob} on B and C{carol} on C,
    all in C{#lobby}, where anyone may set the topic.
    """

    def setUp(self) -> None:
        super().setUp()
        self.a, self.b, self.c = self.node("a", ahead=10), self.node("b"), self.node("c")
        self.alice, self.bob, self.carol = (
            self.member(node, nick)
            for node, nick in ((self.a, "alice"), (self.b, "bob"), (self.c, "carol"))
        )
        self.console(self.a, "roomop lobby alice")
        self.alice.send("MODE #lobby -t")
        self.settle()
        self.carol.read()

    def test_changeAfterSeenOneWins(self) -> None:
        """
        C{alice} sets the topic; C{bob}, whose clock is 10 s behind hers,
        then sets it: every node keeps C{bob}'s, and C{carol} is told both,
        C{bob}'s last.
        """
        self.alice.send("TOPIC #lobby :from alice")
        self.settle()
        self.bob.send("TOPIC #lobby :from bob")
        self.settle()
        for node in (self.a, self.b, self.c):
            self.assertEqual(node.service.topic("lobby"), "from bob")
        told = re.findall(r":(\w+)!\S+ TOPIC #lobby :(.*)\r\n", self.carol.read())
        self.assertEqual(told, [("alice", "from alice"), ("bob", "from bob")])
        self.alice.read()
        self.alice.send("TOPIC #lobby")
        self.assertIn(" 332 alice #lobby :from bob\r\n", self.alice.read())


class RestartCase(ClusterCase):
    """
    Node a, its clock ahead, with alice, a room operator of C{lobby}; node
    b restarts.
    """

    alice: IRCClient

    def consoleTopicSticks(self, restarted: FakeNode) -> None:
        """
        The console of C{restarted} (node b again) sets the topic, node a
        (held) reads it: it holds on both, and alice on a sees it.
        """
        reply = AdminConsole(restarted.service, "root").execute("topic lobby after the restart")
        restarted.turns()
        self.a.release()
        self.settle()
        self.successResultOf(reply)
        for node in (self.a, restarted):
            self.assertEqual(node.service.topic("lobby"), "after the restart")
        self.assertIn(" TOPIC #lobby :after the restart\r\n", self.alice.read())


class RestartTests(RestartCase):
    """
    Node A (clock 10 s ahead) with C{alice} in C{#lobby}, and node B, each
    with a store of its own.
    """

    def setUp(self) -> None:
        super().setUp()
        self.stores = [MemoryChatStore(), MemoryChatStore()]
        for store in self.stores:
            store.startService()
        self.a = self.node("a", ahead=10, store=self.stores[0])
        self.b = self.node("b", store=self.stores[1])
        self.alice = self.member(self.a, "alice")
        self.console(self.a, "roomop lobby alice")

    def test_firstChangeAfterRestartSticks(self) -> None:
        """
        B applied C{alice}'s topic, stamped by A's clock ahead; B restarts
        and its console sets the topic before A has answered: A takes it,
        C{alice} is told, and both nodes keep it once they traded states.
        """
        self.alice.send("TOPIC #lobby :alice's")
        self.settle()
        self.assertEqual(self.b.service.topic("lobby"), "alice's")
        self.alice.read()
        restarted = self.restart(self.b, "d", self.stores[1])
        self.assertEqual(restarted.service.topic("lobby"), "alice's")  # from its store
        self.consoleTopicSticks(restarted)

    def test_changeAfterStatesRanksAfterThem(self) -> None:
        """
        C{alice} sets the topic while B is down (B never sees it); B
        restarts on its store, and a user there sets the topic once the
        nodes traded states: A takes it, as the later change.
        """
        self.b.crash()
        self.alice.send("TOPIC #lobby :while b was away")
        restarted = self.restart(self.b, "d", self.stores[1])
        self.a.release()
        self.settle()
        self.assertEqual(restarted.service.topic("lobby"), "while b was away")
        dave = self.member(restarted, "dave")
        self.console(restarted, "roomop lobby dave")
        self.alice.read()
        dave.send("TOPIC #lobby :from dave")
        self.settle()
        for node in (self.a, restarted):
            self.assertEqual(node.service.topic("lobby"), "from dave")
        self.assertIn(" TOPIC #lobby :from dave\r\n", self.alice.read())

    def test_administratorTopicFromStore(self) -> None:
        """
        A topic set from A's console is credited to the administrator (the
        services) on B after B restarts from its store, as on A.
        """
        self.console(self.a, "topic lobby hello all")
        restarted = self.restart(self.b, "d", self.stores[1])
        self.a.release()
        self.settle()
        dave = self.member(restarted, "dave")
        self.alice.read()
        self.alice.send("TOPIC #lobby")
        onA = setter(self.alice.read())
        self.assertNotEqual(onA, "root")
        dave.send("TOPIC #lobby")
        self.assertEqual(setter(dave.read()), onA)


class SharedStoreRestartTests(RestartCase):
    """
    Node A (clock 10 s ahead) with C{alice} in C{#lobby}, and node B,
    sharing one database.
    """

    shared = True

    def setUp(self) -> None:
        super().setUp()
        self.store = MemoryChatStore()
        self.store.startService()
        self.a = self.node("a", ahead=10, store=self.store)
        self.b = self.node("b", store=self.store)
        self.alice = self.member(self.a, "alice")
        self.console(self.a, "roomop lobby alice")

    def test_topicWrittenOnce(self) -> None:
        """
        A topic set on A is written to the shared database by A only: B,
        applying it, leaves the row A wrote as it is.
        """
        saved: list[str] = []
        save = self.store.saveRoom

        def recording(room: RoomSettings, when: int) -> Deferred[None]:
            saved.append(room.topic)
            return save(room, when)

        self.patch(self.store, "saveRoom", recording)
        self.alice.send("TOPIC #lobby :once")
        self.settle()
        self.assertEqual(self.b.service.topic("lobby"), "once")
        self.assertEqual(saved, ["once"])

    def test_changeSeenInDatabase(self) -> None:
        """
        C{alice} sets the topic while B is down; B restarts and its console
        sets the topic before A has answered: A takes it as the later
        change (the database told B of A's) and C{alice} is told.
        """
        self.b.crash()
        self.alice.send("TOPIC #lobby :while b was away")
        self.alice.read()
        restarted = self.restart(self.b, "d", self.store)
        self.consoleTopicSticks(restarted)


class StateExchangeTests(ClusterCase):
    """
    Nodes A and B without stores; node D starts later and learns the room
    from their states.
    """

    def setUp(self) -> None:
        super().setUp()
        self.a, self.b = self.node("a"), self.node("b")

    def test_administratorTopicInState(self) -> None:
        """
        A topic set from A's console: an IRC user on D (met anew) is shown
        it credited as on A, to the services, not to a user named C{root}.
        """
        alice = self.member(self.a, "alice")
        self.console(self.a, "topic lobby hello all")
        alice.read()
        alice.send("TOPIC #lobby")
        onA = setter(alice.read())
        self.assertNotEqual(onA, "root")
        dave = self.member(self.node("d"), "dave")
        dave.send("TOPIC #lobby")
        self.assertEqual(setter(dave.read()), onA)
