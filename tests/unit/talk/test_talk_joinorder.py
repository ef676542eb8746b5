"""
Talk mode's C{/join} is answered (C{You joined ...}) before anything said
in the room reaches the terminal, also on a server that replays no
history on entering (C{--history-count 0}).
"""

from __future__ import annotations

from tests.support.talkstorecase import TalkStoreTestCase


class TalkJoinOrderTests(TalkStoreTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.service.historyCount = 0
        persistence = self.service.persistence
        assert persistence is not None
        self.successResultOf(persistence.configureRoom("club", None, None, None, None))
        self.registered("alice", "sesame")

    def test_answerFirst(self) -> None:
        """
        bob speaks while alice's entry is being stored: alice reads that
        she joined first, then bob's line.
        """
        bob, tb = self.talk("bob")
        self.type(bob, tb, "/join club")
        alice, ta = self.talk("alice", "sesame")
        pending = self.delayMemberships()
        shown = self.type(alice, ta, "/join club")
        self.type(bob, tb, "welcome")
        shown += self.type(alice, ta)
        self.assertEqual(len(pending), 1)
        pending[0].callback(None)
        self.clock.advance(0)
        shown += self.type(alice, ta)
        joined = shown.find(b"You joined club")
        said = shown.find(b"<bob> welcome")
        self.assertNotEqual(joined, -1, shown)
        self.assertLess(joined, said, shown)

    def test_inAlreadyHoldsNothing(self) -> None:
        """
        A C{/join} of a room alice is in already enters nothing: what is
        said there next reaches her at once.
        """
        bob, tb = self.talk("bob")
        self.type(bob, tb, "/join club")
        alice, ta = self.talk("alice", "sesame")
        self.type(alice, ta, "/join club")
        self.type(alice, ta, "/join club")
        self.type(bob, tb, "still here")
        self.assertIn(b"<bob> still here", self.type(alice, ta))

    def test_loginRoomsAfterTheWelcome(self) -> None:
        """
        A login puts alice back in C{club}; while she lands in C{lobby}
        (its entry being stored), bob speaks in C{club}: his line follows
        what her login tells her of her rooms.
        """
        alice, ta = self.talk("alice", "sesame")
        self.type(alice, ta, "/join club", "/leave lobby", "/quit")
        bob, tb = self.talk("bob")
        self.type(bob, tb, "/join club")
        pending = self.delayMemberships()
        alice, ta = self.talk("alice")
        shown = self.type(alice, ta, "sesame")
        self.assertIn(b"Welcome, alice!", shown)
        self.type(bob, tb, "welcome")
        shown += self.type(alice, ta)
        self.assertTrue(pending)
        while pending:
            pending.pop(0).callback(None)
        self.clock.advance(0)
        shown += self.type(alice, ta)
        told = shown.find(b"You are also in")
        said = shown.find(b"<bob> welcome")
        self.assertNotEqual(told, -1, shown)
        self.assertLess(told, said, shown)

    def test_registrationRoomsAfterTheAnswer(self) -> None:
        """
        A new account is put in the rooms flagged autojoin (C{Général})
        before its registration is answered (its entries stored): what bob
        says there meanwhile follows the answer.
        """
        bob, tb = self.talk("bob")
        self.type(bob, tb, "/join Général")
        carol, tc = self.talk("carol")
        pending = self.delayMemberships()
        shown = self.type(carol, tc, "/register opensesame")
        self.type(bob, tb, "welcome")
        shown += self.type(carol, tc)
        self.assertTrue(pending)
        while pending:
            pending.pop(0).callback(None)
        self.clock.advance(0)
        shown += self.type(carol, tc)
        answered = shown.find(b"carol is now registered")
        said = shown.find(b"<bob> welcome")
        self.assertNotEqual(answered, -1, shown)
        self.assertLess(answered, said, shown)
