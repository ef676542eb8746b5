# -*- test-case-name: tests.unit.core.test_names,tests.unit.core.test_scriptnames -*-
"""
Which scripts (writing systems) a name's letters come from, and whether it
mixes them as UTS #39's "Highly Restrictive" level (section 5.2) forbids:
a name is written in one script, or in Latin with the scripts a Chinese,
Japanese or Korean name joins to it (Han with Hiragana and Katakana, with
Bopomofo, or with Hangul).  A Latin name with one Greek or Cyrillic letter
(C{msνance}, C{gоd}) is the look-alike this refuses: the name's key cannot
both ignore case and read Greek C{ν} as C{v} (its capital C{Ν} is C{N}).

A character's scripts are its Unicode Script_Extensions property, as UTS
#39 reads them (the C{unicodedataplus} package: Python's C{unicodedata}
has none): Common and Inherited characters belong to no script (ASCII
digits, C{_}, C{-}), save to those their extensions name: one shared by
several scripts belongs to each of them (Japanese C{ー} to Hiragana and
Katakana, an acute accent to Latin, Greek, Cyrillic and a few more).
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

import unicodedataplus

#: The long name of each script's four-letter code (C{Latn}: C{Latin}).
_NAMES = {
    code: name.replace("_", " ")
    for name, codes in unicodedataplus.property_value_aliases["script"].items()
    for code in codes
}
#: What belongs to no script: Common, Inherited, Unknown.
_NO_SCRIPT = frozenset({"Common", "Inherited", "Unknown"})
_LATIN = frozenset({"Latin"})

#: The scripts that may join Latin in one name (UTS #39, 5.2).
_WITH_LATIN = (
    frozenset({"Latin", "Han", "Hiragana", "Katakana"}),
    frozenset({"Latin", "Han", "Bopomofo"}),
    frozenset({"Latin", "Han", "Hangul"}),
)


@lru_cache(maxsize=4096)
def scriptsOf(ch: str) -> frozenset[str]:
    """
    The scripts C{ch} is written in (its Script_Extensions: C{{"Latin"}},
    C{{"Hiragana", "Katakana"}} for C{ー}), empty for what belongs to none
    (a digit, C{_}).
    """
    if ch.isascii():
        return _LATIN if ch.isalpha() else frozenset()
    scripts = frozenset(_NAMES[code] for code in unicodedataplus.script_extensions(ch))
    return scripts - _NO_SCRIPT


def scriptOf(ch: str) -> str | None:
    """
    The script of C{ch} (its Script property: C{Latin}, C{Greek},
    C{Cyrillic}, C{Han}...), or C{None} for what belongs to none (Common
    and Inherited characters: a digit, C{_}, an accent, C{ー}).
    """
    if ch.isascii():
        return "Latin" if ch.isalpha() else None
    script = str(unicodedataplus.script(ch)).replace("_", " ")
    return None if script in _NO_SCRIPT else script


def mixedScripts(name: str) -> tuple[str, str] | None:
    """
    The first two scripts of C{name} that may not go together (C{("Latin",
    "Greek")} for C{msνance}), or C{None} if its letters keep to one script
    or to one of the combinations UTS #39's Highly Restrictive level allows.
    A character of several scripts goes with any of them.
    """
    if name.isascii():
        return None
    seen: list[frozenset[str]] = []
    for ch in name:
        scripts = scriptsOf(ch)
        if not scripts:
            continue
        if seen and not _allowed([*seen, scripts]):
            before, now = _primary(seen), min(scripts)
            first = "Latin" if any("Latin" in each for each in [*seen, scripts]) else before
            return first, now if now != first else before
        seen.append(scripts)
    return None


def _allowed(sets: list[frozenset[str]]) -> bool:
    """
    Whether characters of these scripts make a single-script name (one
    script common to all), or one of the combinations with Latin.
    """
    if frozenset.intersection(*sets):
        return True
    return any(all(each & allowed for each in sets) for allowed in _WITH_LATIN)


def _primary(seen: list[frozenset[str]]) -> str:
    """
    The script the characters seen so far share, for a refusal's words.
    """
    common = frozenset.intersection(*seen)
    return sorted(common or seen[0])[0]


#: The most nonspacing marks one letter may carry in a new name (UTS #39,
#: 5.4: Vietnamese needs two, Indic and Tibetan stacks a few).
MOST_MARKS = 4


def stackedMarks(name: str) -> bool:
    """
    Whether C{name} piles marks on a letter as no writing does (UTS #39's
    optional checks, 5.4): more than L{MOST_MARKS} nonspacing marks in a
    row, or one mark twice in a row, once decomposed (NFD).  Such "Zalgo"
    text smears over the lines around it, or hides a letter under a mark
    drawn twice.
    """
    if name.isascii():
        return False
    run, last = 0, ""
    for ch in unicodedata.normalize("NFD", name):
        if unicodedata.category(ch) != "Mn":
            run, last = 0, ""
            continue
        run += 1
        if run > MOST_MARKS or ch == last:
            return True
        last = ch
    return False
