"""
Talk mode's operators by account: rights given to a registered account
hold under any nickname it takes with C{/name}.
"""

from __future__ import annotations

from tests.support.talkstorecase import TalkStoreTestCase


class OperatorByAccountTests(TalkStoreTestCase):
    def test_killUnderAnotherName(self) -> None:
        """
        An operator account renamed with C{/name} may still C{/kill}: the
        victim is disconnected, not the operator refused.
        """
        self.registered("moder", "moderpass")
        self.service.moderation.op("moder", "root")
        victim, tv = self.talk("victimy")
        moder, tm = self.talk("moder", "moderpass")
        self.type(moder, tm, "/name teacher")
        shown = self.type(moder, tm, "/kill victimy test")
        self.assertNotIn(b"only operators", shown)
        self.assertTrue(tv.disconnecting)

    def test_killNobody(self) -> None:
        """
        C{/kill} of a name nobody has is refused as such; of one nobody can
        have, as an invalid nickname (as C{/pm} refuses it).
        """
        self.registered("moder", "moderpass")
        self.service.moderation.op("moder", "root")
        moder, tm = self.talk("moder", "moderpass")
        self.assertEqual(
            self.type(moder, tm, "/kill nobody x"), b"*** Sorry, no such user is connected.\r\n"
        )
        self.assertEqual(
            self.type(moder, tm, "/kill b! x"),
            b"*** Sorry, that is not a valid nickname: a nickname is 1 to 16 letters, digits,"
            b" '_' or '-'.\r\n",
        )
