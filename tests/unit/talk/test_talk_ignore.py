"""
C{/ignore} and C{/unignore} in talk mode (L{chatd.talk.ignore}): the list,
and a troll's private messages dropped for the ignorer.
"""

from __future__ import annotations

from tests.support.talkstorecase import TalkStoreTestCase


class TalkIgnoreTests(TalkStoreTestCase):
    def test_ignoreAndList(self) -> None:
        """
        C{/ignore troll} drops troll's private messages; C{/ignore} lists
        the names; C{/unignore troll} lets them through again.
        """
        troll = self.login("troll")
        alice, t = self.talk("alice")
        self.assertIn(b"You ignore nobody", self.type(alice, t, "/ignore"))
        self.assertIn(b"You ignore troll:", self.type(alice, t, "/ignore troll"))
        self.assertIn(b"You already ignore TROLL", self.type(alice, t, "/ignore TROLL"))
        self.assertIn(b"You ignore (1): troll", self.type(alice, t, "/ignore"))
        self.service.tell(troll, "alice", ("buy my stuff",))
        self.assertNotIn(b"buy my stuff", self.type(alice, t))
        self.assertIn(b"You no longer ignore troll", self.type(alice, t, "/unignore troll"))
        self.assertIn(b"You do not ignore troll", self.type(alice, t, "/unignore troll"))
        self.service.tell(troll, "alice", ("hello again",))
        self.assertIn(b"hello again", self.type(alice, t))

    def test_usage(self) -> None:
        """
        One name at a time; C{/unignore} needs one.
        """
        alice, t = self.talk("alice")
        self.assertIn(b"Usage: /ignore [name]", self.type(alice, t, "/ignore a b"))
        self.assertIn(b"Usage: /unignore <name>", self.type(alice, t, "/unignore"))
