"""
Tests for L{chatd.core.roommerge} through L{chatd.cluster.rooms}: whole
states are merged setting by setting, each setting's newest change winning,
so nodes that changed different settings of one room end alike whatever the
order in which changes and states arrive; and a change a state carries is
shown as made by whoever made it, an administrator included.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Callable
from typing import Any

from chatd.admin.commands import AdminConsole
from chatd.storage.memory import MemoryChatStore
from tests.support.fakenode import FakeNode, IRCClient, inbox
from tests.support.roomclusters import ClusterCase


def seenSettings(client: IRCClient) -> dict[str, Any]:
    """
    What IRC C{client} is told of C{#lobby}'s settings (C{TOPIC}, C{MODE},
    C{MODE b}): C{topic}, each flag set (C{"+m"}), C{k}, C{l} and C{b}.
    """
    client.read()
    for line in ("TOPIC #lobby", "MODE #lobby", "MODE #lobby b"):
        client.send(line)
    read = client.read()
    topic = re.search(r" 332 \S+ #lobby :?(.*)\r\n", read)
    modes = re.search(r" 324 \S+ #lobby (\S+)(.*)\r\n", read)
    assert modes is not None, read
    seen: dict[str, Any] = {"topic": None if topic is None else topic.group(1), "k": None}
    seen["l"] = None
    args = modes.group(2).split()
    for letter in modes.group(1).lstrip("+"):
        seen[letter] = args.pop(0) if letter in "kl" else True
    seen["b"] = sorted(re.findall(r" 367 \S+ #lobby (\S+) ", read))
    return seen


class RestartMergeTests(ClusterCase):
    """
    Node A with C{alice}, operator of C{#lobby}, and node B, each with a
    store of its own; B goes down, A changes the room, and B restarts and
    its console sets the topic before A has answered its C{hello}.
    """

    def converge(self, ahead: float) -> tuple[IRCClient, IRCClient]:
        """
        The scenario with node A's clock C{ahead} of B's: the IRC users
        C{alice} on A and C{dave} on the restarted node, once the nodes
        traded states.
        """
        self.stores = stores = [MemoryChatStore(), MemoryChatStore()]
        for store in stores:
            store.startService()
        self.a = self.node("a", ahead=ahead, store=stores[0])
        b = self.node("b", store=stores[1])
        alice = self.member(self.a, "alice")
        self.console(self.a, "roomop lobby alice")
        alice.send("TOPIC #lobby :before")
        self.settle()
        b.crash()
        alice.send("MODE #lobby +k secret")
        self.settle()
        restarted = self.restart(b, "d", stores[1])
        reply = AdminConsole(restarted.service, "root").execute("topic lobby after the restart")
        restarted.turns()
        self.a.release()
        self.settle()
        self.successResultOf(reply)
        dave = self.member(restarted, "dave", "secret")  # refused without the key
        return alice, dave

    def assertBoth(self, alice: IRCClient, dave: IRCClient) -> None:
        """Both nodes' users see A's key and the restarted node's topic."""
        for client in (alice, dave):
            seen = seenSettings(client)
            self.assertEqual((seen["topic"], seen["k"]), ("after the restart", "secret"))

    def test_keyNewerRoomStamp(self) -> None:
        """
        A's clock is ahead, so its key change is stamped after the console's
        topic: each node keeps the other's change of the other setting, the
        topic on A, the key on the restarted node.
        """
        self.assertBoth(*self.converge(ahead=10))

    def test_topicNewerRoomStamp(self) -> None:
        """
        The mirror: the clocks right, the console's topic is the room's
        newest change, and A keeps its key all the same.
        """
        self.assertBoth(*self.converge(ahead=0))

    def test_takenStampStored(self) -> None:
        """
        The restarted node stores the key it took from A's state with A's
        stamp of it, so a restart keeps the key's rank too.
        """
        self.converge(ahead=10)
        rooms = self.successResultOf(self.stores[1].load()).rooms
        lobby = next(room for room in rooms if room.name == "lobby")
        self.assertEqual((lobby.rules.count("secret"), lobby.stamps["k"][1:3]), (1, ["a", "alice"]))

    def test_stampsStored(self) -> None:
        """
        Each setting's stamp is kept with the room in its store: B's topic,
        set as A read nothing (it never reached A: B crashed with it), is
        newer than A's, older than A's next change of a mode, and stays on
        both nodes once B restarted on its store and they traded states.
        """
        stores = [MemoryChatStore(), MemoryChatStore()]
        for store in stores:
            store.startService()
        self.a = self.node("a", store=stores[0])
        b = self.node("b", store=stores[1])
        alice, bob = self.member(self.a, "alice"), self.member(b, "bob")
        self.console(self.a, "roomop lobby alice")
        self.console(b, "roomop lobby bob")
        alice.send("TOPIC #lobby :from alice")
        self.settle()
        self.a.hold()
        self.clock.advance(1)
        bob.send("TOPIC #lobby :from bob")
        self.settle()
        b.crash()
        self.clock.advance(1)
        alice.send("MODE #lobby +m")
        self.settle()
        restarted = self.restart(b, "d", stores[1])  # what A held is lost: B's topic too
        self.a.release()
        self.settle()
        dave = self.member(restarted, "dave")
        self.console(restarted, "roomop lobby dave")
        for client in (alice, dave):
            seen = seenSettings(client)
            self.assertEqual((seen["topic"], seen.get("m")), ("from bob", True))


class AdministratorMarkTests(ClusterCase):
    """
    Nodes A, with C{alice}, and B, with C{bob}, both in C{#lobby}; B reads
    A's whole state before A's own changes, each shown as made by whoever
    made it.
    """

    def test_consoleChangeFromState(self) -> None:
        """
        A's console makes C{alice} an operator; B learns it from A's state:
        C{bob} is shown the change made by the services, as the console's
        change reads on A, never by a user named C{root}.
        """
        a, b = self.node("a"), self.node("b")
        alice, bob = self.member(a, "alice"), self.member(b, "bob")
        b.hold()
        reply = AdminConsole(a.service, "root").execute("roomop lobby alice")
        self.settle()
        a.bridge.publishState("b")
        self.settle()
        b.bridge.remote_state("a", lastEnvelope(self.redis.published, "b", "state"))
        self.settle()
        onB = re.findall(r":(\S+) MODE #lobby \+o alice\r\n", bob.read())
        b.release()
        self.settle()
        self.successResultOf(reply)
        onA = re.findall(r":(\S+) MODE #lobby \+o alice\r\n", alice.read())
        self.assertEqual(onB, onA)
        self.assertNotIn("root", onA[0])

    def test_eachChangeByItsMaker(self) -> None:
        """
        C{alice} sets C{+m}, then A's console the topic; B learns both from
        A's state: C{bob} is shown the mode change made by C{alice} (not by
        the room's latest changer) and the topic by the services.
        """
        a, b = self.node("a"), self.node("b")
        alice, bob = self.member(a, "alice"), self.member(b, "bob")
        self.console(a, "roomop lobby alice")
        bob.read()
        b.hold()
        alice.send("MODE #lobby +m")
        self.settle()
        reply = AdminConsole(a.service, "root").execute("topic lobby hello")
        self.settle()
        a.bridge.publishState("b")
        self.settle()
        b.bridge.remote_state("a", lastEnvelope(self.redis.published, "b", "state"))
        self.settle()
        told = re.findall(r":(\S+?)[! ].*(MODE|TOPIC) #lobby (\S+)", bob.read())
        b.release()
        self.settle()
        self.successResultOf(reply)
        self.assertEqual(told, [("alice", "MODE", "+m"), ("services.chatd", "TOPIC", ":hello")])


def envelopes(published: list[tuple[str, str]], node: str) -> list[dict[str, Any]]:
    """The envelopes published to C{node}'s inbox so far, in order."""
    return [
        json.loads(line)
        for stream, entry in published
        if stream == inbox(node)
        for line in entry.split("\n")
        if line
    ]


def lastEnvelope(published: list[tuple[str, str]], node: str, kind: str) -> dict[str, Any]:
    return [e for e in envelopes(published, node) if e["k"] == kind][-1]


#: The changes the randomized test picks from: (IRC MODE or TOPIC argument).
CHANGES = [
    "TOPIC #lobby :{word}",
    "MODE #lobby +m",
    "MODE #lobby -m",
    "MODE #lobby +i",
    "MODE #lobby -i",
    "MODE #lobby +k {word}",
    "MODE #lobby -k *",
    "MODE #lobby +l {number}",
    "MODE #lobby -l",
    "MODE #lobby +b {mask}",
    "MODE #lobby -b {mask}",
]


class RandomOrderTests(ClusterCase):
    """
    Nodes A, B and C (A's clock a second ahead), each with an operator of
    C{#lobby}, cut off from each other while their operators change the
    room's settings at once: each node's room changes and whole states are
    kept (L{mail}) and read by the others in random orders.
    """

    def cutOff(self) -> None:
        """The nodes, on a fresh Redis and clock, their operators in, cut off."""
        ClusterCase.setUp(self)
        self.nodes = [self.node("a", ahead=1), self.node("b"), self.node("c")]
        pairs = zip(self.nodes, "xyz", strict=True)
        self.clients = [self.member(node, nick) for node, nick in pairs]
        for nick in "xyz":
            self.console(self.nodes[0], f"roomop lobby {nick}")
        #: node -> the envelopes the other nodes sent it that it has not read.
        self.mail: dict[FakeNode, list[dict[str, Any]]] = {node: [] for node in self.nodes}
        for node in self.nodes:
            node.bus.peers = tuple  # it sends to, and waits for, nobody
            self.patch(node.bus, "publish", self.recorder(node))
        #: setting -> (stamp, value) of its newest change.
        self.newest: dict[str, tuple[list[Any], Any]] = {}

    def recorder(self, sender: FakeNode) -> Callable[..., None]:
        """What C{sender}'s bus publishes instead: kept for the other nodes."""

        def publish(kind: str, /, **fields: Any) -> None:
            if kind in ("mode", "state"):
                envelope = json.loads(json.dumps({"n": sender.bus.nodeId, "k": kind, **fields}))
                for node in self.nodes:
                    if node is not sender:
                        self.mail[node].append(envelope)

        return publish

    def read(self, rng: random.Random, node: FakeNode, count: int) -> None:
        """C{node} reads C{count} of its unread envelopes, picked at random."""
        rng.shuffle(self.mail[node])
        for _ in range(min(count, len(self.mail[node]))):
            envelope = self.mail[node].pop()
            getattr(node.bridge, "remote_" + envelope["k"])(envelope["n"], envelope)
        self.settle()

    def change(self, rng: random.Random, node: FakeNode, client: IRCClient) -> None:
        """A random change by C{client}'s operator, its stamp noted if it made one."""
        line = rng.choice(CHANGES).format(
            word=rng.choice(["tea", "cake", "jam"]),
            number=rng.choice([3, 7]),
            mask=rng.choice(["eve!*@*", "mallory!*@*"]),
        )
        before = node.service.replica.roomStamp("lobby")
        client.send(line)
        self.settle()
        stamp = node.service.replica.roomStamp("lobby")
        if stamp == before:
            return  # nothing changed (already so)
        words = line.split()
        if words[0] == "TOPIC":
            self.note("topic", stamp, line.split(":", 1)[1])
            return
        sign, letter = words[2][0], words[2][1]
        value: Any = sign == "+"
        if letter in "kl":
            value = words[3] if value else None
        setting = f"b:{words[3]}" if letter == "b" else letter
        self.note(setting, stamp, value)

    def note(self, setting: str, stamp: list[Any], value: Any) -> None:
        if setting not in self.newest or self.newest[setting][0] < stamp:
            self.newest[setting] = (stamp, value)

    def expected(self) -> dict[str, Any]:
        """What every node should show: each setting's newest change."""
        value = {setting: change[1] for setting, change in self.newest.items()}
        shown: dict[str, Any] = {"topic": value.get("topic"), "k": value.get("k")}
        shown["l"] = value.get("l")
        shown.update({flag: True for flag in "imnt" if value.get(flag, flag in "nt")})
        shown["b"] = sorted(s[2:] for s, on in value.items() if s[:2] == "b:" and on)
        return shown

    def trySeed(self, seed: int) -> None:
        """
        Changes, whole states and reads in an order drawn from C{seed};
        then every node sends its state and reads all it has not read.
        """
        self.cutOff()
        rng = random.Random(seed)
        for _ in range(16):
            index = rng.randrange(3)
            self.change(rng, self.nodes[index], self.clients[index])
            if rng.random() < 0.3:
                rng.choice(self.nodes).bridge.publishState()
            if rng.random() < 0.4:
                self.read(rng, rng.choice(self.nodes), rng.randrange(1, 4))
            self.clock.advance(rng.choice([0, 0, 0.5, 1]))
        for node in self.nodes:
            node.bridge.publishState()
        for node in self.nodes:
            self.read(rng, node, len(self.mail[node]))
        seen = [seenSettings(client) for client in self.clients]
        self.assertEqual(seen, [self.expected()] * 3, f"seed {seed}: {self.newest}")

    def test_anyOrder(self) -> None:
        """
        Whatever the order in which each node reads the others' changes
        and states (twenty orders, drawn from seeds 1 to 20), every node
        ends with each setting's newest change.
        """
        for seed in range(1, 21):
            self.trySeed(seed)
