"""
Tests for how L{chatd.storage.schema} sizes the statements that write a
batch of messages, and how L{chatd.storage.writer} groups their rows.
"""

from __future__ import annotations

import sqlite3
from typing import cast

from twisted.trial.unittest import SynchronousTestCase

from chatd.storage.insertrows import (
    MESSAGE_COLUMNS,
    POSTGRES_PARAMETERS,
    insertSizes,
    rowsPerInsert,
)
from chatd.storage.rowshapes import NULLABLE, SEARCH_TEXT, MessageRow, shapeOf, withSearchText


class InsertSizesTests(SynchronousTestCase):
    """
    L{insertSizes} cuts a batch into powers of two, largest first, none
    over the limit, so that any batch uses a few statements of a dozen
    sizes.
    """

    def test_powersOfTwo(self) -> None:
        self.assertEqual(insertSizes(1000, 2340), [512, 256, 128, 64, 32, 8])
        self.assertEqual(insertSizes(1, 2340), [1])
        self.assertEqual(insertSizes(0, 2340), [])

    def test_limit(self) -> None:
        """
        No statement holds more rows than the limit; a limit that is not a
        power of two is rounded down to one.
        """
        self.assertEqual(insertSizes(5, 2), [2, 2, 1])
        self.assertEqual(insertSizes(7, 3), [2, 2, 2, 1])
        self.assertEqual(insertSizes(3, 0), [1, 1, 1])

    def test_fewTexts(self) -> None:
        """
        Every batch size up to a thousand is written with at most ten
        statements, drawn from ten sizes in all.
        """
        seen: set[int] = set()
        for count in range(1, 1001):
            sizes = insertSizes(count, 2340)
            self.assertEqual(sum(sizes), count)
            self.assertLessEqual(len(sizes), 10)
            seen.update(sizes)
        self.assertEqual(len(seen), 10)


class RowsPerInsertTests(SynchronousTestCase):
    """
    L{rowsPerInsert} reads SQLite's parameter limit from the connection, and
    assumes PostgreSQL's where the driver cannot say.
    """

    def test_sqlite(self) -> None:
        connection = sqlite3.connect(":memory:")
        self.addCleanup(connection.close)
        connection.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, 999)
        self.assertEqual(rowsPerInsert(connection), 998 // MESSAGE_COLUMNS)

    def test_other(self) -> None:
        self.assertEqual(rowsPerInsert(object()), (POSTGRES_PARAMETERS - 1) // MESSAGE_COLUMNS)


class ShapeTests(SynchronousTestCase):
    """
    L{shapeOf}, written out for speed, says of each group of L{NULLABLE}
    whether it is NULL, and nothing else; the search form, the last column,
    is not in a queued row: it is NULL when the body is ASCII without
    formatting codes, else L{withSearchText} adds it.
    """

    def test_followsNullable(self) -> None:
        full: MessageRow = (
            1,
            "k",
            "Room",
            "alice",
            "k2",
            "bob",
            "h\u00e9",
            1,
            0,
            "m",
            1000,
            "alice",
            "a",
            "b",
            0,
            "alice@user/alice",
        )
        self.assertEqual(len(full), MESSAGE_COLUMNS - 1)
        self.assertEqual(SEARCH_TEXT, MESSAGE_COLUMNS - 1)
        self.assertEqual(shapeOf(full), (False,) * len(NULLABLE))
        for index, group in enumerate(NULLABLE):
            if group == (SEARCH_TEXT,):
                row = full[:6] + ("hi",) + full[7:]
            else:
                row = cast(MessageRow, tuple(None if i in group else v for i, v in enumerate(full)))
            expected = tuple(i == index for i in range(len(NULLABLE)))
            self.assertEqual(shapeOf(row), expected, group)

    def test_withSearchText(self) -> None:
        """
        A row whose body is not ASCII is written with its search form.
        """
        row = cast(MessageRow, (1, None, None, "a", "b", "B", "\u0130stanbul", 1, 0) + (None,) * 7)
        self.assertEqual(withSearchText(row), (*row, "istanbul"))

    def test_formattingCodes(self) -> None:
        """
        An ASCII body with IRC formatting codes has a search form, without
        them; one without codes has none.
        """
        row = cast(MessageRow, (1, None, None, "a", "b", "B", "\x0304Red\x03!", 1, 0) + (None,) * 7)
        self.assertFalse(shapeOf(row)[-1])
        self.assertEqual(withSearchText(row), (*row, "red!"))
        plainRow: MessageRow = (*row[:6], "\x01ACTION waves\x01", *row[7:])
        self.assertTrue(shapeOf(plainRow)[-1])
