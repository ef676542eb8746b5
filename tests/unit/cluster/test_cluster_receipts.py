"""
Tests for L{chatd.cluster.receipts}: a private message acknowledged to its
sender is not lost when its recipient's node dies before reading it.
"""

from __future__ import annotations

from chatd.cluster.receipts import NOT_DELIVERED
from chatd.core.events import Notice, PrivateMessage
from chatd.core.inbox import Kept
from chatd.testing import RecordingParticipant, settled
from tests.support.fakenode import PrivateAcrossNodes


class ReceiptsTests(PrivateAcrossNodes):
    def tell(self, to: str, text: str) -> None:
        told = settled(self.a.service.tell(self.alice, to, (text,)))
        self.settle()
        self.assertIsInstance(self.successResultOf(told), PrivateMessage)  # acknowledged

    def bDies(self) -> None:
        """
        Node b stops dead; a declares it dead once its key expires.
        """
        self.b.crash()
        for _ in range(6):
            self.clock.advance(1)
            self.settle()
        self.assertNotIn("b", self.a.presence.peers)

    def bStalls(self) -> None:
        """
        Node b stops reading and beating (C{kill -STOP}); a counts it dead
        once its key expires.
        """
        self.b.hold()
        self.b.presence.stop()
        for _ in range(6):
            self.clock.advance(1)
            self.settle()
        self.assertNotIn("b", self.a.presence.peers)

    def bResumes(self) -> None:
        """
        Node b runs again (C{kill -CONT}): it reads what waited and beats,
        and a meets it anew.
        """
        self.b.presence.start()
        self.b.release()
        for _ in range(3):
            self.clock.advance(1)
            self.settle()
        self.assertIn("b", self.a.presence.peers)

    def received(self, person: RecordingParticipant) -> list[tuple[str, ...]]:
        return [e.lines for e in person.events if isinstance(e, PrivateMessage)]

    def stillWaiting(self, nick: str) -> list[tuple[str, ...]]:
        persistence = self.a.service.persistence
        assert persistence is not None
        waiting = self.successResultOf(persistence.store.undelivered(nick, 10))
        return [event.lines for _, event in waiting]

    def waitingFor(self, nick: str) -> list[tuple[str, ...]]:
        back = RecordingParticipant()
        self.a.service.connect(back)
        self.successResultOf(self.a.outcome(self.a.service.login, back, nick, "secret1"))
        self.settle()
        return [e.lines for e in back.events if isinstance(e, PrivateMessage)]

    def test_unreadKeptForNextLogin(self) -> None:
        """
        A message node b never read before it died is kept for bob's next
        login; one it delivered is not kept a second time.
        """
        self.tell("bob", "delivered")
        self.assertEqual(
            [e.lines for e in self.bob.events if isinstance(e, PrivateMessage)][-1:],
            [("delivered",)],
        )
        self.b.hold()  # b reads nothing more: what comes now, it never reads
        self.tell("bob", "never read")
        self.bDies()
        self.assertEqual(self.waitingFor("bob"), [("never read",)])
        # Stored once, as sent, then made to wait: the conversation holds it once.
        persistence = self.a.service.persistence
        assert persistence is not None
        found = self.successResultOf(persistence.store.search("bob", [], ["never"], 10))
        self.assertEqual([e.lines for e in found], [("never read",)])

    def test_unreadToAGuestSaidNotDelivered(self) -> None:
        """
        A message to a guest (nobody keeps it) that node b never read:
        the sender is told it was not delivered.
        """
        self.b.hold()
        self.tell("gus", "never read")
        self.bDies()
        [notice] = [e.text for e in self.alice.events if isinstance(e, Notice)]
        what = ' ("never read", sent at 22:13:20 UTC)'  # which message it was
        self.assertEqual(notice, NOT_DELIVERED.format(to="gus", what=what))

    def test_inboxFullSenderTold(self) -> None:
        """
        A message node b never read that cannot be kept for bob (his inbox
        holds as many from alice as it may) is told to alice as not
        delivered, with the reason, and logged as no error; it is not left
        in the store as a delivered message.
        """
        persistence = self.a.service.persistence
        assert persistence is not None
        persistence.inbox.maxPerSender = 1
        self.b.hold()
        self.tell("bob", "kept")
        self.tell("bob", "refused")
        self.bDies()
        [notice] = [e.text for e in self.alice.events if isinstance(e, Notice)]
        self.assertIn('"refused"', notice)
        self.assertIn("you have 1 messages waiting for bob already", notice)
        self.assertTrue(notice.endswith(": not delivered"), notice)
        self.assertEqual(self.flushLoggedErrors(), [])
        self.assertEqual(self.stillWaiting("bob"), [("kept",)])
        found = self.successResultOf(persistence.store.search("bob", [], ["refused"], 10))
        self.assertEqual(found, [])

    def test_leftAndInboxFullSenderTold(self) -> None:
        """
        bob leaves node b just before alice's messages reach it: b keeps
        what it may for him, and alice is told of one it could not keep
        (his inbox holds as many from her as it may), with the reason.
        """
        persistence = self.b.service.persistence
        assert persistence is not None
        persistence.inbox.maxPerSender = 1
        self.b.hold()
        self.tell("bob", "kept")
        self.tell("bob", "refused")
        self.b.service.disconnect(self.bob, "gone")
        self.b.release()
        self.settle()
        [notice] = [e.text for e in self.alice.events if isinstance(e, Notice)]
        self.assertTrue(notice.startswith("bob left before your private message"), notice)
        self.assertIn("you have 1 messages waiting for bob already", notice)
        self.assertTrue(notice.endswith(": not delivered"), notice)
        self.assertEqual(self.flushLoggedErrors(), [])
        self.assertEqual(self.stillWaiting("bob"), [("kept",)])

    def test_handledNotTracked(self) -> None:
        """
        Once node b said it handled each message, its death leaves nothing
        to keep and nobody to tell.
        """
        for text in ("one", "two"):
            self.tell("bob", text)
            self.tell("gus", text)
        self.bDies()
        self.assertEqual([e for e in self.alice.events if isinstance(e, Notice)], [])
        self.assertEqual(self.waitingFor("bob"), [])

    def test_refusedNotTracked(self) -> None:
        """
        A message Redis did not take was refused to its sender: when node b
        dies later, it is neither kept nor told of again.
        """
        self.redis.down = True
        for node in (self.a, self.b):
            node.bridge.linkDown()
        refused = settled(self.a.service.tell(self.alice, "gus", ("refused",)))
        self.settle()
        self.failureResultOf(refused)
        self.redis.down = False
        for node in (self.a, self.b):
            node.bridge.linkUp()
        self.settle()
        self.bDies()
        self.assertEqual([e for e in self.alice.events if isinstance(e, Notice)], [])

    def test_keptWhileStalledDeliveredOnReturn(self) -> None:
        """
        A message to bob kept while node b was counted dead (it had only
        stalled) reaches bob, still connected there, when b is heard again:
        once, and it waits for no later login.
        """
        self.bStalls()
        kept = settled(self.a.service.tell(self.alice, "bob", ("meanwhile",)))
        self.settle()
        self.assertIsInstance(self.successResultOf(kept), Kept)
        self.assertEqual(self.received(self.bob), [])
        self.bResumes()
        self.assertEqual(self.received(self.bob), [("meanwhile",)])
        self.assertEqual(self.stillWaiting("bob"), [])
        notices = [e.text for e in self.bob.events if isinstance(e, Notice)]
        self.assertIn("private messages sent to you from them meanwhile follow now", notices[-1])

    def test_readLateNotHandedTwice(self) -> None:
        """
        A message node b had not read when a counted it dead is kept by a,
        and read by b when it runs again: bob gets it once, and nothing
        waits for his next login.
        """
        self.b.hold()
        self.tell("bob", "unread")
        self.bStalls()
        self.assertEqual(self.stillWaiting("bob"), [("unread",)])
        self.bResumes()
        self.assertEqual(self.received(self.bob), [("unread",)])
        self.assertEqual(self.stillWaiting("bob"), [])
