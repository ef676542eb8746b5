"""
L{chatd.lines.roomhold}: a room's live output held while it is entered,
bounded in time and in number.
"""

from __future__ import annotations

from twisted.internet.defer import Deferred
from twisted.internet.task import Clock
from twisted.trial.unittest import SynchronousTestCase

from chatd.lines.roomhold import HOLD, MAX_HELD, RoomHold


class RoomHoldTests(SynchronousTestCase):
    def setUp(self) -> None:
        self.clock = Clock()
        self.written: list[int] = []
        self.hold: RoomHold[int] = RoomHold(self.clock, self.written.append)

    def test_atMostSoMany(self) -> None:
        """
        Past L{MAX_HELD} items, what was held follows at once, and so does
        what comes next.
        """
        self.hold.hold("club")
        for item in range(MAX_HELD):
            self.assertTrue(self.hold.keep("club", item))
        self.assertEqual(self.written, [])
        self.assertFalse(self.hold.keep("club", MAX_HELD))
        self.assertEqual(self.written, list(range(MAX_HELD)))
        self.assertFalse(self.hold.keep("club", MAX_HELD + 1))

    def test_holding(self) -> None:
        """
        L{RoomHold.holding} says whether any room's output is held: a room
        being entered, or every room while a login's answer comes; a
        front-end asks L{RoomHold.keep} only then.
        """
        hold = self.hold
        self.assertFalse(hold.holding)
        hold.hold("club")
        self.assertTrue(hold.holding)
        hold.release("club")
        self.assertFalse(hold.holding)
        hold.holdAll()
        self.assertTrue(hold.holding)
        hold.release("elsewhere")  # (a room released while the answer comes)
        self.assertTrue(hold.holding)
        self.assertTrue(hold.keep("club", 1))  # (held from now on)
        hold.hold("den")
        hold.releaseAll(replayed=True)  # their histories will release them
        self.assertTrue(hold.holding)
        hold.release("club")
        self.assertTrue(hold.holding)
        hold.release("den")
        self.assertFalse(hold.holding)
        self.assertEqual(self.written, [1])

    def test_atMostSoLong(self) -> None:
        self.hold.hold("club")
        self.hold.keep("club", 1)
        self.clock.advance(HOLD)
        self.assertEqual(self.written, [1])

    def test_untilAnswered(self) -> None:
        """
        What the room says while it is entered follows the answer, on the
        turn after it comes.
        """
        answer: Deferred[str] = Deferred()
        self.assertIs(self.hold.untilAnswered("Club", answer), answer)
        self.assertTrue(self.hold.keep("club", 1))
        answer.callback("Club")
        self.assertEqual(self.written, [])
        self.clock.advance(0)
        self.assertEqual(self.written, [1])
        self.assertEqual(self.successResultOf(answer), "Club")

    def test_releasedEarly(self) -> None:
        """
        A hold released before its time limit leaves no timer behind to
        keep the connection alive for it.
        """
        self.hold.hold("club")
        self.hold.keep("club", 1)
        self.hold.release("Club")
        self.assertEqual(self.written, [1])
        self.assertEqual(self.clock.getDelayedCalls(), [])

    def test_untilAnsweredAll(self) -> None:
        """
        While a login is answered, every room's output is held (the rooms
        it puts the connection in), and follows the answer on the turn
        after it; nothing is held after that.
        """
        answer: Deferred[str] = Deferred()
        self.assertIs(self.hold.untilAnsweredAll(lambda: answer, False), answer)
        self.assertTrue(self.hold.keep("club", 1))
        self.assertTrue(self.hold.keep("den", 2))
        answer.callback("alice")
        self.assertEqual(self.written, [])
        self.clock.advance(0)
        self.assertEqual(sorted(self.written), [1, 2])
        self.assertFalse(self.hold.keep("club", 3))
        self.assertFalse(self.hold.keep("nook", 4))

    def test_untilAnsweredAllReplayed(self) -> None:
        """
        When history is replayed for the rooms a login puts the connection
        in, each room's output waits for its replay (L{RoomHold.release}),
        also once the answer is written; a room whose replay came during
        the login (one held for it already, too) is not held again.
        """
        answer: Deferred[str] = Deferred()
        self.hold.hold("nook")  # (a page's room named in its login's marks)
        self.hold.untilAnsweredAll(lambda: answer, True)
        self.hold.release("nook")
        self.assertFalse(self.hold.keep("nook", 0))
        self.assertTrue(self.hold.keep("club", 1))
        self.assertTrue(self.hold.keep("den", 2))
        self.hold.release("den")
        self.assertEqual(self.written, [2])
        self.assertFalse(self.hold.keep("den", 3))  # (sent at once)
        answer.callback("alice")
        self.clock.advance(0)
        self.assertEqual(self.written, [2])
        self.hold.release("club")
        self.assertEqual(self.written, [2, 1])

    def test_untilAnsweredAllRefused(self) -> None:
        """
        A refused login releases what it held, replayed or not.
        """
        answer: Deferred[str] = Deferred()
        failed = self.hold.untilAnsweredAll(lambda: answer, True)
        self.hold.keep("club", 1)
        answer.errback(ValueError("no"))
        self.failureResultOf(failed, ValueError)
        self.clock.advance(0)
        self.assertEqual(self.written, [1])
