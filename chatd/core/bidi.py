# -*- test-case-name: tests.unit.test_bidi_frontends -*-
"""
Bidi controls in what terminals are shown: a passage of another direction
that a text opens (an embedding, override or isolate, UAX #9) ends with
the text, so that it turns around only its own letters, never what a
terminal draws after it on the line.  L{chatd.core.text}'s output rules
(C{plain}, C{ircText}) ask it.
"""

from __future__ import annotations

import re

#: The bidi controls that open a passage of another direction
#: (embeddings LRE, RLE and overrides LRO, RLO; isolates LRI, RLI, FSI),
#: and those that close one (PDF, PDI).
#: Those controls, as the ranges of a character class.
BIDI_CONTROLS = "\u202a-\u202e\u2066-\u2069"
_BIDI = re.compile(f"[{BIDI_CONTROLS}]")
_PDF, _PDI = "\u202c", "\u2069"
_ISOLATES = frozenset("\u2066\u2067\u2068")
_OPENERS = re.compile("[\u202a\u202b\u202d\u202e\u2066-\u2068]")


def _openBidi(text: str) -> list[tuple[int, bool]]:
    """
    The passages C{text} opens and never closes, innermost last, as
    (index of its opening control, whether it is an isolate), read as
    Unicode's bidi algorithm reads them (UAX #9, X1-X8): a PDF closes the
    innermost embedding or override but never one outside an open isolate;
    a PDI closes the innermost open isolate and whatever opened inside it.
    """
    opened: list[tuple[int, bool]] = []
    isolates = 0
    for found in _BIDI.finditer(text):
        char = found.group()
        if char == _PDF:
            if opened and not opened[-1][1]:
                opened.pop()
        elif char == _PDI:
            while isolates and not opened.pop()[1]:
                pass
            isolates = max(isolates - 1, 0)
        else:
            opened.append((found.start(), char in _ISOLATES))
            isolates += char in _ISOLATES
    return opened


def closedBidi(text: str) -> str:
    """
    C{text} with every embedding, override (U+202A-U+202E) and isolate
    (U+2066-U+2068) it leaves open closed at its end (a PDF U+202C or a PDI
    U+2069 each, innermost first), as a terminal is shown a message, a
    topic or a name: a right-to-left override in it turns its own letters
    around as typed, never what a terminal draws after it on the line (the
    next speaker's name, a command).  Text without bidi controls is
    returned as it is.
    """
    if _BIDI.search(text) is None:
        return text
    opened = _openBidi(text)
    return text + "".join(_PDI if isolate else _PDF for _, isolate in reversed(opened))


def bidiRoom(text: str, most: int) -> int:
    """
    The bytes of UTF-8 (at most C{most}) that L{closedBidi} may add to any
    piece of C{text}: three for each control that opens a passage.  What
    cuts text into IRC lines leaves this room, so that a closed piece still
    fits its line.
    """
    if _BIDI.search(text) is None:
        return 0
    return min(most, 3 * len(_OPENERS.findall(text)))


def withoutOpenBidi(text: str) -> str:
    """
    C{text} without the embeddings, overrides and isolates it leaves open
    (L{closedBidi}'s other way, for text that may not grow: an IRC line cut
    at its 512 bytes).
    """
    if _BIDI.search(text) is None:
        return text
    drop = {index for index, _ in _openBidi(text)}
    return "".join(char for index, char in enumerate(text) if index not in drop)
