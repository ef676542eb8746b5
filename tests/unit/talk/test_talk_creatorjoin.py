"""
Tests for talk's C{/join} of a room that does not exist (the service's
C{enterOrCreate}): the room is made with its creator in it, so someone who
joins while a registered user's new room is being stored finds them there.
"""

from __future__ import annotations

from tests.support.slowrooms import SlowRoomsCase
from tests.support.talkstorecase import TalkStoreTestCase


class CreatorFirstTests(SlowRoomsCase, TalkStoreTestCase):
    def test_joinerFindsTheCreator(self) -> None:
        """
        alice (registered) joins C{fresh}, which the store has not kept
        yet; bob, joining meanwhile, is answered once it is, and told
        alice is there (she runs it).
        Once it is stored, alice is told she joined it, with bob.
        """
        self.registered("alice", "sesame")
        alice, aliceTerminal = self.talk("alice", "sesame")
        self.slow.store()  # the room she lands in, which she made
        bob, bobTerminal = self.talk("bob")
        self.type(alice, aliceTerminal, "/join fresh")
        self.assertEqual(len(self.slow.waiting), 1)
        self.assertEqual(self.type(bob, bobTerminal, "/join fresh"), b"")
        self.slow.store()
        self.clock.advance(0)
        self.assertIn(b"You joined fresh, with alice.", self.type(bob, bobTerminal))
        self.assertEqual(self.service.memberStatuses(bob, "fresh"), [("alice", "o"), ("bob", "")])
        self.assertIn(b"You joined fresh", self.type(alice, aliceTerminal))
