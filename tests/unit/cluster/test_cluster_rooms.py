"""
Tests for L{chatd.cluster.rooms}: room modes, member status, keys, bans,
capacity, invitations and kicks from a room, set on one node and enforced
on every node, each node telling its own members once.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from twisted.internet.task import Clock
from twisted.trial.unittest import SynchronousTestCase

from chatd.core import errors
from chatd.core.events import KICK, Invitation, Membership, Notice, RoomChange
from chatd.core.names import key
from chatd.irc.factory import IRCFactory
from chatd.testing import RecordingParticipant, settled
from tests.support.fakenode import GUEST_HOST, FakeNode, TwoNodes
from tests.support.fakeredis import FakeRedis
from tests.support.helpers import connect, output


def changes(person: RecordingParticipant) -> list[tuple[str, tuple[str, ...]]]:
    return [(e.modes, e.args) for e in person.events if isinstance(e, RoomChange)]


def kicks(person: RecordingParticipant) -> list[tuple[str, str, str]]:
    return [
        (e.nick, e.by, e.reason)
        for e in person.events
        if isinstance(e, Membership) and e.kind == KICK
    ]


class RoomSyncTests(SynchronousTestCase):
    def setUp(self) -> None:
        self.clock = Clock()
        self.clock.advance(1000)
        self.redis = FakeRedis(self.clock)
        self.a = FakeNode(self, self.redis, "a")
        self.b = FakeNode(self, self.redis, "b")
        self.c = FakeNode(self, self.redis, "c")
        for node in (self.a, self.b, self.c):
            node.start()
        self.settle()
        self.op = self.a.user("op", "lobby")
        self.bob = self.b.user("bob", "lobby")
        self.dave = self.b.user("dave", "lobby")
        self.carol = self.c.user("carol", "lobby")
        self.settle()

    def settle(self) -> None:
        for _ in range(10):
            self.clock.advance(0)

    def nodes(self) -> list[FakeNode]:
        return [self.a, self.b, self.c]

    def publishedSince(self, count: int) -> list[str]:
        """
        The kinds of envelopes published after the first C{count}, but
        the barrier's (an operator's change is answered after a round).
        """
        return [k for k in self.redis.kinds()[count:] if k not in ("ping", "pong")]

    def test_kickRemoteUser(self) -> None:
        """
        An operator on A kicks bob, who is on B, from a room: bob leaves it
        on every node, stays logged in, and everyone, bob included, sees
        one KICK; bob can no longer speak there.
        """
        before = len(self.redis.published)
        self.a.service.kickFromRoom(self.op, "lobby", "bob", "out")
        self.settle()
        self.assertEqual(self.publishedSince(before), ["kick"] * 2)  # for B and for C
        for node in self.nodes():
            self.assertEqual(
                sorted(node.service.registry.get("lobby").members), ["carol", "dave", "op"]
            )
            self.assertIsNotNone(node.service.find("bob"))
        for person in (self.op, self.bob, self.dave, self.carol):
            self.assertEqual(kicks(person), [("bob", "op", "out")])
        self.assertEqual(self.b.service.roomsOf(self.bob), [])
        self.assertRaises(errors.NotMember, self.b.service.say, self.bob, "lobby", ("hi",))
        self.assertFalse([e for e in self.carol.events if type(e) is Notice])

    def test_kickLocalUserSeenAsKick(self) -> None:
        """
        A user kicked on their own node shows as a KICK (not a PART) on the
        other nodes.
        """
        pal = self.a.user("pal", "lobby")
        self.settle()
        self.a.service.kickFromRoom(self.op, "lobby", "pal", "")
        self.settle()
        for person in (pal, self.op, self.bob, self.carol):
            self.assertEqual(kicks(person), [("pal", "op", "")])
        self.assertNotIn("leave", self.redis.kinds())
        self.assertEqual(
            sorted(self.c.service.registry.get("lobby").members), ["bob", "carol", "dave", "op"]
        )

    def test_modesEnforcedEverywhere(self) -> None:
        """
        C{+m}, C{+v}, C{+o} set on A hold on B and C.
        """
        self.a.service.changeRoomMode(self.op, "lobby", True, "m")
        self.settle()
        for node in self.nodes():
            self.assertEqual(node.service.roomModes("lobby"), "mnt")
        self.assertRaises(errors.Moderated, self.b.service.say, self.bob, "lobby", ("hi",))
        self.assertRaises(errors.Moderated, self.c.service.say, self.carol, "lobby", ("hi",))
        self.a.service.changeRoomMode(self.op, "lobby", True, "v", "bob")
        self.a.service.changeRoomMode(self.op, "lobby", True, "o", "carol")
        self.settle()
        self.b.service.say(self.bob, "lobby", ("voiced",))
        self.settle()
        self.assertEqual(self.carol.events[-1].lines, ("voiced",))  # type: ignore[attr-defined]
        self.assertTrue(self.c.service.isRoomOperator(self.carol, "lobby"))
        self.c.service.changeRoomMode(self.carol, "lobby", False, "v", "bob")
        self.settle()
        self.assertRaises(errors.Moderated, self.b.service.say, self.bob, "lobby", ("hi",))
        for node in self.nodes():
            self.assertEqual(node.service.memberStatus("lobby", "carol"), "o")
            self.assertEqual(node.service.memberStatus("lobby", "bob"), "")
        self.assertEqual(
            changes(self.dave), [("+m", ()), ("+v", ("bob",)), ("+o", ("carol",)), ("-v", ("bob",))]
        )
        self.assertFalse([e for e in self.dave.events if type(e) is Notice])

    def test_inviteOnlyAcrossNodes(self) -> None:
        """
        C{+i} set on A keeps a user of B out until A's operator invites
        them; the invitation reaches them once, on their node.
        """
        self.a.service.changeRoomMode(self.op, "lobby", True, "i")
        eve = self.b.user("eve")
        self.settle()
        self.failureResultOf(self.b.outcome(self.b.service.enter, eve, "lobby"), errors.InviteOnly)
        self.a.service.invite(self.op, "eve", "lobby")
        self.settle()
        invitations = [e for e in eve.events if isinstance(e, Invitation)]
        self.assertEqual([(i.room, i.by) for i in invitations], [("lobby", "op")])
        self.assertFalse([e for e in eve.events if type(e) is Notice])
        self.b.service.enter(eve, "lobby")
        self.settle()
        self.assertIn("eve", self.a.service.members(self.op, "lobby"))

    def test_keyBanSecretCapacity(self) -> None:
        """
        C{+k}, C{+b}, C{+s} and C{+l} set on A hold on B and C.
        """
        self.a.service.changeRoomModes(
            self.op, "lobby", [(True, "k", "sesame"), (True, "b", "eve"), (True, "s", "")]
        )
        self.settle()
        eve = self.c.user("eve")
        frank = self.b.user("frank")
        self.settle()
        self.failureResultOf(
            self.c.outcome(self.c.service.enter, eve, "lobby", "sesame"), errors.BannedFromRoom
        )
        self.failureResultOf(
            self.b.outcome(self.b.service.enter, frank, "lobby"), errors.BadRoomKey
        )
        self.assertFalse(self.b.service.canSee(frank, "lobby"))
        self.assertEqual(self.c.service.roomBans("lobby"), [("eve!*@*", "op", 1000)])
        self.b.service.enter(frank, "lobby", "sesame")
        self.a.service.changeRoomMode(self.op, "lobby", True, "l", "5")
        self.settle()
        grace = self.c.user("grace")
        self.settle()
        self.failureResultOf(
            self.c.outcome(self.c.service.enter, grace, "lobby", "sesame"), errors.GroupFull
        )
        self.assertEqual(self.c.service.capacity("lobby"), 5)

    def test_exceptionLists(self) -> None:
        """
        Ban and invite exceptions set on A hold on B, listed with who set
        them, as the ban masks are.
        """
        self.a.service.changeRoomModes(
            self.op, "lobby", [(True, "b", "*!*@*"), (True, "e", "frank"), (True, "e", "grace")]
        )
        self.a.service.changeRoomModes(self.op, "lobby", [(True, "i", ""), (True, "I", "frank")])
        self.settle()
        frank, grace = self.b.user("frank"), self.b.user("grace")
        self.settle()
        self.assertEqual(
            self.b.service.roomBans("lobby", "e"),
            [("frank!*@*", "op", 1000), ("grace!*@*", "op", 1000)],
        )
        self.assertEqual(self.b.service.roomBans("lobby", "I"), [("frank!*@*", "op", 1000)])
        self.failureResultOf(
            self.b.outcome(self.b.service.enter, grace, "lobby"), errors.InviteOnly
        )
        entered = settled(self.b.service.enter(frank, "lobby"))
        self.settle()
        self.assertEqual(self.successResultOf(entered), "lobby")

    def test_groupedChangeOncePerNode(self) -> None:
        """
        A grouped change is one envelope, and one L{RoomChange} for each
        member on every node; no text notice travels.
        """
        before = len(self.redis.published)
        self.a.service.changeRoomModes(
            self.op, "lobby", [(True, "m", ""), (True, "k", "x"), (False, "t", "")]
        )
        self.settle()
        self.assertEqual(self.publishedSince(before), ["mode"] * 2)  # for B and for C
        for person in (self.op, self.bob, self.dave, self.carol):
            self.assertEqual(changes(person), [("+mk-t", ("x",))])
            self.assertFalse([e for e in person.events if type(e) is Notice])

    def test_answeredOnceHeard(self) -> None:
        """
        A room operator's change (a voice, the modes, an invitation, a
        topic, a kick) is answered once every other node has heard of it,
        as an arrival is:
        a member on another node told of it at once finds it there.
        """
        service = self.a.service
        self.c.user("erin")
        calls: list[tuple[Callable[..., Any], tuple[Any, ...]]] = [
            (service.changeRoomMode, (self.op, "lobby", True, "v", "bob")),
            (service.changeRoomModes, (self.op, "lobby", [(True, "m", "")])),
            (service.changeRoomModes, (self.op, "lobby", [(True, "i", "")])),
            (service.invite, (self.op, "erin", "lobby")),
            (service.setTopic, (self.op, "lobby", "tea at five")),
            (service.kickFromRoom, (self.op, "lobby", "dave", "out")),
        ]
        for call, args in calls:
            answer = settled(call(*args))
            self.assertNoResult(answer)
            self.settle()
            self.successResultOf(answer)
        self.assertEqual(self.b.service.memberStatus("lobby", "bob"), "v")
        self.assertIn("m", self.c.service.roomModes("lobby"))
        self.assertEqual(self.c.service.topic("lobby"), "tea at five")
        self.assertNotIn("dave", self.c.service.members(self.carol, "lobby"))
        self.assertIn(key("erin"), self.c.service.registry.get("lobby").invited)

    def test_toldOnceHeard(self) -> None:
        """
        The members on the operator's node, the operator included (IRC's
        C{MODE} echo), are told of a change once every other node has
        applied it: a client told of it acts on it anywhere.
        """
        self.b.hold()
        self.a.service.changeRoomModes(self.op, "lobby", [(True, "m", "")])
        self.a.service.setTopic(self.op, "lobby", "tea at five")
        self.settle()
        self.assertEqual([e for e in self.op.events if isinstance(e, RoomChange)], [])
        self.b.release()
        self.settle()
        told = [e for e in self.op.events if isinstance(e, RoomChange)]
        self.assertEqual([(e.modes, e.topic) for e in told], [("+m", None), ("", "tea at five")])
        self.assertIn("m", self.b.service.roomModes("lobby"))

    def test_topic(self) -> None:
        """
        A topic set on B shows on A and C, with who set it, and when: to
        the millisecond in the change members see (IRC's server-time).
        """
        self.a.service.changeRoomMode(self.op, "lobby", False, "t")
        self.settle()
        self.clock.advance(0.25)
        self.b.service.setTopic(self.bob, "lobby", "tea at five")
        self.settle()
        for node in self.nodes():
            self.assertEqual(node.service.topic("lobby"), "tea at five")
            self.assertEqual(node.service.topicSetter("lobby"), ("bob", 1000))
        topics = [
            (e.topic, e.moment) for e in self.carol.events if isinstance(e, RoomChange) and e.topic
        ]
        self.assertEqual(topics, [("tea at five", 1000.25)])
        modes = [e.moment for e in self.carol.events if isinstance(e, RoomChange) and e.modes]
        self.assertEqual(modes, [1000])

    def test_creatorRunsRoomEverywhere(self) -> None:
        """
        Whoever creates a room is its operator on every node.
        """
        self.b.service.createRoom(self.bob, "dev")
        self.b.service.enter(self.bob, "dev")
        self.settle()
        self.c.service.enter(self.carol, "dev")
        self.settle()
        for node in self.nodes():
            self.assertEqual(node.service.memberStatus("dev", "bob"), "o")
        self.b.service.changeRoomMode(self.bob, "dev", True, "m")
        self.settle()
        self.assertRaises(errors.Moderated, self.c.service.say, self.carol, "dev", ("hi",))

    def test_lateNodeGetsState(self) -> None:
        """
        A node that starts after the changes learns them from the others'
        states: modes, key, bans, capacity and who is operator or voiced.
        """
        self.a.service.changeRoomModes(
            self.op,
            "lobby",
            [(True, "m", ""), (True, "k", "x"), (True, "b", "eve"), (True, "l", "9")],
        )
        self.a.service.changeRoomMode(self.op, "lobby", True, "v", "bob")
        self.a.service.setTopic(self.op, "lobby", "rules")
        self.settle()
        d = FakeNode(self, self.redis, "d")
        d.start()
        self.settle()
        self.assertEqual(d.service.roomModes("lobby"), "mnt")
        self.assertEqual(d.service.roomKey("lobby"), "x")
        self.assertEqual(d.service.roomBans("lobby"), [("eve!*@*", "op", 1000)])
        self.assertEqual(d.service.capacity("lobby"), 9)
        self.assertEqual(d.service.memberStatus("lobby", "op"), "o")  # a chatd operator
        self.assertEqual(d.service.memberStatus("lobby", "bob"), "v")
        self.assertEqual(d.service.memberStatus("lobby", "carol"), "")
        self.assertEqual(d.service.topic("lobby"), "rules")
        self.assertEqual(d.service.topicSetter("lobby"), ("op", 1000))
        for node in self.nodes():
            self.assertEqual(
                node.service.replica.roomState("lobby"), d.service.replica.roomState("lobby")
            )
        self.assertEqual(len(changes(self.carol)), 3)  # nothing told twice

    def test_changeDuringRedisGap(self) -> None:
        """
        A change made while Redis was away reaches the other nodes when it
        is back (the newer change wins), and their members are told.
        """
        self.redis.down = True
        for node in self.nodes():
            node.bridge.linkDown()
        self.a.service.changeRoomModes(self.op, "lobby", [(True, "m", ""), (True, "k", "x")])
        self.clock.advance(1)
        self.redis.down = False
        for node in self.nodes():
            node.bridge.linkUp()
        self.settle()
        for node in self.nodes():
            self.assertEqual(node.service.roomModes("lobby"), "mnt")
            self.assertEqual(node.service.roomKey("lobby"), "x")
        self.assertEqual(changes(self.carol), [("+mk", ("x",))])
        self.assertEqual(changes(self.bob), [("+mk", ("x",))])


class IRCOnOtherNodeTests(SynchronousTestCase):
    """
    An IRC user on node B sees an operator's changes on node A as C{MODE}
    and C{KICK} lines, as if the operator were on B.
    """

    def test_modeAndKickLines(self) -> None:
        clock = Clock()
        clock.advance(1_700_000_000)
        redis = FakeRedis(clock)
        a = FakeNode(self, redis, "a")
        b = FakeNode(self, redis, "b")
        for node in (a, b):
            node.start()
        op = a.user("op", "lobby")
        factory = IRCFactory(b.service, clock, floodBurst=None, aliveAfter=60)
        proto, transport = connect(factory, clock)
        proto.dataReceived(b"NICK bob\r\nUSER bob 0 * :Bob\r\n")
        for _ in range(10):
            clock.advance(0)
        proto.dataReceived(b"JOIN #lobby\r\n")
        for _ in range(10):
            clock.advance(0)
        self.assertIn(" 001 ", output(transport, clock).decode())
        a.service.changeRoomModes(op, "lobby", [(True, "m", ""), (True, "k", "x")])
        a.service.kickFromRoom(op, "lobby", "bob", "bye")
        for _ in range(10):
            clock.advance(0)
        lines = output(transport, clock).decode().split("\r\n")
        self.assertIn(":op!op@user/op MODE #lobby +mk x", lines)
        self.assertIn(":op!op@user/op KICK #lobby bob :bye", lines)
        self.assertFalse([line for line in lines if " NOTICE " in line])
        proto.connectionLost(None)


class InviteNotifyTests(TwoNodes):
    """
    An invitation made on one node is shown, on the other, to the members
    who could have invited too (IRC's C{invite-notify}), as it is where it
    was made.
    """

    def test_inviteSeenOnOtherNode(self) -> None:
        ann = self.ircClient(self.a, "ann", "invite-notify")
        ben = self.ircClient(self.b, "ben", "invite-notify")
        cat = self.ircClient(self.b, "cat")
        for client in (ann, ben):
            client.send("JOIN #t")
        ann.read()
        ben.send("INVITE cat #t")
        self.assertIn(f":ben!benx@{GUEST_HOST} INVITE cat #t\r\n", ann.read())
        self.assertIn(f":ben!benx@{GUEST_HOST} INVITE cat #t\r\n", cat.read())


class SettingsAfterGapTests(TwoNodes):
    """
    Room operators on two nodes change a room while Redis is away: once it
    is back, every node ends with the same settings, each setting the one
    changed last.
    """

    def setUp(self) -> None:
        super().setUp()
        self.alice = self.a.user("alice")
        self.a.outcome(self.a.service.createRoom, self.alice, "den")
        self.a.outcome(self.a.service.enter, self.alice, "den")
        self.bob = self.b.user("bob", "den")
        self.a.service.changeRoomModes(self.alice, "den", [(True, "o", "bob")])
        self.settle()

    def settings(self) -> list[tuple[str, str | None]]:
        return [
            (node.service.topic("den"), node.service.roomKey("den")) for node in (self.a, self.b)
        ]

    def test_laterChangeOfEachSettingWins(self) -> None:
        """
        Both change the topic and the key, one after the other: both nodes
        show the later topic and key (neither undoes the other's).
        """
        self.down()
        self.a.service.setTopic(self.alice, "den", "earlier")
        self.a.service.changeRoomMode(self.alice, "den", True, "k", "early")
        self.clock.advance(2)
        self.b.service.setTopic(self.bob, "den", "later")
        self.b.service.changeRoomMode(self.bob, "den", True, "k", "late")
        self.up()
        self.assertEqual(self.settings(), [("later", "late"), ("later", "late")])

    def test_differentSettingsBothStay(self) -> None:
        """
        One changes the topic, the other the key, a moment later: every
        node keeps both changes.
        """
        self.down()
        self.a.service.setTopic(self.alice, "den", "new topic")
        self.clock.advance(2)
        self.b.service.changeRoomMode(self.bob, "den", True, "k", "late")
        self.up()
        self.assertEqual(self.settings(), [("new topic", "late"), ("new topic", "late")])
