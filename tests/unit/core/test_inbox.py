"""
Private messages kept for registered users who are away (L{chatd.core.inbox}):
delivery in pages paced by the connection, marked delivered only once
handed over, and the limits per recipient and per sender (error 28); in
memory with a L{Clock}.  The wire side is in L{tests.unit.test_inbox_wire}.
"""

from __future__ import annotations

from typing import Any

from twisted.internet.defer import Deferred, maybeDeferred

from chatd.core import errors
from chatd.core.events import PrivateMessage
from chatd.core.inbox import FETCH, LINE_OVERHEAD, wireSize
from chatd.storage.memory import MemoryChatStore
from chatd.testing import RecordingParticipant, settled
from tests.support.persistencecase import PersistenceTestCase


class InboxTestCase(PersistenceTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.registered("bob", "sesame")
        self.alice = self.login("alice")
        assert self.service.persistence is not None
        self.inbox = self.service.persistence.inbox

    def tell(self, nick: str, lines: tuple[str, ...]) -> Deferred[Any]:
        """
        Alice's private message to C{nick}, as a L{Deferred}.
        """
        return maybeDeferred(self.service.tell, self.alice, nick, lines)

    def send(self, count: int, size: int = 100) -> None:
        for i in range(count):
            self.successResultOf(self.tell("bob", (f"{i:04}".ljust(size, "."),)))

    def waiting(self) -> int:
        return int(self.successResultOf(self.store.waitingCount("bob")))

    def loginSlow(self, nick: str = "bob") -> RecordingParticipant:
        """
        Log in as C{nick} with a reader that has not read anything yet.
        """
        participant = RecordingParticipant()
        participant.slow = True
        self.service.connect(participant)
        self.successResultOf(settled(self.service.login(participant, nick, "sesame")))
        self.clock.advance(0)
        return participant

    def received(self, participant: RecordingParticipant) -> list[str]:
        return [e.lines[0][:4] for e in participant.events if isinstance(e, PrivateMessage)]


class DeliveryTests(InboxTestCase):
    def test_pagesFollowTheReader(self) -> None:
        """
        Waiting messages come in pages of at most C{pageBytes}; the next
        page only once the connection took the last one, which is then
        (and only then) marked delivered.
        """
        self.inbox.pageBytes = 2 * (100 + LINE_OVERHEAD)
        self.send(5)
        bob = self.loginSlow()
        self.assertEqual(self.received(bob), ["0000", "0001"])
        self.assertEqual(self.waiting(), 5)
        bob.drain()
        self.assertEqual(self.received(bob), ["0000", "0001", "0002", "0003"])
        self.assertEqual(self.waiting(), 3)
        bob.drain()
        bob.drain()
        self.assertEqual(self.received(bob), ["0000", "0001", "0002", "0003", "0004"])
        self.assertEqual(self.waiting(), 0)

    def test_bigMessageAlone(self) -> None:
        """
        A message larger than a page is a page by itself.
        """
        self.inbox.pageBytes = 10
        self.send(2)
        bob = self.loginSlow()
        self.assertEqual(self.received(bob), ["0000"])
        bob.drain()
        self.assertEqual(self.received(bob), ["0000", "0001"])

    def test_closedMidInbox(self) -> None:
        """
        A connection that closes before taking a page leaves that page and
        the rest waiting; the next login gets them, in order, once.
        """
        self.inbox.pageBytes = 2 * (100 + LINE_OVERHEAD)
        self.send(5)
        bob = self.loginSlow()
        bob.drain()
        self.assertEqual(self.received(bob), ["0000", "0001", "0002", "0003"])
        self.service.disconnect(bob)
        bob.drain(handed=False)
        self.assertEqual(self.waiting(), 3)
        again = self.login("bob", "sesame")
        self.assertEqual(self.received(again), ["0002", "0003", "0004"])
        self.assertEqual(self.waiting(), 0)

    def test_nextLoginWaitsForTheLastDelivery(self) -> None:
        """
        A new login while the previous connection's page is still being
        handed over waits for it: nothing is delivered twice or skipped.
        """
        self.inbox.pageBytes = 2 * (100 + LINE_OVERHEAD)
        self.send(5)
        bob = self.loginSlow()
        self.service.disconnect(bob)
        again = self.login("bob", "sesame")
        self.assertEqual(self.received(again), [])
        bob.drain()  # the first page was handed after all
        self.assertEqual(self.received(again), ["0002", "0003", "0004"])
        self.assertEqual(self.waiting(), 0)

    def test_manyMessages(self) -> None:
        """
        More messages than one store read are all delivered, in order.
        """
        self.inbox.maxWaiting = self.inbox.maxPerSender = None
        self.send(FETCH * 2 + 7)
        bob = self.login("bob", "sesame")
        self.assertEqual(self.received(bob), [f"{i:04}" for i in range(FETCH * 2 + 7)])
        self.assertEqual(self.waiting(), 0)

    def test_wireSize(self) -> None:
        """
        A message's size counts its UTF-8 bytes and the framing of each line.
        """
        message = PrivateMessage("a", "b", ("é", "xy"), 0)
        self.assertEqual(wireSize(message), 2 + 2 + 2 * LINE_OVERHEAD)


class SlowCountStore(MemoryChatStore):
    """
    A store whose waiting counts are answered when the test says so.
    """

    def __init__(self) -> None:
        super().__init__()
        self.counts: list[Deferred[int]] = []

    def waitingCount(self, nick: str) -> Deferred[int]:
        d: Deferred[int] = Deferred()
        self.counts.append(d)
        return d


class LimitTests(InboxTestCase):
    def test_full(self) -> None:
        """
        Once C{maxWaiting} messages wait for a recipient, more are refused
        with L{errors.InboxFull} (28); once they read them, it takes more.
        """
        self.inbox.maxWaiting = 3
        self.send(3)
        failure = self.failureResultOf(self.tell("bob", ("one more",)), errors.InboxFull)
        self.assertEqual(failure.value.code, 28)
        self.assertIn("bob's inbox is full", failure.value.text)
        self.assertEqual(self.waiting(), 3)
        bob = self.login("bob", "sesame")
        self.assertEqual(len(self.received(bob)), 3)
        self.service.disconnect(bob)
        self.send(3)
        self.assertEqual(self.waiting(), 3)

    def test_perRecipient(self) -> None:
        """
        The limit counts each recipient's messages on their own.
        """
        self.registered("carol", "sesame")
        self.inbox.maxWaiting = 1
        self.send(1)
        self.successResultOf(self.tell("carol", ("hi",)))
        self.failureResultOf(self.tell("carol", ("hi",)), errors.InboxFull)

    def test_noLimit(self) -> None:
        """
        C{maxWaiting} and C{maxPerSender} C{None} keep every message.
        """
        self.inbox.maxWaiting = self.inbox.maxPerSender = None
        self.send(250)
        self.assertEqual(self.waiting(), 250)

    def test_concurrentSenders(self) -> None:
        """
        Messages sent while the count is being read wait for it and are
        counted one after the other: the limit holds exactly.
        """
        store = SlowCountStore()
        store.startService()
        self.store = store
        self.service = self.makeService()
        self.registered("bob", "sesame")
        self.alice = self.login("alice")
        assert self.service.persistence is not None
        self.service.persistence.inbox.maxWaiting = 2
        sent = [self.tell("bob", (f"m{i}",)) for i in range(3)]
        self.assertEqual(len(store.counts), 1)  # one read, shared
        for d in sent:
            self.assertNoResult(d)
        store.counts[0].callback(0)
        self.successResultOf(sent[0])
        self.successResultOf(sent[1])
        self.failureResultOf(sent[2], errors.InboxFull)
        self.assertEqual(len(self.successResultOf(store.undelivered("bob"))), 2)

    def test_countAfterTheLastDelivery(self) -> None:
        """
        A message sent just after the recipient left, while their last page
        is still being handed over, is counted once that page is marked
        delivered: what they read no longer fills their inbox.
        """
        self.inbox.maxWaiting = 2
        self.inbox.pageBytes = 2 * (100 + LINE_OVERHEAD)
        self.send(2)
        bob = self.loginSlow()
        self.service.disconnect(bob)
        sent = self.tell("bob", ("after",))
        self.assertNoResult(sent)
        bob.drain()
        self.successResultOf(sent)
        self.assertEqual(self.waiting(), 1)

    def test_sharedStoreCountsEachTime(self) -> None:
        """
        When other processes write the store too, each message reads the
        count afresh (others may have added to it).
        """
        assert self.service.persistence is not None
        self.service.persistence.sharedStore = True
        self.inbox.maxWaiting = 2
        self.send(1)
        self.store.addMessage(None, "zed", "bob", ("from another node",), 0, pending=True)
        self.failureResultOf(self.tell("bob", ("x",)), errors.InboxFull)


class SenderShareTests(InboxTestCase):
    """
    One sender may have at most C{maxPerSender} messages waiting for one
    recipient; others can still write.
    """

    def setUp(self) -> None:
        super().setUp()
        self.carol = self.login("carol")
        self.inbox.maxPerSender = 2

    def tellFrom(self, sender: Any, lines: tuple[str, ...]) -> Deferred[Any]:
        return maybeDeferred(self.service.tell, sender, "bob", lines)

    def test_shareReached(self) -> None:
        """
        Beyond their share, a sender is refused with L{errors.InboxFull}
        (28) saying so; another sender's message is kept; once the
        recipient read them, the sender may write again.
        """
        self.send(2)
        failure = self.failureResultOf(self.tell("bob", ("one more",)), errors.InboxFull)
        self.assertEqual(failure.value.code, 28)
        self.assertIn("you have 2 messages waiting for bob already", failure.value.text)
        self.successResultOf(self.tellFrom(self.carol, ("hello",)))
        self.assertEqual(self.waiting(), 3)
        bob = self.login("bob", "sesame")
        self.assertEqual(len(self.received(bob)), 3)
        self.service.disconnect(bob)
        self.send(2)
        self.assertEqual(self.waiting(), 2)

    def test_countedFromTheStore(self) -> None:
        """
        The share counts what waits in the store already (kept before a
        restart, or by another node), by the sender's name in any case.
        """
        self.store.addMessage(None, "ALICE", "bob", ("before",), 0, pending=True)
        self.send(1)
        self.failureResultOf(self.tell("bob", ("x",)), errors.InboxFull)
        self.successResultOf(self.tellFrom(self.carol, ("hello",)))

    def test_sharedStoreCountsEachTime(self) -> None:
        """
        When other processes write the store too, each message reads the
        sender's count afresh.
        """
        assert self.service.persistence is not None
        self.service.persistence.sharedStore = True
        self.send(1)
        self.store.addMessage(None, "alice", "bob", ("from another node",), 0, pending=True)
        self.failureResultOf(self.tell("bob", ("x",)), errors.InboxFull)

    def test_refusedByTheInboxNotCounted(self) -> None:
        """
        A message refused because the whole inbox is full does not count
        against its sender's share.
        """
        self.inbox.maxWaiting = 3
        self.send(1)
        self.successResultOf(self.tellFrom(self.carol, ("c1",)))
        self.successResultOf(self.tellFrom(self.carol, ("c2",)))
        failure = self.failureResultOf(self.tell("bob", ("refused",)), errors.InboxFull)
        self.assertIn("bob's inbox is full", failure.value.text)
        self.inbox.maxWaiting = 10  # a reload raises the limit
        self.send(1)
        self.assertEqual(self.waiting(), 4)

    def test_noShare(self) -> None:
        """
        C{maxPerSender} C{None}: one sender may fill the whole inbox.
        """
        self.inbox.maxPerSender = None
        self.inbox.maxWaiting = 3
        self.send(3)
        self.failureResultOf(self.tellFrom(self.carol, ("hello",)), errors.InboxFull)
