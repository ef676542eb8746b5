"""
Tests for what a Redis outage does to messages between nodes (fake Redis,
one L{Clock}): room messages wait and arrive, private messages to another
node are acknowledged only once Redis has them, and nothing is dropped
without its sender being told.
"""

from __future__ import annotations

from chatd.cluster.address import RedisUnavailable
from chatd.core import errors
from chatd.core.events import Notice, PrivateMessage
from chatd.irc.factory import IRCFactory
from chatd.modstore import BAN
from chatd.tchat import TchatFactory, TchatProtocol
from chatd.testing import RecordingParticipant, settled
from tests.support.fakenode import TwoNodes, said
from tests.support.helpers import connect, output


def privates(user: RecordingParticipant) -> list[tuple[str, str]]:
    return [(e.sender, e.lines[0]) for e in user.events if isinstance(e, PrivateMessage)]


class OutageTests(TwoNodes):
    def test_roomMessagesWaitAndArrive(self) -> None:
        """
        Room messages sent while Redis is down are accepted, wait on their
        node, and reach the other node's members in order once Redis is back.
        """
        alice = self.a.user("alice", "lobby")
        bob = self.b.user("bob", "lobby")
        self.settle()
        self.down()
        for text in ("one", "two", "three"):
            self.a.service.say(alice, "lobby", (text,))
        self.settle()
        self.assertEqual(said(bob, "lobby"), [])
        self.assertEqual(self.a.bus.waiting(), 3)
        self.up()
        self.assertEqual(
            said(bob, "lobby"), [("alice", "one"), ("alice", "two"), ("alice", "three")]
        )
        self.assertEqual(self.a.bus.dropped, 0)

    def test_privateMessageRefusedWhileDown(self) -> None:
        """
        A private message to a user on another node while Redis is down is
        refused with L{errors.RelayUnavailable} (code 03: try again): it
        reaches nobody, not even the sender's own other connections, and is
        not stored.  Once Redis is back, the same message goes through.
        """
        alice = self.a.user("alice")
        bob = self.b.user("bob")
        self.settle()
        self.down()
        failure = self.failureResultOf(
            settled(self.a.service.tell(alice, "bob", ("hi",))), errors.RelayUnavailable
        )
        self.assertEqual(failure.value.code, 3)
        self.up()
        self.assertEqual(privates(bob), [])
        told = settled(self.a.service.tell(alice, "bob", ("hi",)))
        self.settle()
        self.assertIsInstance(self.successResultOf(told), PrivateMessage)
        self.assertEqual(privates(bob), [("alice", "hi")])

    def test_privateMessageAcknowledgedOnceRedisHasIt(self) -> None:
        """
        A private message to another node is acknowledged when Redis
        answers the command that carried it (after the reactor turn), not
        before; if the connection is lost first, the sender is told to try
        again.
        """
        alice = self.a.user("alice")
        self.b.user("bob")
        self.settle()
        self.redis.holding = True
        pending = settled(self.a.service.tell(alice, "bob", ("first",)))
        self.settle()
        self.assertNoResult(pending)
        self.redis.answerHeld()
        self.assertIsInstance(self.successResultOf(pending), PrivateMessage)
        lost = settled(self.a.service.tell(alice, "bob", ("second",)))
        self.settle()
        self.assertNoResult(lost)
        held, self.redis.held = self.redis.held, []
        for d, _ in held:
            d.errback(RedisUnavailable("connection lost"))
        self.redis.holding = False
        self.failureResultOf(lost, errors.RelayUnavailable)

    def test_localPrivateMessageUnaffected(self) -> None:
        """
        Without Redis, private messages between users of one node still
        go through at once.
        """
        alice = self.a.user("alice")
        carol = self.a.user("carol")
        self.down()
        event = self.a.service.tell(alice, "carol", ("near",))
        self.assertIsInstance(event, PrivateMessage)
        self.assertEqual(privates(carol), [("alice", "near")])

    def test_fullQueueRefusesRoomMessages(self) -> None:
        """
        Past the queue's bound, a room message with members on another node
        is refused with code 03 and reaches nobody; a room whose members are
        all on this node still works.
        """
        self.a.service.registry.create("here")  # a room only node a has
        alice = self.a.user("alice", "lobby", "here")
        carol = self.a.user("carol", "lobby", "here")
        self.b.user("bob", "lobby")
        self.settle()
        self.a.bus.queueLimit = 2
        self.down()
        self.a.service.say(alice, "lobby", ("one",))
        self.a.service.say(alice, "lobby", ("two",))
        with self.assertRaises(errors.RelayUnavailable):
            self.a.service.say(alice, "lobby", ("three",))
        self.assertNotIn(("alice", "three"), said(carol, "lobby"))
        self.a.service.say(alice, "here", ("local",))
        self.assertIn(("alice", "local"), said(carol, "here"))


class RestartTests(TwoNodes):
    """
    Redis restarts without persistence: entries it took but nobody read yet
    are gone, and so are its keys.
    """

    def restart(self) -> None:
        self.down()
        self.redis.streams.clear()
        self.redis.data.clear()
        self.redis.sets.clear()
        self.redis.published.clear()
        self.up()

    def test_unreadEntriesResent(self) -> None:
        """
        A room message and an acknowledged private message that Redis
        forgot before their receiver read them are resent by their sender
        once the nodes are back, in order; no whole state is traded.
        """
        alice = self.a.user("alice", "lobby")
        bob = self.b.user("bob", "lobby")
        self.settle()
        self.b.alive = False  # node b does not read its inbox before the restart
        self.a.service.say(alice, "lobby", ("before the restart",))
        told = settled(self.a.service.tell(alice, "bob", ("still there?",)))
        self.settle()
        self.assertIsInstance(self.successResultOf(told), PrivateMessage)
        self.b.alive = True
        self.restart()
        self.assertEqual(said(bob, "lobby"), [("alice", "before the restart")])
        self.assertEqual(privates(bob), [("alice", "still there?")])
        self.assertIn("resume", self.redis.kinds())
        self.assertNotIn("state", self.redis.kinds())
        self.a.service.say(alice, "lobby", ("after",))
        self.settle()
        self.assertEqual(said(bob, "lobby")[-1], ("alice", "after"))
        self.assertEqual(self.flushLoggedErrors(), [])

    def test_gapsBothWaysFilled(self) -> None:
        """
        When Redis forgot entries both nodes had not read, each node's
        request to resend waits behind no gap: both gaps are filled, every
        acknowledged private message arrives, both ways, and no gap is
        given up.
        """
        alice = self.a.user("alice", "lobby")
        bob = self.b.user("bob", "lobby")
        self.settle()
        self.a.alive = self.b.alive = False  # neither reads its inbox before the restart
        told = [
            settled(self.a.service.tell(alice, "bob", ("to bob",))),
            settled(self.b.service.tell(bob, "alice", ("to alice",))),
        ]
        self.a.service.say(alice, "lobby", ("from a",))
        self.b.service.say(bob, "lobby", ("from b",))
        self.settle()
        for each in told:
            self.assertIsInstance(self.successResultOf(each), PrivateMessage)
        self.a.alive = self.b.alive = True
        self.restart()
        for _ in range(5):
            self.clock.advance(1)
            self.settle()
        self.assertEqual(privates(bob), [("alice", "to bob")])
        self.assertEqual(privates(alice), [("bob", "to alice")])
        self.assertEqual(said(bob, "lobby"), [("alice", "from a")])
        self.assertEqual(said(alice, "lobby"), [("bob", "from b")])
        self.assertNotIn("state", self.redis.kinds())
        self.assertEqual(self.flushLoggedErrors(), [])

    def test_gapGivenUpPrivateMessageSentAgain(self) -> None:
        """
        A gap its receiver gave up on (its sender, stalled, answered the
        request to resend too late) costs no acknowledged private message:
        the receiver names the numbers it gave up, and the sender's node
        sends the private messages among them again; they arrive once.
        """
        alice = self.a.user("alice", "lobby")
        bob = self.b.user("bob", "lobby")
        self.settle()
        self.b.alive = False  # node b does not read its inbox before the restart
        told = settled(self.a.service.tell(alice, "bob", ("still there?",)))
        self.settle()
        self.assertIsInstance(self.successResultOf(told), PrivateMessage)
        self.b.alive = True
        self.a.hold()  # node a stalls: b's request to resend waits
        self.restart()
        for _ in range(4):
            self.clock.advance(1)
            self.settle()
        self.assertEqual(privates(bob), [])  # b gave its gap up
        self.assertIn("missed", self.redis.kinds())
        self.a.release()
        for _ in range(2):
            self.clock.advance(1)
            self.settle()
        self.assertEqual(privates(bob), [("alice", "still there?")])
        self.assertEqual([e for e in alice.events if isinstance(e, Notice)], [])
        self.assertEqual(self.flushLoggedErrors(), [])

    def test_gapGivenUpSenderToldIfNotSentAgain(self) -> None:
        """
        A private message in a gap given up that cannot be sent again
        (Redis went away once more) is told to its sender as not delivered.
        """
        alice = self.a.user("alice", "lobby")
        self.b.user("bob", "lobby")
        self.settle()
        self.b.alive = False
        told = settled(self.a.service.tell(alice, "bob", ("still there?",)))
        self.settle()
        self.assertIsInstance(self.successResultOf(told), PrivateMessage)
        self.b.alive = True
        self.a.hold()
        self.restart()
        for _ in range(4):
            self.clock.advance(1)
            self.settle()
        self.down()
        self.a.release()
        self.settle()
        [notice] = [e.text for e in alice.events if isinstance(e, Notice)]
        self.assertIn("still there?", notice)
        self.assertTrue(notice.endswith(": not delivered"), notice)

    def test_nothingLostNothingResent(self) -> None:
        """
        After a restart that lost nothing unread, the nodes only ask each
        other where they stand: nothing is resent, no state traded, and
        the chat goes on.
        """
        alice = self.a.user("alice", "lobby")
        bob = self.b.user("bob", "lobby")
        self.settle()
        self.a.service.say(alice, "lobby", ("one",))
        self.settle()
        self.restart()
        self.assertEqual(sorted(set(self.redis.kinds())), ["resume"])
        self.a.service.say(alice, "lobby", ("two",))
        self.settle()
        self.assertEqual(said(bob, "lobby"), [("alice", "one"), ("alice", "two")])
        self.assertIsNotNone(self.a.service.find("bob"))
        self.assertIsNotNone(self.b.service.find("alice"))

    def test_refusedPrivateMessageNeverResent(self) -> None:
        """
        A private message refused because Redis's answer never came (the
        sender was told to try again) is not delivered later by the resend
        that fills the gap it left: its sender would send it twice.
        """
        alice = self.a.user("alice", "lobby")
        bob = self.b.user("bob", "lobby")
        self.settle()
        self.b.alive = False  # node b reads nothing before the restart
        self.redis.holding = True
        refused = settled(self.a.service.tell(alice, "bob", ("try again?",)))
        self.settle()
        held, self.redis.held = self.redis.held, []
        for d, _ in held:
            d.errback(RedisUnavailable("connection lost"))
        self.redis.holding = False
        self.failureResultOf(refused, errors.RelayUnavailable)
        self.b.alive = True
        self.restart()
        self.a.service.say(alice, "lobby", ("after",))
        self.settle()
        self.assertEqual(said(bob, "lobby"), [("alice", "after")])
        self.assertEqual(privates(bob), [])
        self.assertEqual(self.flushLoggedErrors(), [])


class CutOffTests(TwoNodes):
    def test_nodeCutOffAloneSpeaksLater(self) -> None:
        """
        A node cut off from Redis alone, long enough for the other node to
        count it dead (its users leave there): what its users said meanwhile
        was acknowledged and queued, and once it is back the other node
        shows it after their return, instead of dropping it.
        """
        alice = self.a.user("alice", "lobby")
        bob = self.b.user("bob", "lobby")
        self.settle()
        self.a.bridge.linkDown()  # only node a lost Redis
        self.b.bridge.nodeLost("a")  # node b's presence gave up on it
        self.settle()
        self.assertIsNone(self.b.service.find("alice"))
        self.a.service.say(alice, "lobby", ("while away",))
        self.settle()
        self.assertEqual(said(bob, "lobby"), [])
        self.a.bridge.linkUp()
        self.settle()
        self.assertIsNotNone(self.b.service.find("alice"))
        self.assertEqual(said(bob, "lobby"), [("alice", "while away")])


class FrontEndTests(TwoNodes):
    """
    The same rules as each front-end shows them.
    """

    def test_tchat(self) -> None:
        """
        Over TCHAT, a C{MSGPV} to a user on another node while Redis is down
        is answered C{ERROR 03}; a C{SPEAK} is C{OKAY!} and arrives later.
        """
        self.b.user("bob", "lobby")
        self.settle()
        factory = TchatFactory(self.a.service, self.clock, floodBurst=None, aliveAfter=None)
        proto, transport = connect(factory, self.clock)
        assert isinstance(proto, TchatProtocol)
        proto.dataReceived(b"clt: LOGIN alice\r\nclt: ENTER lobby\r\n")
        self.settle()
        output(transport, self.clock)
        self.down()
        proto.dataReceived(b"clt: MSGPV bob\r\nclt: hi\r\nclt: .\r\n")
        proto.dataReceived(b"clt: SPEAK lobby\r\nclt: later\r\nclt: .\r\n")
        self.settle()
        self.assertEqual(output(transport, self.clock), b"srv: ERROR 03\nsrv: OKAY!\n")
        self.up()
        proto.dataReceived(b"clt: MSGPV bob\r\nclt: hi\r\nclt: .\r\n")
        self.settle()
        self.assertEqual(output(transport, self.clock), b"srv: OKAY!\n")
        proto.transport.loseConnection()  # type: ignore[union-attr]
        proto.connectionLost(None)

    def test_tchatNameTakenWhileCutOff(self) -> None:
        """
        Node a was cut off from Redis alone and counted dead, and someone
        signed in as alice on node b: when a is back and finds its claim
        taken, its TCHAT alice is told why in a NOTICE before the
        C{ERROR 23} that ends her session.
        """
        factory = TchatFactory(self.a.service, self.clock, floodBurst=None, aliveAfter=None)
        proto, transport = connect(factory, self.clock)
        proto.dataReceived(b"clt: LOGIN alice\r\n")
        self.settle()
        output(transport, self.clock)
        self.a.bridge.linkDown()
        self.a.bridge.nickLost("alice")  # what its presence finds once back
        self.settle()
        self.assertEqual(
            output(transport, self.clock).split(b"\n")[1:],
            [
                b"srv: another user took this nickname while the server was cut off",
                b"srv: .",
                b"srv: ERROR 23",
                b"",
            ],
        )

    def test_irc(self) -> None:
        """
        Over IRC, a C{PRIVMSG} to a user on another node while Redis is down
        is answered with C{404} naming the recipient and the message (try
        again), as for a store outage.
        """
        self.b.user("bob")
        self.settle()
        factory = IRCFactory(self.a.service, self.clock, floodBurst=None, aliveAfter=60)
        proto, transport = connect(factory, self.clock)
        proto.dataReceived(b"NICK alice\r\nUSER alice 0 * :Alice\r\n")
        self.settle()
        output(transport, self.clock)
        self.down()
        proto.dataReceived(b"PRIVMSG bob :hi\r\n")
        self.settle()
        lines = output(transport, self.clock).decode().split("\r\n")
        self.assertIn(
            ':chatd 404 alice bob :"hi" not delivered: the other servers are briefly unreachable,'
            " try again in a moment",
            lines,
        )
        proto.connectionLost(None)


class MetAnewTests(TwoNodes):
    """
    What a node declared dead missed is made up when the two meet again.
    """

    def test_sanctionsSetMeanwhile(self) -> None:
        """
        A ban and a mute set on node a's console while it counted node b
        dead reach b when b is heard again: b's banned user is disconnected,
        its muted user may not speak; a ban lifted meanwhile is not brought
        back by b, which still held it.
        """
        bob = self.b.user("bob", "lobby")
        carol = self.b.user("carol", "lobby")
        self.a.service.moderation.ban("dave", "old", "root")
        self.settle()
        self.assertIsNotNone(self.b.service.moderation.active(BAN, "dave"))
        self.a.presence.peers.discard("b")  # as node a's presence gives up on b
        self.a.bridge.nodeLost("b")
        self.settle()
        self.a.service.moderation.ban("bob", "abusive", "root")
        self.a.service.moderation.mute("carol", 3600, "hush", "root")
        self.a.service.moderation.lift(BAN, "dave")
        self.settle()
        self.assertIsNone(bob.disconnectedWith)
        self.assertIsNotNone(self.b.service.moderation.active(BAN, "dave"))
        self.a.presence.peers.add("b")  # b beats again
        self.a.bridge.peerSeen("b")
        self.settle()
        assert bob.disconnectedWith is not None
        self.assertEqual(bob.disconnectedWith.code, 24)
        self.assertRaises(errors.Muted, self.b.service.say, carol, "lobby", ("hi",))
        self.assertIsNone(self.b.service.moderation.active(BAN, "dave"))
        self.assertIsNone(self.a.service.moderation.active(BAN, "dave"))

    def test_usersToldWhatTheyMissed(self) -> None:
        """
        The users of a node counted dead are told that what was said on the
        other nodes since then is not shown to them: once per loss of
        contact, however many nodes say so.
        """
        alice = self.a.user("alice", "lobby")
        bob = self.b.user("bob", "lobby")
        self.settle()

        def lostAndBack() -> None:
            self.a.presence.peers.discard("b")
            self.a.bridge.nodeLost("b")
            self.settle()
            self.a.presence.peers.add("b")
            self.a.bridge.peerSeen("b")
            self.settle()

        def told(user: RecordingParticipant) -> list[str]:
            return [e.text for e in user.events if isinstance(e, Notice) and "lost" in e.text]

        self.a.presence.peers.discard("b")
        self.a.bridge.nodeLost("b")
        self.a.service.say(alice, "lobby", ("while you were gone",))
        self.settle()
        self.assertEqual(said(bob, "lobby"), [])
        self.a.presence.peers.add("b")
        self.a.bridge.peerSeen("b")
        self.settle()
        lostAndBack()  # another node's word on the same loss, at the same moment
        self.assertEqual(len(told(bob)), 1, told(bob))
        self.assertIn("each room's history has it", told(bob)[0])
        self.assertEqual(told(alice), [])
        self.clock.advance(60)
        lostAndBack()
        self.assertEqual(len(told(bob)), 2)
