"""
Tests for a room made by joining it (the service's C{enterOrCreate}) in a
cluster: the other nodes hear of the room and of its creator's entry
together, so a user of another node who joins it as soon as the room
reaches their node finds its creator in it, as its operator.
"""

from __future__ import annotations

import json
from typing import Any

from twisted.internet.task import Clock
from twisted.trial.unittest import SynchronousTestCase

from chatd.core.names import key
from chatd.core.room import Room
from tests.support.fakenode import FakeNode, IRCClient, TwoNodes, inbox, sharedStoreNodes
from tests.support.fakeredis import FakeRedis
from tests.support.outagenodes import SharedNodesCase
from tests.support.slowrooms import SlowRoomStore


def joinOnArrival(node: FakeNode, client: IRCClient, channel: str) -> None:
    """
    C{client}, of C{node}, sends C{JOIN channel} on the reactor turn after
    the one in which the room is made on C{node}, from another node's
    news of it, whichever comes first (its C{room}, its settings stored,
    someone's C{enter}).
    """
    registry, room = node.service.registry, channel.lstrip("#")
    create = registry.create

    def arrived(name: str, *args: Any, **kwargs: Any) -> Room:
        made = create(name, *args, **kwargs)
        if key(name) == key(room):
            join = f"JOIN {channel}\r\n".encode()
            node.clock.callLater(0, client.proto.dataReceived, join)
        return made

    registry.create = arrived  # type: ignore[method-assign]


class GuestCreatorTests(TwoNodes):
    def test_joinedAsSoonAsKnown(self) -> None:
        """
        ja on C{b} joins C{#new}, which does not exist; jb on C{a} joins it
        on the turn after C{a} hears of the room: jb is shown ja in it,
        opped (C{353 jb = #new :@ja jb}), and no later C{JOIN} of ja.
        """
        ja = self.ircClient(self.b, "ja")
        jb = self.ircClient(self.a, "jb")
        joinOnArrival(self.a, jb, "#new")
        ja.send("JOIN #new")
        self.settle()
        lines = [line for line in jb.lines() if line]
        self.assertIn(" 353 jb = #new :@ja jb", "\n".join(lines))
        self.assertFalse([line for line in lines if line.startswith(":ja!")], lines)

    def test_oneStreamEntry(self) -> None:
        """
        C{b} sends C{a} the room and ja's entry in one stream entry, in
        that order: C{a} applies both in one dispatch.
        """
        ja = self.ircClient(self.b, "ja")
        ja.send("JOIN #new")
        self.settle()
        entries = [
            [json.loads(line) for line in message.split("\n")]
            for stream, message in self.redis.entries
            if stream == inbox("a")
        ]
        made = [e for e in entries if any(env["k"] == "room" for env in e)]
        self.assertEqual(len(made), 1, entries)
        kinds = [(env["k"], env.get("room")) for env in made[0] if env["k"] != "ping"]
        self.assertEqual(kinds, [("room", "new"), ("enter", "new")])


class RegisteredCreatorTests(SharedNodesCase):
    """
    The creator, cq on C{b}, is registered: its room is made once stored
    in the database the nodes share.
    """

    def setUp(self) -> None:
        super().setUp()
        self.registerOn(self.b, "cq", "secret1")

    def test_joinedAsSoonAsKnown(self) -> None:
        cq = IRCClient(self.b, self.clock, "cq", "Cq", sasl=("cq", "secret1"))
        self.addCleanup(cq.proto.connectionLost, None)
        cw = IRCClient(self.a, self.clock, "cw", "Cw")
        self.addCleanup(cw.proto.connectionLost, None)
        joinOnArrival(self.a, cw, "#cz")
        cq.send("JOIN #cz")
        self.settle()
        shown = cw.read()
        self.assertIn(" 353 cw = #cz :@cq cw", shown)
        self.assertNotIn(":cq!", shown)
        self.assertIn(" 353 cq = #cz @cq\r\n", cq.read())


class StoreHeldTests(SynchronousTestCase):
    """
    cq, registered, on C{b} joins C{#cz}, which the shared database keeps
    waiting; cd, on C{b} too, joins it meanwhile.
    """

    def setUp(self) -> None:
        self.clock = Clock()
        self.clock.advance(1_700_000_000)
        self.redis = FakeRedis(self.clock)
        self.slow = SlowRoomStore()
        self.a, self.b = sharedStoreNodes(self, self.redis, self.slow)
        self.settle()
        cq = self.b.user("cq")
        self.successResultOf(self.b.service.register(cq, "secret1"))
        self.b.service.disconnect(cq)
        self.settle()

    def settle(self) -> None:
        for _ in range(10):
            self.slow.store()
            self.clock.advance(0)

    def test_noEntryAnnouncedFirst(self) -> None:
        """
        cd's entry waits for the room: C{a} hears of the room, with cq in
        it, before anyone's entry, and cw on C{a}, joining as soon as the
        room exists there, is shown cq in it, opped.
        """
        cq = IRCClient(self.b, self.clock, "cq", "Cq", sasl=("cq", "secret1"))
        self.addCleanup(cq.proto.connectionLost, None)
        cd = IRCClient(self.b, self.clock, "cd", "Cd")
        self.addCleanup(cd.proto.connectionLost, None)
        cw = IRCClient(self.a, self.clock, "cw", "Cw")
        self.addCleanup(cw.proto.connectionLost, None)
        joinOnArrival(self.a, cw, "#cz")
        cq.send("JOIN #cz")
        self.assertEqual(len(self.slow.waiting), 1)
        cd.send("JOIN #cz")
        self.settle()
        shown = cw.read()
        self.assertIn(" 353 cw = #cz :@cq ", shown)
        self.assertNotIn(":cq!", shown)
