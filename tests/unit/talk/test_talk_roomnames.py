"""
Tests for talk mode's replies that name a room: each names it as stored
(C{Général}, C{Marketing}), whatever case or accents the command used.
"""

from __future__ import annotations

from tests.support.talkstorecase import TalkStoreTestCase


class RoomNamesTests(TalkStoreTestCase):
    """
    The store's rooms: C{Général}, and C{Marketing}, which needs approval.
    """

    def test_approvalWait(self) -> None:
        """
        The wait for approval names the room as stored.
        """
        alice, ta = self.talk("alice")
        seen = self.type(alice, ta, "/join mArKeTiNg")
        self.assertIn(
            b"*** Waiting for an operator's approval to enter Marketing; you will be told.", seen
        )

    def test_who(self) -> None:
        """
        C{/who} names the room as stored.
        """
        alice, ta = self.talk("alice")
        self.type(alice, ta, "/join Général", "/join lobby")
        seen = self.type(alice, ta, "/who general")
        self.assertIn("*** In Général (1): ".encode(), seen)

    def test_kick(self) -> None:
        """
        C{/kick} of someone not in the room, and of someone in it by an
        operator who is not, names the room as stored.
        """
        self.registered("moder", "sesame")
        moder, tm = self.talk("moder", "sesame")
        bob, tb = self.talk("bob")
        self.type(moder, tm, "/join Général")
        self.type(bob, tb, "/join Général")
        seen = self.type(moder, tm, "/kick #general nobody")
        self.assertIn("*** Sorry, nobody is not in Général".encode(), seen)
        self.type(moder, tm, "/leave Général")
        seen = self.type(moder, tm, "/kick #GENERAL bob")
        self.assertIn("*** bob was kicked from Général.".encode(), seen)
