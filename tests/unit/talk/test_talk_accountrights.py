"""
Talk mode's operators by account: rights the console's C{op} gave a
registered account hold under any nickname it takes with C{/name}; those
of a configured operator name (C{--operators}) only under that name.
"""

from __future__ import annotations

from chatd.core.limits import RENAMES_BURST
from chatd.core.names import NICK_RULE
from tests.support.talkstorecase import TalkStoreTestCase


class OperatorByAccountTests(TalkStoreTestCase):
    def test_operatorNameNotRegistered(self) -> None:
        """
        A guest who took the configured operator name C{moder}, which has
        no account, may not C{/register} it (whoever did would get its
        rights): told why, it stays a guest without them.
        """
        moder, tm = self.talk("moder")
        self.assertEqual(
            self.type(moder, tm, "/register moderpass"),
            b"*** Sorry, this name is reserved for an operator: an administrator creates its"
            b" account.\r\n",
        )
        self.assertFalse(self.successResultOf(self.service.isRegistered("moder")))
        self.assertFalse(self.service.isOperator(moder))

    def test_killUnderAnotherName(self) -> None:
        """
        An account the console made an operator, renamed with C{/name}, may
        still C{/kill}: the victim is disconnected, not the operator refused.
        """
        self.registered("warden", "wardenpass")
        self.assertTrue(self.service.moderation.op("warden", "root"))
        victim, tv = self.talk("victimy")
        warden, tw = self.talk("warden", "wardenpass")
        self.type(warden, tw, "/name teacher")
        shown = self.type(warden, tw, "/kill victimy test")
        self.assertNotIn(b"only operators", shown)
        self.assertTrue(tv.disconnecting)

    def test_configuredNameNeedsItsName(self) -> None:
        """
        A configured operator name (C{moder}, C{--operators}) renamed with
        C{/name} may not C{/kill}, so that nobody is kicked by a name
        that is no operator's; back under its own name, it may again.
        """
        self.registered("moder", "moderpass")
        victim, tv = self.talk("victimy")
        moder, tm = self.talk("moder", "moderpass")
        self.type(moder, tm, "/name tutor")
        shown = self.type(moder, tm, "/kill victimy test")
        self.assertIn(b"only operators", shown)
        self.assertFalse(tv.disconnecting)
        self.type(moder, tm, "/name moder")
        self.assertNotIn(b"only operators", self.type(moder, tm, "/kill victimy test"))
        self.assertTrue(tv.disconnecting)

    def test_backToItsNameNeverTooFast(self) -> None:
        """
        Renamed away from its configured operator name (so counted as anyone
        is), an account that spent its renames may still take its own name
        back at once, and its rights with it.
        """
        self.registered("moder", "moderpass")
        moder, tm = self.talk("moder", "moderpass")
        for n in range(RENAMES_BURST + 1):
            self.type(moder, tm, f"/name m{n}")
        self.assertIn(b"too fast", self.type(moder, tm, "/name late"))
        self.type(moder, tm, "/name moder")
        self.assertEqual(moder.nick, "moder")
        self.assertTrue(self.service.isOperator(moder))

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
            f"*** Sorry, that is not a valid nickname: a nickname is {NICK_RULE}.\r\n".encode(),
        )
