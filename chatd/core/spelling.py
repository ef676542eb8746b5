# -*- test-case-name: tests.unit.core.test_scriptnames,tests.unit.core.test_names,tests.unit.core.test_searchform -*-  # noqa: E501
"""
Which combining marks count, in a name's identity (L{chatd.core.names.key})
and in what a search matches (L{chatd.core.searchform}): those that make
another letter, as opposed to accents and points a reader overlooks and
ordinary writing (or a pupil's keyboard) leaves out (L{unaccented}).

  - Accents on Latin and Greek letters (C{Général} is C{General}, Greek
    C{Νίκος} is C{Νικος}), and the optional vowel points of Hebrew, Arabic
    and Syriac (C{שָׁלוֹם} is C{שלום}, C{مُحَمَّد} is C{محمد}: one name written
    with or without them) are dropped.  These are the marks whose
    Script_Extensions name one of those scripts, or none.
  - A Cyrillic letter with a mark is another letter when Unicode encodes
    the pair as one (C{Й}, C{Ї}, C{Ё}, C{Ў}, C{Ќ}): C{Йосип} is not
    C{Иосип}.  A mark no such letter has (a stress accent on C{е}) is
    dropped, so that C{Gе́néral} with a Cyrillic C{е} is still C{Général}.
  - Every other script's marks spell its words and are kept: the kana
    voicing marks (C{ゲン} is not C{ケン}, C{かがく} not C{かかく}), the
    vowel signs and viramas of the scripts of India (C{प्रिया} is not
    C{परिया}), Thai vowels and tone marks.

Only marks of a nonzero combining class are concerned: the others
(Devanagari's spacing vowel signs, most Thai vowels) are never dropped.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator

from chatd.core.scripts import scriptOf, scriptsOf

#: The scripts whose marks are accents or optional points, not letters.
_ACCENTED = frozenset({"Latin", "Greek", "Cyrillic", "Hebrew", "Arabic", "Syriac"})


def spells(mark: str) -> bool:
    """
    Whether C{mark}, a combining mark, is part of a letter's spelling
    wherever it stands: a mark of scripts none of which is accented (kana,
    Devanagari, Thai...).
    """
    scripts = scriptsOf(mark)
    return bool(scripts) and not scripts & _ACCENTED


def cyrillicLetter(base: str, mark: str) -> str | None:
    """
    The one Cyrillic letter C{base} and C{mark} make (C{И} and a breve:
    C{Й}), or C{None}.
    """
    if scriptOf(base) != "Cyrillic":
        return None
    letter = unicodedata.normalize("NFC", base + mark)
    return letter if len(letter) == 1 else None


def pieces(text: str) -> Iterator[tuple[str, str]]:
    """
    C{text} (in NFD) as C{(plain, kept)} pairs in order: C{plain} text to
    read as a key reads any text (its marks dropped), then C{kept}, the
    marks that spell a letter (L{spells}) or a Cyrillic letter with its
    mark (L{cyrillicLetter}, composed), kept as they are.
    """
    plain = ""
    base = ""  # the letter just before, while no mark followed it
    for ch in text:
        if not unicodedata.combining(ch):
            plain += ch
            base = ch
            continue
        letter = cyrillicLetter(base, ch) if base else None
        if letter is not None:
            yield plain[: -len(base)], letter
            plain = ""
        elif spells(ch):
            yield plain, ch
            plain = ""
        else:
            plain += ch
        base = ""
    yield plain, ""


def withoutMarks(text: str) -> str:
    """
    C{text} decomposed (NFD) without any of its combining marks (accents,
    cedillas...), for text L{pieces} found plain.
    """
    return "".join(ch for ch in unicodedata.normalize("NFD", text) if not unicodedata.combining(ch))


def unaccented(text: str) -> str:
    """
    C{text} (in NFC) without the marks that make no other letter
    (L{pieces}): C{école} is C{ecole}, C{ışık} C{ısık} (without the cedilla),
    C{مُحَمَّد} C{محمد}, C{שָׁלוֹם} C{שלום}; but C{ゲン}, C{Йосип} and
    C{प्रिया} keep theirs.
    """
    if text.isascii():
        return text
    kept = (
        withoutMarks(plain) + mark for plain, mark in pieces(unicodedata.normalize("NFD", text))
    )
    return unicodedata.normalize("NFC", "".join(kept))
