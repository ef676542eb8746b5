"""
Tests for L{chatd.cluster.unsent}: a private message its sender was told
was not delivered (it could not be kept for its registered recipient) does
not stay in the store as a delivered one, the store away or not.
"""

from __future__ import annotations

from twisted.internet.defer import Deferred
from twisted.logger import LogLevel, capturedLogs

from chatd.cluster.unsent import Unsent
from chatd.core.events import Notice, PrivateMessage
from chatd.core.storeretry import LONGEST
from chatd.testing import settled
from tests.support.outagenodes import OutageNodesCase

#: What keeping a message for bob and deleting its sent copy read or write.
KEEPING = {"waitingCount", "waitingFrom", "keepWaiting", "deleteMessage"}


class UnsentCopyTests(OutageNodesCase):
    """
    Nodes C{a} and C{b} sharing one database that fails on demand, bob
    registered and on C{b}, alice on C{a}.
    """

    def setUp(self) -> None:
        super().setUp()
        self.settle()
        self.bob = self.b.user("bob")
        self.successResultOf(self.b.service.register(self.bob, "secret1"))
        self.alice = self.a.user("alice")
        self.settle()

    def settle(self) -> None:
        for _ in range(10):
            self.clock.advance(0)

    def tell(self, text: str) -> None:
        told = settled(self.a.service.tell(self.alice, "bob", (text,)))
        self.settle()
        self.assertIsInstance(self.successResultOf(told), PrivateMessage)  # acknowledged

    def stored(self, word: str) -> list[tuple[str, ...]]:
        """The messages of bob's history with C{word}."""
        found = self.successResultOf(self.store.search("bob", [], [word], 10))
        return [event.lines for event in found]

    def notice(self) -> str:
        [notice] = [e.text for e in self.alice.events if isinstance(e, Notice)]
        return notice

    def storeBack(self) -> None:
        """The database comes back; a minute passes."""
        self.store.down.clear()
        for _ in range(int(LONGEST)):
            self.clock.advance(1)
            self.settle()

    def bDies(self) -> None:
        self.b.crash()
        for _ in range(6):
            self.clock.advance(1)
            self.settle()
        self.assertNotIn("b", self.a.presence.peers)

    def test_deadNodeDuringOutage(self) -> None:
        """
        Node b dies before reading a message while the database is away: a
        cannot keep it for bob, tells alice it was not delivered, and
        deletes its copy stored as sent once the database is back.
        """
        self.b.hold()
        self.tell("refused")
        self.store.down |= KEEPING
        self.bDies()
        self.assertIn("could not be kept for them (service unavailable", self.notice())
        self.assertTrue(self.notice().endswith(": not delivered"), self.notice())
        self.assertEqual(self.stored("refused"), [("refused",)])  # away: not deleted yet
        self.storeBack()
        self.assertEqual(self.stored("refused"), [])
        self.assertEqual(self.flushLoggedErrors(), [])

    def test_stalledNodeDuringOutage(self) -> None:
        """
        Node b stalls before reading a message while the database is away:
        once b is counted dead, a cannot keep it for bob and tells alice it
        was not delivered; b runs again and hands it to bob, so alice is
        told it reached him after all, and the copy stored as sent stays,
        once, when the database is back (its deletion given up).
        """
        self.b.hold()
        self.b.presence.stop()
        self.tell("stalled")
        self.store.down |= KEEPING
        for _ in range(6):
            self.clock.advance(1)
            self.settle()
        self.assertNotIn("b", self.a.presence.peers)
        self.assertIn("could not be kept for them (service unavailable", self.notice())
        self.b.presence.start()
        self.b.release()
        self.settle()
        self.assertIn(PrivateMessage, [type(e) for e in self.bob.events])
        late = [e.text for e in self.alice.events if isinstance(e, Notice)][-1]
        self.assertIn(" to bob reached them after all, late", late)
        self.storeBack()
        self.assertEqual(self.stored("stalled"), [("stalled",)])
        self.assertEqual(self.flushLoggedErrors(), [])

    def test_leftAndInboxFull(self) -> None:
        """
        bob leaves node b just before alice's message reaches it, and his
        inbox holds as many from her as it may: alice is told it was not
        delivered, and its copy stored as sent is deleted; the one kept stays.
        """
        persistence = self.b.service.persistence
        assert persistence is not None
        persistence.inbox.maxPerSender = 1
        self.b.hold()
        self.tell("kept")
        self.tell("refused")
        self.b.service.disconnect(self.bob, "gone")
        self.b.release()
        self.settle()
        self.assertTrue(self.notice().startswith("bob left before your private message"))
        self.assertEqual(self.stored("refused"), [])
        self.assertEqual(self.stored("kept"), [("kept",)])

    def test_leftDuringOutage(self) -> None:
        """
        bob leaves node b just before alice's message reaches it while the
        database is away: b cannot keep it, alice is told it was not
        delivered, and its copy stored as sent is deleted once the database
        is back, not left looking delivered.
        """
        self.b.hold()
        self.tell("refused")
        self.b.service.disconnect(self.bob, "gone")
        self.store.down |= KEEPING
        self.b.release()
        self.settle()
        self.assertIn("could not be kept for them (service unavailable", self.notice())
        self.assertEqual(self.stored("refused"), [("refused",)])
        self.storeBack()
        self.assertEqual(self.stored("refused"), [])
        self.assertEqual(self.flushLoggedErrors(), [])

    def test_boundedWhileAway(self) -> None:
        """
        At most C{limit} deletions wait for the store: beyond, the oldest
        is given up, with a warning, and tried no more.
        """
        unsent = Unsent(self.a.service, limit=1)
        self.store.down.add("deleteMessage")
        with capturedLogs() as events:
            unsent.forget("m-1")
            unsent.forget("m-2")
        warned = [e["msgid"] for e in events if e["log_level"] == LogLevel.warn]
        self.assertEqual((unsent.waiting(), warned), (1, ["m-1"]))
        self.assertEqual(self.store.calls.count("deleteMessage"), 2)
        self.storeBack()
        self.assertEqual(self.store.calls.count("deleteMessage"), 3)  # m-2's, once
        self.assertEqual(unsent.waiting(), 0)
        self.assertEqual(self.flushLoggedErrors(), [])

    def test_keptWhileAway(self) -> None:
        """
        A message delivered after all while its copy's deletion waits for
        the store: the deletion is given up at once, never tried again.
        """
        unsent = Unsent(self.a.service)
        self.store.down.add("deleteMessage")
        unsent.forget("m-1")
        self.successResultOf(unsent.keep("m-1"))
        self.assertEqual(unsent.waiting(), 0)
        self.storeBack()
        self.assertEqual(self.store.calls.count("deleteMessage"), 1)
        self.assertEqual(self.flushLoggedErrors(), [])

    def test_keptWhileDeleting(self) -> None:
        """
        A message delivered after all while its copy's deletion is under
        way: it may be stored again only once that deletion has ended.
        """
        deleting: Deferred[bool] = Deferred()
        self.patch(self.store, "deleteMessage", lambda msgid: deleting)
        unsent = Unsent(self.a.service)
        unsent.forget("m-1")
        kept = unsent.keep("m-1")
        self.assertNoResult(kept)
        deleting.callback(True)
        self.successResultOf(kept)
        self.assertEqual(unsent.waiting(), 0)
