"""
Tests for L{chatd.core.commalist}: comma-separated values as operators type them.
"""

from __future__ import annotations

from twisted.trial.unittest import SynchronousTestCase

from chatd.core.commalist import commaList, parseEach


class CommaListTests(SynchronousTestCase):
    def test_spacesAroundItems(self) -> None:
        """
        Items lose the spaces around them; empty items are dropped.
        """
        self.assertEqual(commaList(" lobby, garden ,,\tden "), ["lobby", "garden", "den"])
        self.assertEqual(commaList(""), [])

    def test_refusalNamesTheItem(self) -> None:
        """
        An item the parser refuses is named in the error, once.
        """

        def small(text: str) -> int:
            if int(text) > 9:
                raise ValueError("too big")
            return int(text)

        self.assertEqual(parseEach("1, 2", small), [1, 2])
        with self.assertRaises(ValueError) as refused:
            parseEach("1, 12", small)
        self.assertEqual(str(refused.exception), "'12': too big")
        with self.assertRaises(ValueError) as named:
            parseEach("x", int)
        self.assertEqual(str(named.exception), "invalid literal for int() with base 10: 'x'")
