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
