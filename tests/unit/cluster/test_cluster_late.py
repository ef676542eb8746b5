"""
Tests for a private message refused to its sender because Redis answered
too late (a hung Redis: the command was sent, the connection given up on),
which Redis ran all the same when it resumed (L{chatd.cluster.receipts}):
once its recipient's node says it handled it, it is stored as sent and
its sender told it reached them late; and for the copies stored as sent of
messages its sender was told were not delivered.
"""

from __future__ import annotations

import json

from chatd.cluster.address import RedisUnavailable
from chatd.cluster.receipts import LATE, LEFT, NOT_DELIVERED, which
from chatd.core import errors
from chatd.core.events import Notice, PrivateMessage
from chatd.irc.factory import IRCFactory
from chatd.testing import RecordingParticipant, settled
from tests.support.fakenode import PrivateAcrossNodes
from tests.support.helpers import connect, output

#: When the messages of these tests are sent (their nodes' clock).
SENT = 1_700_000_000


class LateCase(PrivateAcrossNodes):
    """
    L{PrivateAcrossNodes} with the messages sent at L{SENT}.
    """

    started = SENT

    def hang(self) -> None:
        """
        Redis hangs: node b reads nothing and no reply comes (the commands
        sent meanwhile are run when it resumes: L{resume}).
        """
        self.b.hold()
        self.redis.holding = True

    def giveUp(self) -> None:
        """
        Node a's link gives up on the replies that did not come (its
        watchdog drops the connection); Redis is not back yet.
        """
        held, self.redis.held = self.redis.held, []
        for d, _ in held:
            d.errback(RedisUnavailable("connection lost"))
        self.redis.holding = False
        self.settle()

    def resume(self) -> None:
        """Redis runs what it was sent, node b reads it, a's link is back."""
        self.b.release()
        self.a.bridge.linkUp()
        self.settle()

    def refused(self, to: str, text: str) -> PrivateMessage:
        """
        Alice's C{text} to C{to}, sent as Redis hangs, refused to her once
        her node gives up waiting; the message as it was sent.
        """
        told = settled(self.a.service.tell(self.alice, to, (text,)))
        self.settle()
        self.assertNoResult(told)
        self.giveUp()
        self.assertEqual(self.failureResultOf(told, errors.RelayUnavailable).value.code, 3)
        [sent] = [
            e
            for _, m in self.redis.published
            if (e := json.loads(m))["k"] == "tell" and e["l"] == [text]
        ]
        return PrivateMessage("alice", to, (text,), sent["w"], msgid=sent["id"])

    def notices(self, user: RecordingParticipant) -> list[str]:
        return [e.text for e in user.events if isinstance(e, Notice)]

    def stored(self, msgid: str) -> PrivateMessage | None:
        found = self.successResultOf(self.store.findMessage(msgid))
        assert found is None or isinstance(found, PrivateMessage)
        return found


class LateTests(LateCase):
    def test_refusedButDeliveredStoredAndTold(self) -> None:
        """
        A message refused to alice (Redis answered too late) that Redis ran
        when it resumed reaches bob: node b says it handled it, so node a
        stores it as sent, with its own time and id, and tells alice, by a
        notice naming it as the refusal did, that it reached him late.
        """
        self.hang()
        sent = self.refused("bob", "see you at 5")
        self.assertIsNone(self.stored(sent.msgid))
        self.resume()
        self.assertEqual(
            [e.lines for e in self.bob.events if isinstance(e, PrivateMessage)],
            [("see you at 5",)],
        )
        self.assertEqual(self.notices(self.alice), [LATE.format(to="bob", what=which(sent))])
        self.assertIn('("see you at 5", sent at ', self.notices(self.alice)[0])
        stored = self.stored(sent.msgid)
        assert stored is not None
        self.assertEqual(
            (stored.sender, stored.recipient, stored.lines, stored.when),
            ("alice", "bob", ("see you at 5",), SENT),
        )
        found = self.successResultOf(self.store.search("bob", [], ["see"], 10))
        self.assertEqual([e.lines for e in found], [("see you at 5",)])
        self.assertEqual(self.flushLoggedErrors(), [])

    def test_readByANodeCountedDead(self) -> None:
        """
        The recipient's node, stalled long enough to be counted dead, reads
        a refused message when it runs again: its sender is still told it
        reached them, and it is stored.
        """
        self.hang()
        sent = self.refused("bob", "still there?")
        self.a.bridge.linkUp()
        self.b.presence.stop()
        for _ in range(6):
            self.clock.advance(1)
            self.settle()
        self.assertNotIn("b", self.a.presence.peers)
        self.b.presence.start()
        self.b.release()
        for _ in range(3):
            self.clock.advance(1)
            self.settle()
        self.assertIn(LATE.format(to="bob", what=which(sent)), self.notices(self.alice))
        self.assertIsNotNone(self.stored(sent.msgid))

    def test_refusedAndBouncedNotLate(self) -> None:
        """
        A message refused to alice that Redis ran late, when gus had left
        node b meanwhile, reached nobody: alice is told so, naming it, and
        never that it reached him; nothing is stored.
        """
        self.hang()
        sent = self.refused("gus", "anyone?")
        self.b.service.disconnect(self.gus, "gone")
        self.resume()
        self.assertEqual(self.notices(self.alice), [LEFT.format(to="gus", what=which(sent))])
        self.assertIsNone(self.stored(sent.msgid))

    def test_ircNotice(self) -> None:
        """
        Over IRC, the sender first gets C{404} naming the message, then a
        C{NOTICE} naming it again, saying that it reached them late.
        """
        factory = IRCFactory(self.a.service, self.clock, floodBurst=None, aliveAfter=60)
        proto, transport = connect(factory, self.clock)
        self.addCleanup(proto.connectionLost, None)
        proto.dataReceived(b"NICK carol\r\nUSER carol 0 * :Carol\r\n")
        self.a.turns()
        output(transport, self.clock)
        self.hang()
        proto.dataReceived(b"PRIVMSG bob :on my way\r\n")
        self.settle()
        self.giveUp()
        lines = output(transport, self.clock).decode().split("\r\n")
        self.assertIn(
            ':chatd 404 carol bob :"on my way" not delivered: the other servers are briefly'
            " unreachable, try again in a moment",
            lines,
        )
        self.resume()
        [notice] = [line for line in output(transport, self.clock).decode().split("\r\n") if line]
        self.assertIn(" NOTICE carol :", notice)
        self.assertIn('your private message ("on my way", sent at ', notice)
        self.assertIn("to bob reached them after all, late", notice)


class NotDeliveredCopyTests(LateCase):
    """
    A message acknowledged to alice, then told to her as not delivered,
    does not stay stored as a delivered one.
    """

    def tell(self, to: str, text: str) -> str:
        told = settled(self.a.service.tell(self.alice, to, (text,)))
        self.settle()
        event = self.successResultOf(told)
        assert isinstance(event, PrivateMessage)
        self.assertIsNotNone(self.stored(event.msgid))
        return str(event.msgid)

    def test_guestsServerWentAway(self) -> None:
        """
        Node b dies before reading alice's message to gus: she is told it
        was not delivered, and its copy stored as sent is deleted.
        """
        self.b.hold()
        msgid = self.tell("gus", "never read")
        self.b.crash()
        for _ in range(6):
            self.clock.advance(1)
            self.settle()
        [notice] = self.notices(self.alice)
        self.assertTrue(notice.startswith(NOT_DELIVERED.format(to="gus", what="")[:20]))
        self.assertIsNone(self.stored(msgid))

    def test_guestLeft(self) -> None:
        """
        gus leaves node b just before alice's message reaches it: she is
        told it was not delivered, and its copy stored as sent is deleted.
        """
        self.b.hold()
        msgid = self.tell("gus", "too late")
        self.b.service.disconnect(self.gus, "gone")
        self.b.release()
        self.settle()
        [notice] = self.notices(self.alice)
        self.assertTrue(notice.startswith("gus left before your private message"), notice)
        self.assertIsNone(self.stored(msgid))
