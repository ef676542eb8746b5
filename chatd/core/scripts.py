# -*- test-case-name: tests.unit.core.test_names -*-
"""
Which scripts (writing systems) a name's letters come from, and whether it
mixes them as UTS #39's "Highly Restrictive" level (section 5.2) forbids:
a name is written in one script, or in Latin with the scripts a Chinese,
Japanese or Korean name joins to it (Han with Hiragana and Katakana, with
Bopomofo, or with Hangul).  A Latin name with one Greek or Cyrillic letter
(C{msνance}, C{gоd}) is the look-alike this refuses: the name's key cannot
both ignore case and read Greek C{ν} as C{v} (its capital C{Ν} is C{N}).

Python's C{unicodedata} has no Script property; a letter's Unicode name
starts with its script's (C{LATIN SMALL LETTER A}, C{GREEK SMALL LETTER
NU}, C{CJK UNIFIED IDEOGRAPH-5C71}), which is what L{scriptOf} reads.
Digits, C{_}, C{-}, combining marks and modifier letters (Common and
Inherited characters, such as Japanese C{ー} and C{々}) belong to no script.
"""

from __future__ import annotations

import unicodedata

#: What the first word of a letter's name says of its script, when it is
#: not the script's own name.
_ALIASES = {"CJK": "Han", "IDEOGRAPHIC": "Han"}

#: The scripts that may join Latin in one name (UTS #39, 5.2).
_WITH_LATIN = (
    frozenset({"Latin", "Han", "Hiragana", "Katakana"}),
    frozenset({"Latin", "Han", "Bopomofo"}),
    frozenset({"Latin", "Han", "Hangul"}),
)


def scriptOf(ch: str) -> str | None:
    """
    The script of C{ch} (C{Latin}, C{Greek}, C{Cyrillic}, C{Han}...), or
    C{None} for what belongs to none (a digit, C{_}, a mark, a modifier
    letter).
    """
    if ch.isascii():
        return "Latin" if ch.isalpha() else None
    if unicodedata.category(ch) not in ("Lu", "Ll", "Lt", "Lo"):
        return None
    word = unicodedata.name(ch, "").split(" ")[0]
    return _ALIASES.get(word, word.capitalize()) or None


def mixedScripts(name: str) -> tuple[str, str] | None:
    """
    The first two scripts of C{name} that may not go together (C{("Latin",
    "Greek")} for C{msνance}), or C{None} if its letters keep to one script
    or to one of the combinations UTS #39's Highly Restrictive level allows.
    """
    if name.isascii():
        return None
    seen: list[str] = []
    for ch in name:
        script = scriptOf(ch)
        if script is None or script in seen:
            continue
        together = frozenset([*seen, script])
        if seen and not any(together <= allowed for allowed in _WITH_LATIN):
            first = "Latin" if "Latin" in together else seen[0]
            return first, script if script != first else seen[0]
        seen.append(script)
    return None
