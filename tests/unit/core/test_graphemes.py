"""
Tests for L{chatd.core.graphemes}: where text may be cut to fit a byte
budget, and what one backspace erases.
"""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from twisted.trial.unittest import SynchronousTestCase

from chatd.core.graphemes import clusterCut, lastCluster

FAMILY = "\U0001f468\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466"  # 25 bytes
FRANCE = "\U0001f1eb\U0001f1f7"


def cutText(text: str, limit: int) -> str:
    """The start of C{text} that L{clusterCut} keeps within C{limit} bytes."""
    data = text.encode("utf-8")
    return data[: clusterCut(data, limit)].decode("utf-8")


class ClusterCutTests(SynchronousTestCase):
    def test_fits(self) -> None:
        """
        Text within the budget is kept whole; ASCII is cut at the budget.
        """
        self.assertEqual(cutText(FAMILY, 25), FAMILY)
        self.assertEqual(cutText("abcdef", 4), "abcd")

    def test_clusters(self) -> None:
        """
        The cut never falls after a zero-width joiner, before a combining
        accent, a variation selector or a skin-tone modifier, inside a
        flag or inside a Hangul syllable spelled in jamo: the cluster it
        would split is left for the next piece.
        """
        cases = [
            ("a" + FAMILY, 2 + 25 - 5, "a"),  # ZWJ sequence: never "👨‍👩‍👧‍"
            ("e\u0301" * 3, 8, "e\u0301" * 2),  # NFD é: never a bare "e"
            ("ok\u2764\ufe0f", 6, "ok"),  # ❤️: never a text-style heart
            ("ok\U0001f44d\U0001f3fd", 7, "ok"),  # 👍🏽: never a yellow thumb
            (FRANCE * 2, 12, FRANCE),  # two flags: never 🇫 then 🇷🇫🇷
            ("x" + FRANCE * 2, 13, "x" + FRANCE),
            ("\u1100\u1161\u11a8" * 2, 15, "\u1100\u1161\u11a8"),  # 각 in jamo
            ("e\u0301 e\u0301", 4, "e\u0301 "),  # a whole cluster ends it
        ]
        for text, limit, kept in cases:
            self.assertEqual(cutText(text, limit), kept, ascii(text))

    def test_longCluster(self) -> None:
        """
        A first cluster longer than the budget is cut at a code point: the
        budget wins.
        """
        self.assertEqual(cutText(FAMILY, 12), "\U0001f468\u200d\U0001f469")
        self.assertEqual(cutText("e" + "\u0301" * 10, 5), "e\u0301\u0301")

    def test_noRoom(self) -> None:
        """
        A budget of nothing, or less (a line whose other parts fill it),
        keeps nothing, never a piece of a character.
        """
        for limit in (0, -1, -7):
            self.assertEqual(cutText("\u0800", limit), "")

    @given(st.text(max_size=40), st.integers(min_value=4, max_value=60))
    def test_budget(self, text: str, limit: int) -> None:
        """
        The cut keeps at most C{limit} bytes, falls between code points,
        and keeps something of text that does not fit.
        """
        data = text.encode("utf-8", "surrogatepass")
        cut = clusterCut(data, limit)
        self.assertLessEqual(cut, min(limit, len(data)))
        self.assertTrue(cut == len(data) or data[cut] & 0xC0 != 0x80)
        self.assertGreater(cut, 0 if data else -1)


class LastClusterTests(SynchronousTestCase):
    def test_clusters(self) -> None:
        """
        The last cluster is what a reader sees as the last character: a
        whole ZWJ sequence, a letter with its combining accent, a flag (the
        second of two), a Hangul syllable in jamo, one ASCII letter.
        """
        cases = [
            ("X" + FAMILY, FAMILY),
            (FAMILY, FAMILY),
            ("Cafe\u0301", "e\u0301"),
            ("ok\U0001f44d\U0001f3fd", "\U0001f44d\U0001f3fd"),
            ("x" + FRANCE * 2, FRANCE),
            ("x\U0001f1eb" + FRANCE, "\U0001f1f7"),  # pairs count from the start
            ("\u1100\u1161\u11a8" * 2, "\u1100\u1161\u11a8"),
            ("\u4e2d\u6587", "\u6587"),
            ("abc", "c"),
            ("", ""),
        ]
        for text, last in cases:
            self.assertEqual(lastCluster(text), last, ascii(text))

    @given(st.text(max_size=40))
    def test_agreesWithCut(self, text: str) -> None:
        """
        Without its last cluster, C{text} ends where L{clusterCut} may cut
        it: both follow one rule.
        """
        last = lastCluster(text)
        self.assertTrue(text.endswith(last))
        self.assertEqual(bool(last), bool(text))
        data = text.encode("utf-8", "surrogatepass")
        kept = len(text[: len(text) - len(last)].encode("utf-8", "surrogatepass"))
        if kept:
            self.assertEqual(clusterCut(data, kept), kept)
