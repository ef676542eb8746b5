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
