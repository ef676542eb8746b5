"""
Tests for who each front-end lists as online (L{chatd.core.listing}): an IRC
user hidden with user mode C{+i} is absent from talk's C{/list}, TCHAT's
C{LSUSR} and IRC's C{WHO *} for someone who shares no room with them, and
present once a room is shared, to a chatd operator and to themselves.
"""

from __future__ import annotations

from tests.support.helpers import connect, output
from tests.support.protocolcases import MixedFrontEndsTestCase


class HiddenFromListsTests(MixedFrontEndsTestCase):
    """
    ivy (IRC, C{+i}, in no room); tom (talk, in C{lobby}, talk's default
    room), tina (TCHAT) and irene (IRC), in no room.
    """

    def setUp(self) -> None:
        super().setUp()
        self.ivy, self.ti = self.connect("ivy")
        self.send(self.ivy, self.ti, "MODE ivy +i")
        self.tom, self.tt = self.talk("tom")
        self.tina, self.tc = self.tchat("tina")
        self.irene, self.tr = self.connect("irene")

    def talkList(self) -> bytes:
        return self.lines(self.tom, self.tt, "/list")

    def lsusr(self) -> bytes:
        return self.lines(self.tina, self.tc, "clt: LSUSR")

    def whoStar(self) -> list[str]:
        replies = self.messages(self.send(self.irene, self.tr, "WHO *"))
        self.assertEqual(replies[-1].command, "315")
        return [m.params[5] for m in replies[:-1]]

    def test_hiddenFromStrangers(self) -> None:
        """
        Sharing no room with ivy, nobody else is shown her: not talk's
        C{/list}, not TCHAT's C{LSUSR}, not IRC's C{WHO *}; nor a room that
        is not hers (tom's C{lobby}).
        """
        self.assertEqual(self.talkList(), b"*** Online (3): tom, tina, irene\r\n")
        self.assertEqual(
            self.lsusr(), b"srv: LSUSR 3\nsrv: tom\nsrv: tina\nsrv: irene\nsrv: OKAY!\n"
        )
        self.assertEqual(self.whoStar(), ["tom", "tina", "irene"])

    def test_shownToThoseSharingARoom(self) -> None:
        """
        Once ivy is in a room with each of them, all three lists show her.
        """
        self.send(self.ivy, self.ti, "JOIN #lobby")
        self.lines(self.tina, self.tc, "clt: ENTER lobby")
        self.send(self.irene, self.tr, "JOIN #lobby")
        self.read(self.tt)
        self.read(self.tc)  # irene's ENTER
        self.assertEqual(self.talkList(), b"*** Online (4): ivy, tom, tina, irene\r\n")
        self.assertEqual(
            self.lsusr(),
            b"srv: LSUSR 4\nsrv: ivy\nsrv: tom\nsrv: tina\nsrv: irene\nsrv: OKAY!\n",
        )
        self.assertEqual(self.whoStar(), ["ivy", "tom", "tina", "irene"])

    def test_shownToOperators(self) -> None:
        """
        A chatd operator is shown ivy on every front-end, sharing no room.
        """
        for nick in ("tom", "tina", "irene"):
            self.makeOperator(nick)
        self.read(self.tt)
        self.assertIn(b"ivy", self.talkList())
        self.assertIn(b"srv: LSUSR 4\nsrv: ivy\n", self.lsusr())
        self.assertIn("ivy", self.whoStar())

    def test_shownToHerself(self) -> None:
        """
        ivy's own C{WHO *} lists her, in no room.
        """
        replies = self.messages(self.send(self.ivy, self.ti, "WHO *"))
        self.assertIn("ivy", [m.params[5] for m in replies[:-1]])


class ListUsersCommandTests(MixedFrontEndsTestCase):
    def test_fieldsAndLogin(self) -> None:
        """
        C{LSUSR} takes no field (C{ERROR 10}) and needs a LOGIN first
        (C{ERROR 01}).
        """
        tina, tc = self.tchat("tina")
        self.assertEqual(self.lines(tina, tc, "clt: LSUSR x"), b"srv: ERROR 10\n")
        self.assertEqual(self.lines(tina, tc, "clt: LSUSR "), b"srv: ERROR 10\n")
        stranger, ts = connect(self.tchatFactory, self.clock)
        output(ts, self.clock)
        self.assertEqual(self.lines(stranger, ts, "clt: LSUSR"), b"srv: ERROR 01\n")
