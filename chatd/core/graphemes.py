# -*- test-case-name: tests.unit.core.test_graphemes,tests.unit.test_text_protocols -*-
"""
Where text may be cut to fit a byte budget: L{clusterCut}, the one rule
every front-end's cutting follows (IRC's 512-byte lines and its
C{TOPICLEN}, TCHAT's 4096-byte lines, history replayed in either), so a
person never sees half a character as they see it; and L{lastCluster},
what one backspace erases in talk mode's line editing.

What a reader sees as one character (a grapheme cluster, UAX #29) may be
several code points: C{é} written as C{e} and a combining accent, a
family emoji joined by zero-width joiners, a flag made of two regional
indicators.  Neither the C{regex} module's C{\\X} nor C{grapheme} is a
dependency of chatd, so this is a small rule over L{unicodedata}
covering what splits visibly: it never cuts

 - before a combining mark (categories Mn, Mc, Me: accents, vowel
   signs, variation selectors U+FE00-FE0F), a zero-width joiner or
   non-joiner, an emoji skin-tone modifier (U+1F3FB-1F3FF), a tag
   character (U+E0020-E007F, of subdivision flags) or a half-width
   katakana sound mark;
 - after a zero-width joiner (the emoji it joins);
 - inside a pair of regional indicators (a flag);
 - inside a Hangul syllable spelled in conjoining jamo.

It does not know Prepend characters or Indic conjuncts (UAX #29's
extended rules), which are rare in chat and shown well enough cut.
"""

from __future__ import annotations

import unicodedata

_ZWJ = 0x200D
_MARKS = frozenset(("Mn", "Mc", "Me"))
_REGIONAL = range(0x1F1E6, 0x1F200)

#: Hangul jamo, by UAX #29's classes: leading consonants (L), vowels (V)
#: and trailing consonants (T); syllables are LV or LVT (L{_hangul}).
_L = (range(0x1100, 0x1160), range(0xA960, 0xA97D))
_V = (range(0x1160, 0x11A8), range(0xD7B0, 0xD7C7))
_T = (range(0x11A8, 0x1200), range(0xD7CB, 0xD7FC))
_SYLLABLES = range(0xAC00, 0xD7A4)
#: Which Hangul class may follow which within one syllable.
_HANGUL_FOLLOWS = {
    "L": {"L", "V", "LV", "LVT"},
    "V": {"V", "T"},
    "LV": {"V", "T"},
    "T": {"T"},
    "LVT": {"T"},
}


def clusterCut(data: bytes, limit: int) -> int:
    """
    Where to cut the UTF-8 C{data} so that its start is at most C{limit}
    bytes: the last boundary between two grapheme clusters (see the module
    docstring) within C{limit}; all of C{data} if it fits.  A first
    cluster longer than C{limit} is cut at a code point, the budget winning.
    """
    if len(data) <= limit:
        return len(data)
    if limit <= 0:  # no room at all (a line whose other parts fill it)
        return 0
    cut = limit
    while cut > 0 and data[cut] & 0xC0 == 0x80:  # inside a character
        cut -= 1
    first = cut
    while cut > 0:
        start = _previousStart(data, cut)
        if not _joined(data, start, cut):
            return cut
        cut = start
    return first


def _previousStart(data: bytes, end: int) -> int:
    """Where the code point ending at C{end} starts."""
    start = end - 1
    while start > 0 and data[start] & 0xC0 == 0x80:
        start -= 1
    return start


def _codePoint(data: bytes, start: int) -> int:
    """The code point starting at C{start}."""
    end = start + 1
    while end < len(data) and data[end] & 0xC0 == 0x80:
        end += 1
    return ord(data[start:end].decode("utf-8", "surrogatepass"))


def lastCluster(text: str) -> str:
    """
    The last grapheme cluster of C{text} (see the module docstring): what
    one backspace takes away from a line typed, as the person sees it;
    C{""} for C{""}.
    """
    start = len(text) - 1
    while start > 0:
        regional = 0
        if ord(text[start]) in _REGIONAL:
            while start - regional > 0 and ord(text[start - regional - 1]) in _REGIONAL:
                regional += 1
        if not _joins(ord(text[start - 1]), ord(text[start]), regional):
            break
        start -= 1
    return text[max(start, 0) :]


def _joined(data: bytes, start: int, cut: int) -> bool:
    """
    Whether the code point at C{start} and the one at C{cut} (its next)
    belong to one cluster.
    """
    after = _codePoint(data, cut)
    regional = _regionalBefore(data, cut) if after in _REGIONAL else 0
    return _joins(_codePoint(data, start), after, regional)


def _joins(before: int, after: int, regional: int) -> bool:
    """
    Whether the code point C{after} belongs to the cluster of C{before},
    the code point before it, which ends a run of C{regional} regional
    indicators (counted only when C{after} is one).
    """
    if before == _ZWJ or _extends(after):
        return True
    if before in _REGIONAL and after in _REGIONAL:
        return regional % 2 == 1  # the second of a pair follows
    hangulBefore, hangulAfter = _hangul(before), _hangul(after)
    return hangulAfter in _HANGUL_FOLLOWS.get(hangulBefore, ())


def _extends(code: int) -> bool:
    """Whether the code point C{code} belongs with the one before it."""
    if code < 0x300:  # ASCII and Latin-1: none (the fast path)
        return False
    return (
        unicodedata.category(chr(code)) in _MARKS
        or code in (0x200C, _ZWJ, 0xFF9E, 0xFF9F)
        or 0x1F3FB <= code <= 0x1F3FF
        or 0xE0020 <= code <= 0xE007F
    )


def _regionalBefore(data: bytes, end: int) -> int:
    """How many regional indicators come right before C{end}."""
    count = 0
    while end > 0:
        start = _previousStart(data, end)
        if _codePoint(data, start) not in _REGIONAL:
            break
        count, end = count + 1, start
    return count


def _hangul(code: int) -> str:
    """The Hangul class of C{code} (C{L}, C{V}, C{T}, C{LV}, C{LVT}), or C{""}."""
    if code in _SYLLABLES:
        return "LV" if (code - _SYLLABLES.start) % 28 == 0 else "LVT"
    for name, ranges in (("L", _L), ("V", _V), ("T", _T)):
        if any(code in r for r in ranges):
            return name
    return ""
