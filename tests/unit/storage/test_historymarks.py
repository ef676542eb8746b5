"""
L{chatd.storage.historymarks}: where an entry's replay stops, however the
database's answer and the writer's batches interleave.
"""

from __future__ import annotations

from typing import Any

from twisted.internet.defer import Deferred
from twisted.trial.unittest import SynchronousTestCase

from chatd.storage.historymarks import HistoryMarks


class SlowDatabase:
    """
    Answers the high-water query only when the test says (a busy pool).
    """

    paramstyle = "format"

    def __init__(self) -> None:
        self.asked: list[Deferred[list[tuple[Any, ...]]]] = []

    def select(self, query: str, *args: Any) -> Deferred[list[tuple[Any, ...]]]:
        self.asked.append(Deferred())
        return self.asked[-1]


def rows(*tickets: int) -> list[Any]:
    return [(ticket,) for ticket in tickets]


class HistoryMarkTests(SynchronousTestCase):
    def setUp(self) -> None:
        self.database = SlowDatabase()
        self.marks = HistoryMarks(self.database)  # type: ignore[arg-type]

    def test_waitsForQueued(self) -> None:
        """
        With messages queued, the mark follows the newest of them once its
        batch has its ids.
        """
        mark = self.marks.mark(queued=3, writtenTicket=1)
        self.assertNoResult(mark)
        self.marks.written([10, 11], rows(2, 3))
        self.assertEqual(self.successResultOf(mark), 12)

    def test_highWater(self) -> None:
        """
        With nothing queued, the mark is the database's highest id plus one.
        """
        mark = self.marks.mark(queued=3, writtenTicket=3)
        self.database.asked[0].callback([(40,)])
        self.assertEqual(self.successResultOf(mark), 41)

    def test_laterMessageWrittenFirst(self) -> None:
        """
        A message queued after the mark was asked, written before the
        database answers, is after the mark: the mark stops at its id.
        """
        mark = self.marks.mark(queued=3, writtenTicket=3)
        self.marks.written([50, 51], rows(4, 5))
        self.database.asked[0].callback([(51,)])
        self.assertEqual(self.successResultOf(mark), 50)

    def test_failureForgets(self) -> None:
        """
        A failed query fails the mark and leaves nothing behind.
        """
        mark = self.marks.mark(queued=0, writtenTicket=0)
        self.database.asked[0].errback(RuntimeError("down"))
        self.failureResultOf(mark, RuntimeError)
        self.marks.written([1], rows(1))
        later = self.marks.mark(queued=1, writtenTicket=1)
        self.database.asked[1].callback([(1,)])
        self.assertEqual(self.successResultOf(later), 2)

    def test_twoAskedAlike(self) -> None:
        """
        Two marks asked with the same messages queued are two: the second
        answered first forgets itself, not the first, which a message
        written meanwhile still stops (once a C{ValueError} in the replay of
        an entry, the other mark lost).
        """
        first = self.marks.mark(queued=3, writtenTicket=3)
        second = self.marks.mark(queued=3, writtenTicket=3)
        self.database.asked[1].callback([(40,)])
        self.assertEqual(self.successResultOf(second), 41)
        self.marks.written([50, 51], rows(4, 5))
        self.database.asked[0].callback([(51,)])
        self.assertEqual(self.successResultOf(first), 50)
