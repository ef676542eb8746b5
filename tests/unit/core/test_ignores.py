"""
Ignore lists (L{chatd.core.ignores}): private words from an ignored
sender are dropped and the sender not told; room messages still shown;
nothing kept for an ignorer who is away; a registered account's list is
stored, a guest's lasts its session; lists are bounded.
"""

from __future__ import annotations

from typing import Any

from twisted.internet.defer import Deferred, maybeDeferred

from chatd.core import errors
from chatd.core.events import Invitation, PrivateMessage, RoomMessage
from chatd.core.ignores import entryMask, shownEntry
from chatd.core.limits import MAX_IGNORES
from chatd.storage.memory import MemoryChatStore
from chatd.testing import RecordingParticipant, settled
from tests.support.persistencecase import PersistenceTestCase


def private(participant: RecordingParticipant) -> list[tuple[str, str]]:
    return [
        (event.sender, event.lines[0] if event.lines else "")
        for event in participant.events
        if isinstance(event, PrivateMessage)
    ]


class IgnoreTests(PersistenceTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.ignores = self.service.ignores
        self.alice = self.login("alice")
        self.troll = self.login("troll", address="192.0.2.7")

    def tell(self, sender: RecordingParticipant, nick: str, text: str) -> Any:
        return self.successResultOf(maybeDeferred(self.service.tell, sender, nick, (text,)))

    def test_entries(self) -> None:
        """
        A name is the mask C{name!*@*}, shown as the name; a mask is itself.
        """
        self.assertEqual(entryMask("bob"), "bob!*@*")
        self.assertEqual(shownEntry("bob!*@*"), "bob")
        self.assertEqual(shownEntry("*!*@192.0.2.*"), "*!*@192.0.2.*")

    def test_privateDropped(self) -> None:
        """
        An ignored sender's private messages, notices and CTCP never reach
        the ignorer, and the sender is answered as if they had.
        """
        self.assertEqual(self.ignores.add(self.alice, "troll"), "troll!*@*")
        event = self.tell(self.troll, "alice", "hi")
        self.assertIsInstance(event, PrivateMessage)
        self.successResultOf(maybeDeferred(self.service.tell, self.troll, "alice", ("psst",), True))
        self.troll.takesCtcp = True  # type: ignore[attr-defined]  # an IRC client
        self.tell(self.troll, "alice", "\x01VERSION\x01")
        self.clock.advance(10)
        self.assertEqual(private(self.alice), [])
        self.assertEqual(private(self.troll), [])  # not even a CTCP answer
        self.tell(self.alice, "troll", "bye")  # the ignorer still speaks to them
        self.assertEqual(private(self.troll), [("alice", "bye")])

    def test_fromAnotherNode(self) -> None:
        """
        A private message another node hands over (cluster mode) from
        someone the recipient ignores is dropped here too.
        """
        self.ignores.add(self.alice, "troll")
        event = PrivateMessage("troll", "alice", ("relayed",), 0, msgid="m1", millis=1)
        self.assertTrue(self.service.replica.tellRemote(event))
        self.assertEqual(private(self.alice), [])

    def test_anotherNodeDecides(self) -> None:
        """
        Another node's user (a stand-in with a C{relay}) is given the
        message here: their own node applies their list.
        """
        far = RecordingParticipant()
        far.relay = "node-2"  # type: ignore[attr-defined]
        self.service.connect(far)
        self.service.login(far, "far")
        self.ignores.add(far, "troll")
        self.tell(self.troll, "far", "to be decided there")
        self.assertEqual(private(far), [("troll", "to be decided there")])

    def test_lookAlikesAndMasks(self) -> None:
        """
        A name covers its look-alikes (by name key); a mask matches the
        sender's address.
        """
        self.ignores.add(self.alice, "TROLL")
        other = self.login("someone", address="192.0.2.8")
        self.tell(self.troll, "alice", "one")
        self.tell(other, "alice", "two")
        self.ignores.add(self.alice, "*!*@192.0.2.*")
        self.tell(other, "alice", "three")
        self.assertEqual(private(self.alice), [("someone", "two")])

    def test_unignore(self) -> None:
        """
        Removed from the list, the sender reaches the ignorer again.
        """
        self.ignores.add(self.alice, "troll")
        self.assertEqual(self.ignores.remove(self.alice, "Troll"), "troll!*@*")
        self.assertIsNone(self.ignores.remove(self.alice, "troll"))
        self.tell(self.troll, "alice", "back")
        self.assertEqual(private(self.alice), [("troll", "back")])

    def test_roomMessagesShown(self) -> None:
        """
        Room messages from an ignored sender are still shown.
        """
        self.ignores.add(self.alice, "troll")
        for each in (self.alice, self.troll):
            self.successResultOf(maybeDeferred(self.service.enter, each, "Blabla"))
        self.service.say(self.troll, "Blabla", ("hello room",))
        said = [e for e in self.alice.events if isinstance(e, RoomMessage)]
        self.assertEqual([e.lines for e in said], [("hello room",)])

    def test_invitationDropped(self) -> None:
        """
        An ignored inviter's invitation is not shown.
        """
        self.ignores.add(self.alice, "troll")
        self.successResultOf(maybeDeferred(self.service.enter, self.troll, "Blabla"))
        self.successResultOf(maybeDeferred(self.service.invite, self.troll, "alice", "Blabla"))
        self.assertEqual([e for e in self.alice.events if isinstance(e, Invitation)], [])

    def test_bounded(self) -> None:
        """
        A list holds at most L{MAX_IGNORES} entries; the same entry twice is one.
        """
        for i in range(MAX_IGNORES):
            self.ignores.add(self.alice, f"user{i}")
        self.assertIsNone(self.ignores.add(self.alice, "USER0"))
        self.assertRaises(errors.ListFull, self.ignores.add, self.alice, "one-more")
        self.assertEqual(len(self.ignores.entries(self.alice)), MAX_IGNORES)

    def test_guestForTheSession(self) -> None:
        """
        A guest's list goes with its session: the same name later starts empty.
        """
        self.ignores.add(self.alice, "troll")
        self.service.disconnect(self.alice)
        again = self.login("alice")
        self.assertEqual(self.ignores.entries(again), [])
        self.assertEqual(self.ignores.entries(self.troll), [])


class AccountIgnoreTests(PersistenceTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.registered("bob", "sesame")
        self.troll = self.login("troll")

    def test_stored(self) -> None:
        """
        A registered account's list is stored, and read again at its next
        login on a restarted service.
        """
        bob = self.login("bob", "sesame")
        self.service.ignores.add(bob, "troll")
        self.assertEqual(self.successResultOf(self.store.ignoreList("bob")), ["troll!*@*"])
        self.service = self.makeService()
        self.troll = self.login("troll")
        bob = self.login("bob", "sesame")
        self.assertEqual(self.service.ignores.entries(bob), ["troll!*@*"])
        self.successResultOf(maybeDeferred(self.service.tell, self.troll, "bob", ("hi",)))
        self.assertEqual(private(bob), [])

    def test_readAgainAtLogin(self) -> None:
        """
        A login to an account not signed in here reads its list again:
        another process sharing the store may have changed it.
        """
        bob = self.login("bob", "sesame")
        self.service.ignores.add(bob, "troll")
        self.service.disconnect(bob)
        self.successResultOf(self.store.saveIgnore("bob", "troll!*@*", False))  # elsewhere
        self.successResultOf(self.store.saveIgnore("bob", "spammer!*@*", True))
        bob = self.login("bob", "sesame")
        self.assertEqual(self.service.ignores.entries(bob), ["spammer!*@*"])

    def test_notKeptForAway(self) -> None:
        """
        An ignored sender's message for a registered account that is away
        is not kept for it, though the sender is answered as if it were;
        others' are.
        """
        bob = self.login("bob", "sesame")
        self.service.ignores.add(bob, "troll")
        self.service.disconnect(bob)
        self.service = self.makeService()  # a restart: the list is only in the store
        troll, other = self.login("troll"), self.login("other")
        told: Any = self.successResultOf(maybeDeferred(self.service.tell, troll, "bob", ("hi",)))
        self.assertEqual(told.recipient, "bob")
        self.successResultOf(maybeDeferred(self.service.tell, other, "bob", ("hello",)))
        self.assertEqual(self.successResultOf(self.store.waitingCount("bob")), 1)
        bob = self.login("bob", "sesame")
        self.assertEqual(private(bob), [("other", "hello")])

    def test_deletedWithAccount(self) -> None:
        """
        A deleted account's list goes with it: an account registered
        under the name later starts with none.
        """
        bob = self.login("bob", "sesame")
        self.service.ignores.add(bob, "troll")
        self.successResultOf(self.service.deleteAccount("bob", "admin"))
        self.assertEqual(self.successResultOf(self.store.ignoreList("bob")), [])
        bob = self.login("bob")
        self.successResultOf(self.service.register(bob, "another"))  # a new account
        self.assertEqual(self.service.ignores.entries(bob), [])


class SlowIgnoreStore(MemoryChatStore):
    """A memory store whose ignore lists come when the test says."""

    def __init__(self) -> None:
        super().__init__()
        self.reading: list[Deferred[list[str]]] = []

    def ignoreList(self, nick: str) -> Deferred[list[str]]:
        d: Deferred[list[str]] = Deferred()
        self.reading.append(d)
        return d


class LoadedAtLoginTests(PersistenceTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.store = slow = SlowIgnoreStore()
        slow.startService()
        self.service = self.makeService()

    def test_loadedBeforeLogin(self) -> None:
        """
        A login to an account ends only once its list is read: nobody it
        ignores reaches it meanwhile.
        """
        slow = self.store
        assert isinstance(slow, SlowIgnoreStore)
        self.registered("bob", "sesame")
        bob = RecordingParticipant()
        self.service.connect(bob)
        login = settled(self.service.login(bob, "bob", "sesame"))
        self.assertNoResult(login)
        self.assertEqual(len(slow.reading), 1)
        slow.reading[0].callback(["troll!*@*"])
        self.assertEqual(self.successResultOf(login), "bob")
        self.assertEqual(self.service.ignores.entries(bob), ["troll!*@*"])

    def test_changedElsewhereWhileRead(self) -> None:
        """
        A list another process sharing the store changes while it is read
        here is read again, what came first being older than the change:
        a message for its account, away, from someone it now ignores is
        not kept.
        """
        slow = self.store
        assert isinstance(slow, SlowIgnoreStore)
        self.registered("bob", "sesame")
        troll = self.login("troll")
        told = maybeDeferred(self.service.tell, troll, "bob", ("hi",))
        self.assertEqual(len(slow.reading), 1)
        self.service.ignores.changedElsewhere("bob")
        slow.reading[0].callback([])  # read before the change was written
        self.assertNoResult(told)
        self.assertEqual(len(slow.reading), 2)
        slow.reading[1].callback(["troll!*@*"])
        self.successResultOf(told)
        self.assertEqual(self.successResultOf(slow.waitingCount("bob")), 0)
