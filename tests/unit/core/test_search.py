"""
Searching history (L{chatd.core.search}): what a person finds is what they
may read, the rooms they are in and their own private conversations (for a
registered name), newest first; in memory with a L{Clock}.
"""

from __future__ import annotations

from twisted.internet.task import Clock
from twisted.trial.unittest import SynchronousTestCase

from chatd.core import errors
from chatd.core.search import search
from chatd.core.service import ChatService
from chatd.core.text import InvalidText
from chatd.testing import RecordingParticipant, settled
from tests.support.persistencecase import PersistenceTestCase


class SearchTests(PersistenceTestCase):
    def _said(self) -> tuple[RecordingParticipant, RecordingParticipant]:
        """
        alice (registered) and bob in Blabla, carol alone in Jeux, and
        private messages alice-bob and bob-carol, each with "picnic".
        """
        self.registered("alice", "sesame")
        self.registered("bob", "secret")
        alice, bob = self.login("alice", "sesame"), self.login("bob", "secret")
        carol = self.login("carol")
        for user in (alice, bob):
            self.successResultOf(settled(self.service.enter(user, "Blabla")))
        self.successResultOf(settled(self.service.createRoom(carol, "Jeux")))
        self.successResultOf(settled(self.service.enter(carol, "Jeux")))
        self.service.say(alice, "Blabla", ("picnic on Sunday",))
        self.clock.advance(60)
        self.service.say(carol, "Jeux", ("picnic in Jeux",))
        self.service.tell(bob, "carol", ("picnic with carol",))
        self.clock.advance(60)
        self.service.tell(bob, "alice", ("picnic with alice",))
        return alice, carol

    def test_readRule(self) -> None:
        """
        alice finds her room's message and her own private conversation,
        newest first, each with the conversation it belongs to; not the
        message of a room she is not in, nor bob's conversation with carol.
        """
        alice, _ = self._said()
        found = self.successResultOf(search(self.service, alice, "PICNIC"))
        self.assertEqual(
            [(f.message.lines, f.conversation, f.isRoom) for f in found],
            [(("picnic with alice",), "bob", False), (("picnic on Sunday",), "Blabla", True)],
        )
        self.assertEqual(found[0].message.when, 1_700_000_120)
        self.assertEqual(self.successResultOf(search(self.service, alice, "Jeux carol")), [])

    def test_leftRoomNotSearched(self) -> None:
        """
        A room one has left is no longer searched.
        """
        alice, _ = self._said()
        self.successResultOf(settled(self.service.leave(alice, "Blabla")))
        found = self.successResultOf(search(self.service, alice, "picnic"))
        self.assertEqual([f.conversation for f in found], ["bob"])

    def test_guestFindsNoPrivate(self) -> None:
        """
        An unregistered name has no private history: carol finds her room's
        message only, not what bob told her.
        """
        _, carol = self._said()
        found = self.successResultOf(search(self.service, carol, "picnic"))
        self.assertEqual([f.message.lines for f in found], [("picnic in Jeux",)])

    def test_refused(self) -> None:
        """
        A search needs a login, a word of letters or digits, at most 200
        characters, and a limit of 1 to 100.
        """
        alice, _ = self._said()
        self.assertRaises(errors.InvalidArgument, search, self.service, alice, "  ?! ")
        self.assertRaises(errors.InvalidArgument, search, self.service, alice, "a" * 201)
        self.assertRaises(errors.InvalidArgument, search, self.service, alice, "a", 0)
        self.assertRaises(errors.InvalidArgument, search, self.service, alice, "a", 101)
        self.assertRaises(InvalidText, search, self.service, alice, "a\x00b")
        stranger = RecordingParticipant("10.0.0.2")
        self.service.connect(stranger)
        self.assertRaises(errors.NotLoggedIn, search, self.service, stranger, "picnic")
        limited = self.successResultOf(search(self.service, alice, "picnic", 1))
        self.assertEqual(len(limited), 1)


class NoStoreTests(SynchronousTestCase):
    def test_noHistory(self) -> None:
        """
        Without a store there is no history to search.
        """
        service = ChatService(Clock())
        user = RecordingParticipant("10.0.0.1")
        service.connect(user)
        service.login(user, "alice")
        self.assertRaises(errors.NotPermitted, search, service, user, "picnic")
