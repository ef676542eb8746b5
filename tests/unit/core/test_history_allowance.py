"""
Tests for L{chatd.core.allowance.HistoryAllowance}: history requests take
from their person's allowance as much as their answers hold; one past it
waits, or is refused; on a L{Clock}.
"""

from __future__ import annotations

from chatd.core import errors
from chatd.core.allowance import Answer, HistoryAllowance
from chatd.core.chathistory import LATEST, HistoryQuery
from chatd.core.pacing import LINE_OVERHEAD
from chatd.testing import settled
from tests.support.persistencecase import PersistenceTestCase

#: One message of the room the tests fill: this many bytes on the wire.
TEXT = "x" * 872
SIZE = len(TEXT) + LINE_OVERHEAD  # 1000


class HistoryAllowanceTests(PersistenceTestCase):
    def setUp(self) -> None:
        super().setUp()
        # Ten messages' worth at once, then one a second; a wait of more
        # than 5 seconds is refused.
        self.service.allowances.history = HistoryAllowance(
            self.clock, burst=10 * SIZE, rate=SIZE, patience=5
        )
        self.alice = self.login("alice")
        self.successResultOf(settled(self.service.enter(self.alice, "Général")))
        for _ in range(8):
            self.service.say(self.alice, "Général", (TEXT,))
        self.clock.advance(0)

    def test_answerCounted(self) -> None:
        """
        Answers are counted by their bytes: the first request's 8 messages
        leave 2 in the allowance, so a second one of 8 is still answered at
        once (leaving it owing 6), and the third waits until the debt is
        paid, 6 seconds later: past the patience, it is refused, saying
        when to try again; at 5 seconds it waits.
        """
        for _ in range(2):
            self.assertEqual(
                len(self.successResultOf(self.service.history(self.alice, "Général", 8))), 8
            )
        refused = self.assertRaises(errors.TooFast, self.service.history, self.alice, "Général", 8)
        self.assertEqual(refused.text, "you ask for history too fast: try again in 6s")
        self.clock.advance(1)
        waiting = self.service.history(self.alice, "Général", 8)
        self.assertNoResult(waiting)
        self.clock.advance(4.9)
        self.assertNoResult(waiting)
        self.clock.advance(0.1)
        self.assertEqual(len(self.successResultOf(waiting)), 8)

    def test_smallAnswersCostLittle(self) -> None:
        """
        Many requests whose answers are small are all answered at once.
        """
        for _ in range(10):
            self.assertEqual(
                len(self.successResultOf(self.service.history(self.alice, "Général", 1))), 1
            )

    def test_windowsShareIt(self) -> None:
        """
        C{CHATHISTORY}'s windows (IRC, the web page) take from the same
        allowance as C{HISTO}.
        """
        latest = HistoryQuery(LATEST, None, 8)
        self.successResultOf(self.service.history(self.alice, "Général", 8))
        self.successResultOf(self.service.historyWindow(self.alice, "Général", True, latest))
        self.assertRaises(
            errors.TooFast, self.service.historyWindow, self.alice, "Général", True, latest
        )
        self.clock.advance(1)
        waiting = self.service.historyWindow(self.alice, "Général", True, latest)
        self.assertNoResult(waiting)
        self.clock.advance(5)
        self.assertEqual(len(self.successResultOf(waiting)), 8)

    def test_perPerson(self) -> None:
        """
        Each person has an allowance of their own: one spent does not make
        another wait.
        """
        for _ in range(2):
            self.successResultOf(self.service.history(self.alice, "Général", 8))
        bob = self.login("bob")
        self.successResultOf(settled(self.service.enter(bob, "Général")))
        self.clock.advance(0)
        self.assertEqual(len(self.successResultOf(self.service.history(bob, "Général", 8))), 8)

    def test_answerDueAtThePace(self) -> None:
        """
        An answer says when its parts are due (L{Answer.release}): what the
        allowance held at once, the rest as it refills; a second answer
        found meanwhile after the first.
        """
        first = self.successResultOf(self.service.history(self.alice, "Général", 8))
        assert isinstance(first, Answer) and first.release is not None
        self.assertIsNone(first.release.due(0))
        self.assertIsNone(first.release.due(8 * SIZE))
        second = self.successResultOf(self.service.history(self.alice, "Général", 8))
        assert isinstance(second, Answer) and second.release is not None
        self.assertIsNone(second.release.due(2 * SIZE))  # the 2 the allowance still held
        due = second.release.due(5 * SIZE)
        assert due is not None
        self.clock.advance(2.9)
        self.assertNoResult(due)
        self.clock.advance(0.1)
        self.successResultOf(due)

    def test_operatorNotCounted(self) -> None:
        """
        A chatd operator's requests are not counted: never refused, nor
        made to wait, their answers due at once.
        """
        self.service.grantOperator(self.alice)
        for _ in range(5):
            answer = self.successResultOf(self.service.history(self.alice, "Général", 8))
            self.assertEqual(len(answer), 8)
            self.assertIsNone(getattr(answer, "release", None))
