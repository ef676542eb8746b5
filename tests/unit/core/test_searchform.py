"""
The search form (L{chatd.core.searchform}): the one rule of what a search
matches, which the stores index and every query is cut by.
"""

from __future__ import annotations

from twisted.trial.unittest import SynchronousTestCase

from chatd.core.searchform import (
    SearchTerm,
    folded,
    hasCodes,
    ownForm,
    searchForm,
    searchTerms,
    visible,
)


class FoldedTests(SynchronousTestCase):
    """
    L{folded} makes one text of every Unicode form and case.
    """

    def test_normalForms(self) -> None:
        """
        Either form of an accented letter is one text; compatibility forms
        (full width, ligatures, half-width kana) are their plain letters.
        """
        self.assertEqual(folded("cafe\u0301"), folded("caf\u00e9"))
        self.assertEqual(folded("\uff79\uff9e\uff9d"), "\u30b2\u30f3")  # ｹﾞﾝ: ゲン
        self.assertEqual(folded("\uff21\uff22\uff23\uff11"), "abc1")
        self.assertEqual(folded("\ufb01n"), "fin")

    def test_case(self) -> None:
        """
        Full case folding: C{ß} is C{ss}, Greek final sigma is sigma.
        """
        self.assertEqual(folded("Stra\u00dfe"), "strasse")
        self.assertEqual(folded("STRASSE"), "strasse")
        self.assertEqual(folded("\u039f\u0394\u039f\u03a3"), folded("\u03bf\u03b4\u03bf\u03c2"))

    def test_turkishI(self) -> None:
        """
        The dotted capital I, the dotless small i, and a small i with a
        combining dot (a capital İ lowered elsewhere) are plain C{i}.
        """
        for spelling in ("\u0130stanbul", "I\u0307stanbul", "i\u0307stanbul", "ISTANBUL"):
            self.assertEqual(folded(spelling), "istanbul", ascii(spelling))
        self.assertEqual(folded("\u0131\u015f\u0131k"), folded("I\u015eIK"))

    def test_accents(self) -> None:
        """
        Accents, cedillas and the vowel points of Hebrew and Arabic do not
        count, in either Unicode form: a pupil typing without them finds
        the text written with them, and the reverse.  The marks that make
        another letter count.
        """
        for pair in (
            ("\u00e9cole", "ECOLE"),  # école
            ("e\u0301cole", "ecole"),
            ("Caf\u00e9 cr\u00e8me", "cafe creme"),
            ("\u0131\u015f\u0131k", "ISIK"),  # ışık
            ("\u015e\u0130\u015e\u0130", "sisi"),  # ŞİŞİ
            (
                "\u0645\u064f\u062d\u064e\u0645\u0651\u064e\u062f",
                "\u0645\u062d\u0645\u062f",
            ),  # مُحَمَّد
            ("\u05e9\u05c1\u05b8\u05dc\u05d5\u05b9\u05dd", "\u05e9\u05dc\u05d5\u05dd"),  # שָׁלוֹם
            ("\u0391\u03b8\u03ae\u03bd\u03b1", "\u03b1\u03b8\u03b7\u03bd\u03b1"),  # Αθήνα
        ):
            self.assertEqual(folded(pair[0]), folded(pair[1]), ascii(pair))
        self.assertEqual(folded("\u00e9cole"), "ecole")
        # But a mark that makes another letter still counts, as in names:
        # kana voicing marks, Cyrillic Й, the viramas of the scripts of
        # India, Thai tone marks.
        for one, other in (
            ("\u30b2\u30f3", "\u30b1\u30f3"),  # ゲン, ケン
            ("\u0419\u043e\u0441\u0438\u043f", "\u0418\u043e\u0441\u0438\u043f"),  # Йосип, Иосип
            ("\u092a\u094d\u0930\u093f\u092f\u093e", "\u092a\u0930\u093f\u092f\u093e"),
            ("\u0e17\u0e35\u0e48", "\u0e17\u0e35"),  # ที่, ที
        ):
            self.assertNotEqual(folded(one), folded(other), ascii(one))

    def test_tatweel(self) -> None:
        """
        The Arabic tatweel, which only stretches a word's joins, is
        dropped: C{مـحـمـد} is C{محمد}.
        """
        self.assertEqual(
            folded("\u0645\u0640\u062d\u0640\u0645\u0640\u062f"), "\u0645\u062d\u0645\u062f"
        )

    def test_punctuationAndFormat(self) -> None:
        """
        Punctuation, symbols and spaces outside ASCII are spaces; format
        characters (a soft hyphen, a zero-width joiner) are dropped, but a
        zero-width space is a space; ASCII punctuation is kept for the
        databases' tokenizers.
        """
        self.assertEqual(folded("\u00abOui\u00bb\u2014non\u3002"), " oui  non ")
        self.assertEqual(folded("co\u00adop\u200dx\u200by"), "coopx y")
        self.assertEqual(folded("Don't \u00e9t\u00e9!"), "don't ete!")

    def test_ascii(self) -> None:
        """
        ASCII text is only lowered.
        """
        self.assertEqual(folded("Hello, World!"), "hello, world!")


class VisibleTests(SynchronousTestCase):
    """
    Text is searched as readers see it: L{visible} removes IRC's formatting
    codes, and L{folded} starts from it.
    """

    def test_codesRemoved(self) -> None:
        """
        Colour codes go with their numbers (C{\\x03} and hex C{\\x04}), the
        toggles (bold, reset, italic, underline, reverse, monospace, strike)
        join what they separate, as readers see it.
        """
        self.assertEqual(visible("bold and \x0304,12red on blue"), "bold and red on blue")
        self.assertEqual(visible("\x0303green"), "green")
        self.assertEqual(visible("\x04FF0000hex\x04 x"), "hex x")
        self.assertEqual(visible("\x02gras\x02ascii"), "grasascii")
        self.assertEqual(visible("a\x0fb\x1dc\x1fd\x16e\x11f\x1eg"), "abcdefg")

    def test_separators(self) -> None:
        """
        CTCP's C{\\x01} and line ends still separate words; text without
        codes is itself.
        """
        self.assertEqual(visible("\x01ACTION \x02waves\x02\x01"), " ACTION waves ")
        self.assertEqual(visible("\x02one\x02\ntwo\r\nthree"), "one two  three")
        for text in ("plain text", "\x01ACTION waves\x01", "a\tb\nc", "caf\u00e9"):
            self.assertIs(visible(text), text)

    def test_folded(self) -> None:
        """
        L{folded}, so the search form, the query's terms and the memory
        store's matching, has no code, in ASCII or not.
        """
        self.assertEqual(folded("\x0304Rouge\x03 \u00c9t\u00e9"), "rouge ete")
        self.assertEqual(searchForm("\x02Gras\x02ascii"), "grasascii")
        self.assertEqual(searchForm("\x0304\u6771\u4eac"), " \u6771\u4eac \u4eac ")
        self.assertEqual(searchTerms(["\x02red\x02", "\x0304"]), [SearchTerm("red")])

    def test_ownForm(self) -> None:
        """
        A text has a search form of its own, which a store keeps, when it
        is not ASCII or holds codes; ASCII text without codes (line ends,
        TAB and actions included) has none.
        """
        for text in ("\x0303green", "\x02b\x02", "caf\u00e9", "x\x7f"):
            self.assertTrue(ownForm(text), ascii(text))
        for text in ("plain", "\x01ACTION waves\x01", "a\tb\nc\r\nd"):
            self.assertFalse(ownForm(text), ascii(text))
        self.assertTrue(hasCodes("caf\u00e9 \x1dit\x1d"))
        self.assertFalse(hasCodes("caf\u00e9"))


class SearchFormTests(SynchronousTestCase):
    """
    L{searchForm} cuts the runs of spaceless scripts into overlapping
    pairs of characters, then the run's last character.
    """

    def test_pairs(self) -> None:
        """
        A run of Japanese is each pair of neighbours, then its last
        character; a text in other scripts is kept whole around it.
        """
        self.assertEqual(
            searchForm("Hi \u6771\u4eac\u306b!"),
            "hi  \u6771\u4eac \u4eac\u306b \u306b !",
        )
        self.assertEqual(searchForm("\u6771"), " \u6771 ")
        self.assertEqual(searchForm("2024\u5e74"), "2024 \u5e74 ")

    def test_marksStayWithTheirLetter(self) -> None:
        """
        A Thai letter and its vowel and tone marks make one character of a
        pair.
        """
        self.assertEqual(
            searchForm("\u0e17\u0e35\u0e48\u0e19\u0e35\u0e48"),
            " \u0e17\u0e35\u0e48\u0e19\u0e35\u0e48 \u0e19\u0e35\u0e48 ",
        )

    def test_otherScripts(self) -> None:
        """
        Space-separated scripts are only folded.
        """
        privet = "\u041f\u0440\u0438\u0432\u0435\u0442"  # Привет
        self.assertEqual(searchForm(privet), privet.lower())


class SearchTermsTests(SynchronousTestCase):
    """
    L{searchTerms} makes a query's words the terms a message's search form
    must hold.
    """

    def test_words(self) -> None:
        """
        Each word of a space-separated script is a phrase, as folded; one
        without a letter or digit is left out.
        """
        self.assertEqual(
            searchTerms(["Caf\u00e9", "\u00abdon't\u00bb", "?!", "\U0001f600"]),
            [SearchTerm("cafe"), SearchTerm("don't")],
        )

    def test_spaceless(self) -> None:
        """
        A run of a spaceless script is the phrase of its pairs, or, of one
        character, a prefix; a word mixing scripts gives a term per part.
        """
        self.assertEqual(
            searchTerms(["\u6771\u4eac\u306b", "\u4eac", "\u6771\u4eacTower"]),
            [
                SearchTerm("\u6771\u4eac \u4eac\u306b"),
                SearchTerm("\u4eac", prefix=True),
                SearchTerm("\u6771\u4eac"),
                SearchTerm("tower"),
            ],
        )

    def test_queryMatchesForm(self) -> None:
        """
        The pairs of a query of two characters or more are tokens of the
        search form of a text holding it, next to one another.
        """
        form = searchForm("\u660e\u65e5\u6771\u4eac\u306b\u884c\u304d\u307e\u3059").split()
        for query in ("\u6771\u4eac", "\u6771\u4eac\u306b\u884c", "\u307e\u3059"):
            (term,) = searchTerms([query])
            tokens = term.text.split()
            self.assertTrue(
                any(form[i : i + len(tokens)] == tokens for i in range(len(form))), query
            )
