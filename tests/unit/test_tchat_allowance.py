"""
TCHAT's C{ENTER} and C{LEAVE} under a person's allowance
(L{chatd.core.allowance}): a burst, then C{ERROR 29} for an entry until the
clock has moved; an account's connections share one allowance.  And
C{HISTO} under the allowance of history.
"""

from __future__ import annotations

import re

from chatd.core.allowance import HistoryAllowance
from chatd.core.limits import MOVE_EVERY, MOVES_BURST
from tests.support.helpers import output
from tests.support.tchatstorecase import TchatStoreTestCase


class TchatCase(TchatStoreTestCase):
    """
    bob, in the room C{den} he made, and the registered account alice.
    """

    def setUp(self) -> None:
        super().setUp()
        self.registered("alice", "sesame")
        self.bob, self.tb = self.connectAs("bob")
        self.send(self.bob, self.tb, "clt: CREAT den", "clt: ENTER den")


class TchatMoveAllowanceTests(TchatCase):
    def test_burstThenTooFast(self) -> None:
        """
        C{MOVES_BURST} exits (and the entries between them) pass; the next
        C{ENTER} is C{ERROR 29} and the room hears nothing; C{LEAVE} is
        never refused; an entry passes again after C{MOVE_EVERY} seconds.
        """
        carol, tc = self.connectAs("carol")
        for _ in range(MOVES_BURST):
            self.assertEqual(
                self.send(carol, tc, "clt: ENTER den", "clt: LEAVE den"), b"srv: OKAY!\n" * 2
            )
        output(self.tb, self.clock)
        self.assertEqual(self.send(carol, tc, "clt: ENTER den"), b"srv: ERROR 29\n")
        self.assertEqual(output(self.tb, self.clock), b"")
        self.clock.advance(MOVE_EVERY)
        self.assertEqual(self.send(carol, tc, "clt: ENTER den"), b"srv: OKAY!\n")
        self.assertEqual(self.send(carol, tc, "clt: LEAVE den"), b"srv: OKAY!\n")
        self.assertEqual(self.send(carol, tc, "clt: ENTER den"), b"srv: ERROR 29\n")

    def test_sharedByConnections(self) -> None:
        """
        An account's two connections spend one allowance: what one spent,
        the other cannot enter with.
        """
        one, t1 = self.connectAs("alice", "sesame")
        two, t2 = self.connectAs("alice", "sesame")
        for _ in range(MOVES_BURST):
            self.send(one, t1, "clt: ENTER den", "clt: LEAVE den")
        output(t2, self.clock)
        self.assertEqual(self.send(two, t2, "clt: ENTER den"), b"srv: ERROR 29\n")

    def test_operatorExempt(self) -> None:
        """
        A chatd operator may enter and leave as often as it likes.
        """
        carol, tc = self.connectAs("carol")
        self.service.grantOperator(carol)
        for _ in range(MOVES_BURST + 1):
            self.assertEqual(
                self.send(carol, tc, "clt: ENTER den", "clt: LEAVE den"), b"srv: OKAY!\n" * 2
            )


class TchatHistoryAllowanceTests(TchatCase):
    """
    C{HISTO} under its person's allowance of history
    (L{chatd.core.allowance.HistoryAllowance}).
    """

    def test_histoWaitsThenRefused(self) -> None:
        """
        A C{HISTO} past the allowance waits for it, the commands after it
        behind it; one that would wait too long is C{ERROR 29}.
        """
        self.service.allowances.history = HistoryAllowance(
            self.clock, burst=1000, rate=1000, patience=2
        )
        self.send(self.bob, self.tb, "clt: SPEAK den", "clt: " + "x" * 3872, "clt: .")
        self.assertIn(b"srv: OKAY!\n", self.send(self.bob, self.tb, "clt: HISTO den 5"))
        self.assertEqual(self.send(self.bob, self.tb, "clt: HISTO den 5"), b"srv: ERROR 29\n")
        self.clock.advance(1)
        self.assertEqual(self.send(self.bob, self.tb, "clt: HISTO den 5", "clt: LSMEM den"), b"")
        self.clock.advance(2)
        answer = output(self.tb, self.clock)
        self.assertTrue(answer.startswith(b"srv: SPEAK bob den "), answer)
        self.assertTrue(answer.endswith(b"srv: OKAY!\nsrv: LSMEM den 1\nsrv: bob\nsrv: OKAY!\n"))

    def test_largeAnswerPaced(self) -> None:
        """
        A C{HISTO} answer larger than the allowance holds arrives in full,
        in order, but at the allowance's pace: what it held at once, then a
        page as each page's worth is refilled; C{OKAY!} after the last.
        """
        self.service.allowances.history = HistoryAllowance(
            self.clock, burst=4000, rate=4000, patience=60
        )
        self.factory.maxOutput = 16000  # pages of 4000 bytes: 4 messages of 1000
        carol, tc = self.connectAs("carol")
        self.send(carol, tc, "clt: ENTER den")
        for n in range(20):
            self.send(self.bob, self.tb, "clt: SPEAK den", f"clt: {n:03}" + "x" * 869, "clt: .")
        output(tc, self.clock)
        answer = self.send(carol, tc, "clt: HISTO den 20")
        self.assertEqual(answer.count(b"srv: SPEAK "), 8)  # the 4000 held, and the page after
        for seconds, total in [(0.9, 8), (0.1, 12), (1, 16), (1, 20)]:
            self.clock.advance(seconds)
            answer += output(tc, self.clock)
            self.assertEqual(answer.count(b"srv: SPEAK "), total)
            self.assertEqual(answer.endswith(b"srv: OKAY!\n"), total == 20)
        self.assertEqual(re.findall(rb"srv: (\d+)x", answer), [b"%03d" % n for n in range(20)])

    def test_operatorNotCounted(self) -> None:
        """
        A chatd operator's history is not counted (moderating, they read
        what they need): large answers, one after the other, all at once.
        """
        self.service.allowances.history = HistoryAllowance(
            self.clock, burst=1000, rate=1000, patience=2
        )
        self.service.grantOperator(self.bob)
        self.send(self.bob, self.tb, "clt: SPEAK den", "clt: " + "x" * 3872, "clt: .")
        for _ in range(3):
            answer = self.send(self.bob, self.tb, "clt: HISTO den 5")
            self.assertTrue(answer.startswith(b"srv: SPEAK bob den "), answer)
            self.assertTrue(answer.endswith(b"srv: OKAY!\n"), answer)
