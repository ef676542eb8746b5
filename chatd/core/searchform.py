# -*- test-case-name: tests.unit.core.test_searchform -*-
"""
The one rule of what a search matches, for every store and every
front-end: text is searched in its I{search form} (L{searchForm}), which
the stores index, and a query is cut into L{SearchTerm}s
(L{searchTerms}) made by the same rule, so that

 - the Unicode form and the case of either side do not matter: C{café}
   typed precomposed finds C{cafe} followed by a combining accent, full
   width C{ＡＢＣ} finds C{abc}, C{STRASSE} finds C{straße}
   (NFKC, then full case folding, then NFKC again);
 - accents and vowel points do not count, as in names (the marks
   L{chatd.core.spelling.unaccented} drops: one rule for both): C{ecole}
   finds C{école}, C{שלום} finds C{שָׁלוֹם}, C{محمد} finds C{مُحَمَّد}, and
   the Arabic tatweel, which only stretches a word, is dropped too
   (C{محمد} finds C{مـحـمـد}); the marks that make another letter still
   count (C{ケン} does not find C{ゲン}, nor Thai without its vowels);
 - the four Turkish I's are one letter: C{istanbul} finds C{İstanbul},
   and C{ISIK} finds C{ışık};
 - words of space-separated scripts are matched whole, as each database's
   tokenizer cuts them (C{pic} does not find C{picnic});
 - text of the scripts written without spaces between words (Han,
   Hiragana, Katakana, Hangul, Thai, Lao, Khmer, Myanmar, Yi...) is
   matched anywhere: C{東京} finds C{明日東京に行きます}.  Each run of
   such characters is indexed as its overlapping pairs of characters
   (bigrams), then its last character; a query of two characters or more
   is the phrase of its pairs, a query of one character any token
   starting with it.

Text is searched as readers see it (L{visible}): IRC's formatting codes
(bold, colours with their numbers...) are not part of it, so C{red} finds
C{\x0304,12red} and C{grasascii} finds C{\x02gras\x02ascii}.  ASCII
letters are left to the databases' tokenizers to fold, which both do
alike: the search form of ASCII text without formatting codes is only its
lower case, so a store need not keep it (L{ownForm},
L{chatd.storage.search}).  Punctuation and symbols
outside ASCII become spaces (so C{don’t} splits as C{don't} does), and
invisible formatting characters (a soft hyphen, a zero-width joiner, bidi
marks) are dropped.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import pairwise

from chatd.core.spelling import unaccented
from chatd.core.text import plain

#: The characters of the scripts written without spaces between words,
#: after NFKC (which maps half-width kana, compatibility ideographs and
#: Kangxi radicals into these ranges).
SPACELESS = (
    "\u0e00-\u0eff"  # Thai, Lao
    "\u1000-\u109f"  # Myanmar
    "\u1100-\u11ff"  # Hangul jamo
    "\u1780-\u17ff"  # Khmer
    "\u1950-\u19df"  # Tai Le, New Tai Lue
    "\u1a20-\u1aaf"  # Tai Tham
    "\u1b00-\u1b7f"  # Balinese
    "\u2e80-\u2fdf"  # CJK and Kangxi radicals
    "\u3005-\u3007"  # 々 〆 〇
    "\u3021-\u3029\u3031-\u3035\u3038-\u303c"  # Hangzhou numerals, kana repeat marks
    "\u3040-\u30ff"  # Hiragana, Katakana (with ー)
    "\u3100-\u31bf"  # Bopomofo, Hangul compatibility jamo
    "\u31f0-\u31ff"  # Katakana phonetic extensions
    "\u3400-\u4dbf\u4e00-\u9fff"  # CJK unified ideographs
    "\ua000-\ua4cf"  # Yi
    "\ua960-\ua97f"  # Hangul jamo extended A
    "\ua980-\ua9ff"  # Javanese, Myanmar extended B
    "\uaa60-\uaadf"  # Myanmar extended A, Tai Viet
    "\uac00-\ud7ff"  # Hangul syllables, jamo extended B
    "\uf900-\ufaff"  # CJK compatibility ideographs
    "\U0001b000-\U0001b16f"  # Kana supplement and extensions
    "\U00020000-\U0003134f"  # CJK unified ideographs, extensions B to G
)

_RUN = re.compile(f"[{SPACELESS}]+")

#: Runs whose every character is a unit of its own (no combining mark can
#: be in them): Han, kana without the combining sound marks, Hangul
#: syllables.
_MARKLESS = re.compile(
    "[\u3005-\u3007\u3040-\u3098\u309b-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7a3"
    "\uf900-\ufaff\U00020000-\U0003134f]+"
)

#: Every pair of characters, overlapping.
_TWO = re.compile("(?=(..))", re.DOTALL)

#: Characters folded alike whatever their case: the Turkish I's (the
#: capital with a dot, the small one without) are plain C{i}.
_TURKISH_I = {0x130: "i", 0x131: "i"}

#: The Arabic tatweel (kashida), which only stretches a word's joins:
#: C{مـحـمـد} is C{محمد}.
_TATWEEL = 0x640

#: A zero-width space separates words, as a space does.
_ZERO_WIDTH_SPACE = 0x200B

#: The characters that L{plain} drops, joining what they separate: IRC's
#: formatting codes (a colour's numbers go with its code) and the controls
#: other than TAB, CTCP's C{\x01} and the line and page breaks (which
#: separate words).  Text without them reads as it is stored.
_CODES = re.compile("[\x00\x02-\x08\x0e-\x1f\x7f-\x9f]")

#: What separates words as a space does where L{plain} would drop it:
#: CTCP's C{\x01} around an action, and line ends.
_BREAKS = {0x01: " ", 0x0A: " ", 0x0D: " "}

#: How many characters' foldings L{_Folding} keeps.
_CACHED = 8192


class _Folding(dict[int, str]):
    """
    What L{str.translate} turns each character into (L{_fold}), worked out
    on first sight and kept for the first L{_CACHED} characters met.
    """

    def __missing__(self, code: int) -> str:
        folded = _fold(code)
        if len(self) < _CACHED:
            self[code] = folded
        return folded


def _fold(code: int) -> str:
    """
    One character of NFKC text as the search form has it: ASCII in lower
    case; letters, digits, marks and private-use characters case-folded,
    without the marks that make no other letter (L{unaccented}, applied
    to each character: NFKC has composed those that make one); format
    characters and the tatweel dropped; any other character (punctuation,
    symbols, spaces, emoji) a space.
    """
    char = chr(code)
    if code < 0x80:
        return char.lower()
    if code in _TURKISH_I:
        return _TURKISH_I[code]
    category = unicodedata.category(char)
    if category == "Cf" or code == _TATWEEL:
        return " " if code == _ZERO_WIDTH_SPACE else ""
    if category[0] in "LNM" or category == "Co":
        return unaccented(unicodedata.normalize("NFKC", char.casefold()))
    return " "


_FOLDING = _Folding()


def visible(text: str) -> str:
    """
    C{text} as readers see it: IRC's formatting codes removed, a colour's
    numbers with its code (L{plain}, the rule every terminal and browser
    is shown), so C{\x02gras\x02ascii} is C{grasascii} and
    C{\x0304,12red} is C{red}; CTCP's C{\x01} and line ends are spaces.
    """
    if _CODES.search(text) is None:
        return text
    return plain(text.translate(_BREAKS))


def hasCodes(text: str) -> bool:
    """
    Whether C{text} holds formatting codes (or other controls) that
    L{visible} removes.
    """
    return _CODES.search(text) is not None


def ownForm(text: str) -> bool:
    """
    Whether C{text}'s search form is other than what the databases'
    tokenizers make of the text itself, so that a store keeps it: C{text}
    is not ASCII, or holds formatting codes (L{hasCodes}).  Printable ASCII
    text, the common case, is told apart without a regular expression.
    """
    if text.isascii():
        return not text.isprintable() and _CODES.search(text) is not None
    return True


def folded(text: str) -> str:
    """
    L{visible} C{text} in NFKC, case-folded, without accents and vowel
    points, the Turkish I's plain C{i}, punctuation and symbols outside
    ASCII spaces, format characters and the tatweel dropped (see
    L{_fold}); for ASCII, its lower case.  What L{searchForm} starts
    from, and what a substring search (the memory store's) compares.
    """
    text = visible(text)
    if text.isascii():
        return text.lower()
    form = unicodedata.normalize("NFKC", text).translate(_FOLDING)
    # NFKC again: a mark kept alone (a kana voicing mark) joins its letter.
    return unicodedata.normalize("NFKC", form)


def searchForm(text: str) -> str:
    """
    The text the search indexes hold for C{text}: L{folded}, each run of
    a spaceless script as its overlapping pairs of characters then its last
    character, each a token between spaces (C{明日東京に} is
    C{明日 日東 東京 京に に}).
    """
    form = folded(text)
    if form.isascii() or not _RUN.search(form):
        return form
    return _RUN.sub(_pairs, form)


def _pairs(run: re.Match[str]) -> str:
    text = run.group()
    if len(text) == 1:
        return f" {text} "
    if _MARKLESS.fullmatch(text):  # the common case, in C
        return " " + " ".join(_TWO.findall(text)) + f" {text[-1]} "
    units = _units(text)
    return " " + " ".join(a + b for a, b in pairwise(units)) + f" {units[-1]} "


def _units(run: str) -> list[str]:
    """
    The characters of C{run}, each with the combining marks after it
    (a Thai consonant with its vowel and tone marks).
    """
    if _MARKLESS.fullmatch(run):
        return list(run)
    units: list[str] = []
    for char in run:
        if units and unicodedata.category(char)[0] == "M":
            units[-1] += char
        else:
            units.append(char)
    return units


@dataclass(frozen=True)
class SearchTerm:
    """
    One thing a message must hold to match a query: C{text}, a phrase of
    tokens (as a database's tokenizer cuts it), or, if C{prefix}, a single
    character of a spaceless script that a token must start with.
    """

    text: str
    prefix: bool = False


def searchTerms(words: Iterable[str]) -> list[SearchTerm]:
    """
    What a message's L{searchForm} must hold to match a query of C{words}:
    each word's parts in spaceless scripts as phrases of their pairs of
    characters (or a prefix, for one character), its other parts each a
    phrase, as typed (folded); parts without a letter or digit are left
    out.  A message matches when it holds every term.
    """
    terms: list[SearchTerm] = []
    for word in words:
        form, start = folded(word), 0
        for run in _RUN.finditer(form):
            _addPhrase(terms, form[start : run.start()])
            units = _units(run.group())
            if len(units) == 1:
                terms.append(SearchTerm(units[0], prefix=True))
            else:
                terms.append(SearchTerm(" ".join(a + b for a, b in pairwise(units))))
            start = run.end()
        _addPhrase(terms, form[start:])
    return terms


def _addPhrase(terms: list[SearchTerm], part: str) -> None:
    tokens = part.split()
    if any(char.isalnum() for token in tokens for char in token):
        terms.append(SearchTerm(" ".join(tokens)))
