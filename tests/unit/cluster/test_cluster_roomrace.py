"""
Tests for two users on two nodes opening one new room at the same moment
(L{chatd.cluster.newrooms}): node C{b} wins the claim, and node C{a}
learns it lost before C{b}'s room has reached it.  C{a}'s user enters the
room as it is on C{b}, as a plain member: its client is shown the creator
as the operator already in it, never "no such room".
"""

from __future__ import annotations

import json
from typing import Any

from twisted.internet.defer import Deferred, maybeDeferred

from chatd.core import errors
from chatd.core.names import key
from chatd.talk.protocol import TalkFactory
from chatd.tchat import TchatFactory
from tests.support.fakenode import FakeNode, IRCClient, TwoNodes, inbox
from tests.support.helpers import connect, output
from tests.support.outagenodes import SharedNodesCase


def holdRoomClaims(node: FakeNode) -> list[tuple[Deferred[Any], Any]]:
    """
    Keep back from C{node} Redis's answers to its room claims (Redis
    grants them at once): a node whose claim won, but that has not heard
    so yet.  The list fills with each answer kept, to give with L{answer}.
    """
    held: list[tuple[Deferred[Any], Any]] = []
    execute = node.presence.execute

    def holding(*args: Any) -> Deferred[Any]:
        sent = execute(*args)
        if args[0] != "SET" or ":room:" not in str(args[1]):
            return sent
        kept: Deferred[Any] = Deferred()
        sent.addCallback(lambda reply: held.append((kept, reply)))
        return kept

    node.presence.execute = holding
    return held


def answer(held: list[tuple[Deferred[Any], Any]]) -> None:
    for kept, reply in held:
        kept.callback(reply)
    del held[:]


class LoserEntersTests(TwoNodes):
    """
    ja on C{b} and jb on C{a} open C{#jr0}; C{b}'s claim wins.
    """

    def race(self, loserSends: Any) -> list[tuple[Deferred[Any], Any]]:
        """
        ja joins on C{b}, whose claim is granted but not yet answered;
        then C{loserSends()} on C{a}, whose claim fails.
        """
        held = holdRoomClaims(self.b)
        self.ja.send("JOIN #jr0")
        self.assertEqual(len(held), 1)  # b holds the room, and does not know yet
        loserSends()
        self.assertEqual(self.a.service.registry.find("jr0"), None)
        return held

    def setUp(self) -> None:
        super().setUp()
        self.ja = self.ircClient(self.b, "ja")
        self.settle()

    def test_ircJoinShowsTheCreator(self) -> None:
        """
        jb's C{JOIN} on C{a} is answered once C{a} has the room with ja in
        it as its operator: C{JOIN}, C{353} with C{@ja jb}, C{366}; no
        C{403}, and no later C{JOIN} of ja.
        """
        jb = self.ircClient(self.a, "jb")
        held = self.race(lambda: jb.send("JOIN #jr0"))
        self.assertNotIn(" 403 ", jb.read())
        self.assertEqual(jb.read(), "")  # waiting for the room
        answer(held)
        self.settle()
        lines = [line for line in jb.lines() if line]
        self.assertTrue(lines[0].startswith(":jb!"), lines)
        self.assertIn(" JOIN ", lines[0])
        self.assertIn(" 353 jb = #jr0 :@ja jb", lines[1])
        self.assertIn(" 366 jb #jr0 ", lines[2])
        self.assertFalse([line for line in lines if line.startswith(":ja!")], lines)
        self.assertEqual(self.a.service.registry.get("jr0").ops, {key("ja")})

    def test_talkJoinEnters(self) -> None:
        """
        talk's C{/join} on C{a} enters the room ja on C{b} made, with ja in
        it (not "no such room", nor alone before ja comes).
        """
        factory = TalkFactory(self.a.service, self.clock, floodBurst=None)
        jb, terminal = connect(factory, self.clock)
        self.addCleanup(jb.connectionLost, None)
        jb.dataReceived(b"jb\r\n")
        self.settle()
        self.assertIn(b"Welcome, jb!", output(terminal, self.clock))

        def join() -> None:
            jb.dataReceived(b"/join jr0\r\n")
            self.settle()

        held = self.race(join)
        answer(held)
        self.settle()
        shown = output(terminal, self.clock)
        self.assertEqual(shown, b"*** You joined jr0, with ja.\r\n")
        members = self.a.service.registry.get("jr0").members
        self.assertEqual(set(members), {key("ja"), key("jb")})

    def test_tchatCreatIsToldTheRoomExists(self) -> None:
        """
        TCHAT's C{CREAT} on C{a} losing to ja's C{JOIN} gets C{ERROR 33}
        once the room is known on C{a}.
        """
        factory = TchatFactory(self.a.service, self.clock, floodBurst=None, aliveAfter=None)
        jb, wire = connect(factory, self.clock)
        self.addCleanup(jb.connectionLost, None)
        output(wire, self.clock)
        jb.dataReceived(b"clt: LOGIN jb\n")
        self.settle()
        self.assertEqual(output(wire, self.clock), b"srv: OKAY!\n")

        def create() -> None:
            jb.dataReceived(b"clt: CREAT jr0\n")
            self.settle()

        held = self.race(create)
        self.assertEqual(output(wire, self.clock), b"")
        answer(held)
        self.settle()
        self.assertTrue(output(wire, self.clock).startswith(b"srv: ERROR 33"))

    def test_roomNeverComes(self) -> None:
        """
        The winner's room never reaches C{a} (its node stopped after its
        claim): the loser is told to try again after the barrier's 2 s,
        not that the room does not exist.
        """
        jb = self.a.user("jb")
        self.race(lambda: None)
        refused = maybeDeferred(self.a.service.createRoom, jb, "jr0")
        self.settle()
        self.assertNoResult(refused)
        self.clock.advance(2)
        self.failureResultOf(refused, errors.ClusterUnavailable)

    def test_ircJoinToldToTryAgain(self) -> None:
        """
        An IRC C{JOIN} whose room never comes is told to try again, after
        the 2 s, not C{403}.
        """
        jb = self.ircClient(self.a, "jb")
        self.race(lambda: jb.send("JOIN #jr0"))
        self.assertEqual(jb.read(), "")
        self.clock.advance(2)
        shown = jb.read()
        self.assertNotIn(" 403 ", shown)
        self.assertIn("try again in a moment", shown)

    def test_roomInAState(self) -> None:
        """
        The winner's room, ja in it, reaches C{a} in a whole state (as
        after a gap C{b} could not fill): the loser goes on then.
        """
        jb = self.a.user("jb")
        held = self.race(lambda: None)
        refused = maybeDeferred(self.a.service.createRoom, jb, "jr0")
        self.settle()
        self.a.hold()  # a reads none of what follows
        self.b.bus.peers = list  # nor does b wait for a to
        answer(held)
        self.settle()
        self.b.bridge.publishState("a")
        self.settle()
        envelopes = [json.loads(m) for s, m in self.redis.published if s == inbox("a")]
        state = [e for e in envelopes if e["k"] == "state"][-1]
        self.assertNoResult(refused)
        self.a.bridge.remote_state("b", state)
        self.failureResultOf(refused, errors.GroupExists)
        self.assertEqual(self.a.service.registry.get("jr0").ops, {key("ja")})


class RegisteredCreatorTests(SharedNodesCase):
    """
    The creator, cq on C{b}, is registered and logged in to its account
    (SASL); a guest, cw1 on C{a}, joins at the same moment.
    """

    def setUp(self) -> None:
        super().setUp()
        self.registerOn(self.b, "cq", "secret1")

    def test_guestJoinsTheFoundersRoom(self) -> None:
        cq = IRCClient(self.b, self.clock, "cq", "Cq", sasl=("cq", "secret1"))
        self.addCleanup(cq.proto.connectionLost, None)
        cw1 = IRCClient(self.a, self.clock, "cw1", "Cw1")
        self.addCleanup(cw1.proto.connectionLost, None)
        held = holdRoomClaims(self.b)
        cq.send("JOIN #cz1")
        self.assertEqual(len(held), 1)
        cw1.send("JOIN #cz1")
        self.settle()
        answer(held)
        self.settle()
        shown = cw1.read()
        self.assertNotIn(" 403 ", shown)
        self.assertIn(" 353 cw1 = #cz1 :@cq cw1", shown)
        self.assertIn(" 366 cw1 #cz1 ", shown)
        self.assertIn(" 353 cq = #cz1 @cq\r\n", cq.read())


class OneNodeTests(TwoNodes):
    def test_lostToThisNode(self) -> None:
        """
        Two users of C{a} create one room in the same moment: the second's
        claim fails against C{a}'s own, and it is told the room exists as
        soon as the first has entered it (not after the 2 s).
        """
        first, second = self.a.user("first"), self.a.user("second")
        held = holdRoomClaims(self.a)
        made = maybeDeferred(self.a.service.createRoom, first, "one")
        refused = maybeDeferred(self.a.service.createRoom, second, "one")
        self.assertEqual(len(held), 2)  # both asked Redis before either heard
        answer(held)
        self.settle()
        self.assertEqual(self.successResultOf(made), "one")
        self.assertNoResult(refused)
        self.successResultOf(self.a.outcome(self.a.service.enter, first, "one"))
        self.failureResultOf(refused, errors.GroupExists)
