"""
Nickname claims that Redis is slow to answer, or that are made while the
link is (re)connecting: every login and rename gets an answer within
L{Presence.claimTimeout} on the reactor clock, and one pending claim never
holds up another.  A fake Redis that can hold replies back, and a L{Clock}.
"""

from __future__ import annotations

from twisted.internet.defer import CancelledError, Deferred
from twisted.internet.task import Clock
from twisted.trial.unittest import SynchronousTestCase

from chatd.cluster.address import RedisUnavailable
from chatd.cluster.presence import CLAIM_TIMEOUT, Presence
from chatd.core import errors
from chatd.core.delivery import connectionsOf
from chatd.core.service import ChatService
from chatd.irc.factory import IRCFactory
from chatd.tchat import TchatFactory, TchatProtocol
from chatd.testing import RecordingParticipant, settled
from tests.support.fakenode import FakeNode
from tests.support.fakeredis import FakeRedis
from tests.support.helpers import connect, output


class Link:
    """
    Stands in for L{RedisLink.ready}: down until L{up}, and records
    withdrawn waits.
    """

    def __init__(self) -> None:
        self.waiters: list[Deferred[None]] = []
        self.withdrawn = 0

    def ready(self) -> Deferred[None]:
        def withdraw(d: Deferred[None]) -> None:
            self.withdrawn += 1
            self.waiters.remove(d)

        d: Deferred[None] = Deferred(withdraw)
        self.waiters.append(d)
        return d

    def up(self) -> None:
        waiters, self.waiters = self.waiters, []
        for d in waiters:
            d.callback(None)


class ClaimTimeoutTests(SynchronousTestCase):
    def setUp(self) -> None:
        self.clock = Clock()
        self.redis = FakeRedis(self.clock)

    def presence(self, link: Link | None = None) -> Presence:
        if link is None:
            return Presence(self.redis.execute, self.clock, "a", interval=1.0, ttl=5.0)
        return Presence(
            self.redis.execute, self.clock, "a", interval=1.0, ttl=5.0, ready=link.ready
        )

    def test_unansweredClaimTimesOut(self) -> None:
        """
        A claim Redis does not answer fails with L{RedisUnavailable} after
        C{claimTimeout} seconds, not before; a claim Redis may have granted
        is given back, and the late reply is dropped.
        """
        presence = self.presence()
        self.redis.holding = True
        d = presence.claim("alice")
        self.clock.advance(CLAIM_TIMEOUT - 0.01)
        self.assertNoResult(d)
        self.clock.advance(0.01)
        self.assertIn("in 3 s", str(self.failureResultOf(d, RedisUnavailable).value))
        self.assertEqual(self.redis.commands, ["SET", "EVAL"])  # the claim, then its release
        self.redis.answerHeld()
        self.assertIsNone(self.redis.cmd_GET(presence.nickKey("alice")))
        self.assertEqual(self.clock.getDelayedCalls(), [])

    def test_answeredClaimLeavesNoTimer(self) -> None:
        """
        A claim answered in time cancels its deadline.
        """
        presence = self.presence()
        self.redis.holding = True
        d = presence.claim("alice")
        self.clock.advance(1)
        self.redis.answerHeld()
        self.assertIsNone(self.successResultOf(d))
        self.assertEqual(self.clock.getDelayedCalls(), [])
        self.assertEqual(self.redis.commands, ["SET"])

    def test_pendingClaimBlocksNoOther(self) -> None:
        """
        While one claim waits for its reply, later claims are answered as
        soon as Redis answers them.
        """
        presence = self.presence()
        self.redis.holding = True
        stuck = presence.claim("alice")
        self.redis.holding = False
        self.successResultOf(presence.claim("bob"))
        self.failureResultOf(presence.claim("bob"), errors.NickTaken)
        self.assertNoResult(stuck)
        self.clock.advance(CLAIM_TIMEOUT)
        self.failureResultOf(stuck, RedisUnavailable)

    def test_claimWaitsForTheLink(self) -> None:
        """
        A claim made while the link is (re)connecting is sent once it is
        up, if that is within the deadline.
        """
        link = Link()
        presence = self.presence(link)
        d = presence.claim("alice")
        self.clock.advance(CLAIM_TIMEOUT / 2)
        self.assertEqual(self.redis.commands, [])
        link.up()
        self.successResultOf(d)
        self.assertEqual(self.redis.commands, ["SET"])
        self.assertEqual(self.clock.getDelayedCalls(), [])

    def test_linkNotBackInTime(self) -> None:
        """
        If the link is not up by the deadline, the claim fails, its wait is
        withdrawn, and nothing is sent to Redis then or later.
        """
        link = Link()
        presence = self.presence(link)
        d = presence.claim("alice")
        self.clock.advance(CLAIM_TIMEOUT)
        self.failureResultOf(d, RedisUnavailable)
        self.assertEqual(link.withdrawn, 1)
        link.up()
        self.assertEqual(self.redis.commands, [])

    def test_cancelledByCaller(self) -> None:
        """
        A caller that stops waiting (its connection closed) cancels the
        claim like a timeout would, without a timer left behind.
        """
        presence = self.presence()
        self.redis.holding = True
        d = presence.claim("alice")
        d.cancel()
        self.failureResultOf(d, CancelledError)
        self.assertEqual(self.clock.getDelayedCalls(), [])


class ServiceClaimTests(SynchronousTestCase):
    """
    The same through a node's service and TCHAT: the user is told to try
    again (ERROR 02) instead of waiting forever.
    """

    def setUp(self) -> None:
        self.redis = FakeRedis(Clock())
        self.clock = self.redis.clock
        self.node = FakeNode(self, self.redis, "a")
        self.node.start()
        self.clock.advance(0)
        self.service: ChatService = self.node.service

    def test_loginTimesOut(self) -> None:
        """
        A login whose claim Redis does not answer fails with
        L{errors.ClusterUnavailable}; another user logs in meanwhile, and
        the same name can be taken once Redis answers again.
        """
        alice = RecordingParticipant()
        self.service.connect(alice)
        self.redis.holding = True
        pending = self.service.login(alice, "alice")
        self.redis.holding = False
        self.node.user("bob")
        self.clock.advance(CLAIM_TIMEOUT)
        self.failureResultOf(pending, errors.ClusterUnavailable)
        self.assertIsNone(self.service.find("alice"))
        self.redis.answerHeld()
        self.assertEqual(self.successResultOf(settled(self.service.login(alice, "alice"))), "alice")

    def test_renameTimesOut(self) -> None:
        """
        A rename whose claim is not answered fails the same way and leaves
        the old name in place.
        """
        alice = self.node.user("alice", "lobby")
        self.redis.holding = True
        pending = self.service.rename(alice, "alicia")
        self.clock.advance(CLAIM_TIMEOUT)
        self.failureResultOf(pending, errors.ClusterUnavailable)
        self.assertEqual(alice.nick, "alice")
        self.assertEqual(list(connectionsOf(self.service.find("alice"))), [alice])

    def test_tchatPipelinedLoginTimesOut(self) -> None:
        """
        Over TCHAT, a pipelined C{LOGIN} and C{ENTER} whose claim times out
        are answered C{ERROR 02} and C{ERROR 01}, in order, and the
        connection goes on: a second try logs in.  Another connection's
        login is not held up meanwhile.
        """
        factory = TchatFactory(self.service, self.clock, floodBurst=None, aliveAfter=None)
        proto, transport = connect(factory, self.clock)
        other, otherTransport = connect(factory, self.clock)
        assert isinstance(proto, TchatProtocol) and isinstance(other, TchatProtocol)
        self.assertEqual(output(transport, self.clock), b"srv: TCHAT 1\n")
        output(otherTransport, self.clock)
        self.redis.holding = True
        proto.dataReceived(b"clt: LOGIN alice\r\nclt: ENTER lobby\r\n")
        self.redis.holding = False
        other.dataReceived(b"clt: LOGIN bob\r\n")
        self.assertEqual(output(otherTransport, self.clock), b"srv: OKAY!\n")
        self.assertEqual(output(transport, self.clock), b"")
        self.clock.advance(CLAIM_TIMEOUT)
        self.assertEqual(output(transport, self.clock), b"srv: ERROR 02\nsrv: ERROR 01\n")
        self.redis.answerHeld()
        proto.dataReceived(b"clt: LOGIN alice\r\nclt: ENTER lobby\r\n")
        self.assertEqual(output(transport, self.clock), b"srv: OKAY!\nsrv: OKAY!\n")
        for p in (proto, other):
            p.transport.loseConnection()  # type: ignore[union-attr]
            p.connectionLost(None)

    def test_ircRegistrationTimesOut(self) -> None:
        """
        Over IRC, a nickname whose claim times out during registration, or
        in a rename, is answered C{437} (temporarily unavailable: clients
        try again or another nickname, as after C{433}), and the same
        connection registers once Redis answers.
        """
        factory = IRCFactory(self.service, self.clock, floodBurst=None)
        proto, transport = connect(factory, self.clock)
        self.redis.holding = True
        proto.dataReceived(b"NICK alice\r\nUSER a 0 * :A\r\n")
        self.redis.holding = False
        self.clock.advance(CLAIM_TIMEOUT)
        self.assertIn(
            b" 437 alice alice :the chat is briefly unreachable", output(transport, self.clock)
        )
        self.redis.answerHeld()
        proto.dataReceived(b"NICK alice\r\n")
        self.assertIn(b" 001 alice ", output(transport, self.clock))
        self.redis.holding = True
        proto.dataReceived(b"NICK alicia\r\n")
        self.clock.advance(CLAIM_TIMEOUT)
        self.assertIn(b" 437 alice alicia :", output(transport, self.clock))
        proto.transport.loseConnection()
        proto.connectionLost(None)
