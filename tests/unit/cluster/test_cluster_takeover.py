"""
Tests for L{chatd.cluster.suspects} and the login's wait for it
(L{chatd.core.login.Logins.checkName}): a user whose node was killed comes
back on another node at once with their password, and gets their account
once the dead node is counted dead, not "in use"; while that node is alive
(it answers when asked), the login is refused at once, as ever.
"""

from __future__ import annotations

import base64
from typing import Any, cast

from twisted.internet.testing import StringTransport
from twisted.logger import ILogObserver, LogEvent, formatEvent, globalLogPublisher

from chatd.cluster.remote import RemoteParticipant
from chatd.irc.factory import IRCFactory
from chatd.tchat import TchatFactory
from chatd.testing import RecordingParticipant
from tests.support.helpers import connect, output, refusedElsewhere
from tests.support.loginsona import LoginsOnACase


class TakeoverTests(LoginsOnACase):
    """
    Nodes C{a} and C{b} (heartbeat every second, TTL 3 s) sharing one
    database; bob registered and signed in on C{b} with his password; a few
    seconds of beats later, nothing said since.
    """

    def setUp(self) -> None:
        super().setUp()
        self.registerOn(self.b, "bob", "secret1")
        self.bob = RecordingParticipant()
        self.b.service.connect(self.bob)
        self.successResultOf(self.b.outcome(self.b.service.login, self.bob, "bob", "secret1"))
        self.wait(3)  # both beat; nothing said since
        self.logged: list[str] = []

        def observe(event: LogEvent) -> None:
            self.logged.append(formatEvent(event))

        observer = cast(ILogObserver, observe)
        globalLogPublisher.addObserver(observer)
        self.addCleanup(globalLogPublisher.removeObserver, observer)

    def wait(self, seconds: float) -> None:
        """
        Let C{seconds} pass, a quarter of a second at a time.
        """
        for _ in range(round(seconds * 4)):
            self.clock.advance(0.25)
            self.settle()

    def tchat(self) -> tuple[Any, StringTransport]:
        factory = TchatFactory(self.a.service, self.clock, floodBurst=None, aliveAfter=None)
        proto, transport = connect(factory, self.clock)
        self.addCleanup(proto.connectionLost, None)
        output(transport, self.clock)  # the greeting
        return proto, transport

    def bobReturnsToA(self) -> tuple[Any, StringTransport]:
        """
        bob logs in on C{a} with his password over TCHAT.
        """
        proto, transport = self.tchat()
        proto.dataReceived(b"clt: LOGIN bob secret1\r\n")
        self.settle()
        return proto, transport

    def bobReturnsWithSASL(self) -> tuple[Any, StringTransport]:
        """
        bob's IRC client connects to C{a}: C{NICK} first (as irssi sends
        it), then his password through SASL, capability negotiation left open.
        """
        irc, transport = connect(
            IRCFactory(self.a.service, self.clock, floodBurst=None, aliveAfter=60), self.clock
        )
        self.addCleanup(irc.connectionLost, None)
        irc.dataReceived(b"CAP LS 302\r\nNICK bob\r\nUSER bob 0 * :Bob\r\n")
        irc.dataReceived(b"CAP REQ :sasl\r\nAUTHENTICATE PLAIN\r\n")
        plain = base64.b64encode(b"\0bob\0secret1")
        irc.dataReceived(b"AUTHENTICATE " + plain + b"\r\n")
        self.settle()
        return irc, transport

    def waits(self) -> list[str]:
        return [line for line in self.logged if line.startswith("a login to bob waited")]

    def stillWaitsThenIn(self, transport: StringTransport) -> None:
        """
        bob's login has not ended yet; it is answered C{OKAY!} once b is
        counted dead, which the log says.
        """
        self.assertEqual(self.waits(), [])
        self.assertEqual(output(transport, self.clock), b"")
        self.wait(5)
        self.assertTrue(output(transport, self.clock).startswith(b"srv: OKAY!\n"))
        [line] = self.waits()
        self.assertIn("counted dead", line)

    def bobWaitsForBKilled(self, seconds: float) -> str:
        """
        b is killed now and bob comes back to a: his login waits (no answer
        yet, not C{ERROR 23}) and succeeds C{seconds} later, once b is
        counted dead; the one line that logged the wait.
        """
        self.b.crash()
        _, transport = self.bobReturnsToA()
        self.assertEqual(output(transport, self.clock), b"")
        self.wait(seconds)
        self.assertTrue(output(transport, self.clock).startswith(b"srv: OKAY!\n"))
        [line] = self.waits()
        return line

    def test_killedNodesUserComesBack(self) -> None:
        """
        b is killed just after a beat; bob, back on a 1.75 s later, is not
        refused: his login waits, and succeeds once a counts b dead (its key
        expired), with one line logged.
        """
        self.b.crash()
        self.wait(1.75)
        proto, transport = self.bobReturnsToA()
        self.assertEqual(output(transport, self.clock), b"")  # waiting, not ERROR 23
        self.wait(1.5)
        self.assertNotIn("b", self.a.presence.peers)
        self.assertTrue(output(transport, self.clock).startswith(b"srv: OKAY!\n"))
        back = self.a.service.find("bob")
        assert back is not None
        self.assertNotIsInstance(back, RemoteParticipant)
        self.assertEqual(self.a.service.accountName(back), "bob")
        self.assertEqual(
            self.waits(),
            ["a login to bob waited 1.2 s for node b (its last beat 1.8 s old): counted dead"],
        )

    def test_killedNodesUserComesBackOverIRC(self) -> None:
        """
        Over IRC, with C{PASS}: no C{433} while the login waits, then C{001}
        with his nickname.
        """
        self.b.crash()
        self.wait(1.75)
        irc, transport = connect(
            IRCFactory(self.a.service, self.clock, floodBurst=None, aliveAfter=60), self.clock
        )
        self.addCleanup(irc.connectionLost, None)
        irc.dataReceived(b"PASS secret1\r\nNICK bob\r\nUSER bob 0 * :Bob\r\n")
        self.settle()
        self.assertEqual(output(transport, self.clock), b"")
        self.wait(1.5)
        said = output(transport, self.clock).decode()
        self.assertNotIn(" 433 ", said)
        self.assertIn(" 001 bob :", said)

    def test_killedNodesUserComesBackWithSASL(self) -> None:
        """
        Over IRC with SASL, the client's C{NICK} first (as irssi sends
        it): no C{433} for it while SASL may still prove the account; the
        SASL login waits, succeeds (C{903}), and the client is welcomed
        under its nickname.
        """
        self.b.crash()
        self.wait(1.75)
        irc, transport = self.bobReturnsWithSASL()
        said = output(transport, self.clock).decode()
        self.assertNotIn(" 433 ", said)
        self.assertNotIn(" 903 ", said)
        self.wait(1.5)
        said = output(transport, self.clock).decode()
        self.assertIn(" 903 ", said)
        irc.dataReceived(b"CAP END\r\n")
        said = output(transport, self.clock).decode()
        self.assertNotIn(" 433 ", said)
        self.assertIn(" 001 bob :", said)

    def test_aliveNodeRefusedAtOnce(self) -> None:
        """
        b beats, but has said nothing for seconds: bob's login on a asks b,
        which answers, and is refused at once (C{ERROR 23}), as ever.
        """
        _, transport = self.bobReturnsToA()
        self.assertTrue(refusedElsewhere(output(transport, self.clock)))
        self.assertEqual(
            self.waits(),
            ["a login to bob waited 0.0 s for node b (its last beat 0.0 s old): heard from again"],
        )

    def test_aliveNodeRefusedWithSASL(self) -> None:
        """
        Over IRC with SASL while b is alive: the SASL login is refused at
        once, and the C{NICK} held on b gets its C{433} when the client ends
        capability negotiation, as it would without SASL.
        """
        irc, transport = self.bobReturnsWithSASL()
        said = output(transport, self.clock).decode()
        self.assertIn(" 904 ", said)
        irc.dataReceived(b"CAP END\r\n")
        self.settle()
        self.assertIn(" 433 * bob :", output(transport, self.clock).decode())

    def test_killedAMomentAgoWaitedFor(self) -> None:
        """
        b is killed half an interval after its beat, just before bob comes
        back: b does not answer, so the login waits and succeeds once b is
        counted dead.
        """
        self.wait(0.5)  # half an interval after b's beat
        self.assertIn("counted dead", self.bobWaitsForBKilled(8))

    def test_killedJustAfterItsBeatWaitedFor(self) -> None:
        """
        b is killed just after a beat and bob comes back at once: that
        young beat came before his login, so it proves nothing; b does not
        answer, and the login waits and succeeds once b is counted dead.
        """
        self.assertIn("(its last beat 0.0 s old): counted dead", self.bobWaitsForBKilled(6))

    def test_killedJustAfterSpeakingWaitedFor(self) -> None:
        """
        b is killed a moment after an envelope (bob entered a room): what
        it said before bob came back proves nothing either; the login
        waits and succeeds once b is counted dead.
        """
        self.wait(0.5)
        self.b.service.enter(self.bob, "lobby")
        self.settle()
        self.assertIn("counted dead", self.bobWaitsForBKilled(6))

    def test_killedNodesLastWordsReadLateWaitedFor(self) -> None:
        """
        b is killed just after bob spoke in a room, his message still
        unread in a's inbox (carol hears it there) when bob's IRC client comes back to a with
        C{PASS}: a reads it while the login waits, but it was said before
        the login came, so it proves nothing; the login waits on, and
        bob gets C{001} once b is counted dead, not C{433}.
        """
        self.a.user("carol", "lobby")  # b's room messages reach a
        self.wait(0.5)
        self.b.service.enter(self.bob, "lobby")
        self.settle()
        self.a.hold()  # a is slow to read its inbox
        self.b.service.say(self.bob, "lobby", ("last words",))
        self.settle()
        self.assertTrue(self.a.held)
        self.b.crash()
        irc, transport = self.irc(b"PASS secret1", b"NICK bob", b"USER bob 0 * :Bob")
        self.a.release()  # b's last words, read now
        self.settle()
        said = output(transport, self.clock).decode()
        self.assertNotIn(" 433 ", said)
        self.assertNotIn(" 001 ", said)
        self.assertEqual(self.waits(), [])
        self.wait(6)
        said = output(transport, self.clock).decode()
        self.assertNotIn(" 433 ", said)
        self.assertIn(" 001 bob :", said)
        [line] = self.waits()
        self.assertIn("counted dead", line)

    def test_slowReplyIsNoNewBeat(self) -> None:
        """
        b is killed just after a beat; a's look at b's key a second into
        bob's wait is answered a tenth of a second late (a busy Redis or
        link): b's key shows the beat it showed before, so no beat came
        since, however late the reply; the login waits on, and succeeds
        once b is counted dead.
        """
        self.b.crash()
        _, transport = self.bobReturnsToA()
        self.wait(0.75)
        self.redis.holding = True  # replies kept back from now on
        self.clock.advance(0.25)  # a looks at b's key again
        self.assertTrue(self.redis.held)
        self.clock.advance(0.1)
        self.redis.holding = False
        self.redis.answerHeld()
        self.settle()
        self.stillWaitsThenIn(transport)

    def failover(self, skew: float) -> None:
        """
        Redis fails over to a replica whose clock is C{skew} seconds behind
        the old master's (ahead, if negative): b's key has that much more
        life left, and holds the same beat.
        """
        key = self.a.presence.nodeKey("b")
        self.redis.cmd_PEXPIRE(key, self.redis.cmd_PTTL(key) + round(skew * 1000))

    def test_failoverLengthensKeyIsNoBeat(self) -> None:
        """
        b is killed half a second before bob comes back; a moment into
        his wait Redis fails over to a replica whose clock is 1.2 s behind,
        so b's key has more life left at a's next look than at its last: no
        beat for all that (b wrote none), and the login waits on, and
        succeeds once b is counted dead.
        """
        self.b.crash()
        self.wait(0.5)
        _, transport = self.bobReturnsToA()
        self.wait(0.25)
        self.failover(1.2)
        self.wait(1)
        self.stillWaitsThenIn(transport)

    def test_failoverToLaggingReplicaIsNoBeat(self) -> None:
        """
        b is killed; Redis fails over to a replica that had not yet taken
        b's last beat: b's key shows the beat before it, with more life
        left.  That older stamp is no beat since the wait began: the login
        waits on, and succeeds once b is counted dead.
        """
        self.b.crash()
        self.wait(0.5)
        _, transport = self.bobReturnsToA()
        self.wait(0.25)
        key = self.a.presence.nodeKey("b")
        run, count = str(self.redis.cmd_GET(key)).split()
        self.redis.cmd_SET(key, f"{run} {int(count) - 1}", "PX", 3000)
        self.wait(1)
        self.stillWaitsThenIn(transport)

    def test_beatThroughFailoverShorteningKey(self) -> None:
        """
        b stalls; bob's login waits for it; b beats again, and Redis then
        fails over to a replica whose clock is a second and a half ahead,
        so b's key has less life left than when the wait began: b's beat
        counts all the same (it wrote a later one), and the login is
        refused (C{ERROR 23}), not given a second holder of bob's name.
        """
        self.b.hold()  # stalled: it reads and beats no more
        self.b.presence.stop()
        self.wait(1.75)
        _, transport = self.bobReturnsToA()
        self.assertEqual(output(transport, self.clock), b"")
        self.b.presence.beat()  # it runs again
        self.settle()
        self.failover(-1.5)
        self.wait(1)
        self.assertEqual(len(self.waits()), 1)
        self.assertIn("heard from again", self.waits()[0])
        self.wait(1)
        self.assertTrue(refusedElsewhere(output(transport, self.clock)))

    def test_liveNodeRefusedOnceItAnswers(self) -> None:
        """
        b is alive, its last beat half an interval old: it answers, and the
        login is refused (C{ERROR 23}) without waiting for its next beat,
        logged as heard from again.
        """
        self.wait(0.5)
        _, transport = self.bobReturnsToA()
        self.assertTrue(refusedElsewhere(output(transport, self.clock)))
        [line] = self.waits()
        self.assertIn("heard from again", line)

    def test_stalledNodeBeatsAgain(self) -> None:
        """
        b stalls (it reads nothing, so it does not answer), then beats
        again before it is counted
        dead (its reader still behind): a sees the beat at its next look,
        and the login is refused (C{ERROR 23}) once it has heard every node
        or given up on b (L{chatd.cluster.barrier.WAIT}), and that is logged.
        """
        self.b.hold()  # stalled: it reads and beats no more
        self.b.presence.stop()
        self.wait(1.75)
        _, transport = self.bobReturnsToA()
        self.assertEqual(output(transport, self.clock), b"")
        self.b.presence.beat()  # it runs again
        self.settle()
        self.assertEqual(self.waits(), [])  # a looks once a second
        self.wait(1)
        self.assertEqual(len(self.waits()), 1)
        self.assertIn("heard from again", self.waits()[0])
        self.wait(1)
        self.assertTrue(refusedElsewhere(output(transport, self.clock)))
        self.assertIn("b", self.a.presence.peers)

    def test_stalledNodeReadsAgain(self) -> None:
        """
        b stalls (it reads nothing, so it does not answer yet); once it
        reads again it answers the login's question, which ends the wait
        at once: refused, without claiming bob's name (b's, once its claim
        expired) even for a moment.
        """
        self.b.hold()
        self.b.presence.stop()
        self.wait(1.75)
        before = len(self.redis.commands)
        _, transport = self.bobReturnsToA()
        self.assertEqual(output(transport, self.clock), b"")
        self.b.release()
        self.settle()
        self.assertEqual(len(self.waits()), 1)
        self.assertIn("heard from again", self.waits()[0])
        self.wait(2)
        self.assertTrue(refusedElsewhere(output(transport, self.clock)))
        self.assertNotIn("SET", self.redis.commands[before:])

    def test_stalledNodeReadsAgainOverIRC(self) -> None:
        """
        Over IRC, the login refused after the wait is refused as ever:
        C{433}, saying the account is signed in on another server.
        """
        self.b.hold()
        self.b.presence.stop()
        self.wait(1.75)
        irc, transport = connect(
            IRCFactory(self.a.service, self.clock, floodBurst=None, aliveAfter=60), self.clock
        )
        self.addCleanup(irc.connectionLost, None)
        irc.dataReceived(b"PASS secret1\r\nNICK bob\r\nUSER bob 0 * :Bob\r\n")
        self.settle()
        self.b.release()
        self.wait(2)
        said = output(transport, self.clock).decode()
        self.assertIn(" 433 bob bob :that account is signed in on another server", said)

    def test_heardNodeAskedToo(self) -> None:
        """
        b spoke a moment ago, which says nothing of now: bob's login on a
        asks b all the same, and is refused (C{ERROR 23}) as soon as b
        answers.
        """
        self.b.service.enter(self.bob, "lobby")
        self.settle()
        _, transport = self.bobReturnsToA()
        self.assertTrue(refusedElsewhere(output(transport, self.clock)))
        [line] = self.waits()
        self.assertIn("waited 0.0 s", line)
        self.assertIn("heard from again", line)

    def test_notCountedDeadInTime(self) -> None:
        """
        A node that a cannot count dead (a's own link keeps coming back, so
        it has not been connected a whole TTL) is waited for TTL + two
        intervals at most (5 s here): then the login is refused.
        """
        self.b.crash()
        self.wait(1.75)
        _, transport = self.bobReturnsToA()
        for _ in range(4):
            self.a.presence.linkUp()
            self.wait(1)
        self.assertEqual(output(transport, self.clock), b"")
        self.a.presence.linkUp()
        self.wait(1)
        self.assertTrue(refusedElsewhere(output(transport, self.clock)))
        self.assertEqual(len(self.waits()), 1)
        self.assertIn("waited 5.0 s", self.waits()[0])
        self.assertIn("not counted dead in time", self.waits()[0])

    def test_wrongPasswordWaitsForNothing(self) -> None:
        """
        A wrong password to bob's account on a while b may have died is
        refused as a wrong password; its wait ends with it, unlogged.
        """
        self.b.crash()
        self.wait(1.75)
        proto, transport = self.tchat()
        proto.dataReceived(b"clt: LOGIN bob wrong\r\n")
        self.settle()
        self.assertNotIn(b"ERROR 23", output(transport, self.clock))
        self.wait(2)
        self.assertEqual(self.waits(), [])
        self.assertEqual(self.a.bridge.suspects._waits, {})

    def test_aliveNodeRefusesIdentifyAtOnce(self) -> None:
        """
        NickServ's C{IDENTIFY} to bob's account while b is alive (nothing
        else asks b on the way, unlike a login): b answers the question,
        and the sign-in is refused at once, as in use on another server.
        """
        irc, transport = self.irc(b"NICK guest", b"USER g 0 * :G")
        output(transport, self.clock)
        irc.dataReceived(b"PRIVMSG NickServ :IDENTIFY bob secret1\r\n")
        self.settle()
        said = output(transport, self.clock).decode()
        self.assertIn("another server", said)
        self.assertNotIn(" 900 ", said)

    def test_killedNodesUserIdentifies(self) -> None:
        """
        bob, connected to a as a guest, signs in with NickServ's
        C{IDENTIFY} once b was killed: no refusal while b may have died;
        signed in to his account (C{900}) once a counts b dead.
        """
        irc, transport = self.irc(b"NICK guest", b"USER g 0 * :G")
        self.assertIn(" 001 guest :", output(transport, self.clock).decode())
        self.b.crash()
        self.wait(1.75)
        irc.dataReceived(b"PRIVMSG NickServ :IDENTIFY bob secret1\r\n")
        self.settle()
        self.assertEqual(output(transport, self.clock), b"")  # waiting, not refused
        self.wait(1.5)
        said = output(transport, self.clock).decode()
        self.assertNotIn("another server", said)
        self.assertIn(" 900 guest ", said)
        self.assertEqual(len(self.waits()), 1)
